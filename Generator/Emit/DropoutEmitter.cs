using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// Inverted dropout: in training y = x * mask with mask in {0, 1/(1-rate)}, the mask kept for the backward pass
    /// dx = dy * mask; in inference the layer is the identity and costs nothing (its output is its input).
    /// </summary>
    internal static class DropoutEmitter
    {
        public static string Header(ShapedLayer layer) =>
            $"// {layer.Name}: dropout, rate {SourceWriter.Float(layer.Rate)}, {layer.InputSize} values (training only).";

        public static void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output)
        {
            string id = layer.Identifier;
            int n = layer.OutputSize;
            w.Line(Header(layer));
            w.Line($"global::System.ReadOnlySpan<float> {output} = {input};");
            using (w.OpenBlock("if (training)"))
            {
                w.Line($"global::System.Span<float> dropped = workspace.Slice({id}OutputOffset, batch * {n});");
                w.Line($"global::Compiled.Kernels.Dropout.Forward({input}, dropped, workspace.Slice({id}MaskOffset, batch * {n}), {SourceWriter.Float(layer.Rate)}, ref dropoutState);");
                w.Line($"{output} = dropped;");
            }
        }

        public static void EmitBackward(SourceWriter w, ShapedLayer layer, string outputGradient, string? inputGradient)
        {
            w.Line(Header(layer));
            if (inputGradient is null)
            {
                w.Line("// The first layer: nothing before it needs a gradient.");
                return;
            }

            w.Line("// dx = dy * mask");
            w.Line($"global::Compiled.Kernels.Dropout.Backward({outputGradient}, workspace.Slice({layer.Identifier}MaskOffset, batch * {layer.OutputSize}), {inputGradient});");
        }
    }
}
