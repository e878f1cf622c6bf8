using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[SelfAttention(Heads = ..., Causal = ..., Dropout = ...)]</c> as written.</summary>
    internal sealed record SelfAttentionArguments(int Heads, bool Causal, float Dropout) : LayerArguments;

    /// <summary>
    /// Multi-head self-attention over a <c>[steps, width]</c> sequence, PyTorch's <c>nn.MultiheadAttention</c> (batch first,
    /// query = key = value = x, <c>is_causal</c> for <c>Causal</c>) exactly, with GPT-2's parameter names and layout
    /// (<c>c_attn</c> [width, 3 width], <c>c_proj</c> [width, width], inputs by outputs). The forward pass keeps the scaled
    /// queries, keys and values head by head, the attention weights (and the dropout mask) and the heads' outputs, which is
    /// what the backward pass reads; the rest of its work is scratch (<c>Compiled.Kernels.Attention</c>).
    /// </summary>
    internal sealed class SelfAttentionLayer : LayerDefinition<SelfAttentionArguments>
    {
        public static readonly SelfAttentionLayer Instance = new();

        private const long MaxElements = 1L << 30;

        private SelfAttentionLayer()
        {
        }

        public override string Kind => "SelfAttention";

        public override string AttributeName => "Compiled.SelfAttentionAttribute";

        public override string NamePrefix => "attention";

        public override bool HasStaticMembers => true;

        public override bool UsesRandomState(LayerArguments arguments) => ((SelfAttentionArguments)arguments).Dropout > 0f;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count == 0 ? new SelfAttentionArguments(reader.NamedInt("Heads", 1), reader.NamedBool("Causal", false), reader.NamedFloat("Dropout", 0f)) : null;

        protected override LayerShape Infer(ShapeContext context, SelfAttentionArguments arguments)
        {
            bool valid = context.CheckAtLeastOne(arguments.Heads, ArgumentRef.Named("Heads"), "head count");
            if (!(arguments.Dropout >= 0f && arguments.Dropout < 1f))
            {
                context.Report(IssueKinds.RateOutOfRange, ArgumentRef.Named("Dropout"), context.Name, arguments.Dropout.ToString("R", CultureInfo.InvariantCulture));
                valid = false;
            }

            if (!context.RequireSequence("a self-attention layer") || !valid)
            {
                return context.Unknown();
            }

            int steps = context.Input.Rows, width = context.Input.LastAxis, heads = arguments.Heads;
            if (width % heads != 0)
            {
                context.Report(IssueKinds.HeadsDoNotDivideWidth, ArgumentRef.Named("Heads"), context.Name, Invariant(heads), Invariant(width), Divisors(width, heads));
                return context.Unknown();
            }

            // The largest tensors, in 64 bits before any int is taken of them: c_attn, a sample's q, k, v, its attention weights.
            long largest = System.Math.Max(3L * width * width, System.Math.Max(3L * steps * width, (long)heads * steps * steps));
            if (largest > MaxElements)
            {
                context.Report(IssueKinds.ValueOutOfRange, ArgumentRef.Named("Heads"), $"The weights and per-sample buffers of '{context.Name}'", "below 2^30 values each", Invariant(largest));
                return context.Unknown();
            }

            var saved = new List<WorkspaceBuffer>
            {
                new("Projections", 3 * steps * width, "q, k, v of every step as c_attn writes them: [steps, 3 width]"),
                new("Weights", heads * steps * steps, "the attention weights before dropout: [heads, steps, steps]"),
                new("Attended", steps * width, "the heads' outputs side by side, c_proj's input"),
            };
            if (arguments.Dropout > 0f)
            {
                saved.Add(new WorkspaceBuffer("Mask", heads * steps * steps, "the attention dropout mask"));
            }

            return new LayerShape(context.Input)
            {
                Parameters = new[]
                {
                    new ParameterTensor("c_attn.weight", new[] { width, 3 * width }.ToEquatableArray(), InitializerKind.GlorotUniform, width, 3 * width, Penalized: true, "inputs by q, k, v"),
                    new ParameterTensor("c_attn.bias", new[] { 3 * width }.ToEquatableArray(), InitializerKind.Zeros, width, 3 * width, Penalized: false, null),
                    new ParameterTensor("c_proj.weight", new[] { width, width }.ToEquatableArray(), InitializerKind.UniformInverseSqrt, width, width, Penalized: true, "inputs by outputs"),
                    new ParameterTensor("c_proj.bias", new[] { width }.ToEquatableArray(), InitializerKind.Zeros, width, width, Penalized: false, null),
                }.ToEquatableArray(),
                Saved = saved.ToEquatableArray(),
                Scratch = (context.MaxBatch * 4L * steps * width) + (3L * width * width) + ((long)width * steps) + (2L * steps * steps), // AttentionGeometry.ScratchSize
            };
        }

        /// <summary>The head counts that divide the width, nearest first: <c>Heads = 4 or Heads = 2</c>.</summary>
        private static string Divisors(int width, int heads)
        {
            IEnumerable<int> divisors = Enumerable.Range(1, System.Math.Min(width, 64)).Where(d => width % d == 0).OrderBy(d => System.Math.Abs(d - heads)).Take(2);
            return string.Join(" or ", divisors.Select(d => "Heads = " + Invariant(d)));
        }

        private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary><c>nn.MultiheadAttention</c>'s <c>in_proj_weight</c> [3 d, d] (query, key and value rows, each head's
        /// contiguous) and <c>out_proj.weight</c> [d, d]: GPT-2's <c>c_attn</c> and <c>c_proj</c> transposed.</summary>
        public override TorchTensorSpec Torch(ShapedLayer layer, ParameterTensor tensor, ShapedNetwork network) => tensor.Role switch
        {
            "c_attn.weight" => new TorchTensorSpec("in_proj_weight", TorchTensorSpec.Transpose),
            "c_attn.bias" => new TorchTensorSpec("in_proj_bias", TorchTensorSpec.None),
            "c_proj.weight" => new TorchTensorSpec("out_proj.weight", TorchTensorSpec.Transpose),
            _ => new TorchTensorSpec("out_proj.bias", TorchTensorSpec.None),
        };

        public override string Describe(ShapedLayer layer)
        {
            SelfAttentionArguments arguments = ArgumentsOf(layer);
            int width = layer.Input.LastAxis;
            string dropout = arguments.Dropout > 0f ? $", attention dropout {SourceWriter.Float(arguments.Dropout)}" : string.Empty;
            return $"{layer.Name}: {layer.Input}, {(arguments.Causal ? "causal " : string.Empty)}self-attention, {arguments.Heads} head(s) of {width / arguments.Heads}{dropout}; "
                + $"c_attn [{width}, {3 * width}] + [{3 * width}], c_proj [{width}, {width}] + [{width}].";
        }

        public override void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
            SelfAttentionArguments arguments = ArgumentsOf(layer);
            string dropout = arguments.Dropout > 0f ? ", dropout: " + SourceWriter.Float(arguments.Dropout) : string.Empty;
            w.Line($"private static readonly global::Compiled.Kernels.AttentionGeometry {layer.Identifier}Geometry = new({layer.Input.Rows}, {layer.Input.LastAxis}, {arguments.Heads}, causal: {(arguments.Causal ? "true" : "false")}{dropout});");
        }

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"// [q k v] = x W_attn + b_attn; per head softmax(q k^T / sqrt(d){(ArgumentsOf(layer).Causal ? ", causal" : string.Empty)}) v; y = heads W_proj + b_proj (nn.MultiheadAttention)");
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            string common = $"in {layer.Identifier}Geometry, {site.Input}, {Slice("parameters", layer, "c_attn.weight")}, {Slice("parameters", layer, "c_attn.bias")}, "
                + $"{Slice("parameters", layer, "c_proj.weight")}, {Slice("parameters", layer, "c_proj.bias")}, {site.Output}, "
                + $"{SavedSlice(layer, "Projections")}, {SavedSlice(layer, "Weights")}, {SavedSlice(layer, "Attended")}";
            w.Line(ArgumentsOf(layer).Dropout > 0f
                ? $"global::Compiled.Kernels.Attention.Forward({common}, {SavedSlice(layer, "Mask")}, {Scratch(layer)}, batch, training, ref dropoutState);"
                : $"global::Compiled.Kernels.Attention.Forward({common}, {Scratch(layer)}, batch);");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"// through c_proj, each head's A v and softmax, and c_attn{(site.InputGradient is null ? "; no dx: nothing before this layer" : site.AccumulateInputGradient ? "; dx +=" : "; dx =")}");
            string accumulateInput = site.InputGradient is not null && site.AccumulateInputGradient ? ", accumulateInputGradient: true" : string.Empty;
            string mask = ArgumentsOf(layer).Dropout > 0f ? SavedSlice(layer, "Mask") : "default";
            w.Line($"global::Compiled.Kernels.Attention.Backward(in {layer.Identifier}Geometry, {site.Input}, {Slice("parameters", layer, "c_attn.weight")}, {Slice("parameters", layer, "c_proj.weight")}, {site.OutputGradient}, "
                + $"{SavedSlice(layer, "Projections")}, {SavedSlice(layer, "Weights")}, {SavedSlice(layer, "Attended")}, {mask}, {site.InputGradient ?? "default"}, "
                + $"{Slice("gradients", layer, "c_attn.weight")}, {Slice("gradients", layer, "c_attn.bias")}, {Slice("gradients", layer, "c_proj.weight")}, {Slice("gradients", layer, "c_proj.bias")}, "
                + $"{Scratch(layer)}, batch, {(site.FusedSgd ? "accumulate: false" : "accumulate")}{accumulateInput});");
            if (site.FusedSgd)
            {
                // Every gradient here is a sum over steps: stored in the layer's own view, then stepped.
                foreach (string role in new[] { "c_attn.weight", "c_attn.bias", "c_proj.weight", "c_proj.bias" })
                {
                    w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Slice("gradients", layer, role)}, {Slice("parameters", layer, role)}, learningRate);");
                }
            }
        }

        private static string Scratch(ShapedLayer layer) => $"workspace.Slice(ScratchOffset, (int){layer.Identifier}Geometry.ScratchSize(batch))";


        // ---------------------------------------------------------------- export

        /// <summary>Primitive ONNX operators (<c>ModelGraph.SelfAttention</c>: MatMul, Split, Reshape, Transpose, Softmax, the
        /// causal mask as a constant); attention dropout is left out, as in inference.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            SelfAttentionArguments arguments = ArgumentsOf(layer);
            site.Begin(w, Describe(layer));
            w.Line($"string {site.Output} = graph.SelfAttention({site.Input}, \"{layer.Name}\", {layer.Input.Rows}, {layer.Input.LastAxis}, {arguments.Heads}, causal: {(arguments.Causal ? "true" : "false")});");
        }
    }
}
