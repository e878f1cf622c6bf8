using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[PositionalEmbedding(MaxSteps = ...)]</c> as written; 0 for the input's steps.</summary>
    internal sealed record PositionalEmbeddingArguments(int MaxSteps) : LayerArguments;

    /// <summary>
    /// A learned vector per position added to a <c>[steps, width]</c> sequence, GPT-2's <c>wpe</c>: y[t] = x[t] + weight[t],
    /// the weight [positions, width] N(0, 1) as <c>nn.Embedding</c>'s, with a row for each of <c>MaxSteps</c> positions (GPT-2's
    /// context) or, by default, of the input's steps; the first steps' rows are used. The backward pass sums dy over the
    /// batch into the weight's gradient and hands dy on as dx. It depends on the position, so a network with it has no
    /// streaming <c>Step</c>.
    /// </summary>
    internal sealed class PositionalEmbeddingLayer : LayerDefinition<PositionalEmbeddingArguments>
    {
        public static readonly PositionalEmbeddingLayer Instance = new();

        private PositionalEmbeddingLayer()
        {
        }

        public override string Kind => "PositionalEmbedding";

        public override string AttributeName => "Compiled.PositionalEmbeddingAttribute";

        public override string NamePrefix => "positional";

        public override LayerArguments? Read(LayerReader reader) => reader.Count == 0 ? new PositionalEmbeddingArguments(reader.NamedInt("MaxSteps", 0)) : null;

        protected override LayerShape Infer(ShapeContext context, PositionalEmbeddingArguments arguments)
        {
            if (!context.RequireSequence("a positional embedding"))
            {
                return context.Unknown();
            }

            TensorShape input = context.Input;
            int positions = arguments.MaxSteps == 0 ? input.Rows : arguments.MaxSteps;
            if (positions < input.Rows || (long)positions * input.LastAxis > 1L << 30)
            {
                context.Report(IssueKinds.ValueOutOfRange, ArgumentRef.Named("MaxSteps"), $"The MaxSteps of '{context.Name}'",
                    $"at least the {ShapeContext.Invariant(input.Rows)} steps it reads and below 2^30 values in all", ShapeContext.Invariant(arguments.MaxSteps));
                return context.Unknown();
            }

            return new LayerShape(input)
            {
                Parameters = new[]
                {
                    new ParameterTensor("weight", new[] { positions, input.LastAxis }.ToEquatableArray(), InitializerKind.StandardNormal, positions, input.LastAxis, Penalized: true, "positions by features"),
                }.ToEquatableArray(),
            };
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input}, plus a learned vector per position; weight [{layer.Parameter("weight").Shape[0]}, {layer.Input.LastAxis}].";

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line("// y[t] = x[t] + weight[t]");
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.PositionalEmbedding.Forward({site.Input}, {Slice("parameters", layer, "weight")}, {site.Output}, batch, {layer.OutputSize});");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"// dweight += sum over the batch of dy{(site.InputGradient is null ? "; no dx: nothing before this layer" : site.AccumulateInputGradient ? "; dx += dy" : "; dx = dy")}");
            string accumulateInput = site.InputGradient is not null && site.AccumulateInputGradient ? ", accumulateInputGradient: true" : string.Empty;
            w.Line($"global::Compiled.Kernels.PositionalEmbedding.Backward({site.OutputGradient}, {site.InputGradient ?? "default"}, {Slice("gradients", layer, "weight")}, batch, {layer.OutputSize}, {(site.FusedSgd ? "accumulate: false" : "accumulate")}{accumulateInput});");
            if (site.FusedSgd)
            {
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Slice("gradients", layer, "weight")}, {Slice("parameters", layer, "weight")}, learningRate);");
            }
        }


        /// <summary>ONNX <c>Slice</c> of the table's first rows (one per step), then <c>Add</c>, broadcast over the batch.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            site.Begin(w, Describe(layer));
            w.Line($"string {site.Output} = graph.Add({site.Input}, graph.Node(\"Slice\", new[] {{ graph.Parameter({TensorName(layer, "weight")}), graph.Integers(0), graph.Integers({layer.Input.Rows}), graph.Integers(0) }}));");
        }
    }
}
