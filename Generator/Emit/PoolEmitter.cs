using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// Max and average pooling over a window, per channel: forward and backward side by side. Max pooling keeps the
    /// index of each maximum in the workspace (the saved buffer) so that its backward pass routes dy there; average
    /// pooling spreads dy evenly over the window. Both call the runtime's <c>Pooling</c> with the layer's geometry.
    /// </summary>
    internal sealed class PoolEmitter : LayerEmitter
    {
        public static readonly PoolEmitter Max = new(isMax: true);
        public static readonly PoolEmitter Average = new(isMax: false);

        private readonly bool _isMax;

        private PoolEmitter(bool isMax) => _isMax = isMax;

        public override string Describe(ShapedLayer layer)
        {
            Window k = layer.Window;
            return $"{layer.Name}: {layer.Input} -> {layer.Output}, {(_isMax ? "max" : "average")} of {k} windows, {k.DescribeStrideAndPadding()}.";
        }

        public override void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
            Window k = layer.Window;
            w.Line($"private static readonly global::Compiled.Kernels.PoolGeometry {layer.Identifier}Geometry = new global::Compiled.Kernels.PoolGeometry(");
            w.Line($"    {layer.Input.Height}, {layer.Input.Width}, {layer.Input.Channels}, {k.Height}, {k.Width}, {k.StrideHeight}, {k.StrideWidth}, {k.PadTop}, {k.PadLeft}, {layer.Output.Height}, {layer.Output.Width});");
        }

        public override void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output)
        {
            string id = layer.Identifier;
            Header(w, layer);
            w.Line($"global::System.Span<float> {output} = workspace.Slice({id}OutputOffset, batch * {layer.OutputSize});");
            w.Line(_isMax
                ? $"global::Compiled.Kernels.Pooling.MaxForward(in {id}Geometry, {input}, {output}, {Argmax(layer)}, batch);"
                : $"global::Compiled.Kernels.Pooling.AverageForward(in {id}Geometry, {input}, {output}, batch);");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            if (site.InputGradient is null)
            {
                w.Line("// The first layer: nothing before it needs a gradient.");
                return;
            }

            w.Line(_isMax ? "// dx = dy at each window's maximum, 0 elsewhere" : "// dx = dy / (window cells), spread over each window");
            w.Line(_isMax
                ? $"global::Compiled.Kernels.Pooling.MaxBackward(in {layer.Identifier}Geometry, {site.OutputGradient}, {Argmax(layer)}, {site.InputGradient}, batch);"
                : $"global::Compiled.Kernels.Pooling.AverageBackward(in {layer.Identifier}Geometry, {site.OutputGradient}, {site.InputGradient}, batch);");
        }

        // The indices are ints kept in the float workspace: same size, and one allocation for everything.
        private static string Argmax(ShapedLayer layer) =>
            $"global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(workspace.Slice({layer.Identifier}SavedOffset, batch * {layer.OutputSize}))";
    }
}
