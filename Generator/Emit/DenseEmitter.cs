using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// A dense layer, y = f(x W + b) with W stored [inputs, outputs]: its forward pass, its backward pass and its
    /// initialisation, side by side. Layers with at most <see cref="ShapedNetwork.UnrollLimit"/> weights are written
    /// as straight-line arithmetic per row (a call would cost more than the work); larger ones call the runtime's
    /// register-tiled matrix multiply with constant sizes.
    /// </summary>
    internal sealed class DenseEmitter : LayerEmitter
    {
        public static readonly DenseEmitter Instance = new();

        private DenseEmitter()
        {
        }

        public override string Describe(ShapedLayer layer) =>
            $"{layer.Name}: dense {layer.InputSize} -> {layer.OutputSize}, {ActivationEmitter.Describe(layer.Activation)}{(layer.Unrolled ? ", unrolled" : string.Empty)}. W [{layer.InputSize}, {layer.OutputSize}], b [{layer.OutputSize}].";

        public override int[]? WeightShape(ShapedLayer layer) => new[] { layer.InputSize, layer.OutputSize };

        // ---------------------------------------------------------------- forward

        /// <summary>Declares <c>{output}</c> (the layer's rows in the workspace) and fills it from <paramref name="input"/>.</summary>
        public override void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output)
        {
            string id = layer.Identifier;
            int n = layer.InputSize, m = layer.OutputSize;
            Header(w, layer);
            w.Line($"// y = {Math(layer.Activation, "x W + b")}");
            w.Line($"global::System.Span<float> {output} = workspace.Slice({id}OutputOffset, batch * {m});");
            if (!layer.Unrolled)
            {
                w.Line($"global::Compiled.Kernels.Dense.Forward({input}, parameters.Slice({id}WeightOffset, {n * m}), parameters.Slice({id}BiasOffset, {m}), {output}, batch, {n}, {m});");
                EmitActivationCall(w, layer, output);
                return;
            }

            // Cheap activations go inline; exp and tanh are far cheaper vectorized over the whole batch afterwards.
            ActivationKind inlined = layer.Activation is ActivationKind.Relu or ActivationKind.LeakyRelu ? layer.Activation : ActivationKind.Identity;
            using (w.OpenBlock())
            {
                w.Line($"global::System.ReadOnlySpan<float> w = parameters.Slice({id}WeightOffset, {n * m});");
                w.Line($"global::System.ReadOnlySpan<float> b = parameters.Slice({id}BiasOffset, {m});");
                using (w.OpenBlock("for (int row = 0; row < batch; row++)"))
                {
                    w.Line($"global::System.ReadOnlySpan<float> x = {input}.Slice(row * {n}, {n});");
                    w.Line($"global::System.Span<float> y = {output}.Slice(row * {m}, {m});");
                    for (int i = 0; i < n; i++)
                    {
                        w.Line($"float x{i} = x[{i}];");
                    }

                    for (int j = 0; j < m; j++)
                    {
                        var sum = new System.Text.StringBuilder($"b[{j}]");
                        for (int i = 0; i < n; i++)
                        {
                            sum.Append($" + (x{i} * w[{(i * m) + j}])");
                        }

                        if (inlined == ActivationKind.Identity)
                        {
                            w.Line($"y[{j}] = {sum};");
                        }
                        else
                        {
                            w.Line($"float z{j} = {sum};");
                            w.Line($"y[{j}] = {ActivationEmitter.ScalarForward(inlined, $"z{j}")};");
                        }
                    }
                }
            }

            if (inlined != layer.Activation)
            {
                EmitActivationCall(w, layer, output);
            }
        }

        private static void EmitActivationCall(SourceWriter w, ShapedLayer layer, string output)
        {
            string? call = ActivationEmitter.ForwardCall(layer.Activation, output, layer.OutputSize);
            if (call is not null)
            {
                w.Line(call);
            }
        }

        // ---------------------------------------------------------------- backward

        /// <summary>
        /// Turns dL/dy into dL/dz in place, accumulates dW += x^T dz and db += sum of dz's rows (or overwrites them, or
        /// steps the parameters with them in the fused SGD pass), and writes dL/dx = dz W^T unless the site has no dx.
        /// </summary>
        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            (ShapedLayer layer, string input, string output, string outputGradient, string? inputGradient, bool fusedSgd) =
                (site.Layer, site.Input, site.Output, site.OutputGradient, site.InputGradient, site.FusedSgd);
            string id = layer.Identifier;
            int n = layer.InputSize, m = layer.OutputSize;
            Header(w, layer);
            string dx = inputGradient is null ? "; no dx: nothing before this layer" : "; dx = dz W^T";
            w.Line(fusedSgd
                ? $"// dz = dy * f'(y){dx}; then W -= lr x^T dz, b -= lr sum_rows dz"
                : $"// dz = dy * f'(y); dW += x^T dz; db += sum_rows dz{dx}");
            if (!layer.Unrolled)
            {
                string? activation = ActivationEmitter.BackwardCall(layer.Activation, output, outputGradient, m);
                if (activation is not null)
                {
                    w.Line(activation);
                }

                w.Line(fusedSgd
                    ? $"global::Compiled.Kernels.Dense.BackwardSgd({input}, parameters.Slice({id}WeightOffset, {n * m}), {outputGradient}, {inputGradient ?? "default"}, parameters.Slice({id}BiasOffset, {m}), batch, {n}, {m}, learningRate);"
                    : $"global::Compiled.Kernels.Dense.Backward({input}, parameters.Slice({id}WeightOffset, {n * m}), {outputGradient}, {inputGradient ?? "default"}, gradients.Slice({id}WeightOffset, {n * m}), gradients.Slice({id}BiasOffset, {m}), batch, {n}, {m}, accumulate);");
                return;
            }

            ActivationKind elementwise = layer.Activation;
            if (layer.Activation == ActivationKind.Softmax)
            {
                w.Line(ActivationEmitter.BackwardCall(layer.Activation, output, outputGradient, m)!);
                elementwise = ActivationKind.Identity;
            }

            using (w.OpenBlock())
            {
                w.Line($"global::System.ReadOnlySpan<float> w = parameters.Slice({id}WeightOffset, {n * m});");
                w.Line($"global::System.Span<float> dw = gradients.Slice({id}WeightOffset, {n * m});");
                w.Line($"global::System.Span<float> db = gradients.Slice({id}BiasOffset, {m});");
                if (fusedSgd)
                {
                    // A tiny layer stores its gradient in its own view and steps from there: no bandwidth to save.
                    w.Line("dw.Clear();");
                    w.Line("db.Clear();");
                }
                else
                {
                    using (w.OpenBlock("if (!accumulate)"))
                    {
                        w.Line("dw.Clear();");
                        w.Line("db.Clear();");
                    }
                }

                using (w.OpenBlock("for (int row = 0; row < batch; row++)"))
                {
                    w.Line($"global::System.ReadOnlySpan<float> x = {input}.Slice(row * {n}, {n});");
                    if (ActivationEmitter.BackwardReadsOutput(elementwise))
                    {
                        w.Line($"global::System.ReadOnlySpan<float> y = {output}.Slice(row * {m}, {m});");
                    }

                    w.Line($"global::System.ReadOnlySpan<float> dy = {outputGradient}.Slice(row * {m}, {m});");
                    if (inputGradient is not null)
                    {
                        w.Line($"global::System.Span<float> dx = {inputGradient}.Slice(row * {n}, {n});");
                    }

                    for (int j = 0; j < m; j++)
                    {
                        w.Line($"float dz{j} = {ActivationEmitter.ScalarBackward(elementwise, $"dy[{j}]", $"y[{j}]")};");
                    }

                    for (int j = 0; j < m; j++)
                    {
                        w.Line($"db[{j}] += dz{j};");
                    }

                    for (int i = 0; i < n; i++)
                    {
                        w.Line($"float x{i} = x[{i}];");
                        for (int j = 0; j < m; j++)
                        {
                            w.Line($"dw[{(i * m) + j}] += x{i} * dz{j};");
                        }
                    }

                    if (inputGradient is not null)
                    {
                        for (int i = 0; i < n; i++)
                        {
                            var sum = new System.Text.StringBuilder();
                            for (int j = 0; j < m; j++)
                            {
                                sum.Append(j == 0 ? string.Empty : " + ").Append($"(dz{j} * w[{(i * m) + j}])");
                            }

                            w.Line($"dx[{i}] = {sum};");
                        }
                    }
                }
            }

            if (fusedSgd)
            {
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd(gradients.Slice({id}WeightOffset, {n * m}), parameters.Slice({id}WeightOffset, {n * m}), learningRate);");
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd(gradients.Slice({id}BiasOffset, {m}), parameters.Slice({id}BiasOffset, {m}), learningRate);");
            }
        }

        // ---------------------------------------------------------------- initialisation

        /// <summary>He normal for ReLU-family layers (which halve the variance), Glorot uniform otherwise; zero biases.</summary>
        public override void EmitInitialize(SourceWriter w, ShapedLayer layer)
        {
            string id = layer.Identifier;
            int n = layer.InputSize, m = layer.OutputSize;
            if (layer.Activation is ActivationKind.Relu or ActivationKind.LeakyRelu)
            {
                w.Line($"// {layer.Name}: He normal, std = sqrt(2 / {n})");
                w.Line($"global::Compiled.Initializers.HeNormal(new global::System.Span<float>(_parameters, {id}WeightOffset, {n * m}), {n}, ref random);");
            }
            else
            {
                w.Line($"// {layer.Name}: Glorot uniform, limit = sqrt(6 / ({n} + {m}))");
                w.Line($"global::Compiled.Initializers.GlorotUniform(new global::System.Span<float>(_parameters, {id}WeightOffset, {n * m}), {n}, {m}, ref random);");
            }

            w.Line($"new global::System.Span<float>(_parameters, {id}BiasOffset, {m}).Clear();");
        }

        private static string Math(ActivationKind activation, string affine) => activation switch
        {
            ActivationKind.Identity => affine,
            ActivationKind.Relu => $"max({affine}, 0)",
            ActivationKind.LeakyRelu => $"leaky_relu({affine}, 0.01)",
            ActivationKind.Sigmoid => $"sigmoid({affine})",
            ActivationKind.Tanh => $"tanh({affine})",
            _ => $"softmax({affine}) per row",
        };
    }
}
