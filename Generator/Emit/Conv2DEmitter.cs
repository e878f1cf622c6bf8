using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// A 2-D convolution, y = f(conv(x, W) + b), channels-last, W stored [kh, kw, in channels, filters] (Keras' layout):
    /// forward, backward and initialisation side by side. The work is the runtime's <c>Convolution</c> (im2col in
    /// L2-sized chunks and the register-tiled matrix multiply), called with the layer's geometry and constant sizes.
    /// </summary>
    internal sealed class Conv2DEmitter : LayerEmitter
    {
        public static readonly Conv2DEmitter Instance = new();

        private Conv2DEmitter()
        {
        }

        public override string Describe(ShapedLayer layer)
        {
            Window k = layer.Window;
            return $"{layer.Name}: {layer.Input} -> {layer.Output}, {ActivationEmitter.Describe(layer.Activation)}. {k} kernel, {k.DescribeStrideAndPadding()}; W [{string.Join(", ", WeightShape(layer)!)}], b [{layer.Output.Channels}].";
        }

        public override int[]? WeightShape(ShapedLayer layer) => new[] { layer.Window.Height, layer.Window.Width, layer.Input.Channels, layer.Output.Channels };

        public override void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
            Window k = layer.Window;
            w.Line($"private static readonly global::Compiled.Kernels.ConvolutionGeometry {layer.Identifier}Geometry = new global::Compiled.Kernels.ConvolutionGeometry(");
            w.Line($"    {layer.Input.Height}, {layer.Input.Width}, {layer.Input.Channels}, {k.Height}, {k.Width}, {k.StrideHeight}, {k.StrideWidth}, {k.PadTop}, {k.PadLeft}, {layer.Output.Height}, {layer.Output.Width}, {layer.Output.Channels});");
        }

        /// <summary>He normal over the fan-in kh * kw * in channels for ReLU-family layers, Glorot uniform otherwise (fan-out
        /// kh * kw * filters, as Keras counts it); zero biases.</summary>
        public override void EmitInitialize(SourceWriter w, ShapedLayer layer)
        {
            string id = layer.Identifier;
            int fanIn = layer.PatchSize, fanOut = layer.Window.Height * layer.Window.Width * layer.Output.Channels;
            if (layer.Activation is ActivationKind.Relu or ActivationKind.LeakyRelu)
            {
                w.Line($"// {layer.Name}: He normal, std = sqrt(2 / {fanIn})");
                w.Line($"global::Compiled.Initializers.HeNormal(new global::System.Span<float>(_parameters, {id}WeightOffset, {layer.WeightCount}), {fanIn}, ref random);");
            }
            else
            {
                w.Line($"// {layer.Name}: Glorot uniform, limit = sqrt(6 / ({fanIn} + {fanOut}))");
                w.Line($"global::Compiled.Initializers.GlorotUniform(new global::System.Span<float>(_parameters, {id}WeightOffset, {layer.WeightCount}), {fanIn}, {fanOut}, ref random);");
            }

            w.Line($"new global::System.Span<float>(_parameters, {id}BiasOffset, {layer.BiasCount}).Clear();");
        }

        // ---------------------------------------------------------------- forward

        public override void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output)
        {
            string id = layer.Identifier;
            Header(w, layer);
            w.Line($"// y = {(layer.Activation == ActivationKind.Identity ? "conv(x, W) + b" : ActivationEmitter.Describe(layer.Activation) + "(conv(x, W) + b)")}, as [{layer.ChunkRows}-pixel chunks of {layer.PatchSize}-value patches] x W [{layer.PatchSize}, {layer.Output.Channels}]");
            w.Line($"global::System.Span<float> {output} = workspace.Slice({id}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.Convolution.Forward(in {id}Geometry, {input}, {Weights(layer, "parameters")}, {Bias(layer, "parameters")}, {output}, {Scratch(layer)}, batch, {layer.ChunkRows});");
            string? activation = ActivationEmitter.ForwardCall(layer.Activation, output, layer.Output.Channels);
            if (activation is not null)
            {
                w.Line(activation);
            }
        }

        // ---------------------------------------------------------------- backward

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            string id = layer.Identifier;
            Header(w, layer);
            string dx = site.InputGradient is null ? "; no dx: nothing before this layer" : "; dx = fold(dz W^T)";
            w.Line(site.FusedSgd
                ? $"// dz = dy * f'(y){dx}; dW = patches^T dz, db = sum dz; then W -= lr dW, b -= lr db"
                : $"// dz = dy * f'(y); dW += patches^T dz; db += sum dz{dx}");
            string? activation = ActivationEmitter.BackwardCall(layer.Activation, site.Output, site.OutputGradient, layer.Output.Channels);
            if (activation is not null)
            {
                w.Line(activation);
            }

            // The fused SGD pass stores the gradient in the layer's own view and steps from there: the convolution's
            // gradient is summed over every output pixel, so there is no product to fold the step into.
            w.Line($"global::Compiled.Kernels.Convolution.Backward(in {id}Geometry, {site.Input}, {Weights(layer, "parameters")}, {site.OutputGradient}, {site.InputGradient ?? "default"}, {Weights(layer, "gradients")}, {Bias(layer, "gradients")}, {Scratch(layer)}, batch, {layer.ChunkRows}, {(site.FusedSgd ? "accumulate: false" : "accumulate")});");
            if (site.FusedSgd)
            {
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Weights(layer, "gradients")}, {Weights(layer, "parameters")}, learningRate);");
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Bias(layer, "gradients")}, {Bias(layer, "parameters")}, learningRate);");
            }
        }

        private static string Weights(ShapedLayer layer, string array) => $"{array}.Slice({layer.Identifier}WeightOffset, {layer.WeightCount})";

        private static string Bias(ShapedLayer layer, string array) => $"{array}.Slice({layer.Identifier}BiasOffset, {layer.BiasCount})";

        private static string Scratch(ShapedLayer layer) => $"workspace.Slice(ScratchOffset, {(layer.ChunkRows * layer.PatchSize) + layer.WeightCount})";
    }
}
