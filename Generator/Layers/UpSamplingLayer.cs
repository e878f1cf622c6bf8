using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[UpSampling2D(size)]</c> or <c>[UpSampling2D(height, width)]</c> as written: the factors.</summary>
    internal sealed record UpSamplingArguments(int Height, int Width) : LayerArguments;

    /// <summary>
    /// Nearest-neighbour upsampling, Keras' <c>UpSampling2D</c> and PyTorch's <c>nn.Upsample(mode="nearest")</c>: shape rule,
    /// forward (each pixel copied into a block of height x width) and backward (each block's gradients summed into its
    /// pixel) side by side, both the runtime's <c>Upsampling</c>.
    /// </summary>
    internal sealed class UpSamplingLayer : LayerDefinition<UpSamplingArguments>
    {
        public static readonly UpSamplingLayer Instance = new();

        private UpSamplingLayer()
        {
        }

        public override string Kind => "UpSampling2D";

        public override string AttributeName => "Compiled.UpSampling2DAttribute";

        public override string NamePrefix => "upsampling";

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count is 1 or 2 ? new UpSamplingArguments(reader.Int(0), reader.Int(reader.Count - 1)) : null;

        protected override LayerShape Infer(ShapeContext context, UpSamplingArguments arguments)
        {
            bool valid = context.CheckAtLeastOne(arguments.Height, ArgumentRef.Positional(0), "height factor");
            valid &= arguments.Width == arguments.Height || context.CheckAtLeastOne(arguments.Width, ArgumentRef.Positional(1), "width factor");
            if (!context.RequireImage() || !valid)
            {
                return context.Unknown();
            }

            TensorShape input = context.Input;
            long height = (long)input.Height * arguments.Height, width = (long)input.Width * arguments.Width;
            if (height * width * input.Channels > NetworkShaper.MaxElements)
            {
                context.Report(IssueKinds.ValueOutOfRange, null, $"The output of '{context.Name}'", "at most 2^30 values", ShapeContext.Invariant(height * width * input.Channels));
                return context.Unknown();
            }

            var output = TensorShape.Image((int)height, (int)width, input.Channels);
            context.Trail.Add($"{output} ({context.Name})");
            return new LayerShape(output);
        }

        public override string Describe(ShapedLayer layer)
        {
            var factors = ArgumentsOf(layer);
            return $"{layer.Name}: {layer.Input} -> {layer.Output}, each pixel repeated {factors.Height}x{factors.Width} (nearest).";
        }

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.Upsampling.NearestForward({site.Input}, {site.Output}, batch, {Geometry(layer)});");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            if (site.InputGradient is null)
            {
                w.Line("// The first layer: nothing before it needs a gradient.");
                return;
            }

            string add = site.AccumulateInputGradient ? ", accumulate: true" : string.Empty;
            w.Line($"// dx {(site.AccumulateInputGradient ? "+=" : "=")} the sum of dy over each pixel's block");
            w.Line($"global::Compiled.Kernels.Upsampling.NearestBackward({site.OutputGradient}, {site.InputGradient}, batch, {Geometry(layer)}{add});");
        }

        private static string Geometry(ShapedLayer layer)
        {
            var factors = ArgumentsOf(layer);
            return $"{layer.Input.Height}, {layer.Input.Width}, {layer.Input.Channels}, {factors.Height}, {factors.Width}";
        }


        /// <summary>ONNX <c>Resize</c>, nearest, each output pixel the input pixel at floor(i / factor) (<c>asymmetric</c>,
        /// <c>floor</c>), in the input's layout.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            UpSamplingArguments arguments = ArgumentsOf(site.Layer);
            string h = SourceWriter.Float(arguments.Height), wi = SourceWriter.Float(arguments.Width);
            site.Begin(w, Describe(site.Layer));
            w.Line($"float[] {site.Output}Scales = graph.IsChannelsFirst({site.Input}) ? new[] {{ 1f, 1f, {h}, {wi} }} : new[] {{ 1f, {h}, {wi}, 1f }};");
            w.Line($"string {site.Output} = graph.KeepingLayout(\"Resize\", new[] {{ {site.Input}, string.Empty, graph.Constant({site.Output}Scales, 4) }}, global::Compiled.GraphAttribute.Text(\"mode\", \"nearest\"),");
            w.Line("    global::Compiled.GraphAttribute.Text(\"coordinate_transformation_mode\", \"asymmetric\"), global::Compiled.GraphAttribute.Text(\"nearest_mode\", \"floor\"));");
        }
    }
}
