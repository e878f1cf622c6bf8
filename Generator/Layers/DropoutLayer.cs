using System.Globalization;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[Dropout(rate)]</c> as written.</summary>
    internal sealed record DropoutArguments(float Rate) : LayerArguments;

    /// <summary>
    /// Inverted dropout: in training y = x * mask with mask in {0, 1/(1-rate)}, the mask kept for the backward pass
    /// dx = dy * mask; in inference the layer is the identity and costs nothing (its output is its input).
    /// </summary>
    internal sealed class DropoutLayer : LayerDefinition<DropoutArguments>
    {
        public static readonly DropoutLayer Instance = new();

        private DropoutLayer()
        {
        }

        public override string Kind => "Dropout";

        public override string AttributeName => "Compiled.DropoutAttribute";

        public override string NamePrefix => "dropout";

        public override bool ActsPerStep => true;

        public override bool KeepsShape => true;

        public override bool UsesRandomState(LayerArguments arguments) => true;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count == 1 ? new DropoutArguments(reader.Float(0)) : null;

        protected override LayerShape Infer(ShapeContext context, DropoutArguments arguments)
        {
            if (!(arguments.Rate >= 0f && arguments.Rate < 1f))
            {
                context.Report(IssueKinds.RateOutOfRange, ArgumentRef.Positional(0), context.Name, arguments.Rate.ToString("R", CultureInfo.InvariantCulture));
            }

            return new LayerShape(context.Input)
            {
                Saved = new[] { new WorkspaceBuffer("Saved", context.Input.Size, "the mask, " + context.Input) }.ToEquatableArray(),
            };
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: dropout, rate {SourceWriter.Float(ArgumentsOf(layer).Rate)}, {layer.Input} values (training only).";

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            (ShapedLayer layer, string input, string output) = (site.Layer, site.Input, site.Output);
            string id = layer.Identifier;
            int n = layer.OutputSize;
            Header(w, layer);
            w.Line($"global::System.ReadOnlySpan<float> {output} = {input};");
            using (w.OpenBlock("if (training)"))
            {
                w.Line($"global::System.Span<float> dropped = workspace.Slice({id}OutputOffset, batch * {n});");
                w.Line($"global::Compiled.Kernels.Dropout.Forward({input}, dropped, {SavedSlice(layer, "Saved")}, {SourceWriter.Float(ArgumentsOf(layer).Rate)}, ref dropoutState);");
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

            w.Line(site.AccumulateInputGradient ? "// dx += dy * mask" : "// dx = dy * mask");
            w.Line($"global::Compiled.Kernels.Dropout.Backward({outputGradient}, {SavedSlice(layer, "Saved")}, {inputGradient}{(site.AccumulateInputGradient ? ", accumulate: true" : string.Empty)});");
        }


        /// <summary>Nothing: dropout is the identity outside training.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site) => EmitAliasExport(w, site, "dropout, the identity outside training: no node");
    }
}
