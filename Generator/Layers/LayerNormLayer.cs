using System.Globalization;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[LayerNorm(Epsilon = ...)]</c> as written.</summary>
    internal sealed record LayerNormArguments(float Epsilon) : LayerArguments;

    /// <summary>
    /// Layer normalization over the last axis, PyTorch's <c>nn.LayerNorm</c> exactly: per row of F features,
    /// y = (x - mean) / sqrt(var + eps) * weight + bias with the biased variance; weight [F] starts at 1 and bias [F] at 0,
    /// and no penalty applies to either. The forward pass keeps each row's mean and 1 / sqrt(var + eps) for the backward
    /// pass, which recomputes x-hat from them.
    /// </summary>
    internal sealed class LayerNormLayer : LayerDefinition<LayerNormArguments>
    {
        public static readonly LayerNormLayer Instance = new();

        private LayerNormLayer()
        {
        }

        public override string Kind => "LayerNorm";

        public override string AttributeName => "Compiled.LayerNormAttribute";

        public override string NamePrefix => "layernorm";

        public override bool ActsPerStep => true;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count == 0 ? new LayerNormArguments(reader.NamedFloat("Epsilon", 1e-5f)) : null;

        protected override LayerShape Infer(ShapeContext context, LayerNormArguments arguments)
        {
            if (!(arguments.Epsilon > 0f) || float.IsInfinity(arguments.Epsilon))
            {
                context.Report(IssueKinds.ValueOutOfRange, ArgumentRef.Named("Epsilon"), $"The epsilon of '{context.Name}'", "a positive finite number", arguments.Epsilon.ToString("R", CultureInfo.InvariantCulture));
            }

            if (!context.ShapeKnown)
            {
                return context.Unknown();
            }

            TensorShape input = context.Input;
            int features = input.LastAxis, rows = input.Rows;
            return new LayerShape(input)
            {
                Parameters = new[]
                {
                    new ParameterTensor("weight", new[] { features }.ToEquatableArray(), InitializerKind.Ones, features, features, Penalized: false, null),
                    new ParameterTensor("bias", new[] { features }.ToEquatableArray(), InitializerKind.Zeros, features, features, Penalized: false, null),
                }.ToEquatableArray(),
                Saved = new[]
                {
                    new WorkspaceBuffer("Mean", rows, "each row's mean"),
                    new WorkspaceBuffer("InverseStd", rows, "each row's 1 / sqrt(var + eps)"),
                }.ToEquatableArray(),
            };
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input}, layer norm over the last {layer.Input.LastAxis} values, eps {SourceWriter.Float(ArgumentsOf(layer).Epsilon)}; weight [{layer.Input.LastAxis}], bias [{layer.Input.LastAxis}].";

        private static string Rows(ShapedLayer layer) => layer.Input.Rows == 1 ? "batch" : $"batch * {layer.Input.Rows}";

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line("// y = (x - mean) / sqrt(var + eps) * weight + bias, per row");
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.LayerNormalization.Forward({site.Input}, {Slice("parameters", layer, "weight")}, {Slice("parameters", layer, "bias")}, {site.Output}, {SavedSlice(layer, "Mean")}, {SavedSlice(layer, "InverseStd")}, {Rows(layer)}, {layer.Input.LastAxis}, {SourceWriter.Float(ArgumentsOf(layer).Epsilon)});");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"// dweight += sum dy * xhat; dbias += sum dy{(site.InputGradient is null ? "; no dx: nothing before this layer" : site.AccumulateInputGradient ? "; dx += s (g - mean(g) - xhat mean(g xhat)), g = dy * weight" : "; dx = s (g - mean(g) - xhat mean(g xhat)), g = dy * weight")}");

            // The fused SGD pass stores the gradient in the layer's own view and steps from there (it is a sum over rows).
            string accumulateInput = site.InputGradient is not null && site.AccumulateInputGradient ? ", accumulateInputGradient: true" : string.Empty;
            w.Line($"global::Compiled.Kernels.LayerNormalization.Backward({site.Input}, {Slice("parameters", layer, "weight")}, {site.OutputGradient}, {SavedSlice(layer, "Mean")}, {SavedSlice(layer, "InverseStd")}, {site.InputGradient ?? "default"}, {Slice("gradients", layer, "weight")}, {Slice("gradients", layer, "bias")}, {Rows(layer)}, {layer.Input.LastAxis}, {(site.FusedSgd ? "accumulate: false" : "accumulate")}{accumulateInput});");
            if (site.FusedSgd)
            {
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Slice("gradients", layer, "weight")}, {Slice("parameters", layer, "weight")}, learningRate);");
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Slice("gradients", layer, "bias")}, {Slice("parameters", layer, "bias")}, learningRate);");
            }
        }


        /// <summary>ONNX <c>LayerNormalization</c> over the last axis (opset 17), with this layer's epsilon.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            site.Begin(w, Describe(layer));
            w.Line($"string {site.Output} = graph.Node(\"LayerNormalization\", new[] {{ graph.ChannelsLast({site.Input}), graph.Parameter({TensorName(layer, "weight")}), graph.Parameter({TensorName(layer, "bias")}) }},");
            w.Line($"    global::Compiled.GraphAttribute.Integer(\"axis\", -1), global::Compiled.GraphAttribute.Single(\"epsilon\", {SourceWriter.Float(ArgumentsOf(layer).Epsilon)}));");
        }
    }
}
