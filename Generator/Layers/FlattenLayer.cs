using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[Flatten]</c> has no arguments of its own.</summary>
    internal sealed record FlattenArguments : LayerArguments;

    /// <summary>Flatten: an image or a sequence becomes a vector of all its values. A channels-last sample is already one
    /// row-major vector, so both passes are free: the output is the input span, and the gradient passes through in the
    /// same buffer.</summary>
    internal sealed class FlattenLayer : LayerDefinition<FlattenArguments>
    {
        public static readonly FlattenLayer Instance = new();

        private FlattenLayer()
        {
        }

        public override string Kind => "Flatten";

        public override string AttributeName => "Compiled.FlattenAttribute";

        public override string NamePrefix => "flatten";

        public override bool HasOutputBuffer => false;

        public override bool PassesGradientThrough => true;

        public override LayerArguments? Read(LayerReader reader) => reader.Count == 0 ? new FlattenArguments() : null;

        protected override LayerShape Infer(ShapeContext context, FlattenArguments arguments) =>
            new(TensorShape.Vector(context.Input.Size));

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input} -> {layer.Output}, flatten (the same values in the same order).";

        public override void EmitForward(SourceWriter w, ForwardSite site) => EmitViewForward(w, site);

        public override void EmitBackward(SourceWriter w, BackwardSite site) => EmitViewBackward(w, site);


        /// <summary>ONNX <c>Flatten</c> of the input in this library's layout, so the values come in its order (height, width,
        /// channels).</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            site.Begin(w, Describe(site.Layer));
            w.Line($"string {site.Output} = graph.Node(\"Flatten\", new[] {{ graph.ChannelsLast({site.Input}) }}, global::Compiled.GraphAttribute.Integer(\"axis\", 1));");
        }
    }
}
