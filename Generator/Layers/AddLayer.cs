using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[Add("a", "b", ...)]</c>: the inputs are in <see cref="LayerSpec.Inputs"/>; nothing else to say.</summary>
    internal sealed record AddArguments : LayerArguments;

    /// <summary>
    /// A join: y = a + b (+ c ...) of same-shaped outputs of earlier layers, a residual connection. Its backward pass hands
    /// dy to every input (copied, or added where another reader of that tensor has written its share already).
    /// </summary>
    internal sealed class AddLayer : LayerDefinition<AddArguments>
    {
        public static readonly AddLayer Instance = new();

        private AddLayer()
        {
        }

        public override string Kind => "Add";

        public override string AttributeName => "Compiled.AddAttribute";

        public override string NamePrefix => "add";

        public override bool ActsPerStep => true;

        public override LayerArguments? Read(LayerReader reader) => reader.Count == 1 ? new AddArguments() : null;

        public override EquatableArray<string> ReadInputs(LayerReader reader) => reader.Strings(0);

        protected override LayerShape Infer(ShapeContext context, AddArguments arguments)
        {
            if (context.Layer.Inputs.Count < 2)
            {
                context.Report(IssueKinds.ValueOutOfRange, ArgumentRef.PositionalFrom(0), $"The number of inputs of '{context.Name}'", "at least 2 (the names of the layers to add)", ShapeContext.Invariant(context.Layer.Inputs.Count));
                return context.Unknown();
            }

            if (!context.ShapeKnown)
            {
                return context.Unknown();
            }

            for (int i = 1; i < context.Inputs.Count; i++)
            {
                if (context.Inputs[i] != context.Input)
                {
                    context.Report(IssueKinds.JoinShapesDiffer, ArgumentRef.PositionalFrom(0), context.Name,
                        context.Layer.Inputs[0], context.Input.Describe(), context.Layer.Inputs[i], context.Inputs[i].Describe());
                    return context.Unknown();
                }
            }

            return new LayerShape(context.Input);
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: {layer.Output}, the sum of {string.Join(", ", layer.InputNames)}.";

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.Addition.Forward({site.Inputs[0]}, {site.Inputs[1]}, {site.Output});");
            for (int i = 2; i < site.Inputs.Length; i++)
            {
                w.Line($"global::Compiled.Kernels.Addition.AddTo({site.Inputs[i]}, {site.Output});");
            }
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            Header(w, site.Layer);
            w.Line("// dx = dy for every input (added where the input's gradient has another share already)");
            for (int i = 0; i < site.InputGradients.Length; i++)
            {
                if (site.InputGradients[i] is { } dx)
                {
                    w.Line($"global::Compiled.Kernels.Addition.Backward({site.OutputGradient}, {dx}, accumulate: {(site.AccumulateInputGradients[i] ? "true" : "false")});");
                }
            }
        }


        /// <summary>ONNX <c>Add</c>, pairwise, in one layout (channels-first when every input is).</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            site.Begin(w, Describe(site.Layer));
            w.Line($"string {site.Output} = graph.Add({site.Inputs[0]}, {site.Inputs[1]});");
            for (int i = 2; i < site.Inputs.Length; i++)
            {
                w.Line($"{site.Output} = graph.Add({site.Output}, {site.Inputs[i]});");
            }
        }
    }
}
