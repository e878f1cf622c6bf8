using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// Inverted dropout: in training y = x * mask with mask in {0, 1/(1-rate)}, the mask kept for the backward pass
    /// dx = dy * mask; in inference the layer is the identity and costs nothing (its output is its input).
    /// </summary>
    internal sealed class DropoutEmitter : LayerEmitter
    {
        public static readonly DropoutEmitter Instance = new();

        private DropoutEmitter()
        {
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: dropout, rate {SourceWriter.Float(layer.Rate)}, {layer.Input} values (training only).";

        public override void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output)
        {
            string id = layer.Identifier;
            int n = layer.OutputSize;
            Header(w, layer);
            w.Line($"global::System.ReadOnlySpan<float> {output} = {input};");
            using (w.OpenBlock("if (training)"))
            {
                w.Line($"global::System.Span<float> dropped = workspace.Slice({id}OutputOffset, batch * {n});");
                w.Line($"global::Compiled.Kernels.Dropout.Forward({input}, dropped, workspace.Slice({id}SavedOffset, batch * {n}), {SourceWriter.Float(layer.Rate)}, ref dropoutState);");
                w.Line($"{output} = dropped;");
            }
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            (ShapedLayer layer, string outputGradient, string? inputGradient) = (site.Layer, site.OutputGradient, site.InputGradient);
            Header(w, layer);
            if (inputGradient is null)
            {
                w.Line("// The first layer: nothing before it needs a gradient.");
                return;
            }

            w.Line("// dx = dy * mask");
            w.Line($"global::Compiled.Kernels.Dropout.Backward({outputGradient}, workspace.Slice({layer.Identifier}SavedOffset, batch * {layer.OutputSize}), {inputGradient});");
        }
    }
}
