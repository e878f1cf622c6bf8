using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>Flatten: a channels-last sample is already one row-major vector, so both passes are free: the output is
    /// the input span, and the gradient passes through in the same buffer.</summary>
    internal sealed class FlattenEmitter : LayerEmitter
    {
        public static readonly FlattenEmitter Instance = new();

        private FlattenEmitter()
        {
        }

        public override bool HasOutputBuffer => false;

        public override bool PassesGradientThrough => true;

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Input} -> {layer.Output}, flatten (the same values in the same order).";

        public override void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output)
        {
            Header(w, layer);
            w.Line($"global::System.ReadOnlySpan<float> {output} = {input};");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            Header(w, site.Layer);
            w.Line("// dx = dy, in the same buffer.");
        }
    }
}
