using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>Global average pooling, height x width x channels to channels: forward (the mean of each channel) and
    /// backward (dy / pixels at every position) side by side.</summary>
    internal sealed class GlobalAveragePoolEmitter : LayerEmitter
    {
        public static readonly GlobalAveragePoolEmitter Instance = new();

        private GlobalAveragePoolEmitter()
        {
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input} -> {layer.Output}, the mean of each channel.";

        public override void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output)
        {
            Header(w, layer);
            w.Line($"global::System.Span<float> {output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.Pooling.GlobalAverageForward({input}, {output}, batch, {layer.Input.Height * layer.Input.Width}, {layer.Input.Channels});");
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

            w.Line($"// dx = dy / {layer.Input.Height * layer.Input.Width} at every position");
            w.Line($"global::Compiled.Kernels.Pooling.GlobalAverageBackward({site.OutputGradient}, {site.InputGradient}, batch, {layer.Input.Height * layer.Input.Width}, {layer.Input.Channels});");
        }
    }
}
