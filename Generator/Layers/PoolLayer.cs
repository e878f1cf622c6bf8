using System.Linq;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[MaxPool2D(size)]</c>, <c>[AveragePool2D(height, width)]</c> as written; a stride of 0 means the window's size.</summary>
    internal sealed record PoolArguments(int Height, int Width, int Stride, PaddingKind Padding) : LayerArguments;

    /// <summary>Pooling: the window's geometry.</summary>
    internal sealed record PoolDetails(Window Window) : LayerDetails;

    /// <summary>
    /// Max and average pooling over a window, per channel: shape rule, forward and backward side by side. Max pooling
    /// keeps the index of each maximum in the workspace so that its backward pass routes dy there; average pooling
    /// spreads dy evenly over the window. Both call the runtime's <c>Pooling</c> with the layer's geometry.
    /// </summary>
    internal sealed class PoolLayer : LayerDefinition<PoolArguments>
    {
        public static readonly PoolLayer Max = new(isMax: true);
        public static readonly PoolLayer Average = new(isMax: false);

        private readonly bool _isMax;

        private PoolLayer(bool isMax) => _isMax = isMax;

        /// <summary>The name of the constant that says whether a plan keeps the argmax indices: true in the training plan
        /// (the backward pass routes through them), false in the inference plan, whose nested class hides the outer one
        /// as it hides the offsets; a prediction then pools the values alone.</summary>
        internal const string KeepsArgmax = "KeepsArgmax";

        /// <summary>Whether <paramref name="network"/> has a max pool, so that its plans define <see cref="KeepsArgmax"/>.</summary>
        internal static bool HasMaxPool(ShapedNetwork network) => network.Layers.Any(l => l.Definition == Max);

        public override string Kind => _isMax ? "MaxPool2D" : "AveragePool2D";

        public override string AttributeName => _isMax ? "Compiled.MaxPool2DAttribute" : "Compiled.AveragePool2DAttribute";

        public override string NamePrefix => _isMax ? "maxpool" : "avgpool";

        public override bool HasStaticMembers => true;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count is 1 or 2
                ? new PoolArguments(reader.Int(0), reader.Int(reader.Count - 1), reader.NamedInt("Stride", 0), (PaddingKind)reader.NamedInt("Padding", 0))
                : null;

        protected override LayerShape Infer(ShapeContext context, PoolArguments arguments)
        {
            var resolved = WindowRule.Resolve(context, arguments.Height, arguments.Width, arguments.Stride, arguments.Padding, isConvolution: false, firstWindowArgument: 0);
            if (resolved is not { } geometry)
            {
                return context.Unknown();
            }

            var output = TensorShape.Image(geometry.Height, geometry.Width, context.Input.Channels);
            context.Trail.Add($"{output} ({context.Name})");
            return new LayerShape(output)
            {
                // The argmax indices are ints kept in the float workspace: same size, and one allocation for everything.
                Saved = _isMax
                    ? new[] { new WorkspaceBuffer("Saved", output.Size, "argmax indices, " + output) { TrainingOnly = true } }.ToEquatableArray()
                    : EquatableArray<WorkspaceBuffer>.Empty,
                Details = new PoolDetails(geometry.Window),
            };
        }

        private static Window WindowOf(ShapedLayer layer) => ((PoolDetails)layer.Details!).Window;

        public override string Describe(ShapedLayer layer)
        {
            Window k = WindowOf(layer);
            return $"{layer.Name}: {layer.Input} -> {layer.Output}, {(_isMax ? "max" : "average")} of {k} windows, {k.DescribeStrideAndPadding()}.";
        }

        public override void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
            Window k = WindowOf(layer);
            w.Line($"private static readonly global::Compiled.Kernels.PoolGeometry {layer.Identifier}Geometry = new global::Compiled.Kernels.PoolGeometry(");
            w.Line($"    {layer.Input.Height}, {layer.Input.Width}, {layer.Input.Channels}, {k.Height}, {k.Width}, {k.StrideHeight}, {k.StrideWidth}, {k.PadTop}, {k.PadLeft}, {layer.Output.Height}, {layer.Output.Width});");
        }

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            (ShapedLayer layer, string input, string output) = (site.Layer, site.Input, site.Output);
            string id = layer.Identifier;
            Header(w, layer);
            if (site.ComputedByInput)
            {
                w.Line("// Pooled by the convolution's call above, a chunk of whole samples at a time.");
                return;
            }

            w.Line($"global::System.Span<float> {output} = workspace.Slice({id}OutputOffset, batch * {layer.OutputSize});");
            w.Line(_isMax
                ? $"global::Compiled.Kernels.Pooling.MaxForward(in {id}Geometry, {input}, {output}, {ForwardArgmax(layer)}, batch);"
                : $"global::Compiled.Kernels.Pooling.AverageForward(in {id}Geometry, {input}, {output}, batch);");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            if (site.ComputedByInput)
            {
                w.Line("// Routed by the convolution's call below, a chunk of whole samples at a time.");
                return;
            }

            if (site.InputGradient is null)
            {
                w.Line("// The first layer: nothing before it needs a gradient.");
                return;
            }

            string add = site.AccumulateInputGradient ? ", accumulate: true" : string.Empty;
            bool relu = _isMax && site.ReluDerivativeOnInputGradient;
            string reluArgument = relu ? $", reluOutput: {site.Output}" : string.Empty;
            w.Line((_isMax ? "// dx = dy at each window's maximum, 0 elsewhere" : "// dx = dy / (window cells), spread over each window")
                + (relu ? "; times ReLU's derivative there (the pooled value is the ReLU output)" : string.Empty)
                + (site.AccumulateInputGradient ? "; added to dx" : string.Empty));
            w.Line(_isMax
                ? $"global::Compiled.Kernels.Pooling.MaxBackward(in {layer.Identifier}Geometry, {site.OutputGradient}, {Argmax(layer)}, {site.InputGradient}, batch{add}{reluArgument});"
                : $"global::Compiled.Kernels.Pooling.AverageBackward(in {layer.Identifier}Geometry, {site.OutputGradient}, {site.InputGradient}, batch{add});");
        }

        /// <summary>The emitted span of a max pool's argmax indices.</summary>
        internal static string Argmax(ShapedLayer layer) =>
            $"global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>({SavedSlice(layer, "Saved")})";

        /// <summary>The argmax span of a forward call: the indices in the training plan, none (a constant the JIT folds) in
        /// the inference plan.</summary>
        internal static string ForwardArgmax(ShapedLayer layer) => $"{KeepsArgmax} ? {Argmax(layer)} : default";


        // ---------------------------------------------------------------- export

        /// <summary>ONNX <c>MaxPool</c> or <c>AveragePool</c> on channels-first images; padded cells are not counted in a mean
        /// (<c>count_include_pad = 0</c>), as here.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            Window k = WindowOf(layer);
            site.Begin(w, Describe(layer));
            string extra = _isMax ? string.Empty : ", global::Compiled.GraphAttribute.Integer(\"count_include_pad\", 0)";
            w.Line($"string {site.Output} = graph.Node(\"{(_isMax ? "MaxPool" : "AveragePool")}\", new[] {{ graph.ChannelsFirst({site.Input}) }},");
            w.Line($"    {WindowRule.ExportAttributes(k, layer.Input, layer.Output)}{extra});");
            w.Line($"graph.MarkChannelsFirst({site.Output});");
        }
    }
}
