using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[Embedding(dimension)]</c> as written.</summary>
    internal sealed record EmbeddingArguments(int Dimension) : LayerArguments;

    /// <summary>
    /// A learned vector per token id, PyTorch's <c>nn.Embedding</c>: reads the network's token ids ([steps] of int) and
    /// writes a steps x dimension sequence whose row t is weight[id_t]; the weight [vocabulary, dimension] starts N(0, 1)
    /// as PyTorch's does. The backward pass adds each row's gradient to the weight row it came from; ids have no gradient.
    /// </summary>
    internal sealed class EmbeddingLayer : LayerDefinition<EmbeddingArguments>
    {
        public static readonly EmbeddingLayer Instance = new();

        private EmbeddingLayer()
        {
        }

        public override string Kind => "Embedding";

        public override string AttributeName => "Compiled.EmbeddingAttribute";

        public override string NamePrefix => "embedding";

        public override bool ActsPerStep => true;

        public override bool ReadsTokens => true;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count == 1 ? new EmbeddingArguments(reader.Int(0)) : null;

        protected override LayerShape Infer(ShapeContext context, EmbeddingArguments arguments)
        {
            bool dimensionValid = context.CheckAtLeastOne(arguments.Dimension, ArgumentRef.Positional(0), "dimension");
            if (!context.ShapeKnown)
            {
                return context.Unknown();
            }

            if (!context.Input.IsInteger)
            {
                context.Report(IssueKinds.EmbeddingNeedsTokens, null, context.Name, context.Input.Describe());
                return context.Unknown();
            }

            if (!dimensionValid)
            {
                return context.Unknown();
            }

            int vocabulary = context.Spec.Vocabulary, steps = context.Input.Rows, dimension = arguments.Dimension;
            return new LayerShape(TensorShape.Sequence(steps, dimension))
            {
                Parameters = new[]
                {
                    new ParameterTensor("weight", new[] { vocabulary, dimension }.ToEquatableArray(), InitializerKind.StandardNormal, vocabulary, dimension, Penalized: true, "token ids by dimension"),
                }.ToEquatableArray(),
            };
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input} -> {layer.Output}, a learned vector per id; weight [{layer.Parameter("weight").Shape[0]}, {ArgumentsOf(layer).Dimension}].";

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line("// y[t] = weight[id_t]; the ids travel as the bits of the float input span");
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.Embedding.Forward({Ids(site.Input)}, {Slice("parameters", layer, "weight")}, {site.Output}, {ArgumentsOf(layer).Dimension});");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line("// dweight[id_t] += dy[t]; token ids have no gradient");
            w.Line($"global::Compiled.Kernels.Embedding.Backward({Ids(site.Input)}, {site.OutputGradient}, {Slice("gradients", layer, "weight")}, {ArgumentsOf(layer).Dimension}, {(site.FusedSgd ? "accumulate: false" : "accumulate")});");
            if (site.FusedSgd)
            {
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Slice("gradients", layer, "weight")}, {Slice("parameters", layer, "weight")}, learningRate);");
            }
        }

        private static string Ids(string input) => $"global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>({input})";


        /// <summary>ONNX <c>Gather</c> of the table's rows by the token ids.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            site.Begin(w, Describe(site.Layer));
            w.Line($"string {site.Output} = graph.Node(\"Gather\", new[] {{ graph.Parameter({TensorName(site.Layer, "weight")}), {site.Input} }}, global::Compiled.GraphAttribute.Integer(\"axis\", 0));");
        }
    }
}
