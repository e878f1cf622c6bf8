using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[Reshape(height, width, channels)]</c> as written.</summary>
    internal sealed record ReshapeArguments(int Height, int Width, int Channels) : LayerArguments;

    /// <summary>Reshape: a sample's values, in their order, read as a height x width x channels image (Keras' <c>Reshape</c>).
    /// Like Flatten, both passes are free: the output is the input span, and the gradient passes through in the same
    /// buffer. The sizes must match (CMP0033).</summary>
    internal sealed class ReshapeLayer : LayerDefinition<ReshapeArguments>
    {
        public static readonly ReshapeLayer Instance = new();

        private ReshapeLayer()
        {
        }

        public override string Kind => "Reshape";

        public override string AttributeName => "Compiled.ReshapeAttribute";

        public override string NamePrefix => "reshape";

        public override bool HasOutputBuffer => false;

        public override bool PassesGradientThrough => true;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count == 3 ? new ReshapeArguments(reader.Int(0), reader.Int(1), reader.Int(2)) : null;

        protected override LayerShape Infer(ShapeContext context, ReshapeArguments arguments)
        {
            bool valid = context.CheckAtLeastOne(arguments.Height, ArgumentRef.Positional(0), "height");
            valid &= context.CheckAtLeastOne(arguments.Width, ArgumentRef.Positional(1), "width");
            valid &= context.CheckAtLeastOne(arguments.Channels, ArgumentRef.Positional(2), "channels");
            if (!valid || !context.ShapeKnown)
            {
                return context.Unknown();
            }

            long size = (long)arguments.Height * arguments.Width * arguments.Channels;
            if (size != context.Input.Size)
            {
                TensorShape input = context.Input;
                string reads = input.Kind == ShapeKind.Vector ? input.Describe() : $"{input.Describe()} of {ShapeContext.Invariant(input.Size)} values";
                context.Report(
                    IssueKinds.ReshapeSizeDiffers, ArgumentRef.PositionalFrom(0), context.Name, reads,
                    $"{arguments.Height}x{arguments.Width}x{arguments.Channels}", ShapeContext.Invariant(size));
                return context.Unknown();
            }

            var output = TensorShape.Image(arguments.Height, arguments.Width, arguments.Channels);
            context.Trail.Add($"{output} ({context.Name})");
            return new LayerShape(output);
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input} -> {layer.Output}, reshape (the same values in the same order).";

        public override void EmitForward(SourceWriter w, ForwardSite site) => EmitViewForward(w, site);

        public override void EmitBackward(SourceWriter w, BackwardSite site) => EmitViewBackward(w, site);


        /// <summary>ONNX <c>Reshape</c> to [N, height, width, channels]: the same values in the same order, channels-last.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            site.Begin(w, Describe(layer));
            w.Line($"string {site.Output} = graph.Node(\"Reshape\", new[] {{ graph.ChannelsLast({site.Input}), graph.Integers(-1, {layer.Output.Height}, {layer.Output.Width}, {layer.Output.Channels}) }});");
        }
    }
}
