using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[GlobalAveragePool2D]</c> has no arguments of its own.</summary>
    internal sealed record GlobalAveragePoolArguments : LayerArguments;

    /// <summary>Global average pooling, height x width x channels to channels: shape rule, forward (the mean of each channel)
    /// and backward (dy / pixels at every position) side by side.</summary>
    internal sealed class GlobalAveragePoolLayer : LayerDefinition<GlobalAveragePoolArguments>
    {
        public static readonly GlobalAveragePoolLayer Instance = new();

        private GlobalAveragePoolLayer()
        {
        }

        public override string Kind => "GlobalAveragePool2D";

        public override string AttributeName => "Compiled.GlobalAveragePool2DAttribute";

        public override string NamePrefix => "globalpool";

        public override LayerArguments? Read(LayerReader reader) => reader.Count == 0 ? new GlobalAveragePoolArguments() : null;

        protected override LayerShape Infer(ShapeContext context, GlobalAveragePoolArguments arguments) =>
            context.RequireImage() ? new LayerShape(TensorShape.Vector(context.Input.Channels)) : context.Unknown();

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input} -> {layer.Output}, the mean of each channel.";

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.Pooling.GlobalAverageForward({site.Input}, {site.Output}, batch, {layer.Input.Height * layer.Input.Width}, {layer.Input.Channels});");
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

            string add = site.AccumulateInputGradient ? ", accumulate: true" : string.Empty;
            w.Line($"// dx {(site.AccumulateInputGradient ? "+=" : "=")} dy / {layer.Input.Height * layer.Input.Width} at every position");
            w.Line($"global::Compiled.Kernels.Pooling.GlobalAverageBackward({site.OutputGradient}, {site.InputGradient}, batch, {layer.Input.Height * layer.Input.Width}, {layer.Input.Channels}{add});");
        }


        /// <summary>ONNX <c>ReduceMean</c> over the image's height and width, wherever they are in its layout.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            site.Begin(w, Describe(site.Layer));
            w.Line($"string {site.Output} = graph.Node(\"ReduceMean\", new[] {{ {site.Input} }}, global::Compiled.GraphAttribute.Integers(\"axes\", graph.IsChannelsFirst({site.Input}) ? new long[] {{ 2, 3 }} : new long[] {{ 1, 2 }}), global::Compiled.GraphAttribute.Integer(\"keepdims\", 0));");
        }
    }
}
