using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[PositionalEmbedding]</c> as written: it has no arguments but its name.</summary>
    internal sealed record PositionalEmbeddingArguments : LayerArguments;

    /// <summary>
    /// A learned vector per position added to a <c>[steps, width]</c> sequence, GPT-2's <c>wpe</c>: y[t] = x[t] + weight[t],
    /// the weight [steps, width] N(0, 1) as <c>nn.Embedding</c>'s. The backward pass sums dy over the batch into the weight's
    /// gradient and hands dy on as dx. It depends on the position, so a network with it has no streaming <c>Step</c>.
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

        public override LayerArguments? Read(LayerReader reader) => reader.Count == 0 ? new PositionalEmbeddingArguments() : null;

        protected override LayerShape Infer(ShapeContext context, PositionalEmbeddingArguments arguments)
        {
            if (!context.RequireSequence("a positional embedding"))
            {
                return context.Unknown();
            }

            TensorShape input = context.Input;
            return new LayerShape(input)
            {
                Parameters = new[]
                {
                    new ParameterTensor("weight", new[] { input.Rows, input.LastAxis }.ToEquatableArray(), InitializerKind.StandardNormal, input.Rows, input.LastAxis, Penalized: true, "positions by features"),
                }.ToEquatableArray(),
            };
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input}, plus a learned vector per position; weight [{layer.Input.Rows}, {layer.Input.LastAxis}].";

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line("// y[t] = x[t] + weight[t]");
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.PositionalEmbedding.Forward({site.Input}, {Slice("parameters", layer, "weight")}, {site.Output}, batch);");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"// dweight += sum over the batch of dy{(site.InputGradient is null ? "; no dx: nothing before this layer" : site.AccumulateInputGradient ? "; dx += dy" : "; dx = dy")}");
            string accumulateInput = site.InputGradient is not null && site.AccumulateInputGradient ? ", accumulateInputGradient: true" : string.Empty;
            w.Line($"global::Compiled.Kernels.PositionalEmbedding.Backward({site.OutputGradient}, {site.InputGradient ?? "default"}, {Slice("gradients", layer, "weight")}, batch, {(site.FusedSgd ? "accumulate: false" : "accumulate")}{accumulateInput});");
            if (site.FusedSgd)
            {
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Slice("gradients", layer, "weight")}, {Slice("parameters", layer, "weight")}, learningRate);");
            }
        }
    }
}
