using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[Dense(units, Activation = ..., Name = ...)]</c> as written.</summary>
    internal sealed record DenseArguments(int Units, ActivationKind Activation, float NegativeSlope = ActivationEmitter.DefaultSlope) : LayerArguments;

    /// <summary>Dense: whether the layer is written as straight-line arithmetic, and how many rows each sample has (its
    /// steps, for a sequence, since Dense acts on the last axis; 1 for a vector).</summary>
    internal sealed record DenseDetails(bool Unrolled, int RowsPerSample, bool TurnsWeights) : LayerDetails;

    /// <summary>
    /// A dense layer, y = f(x W + b) with W stored [inputs, outputs], acting on the last axis (per step on a sequence,
    /// as Keras does): its shape rule, its parameters, its forward and backward passes side by side. Layers with at most
    /// <see cref="ShapedNetwork.UnrollLimit"/> weights are written as straight-line arithmetic per row (a call would cost
    /// more than the work); larger ones call the runtime's register-tiled matrix multiply with constant sizes.
    /// </summary>
    internal sealed class DenseLayer : LayerDefinition<DenseArguments>
    {
        public static readonly DenseLayer Instance = new();

        private DenseLayer()
        {
        }

        public override string Kind => "Dense";

        public override string AttributeName => "Compiled.DenseAttribute";

        public override string NamePrefix => "dense";

        public override bool ActsPerStep => true;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count == 1 ? new DenseArguments(reader.Int(0), (ActivationKind)reader.NamedInt("Activation", 0), reader.NamedFloat("NegativeSlope", ActivationEmitter.DefaultSlope)) : null;

        protected override ActivationKind? OutputActivation(DenseArguments arguments) => arguments.Activation;

        // ---------------------------------------------------------------- shape

        protected override LayerShape Infer(ShapeContext context, DenseArguments arguments)
        {
            context.CheckAtLeastOne(arguments.Units, ArgumentRef.Positional(0), "units");
            context.CheckActivation(arguments.Activation);
            context.CheckNegativeSlope(arguments.NegativeSlope);
            TensorShape input = context.Input;
            if (context.ShapeKnown && input.Spatial && context.FromInput())
            {
                // An image straight from the [Input] is read as one vector, as the user likely meant.
                context.Report(IssueKinds.ImplicitFlatten, null, context.Name, string.Join("x", context.Spec.InputShape), ShapeContext.Invariant(input.Size));
            }
            else if (context.ShapeKnown && input.Spatial)
            {
                // After a convolution or pooling Keras' Dense would work on the channels only; say which is meant.
                context.Report(IssueKinds.DenseAfterSpatialLayer, null, context.Name, context.LastShaping(), input.ToString());
            }

            context.ShapeKnown = arguments.Units >= 1;
            int units = System.Math.Max(arguments.Units, 1);
            bool perStep = input.Kind == ShapeKind.Sequence;
            int n = perStep ? input.LastAxis : input.Size, m = units;
            bool turnsWeights = TurnsWeights(n, m, context.MaxBatch * (perStep ? input.Rows : 1));
            InitializerKind initializer = arguments.Activation is ActivationKind.Relu or ActivationKind.LeakyRelu ? InitializerKind.HeNormal : InitializerKind.GlorotUniform;
            return new LayerShape(perStep ? TensorShape.Sequence(input.Rows, units) : TensorShape.Vector(units))
            {
                Parameters = new[]
                {
                    new ParameterTensor("weight", new[] { n, m }.ToEquatableArray(), initializer, n, m, Penalized: true, "inputs by outputs"),
                    new ParameterTensor("bias", new[] { m }.ToEquatableArray(), InitializerKind.Zeros, n, m, Penalized: false, null),
                }.ToEquatableArray(),
                Saved = PreActivationBuffer(arguments.Activation, perStep ? input.Rows * units : units),
                Details = new DenseDetails((long)n * m <= ShapedNetwork.UnrollLimit, perStep ? input.Rows : 1, turnsWeights),
                Scratch = turnsWeights ? (long)n * m : 0,
                ScratchForBackwardOnly = true,
            };
        }

        /// <summary>The runtime's <c>Dense.TransposeRows</c>: rows from which dL/dx turns W (the generator cannot reference the runtime).</summary>
        private const int TransposeRows = 4;

        /// <summary>Whether the backward pass may turn W into scratch for dL/dx: a kernel layer that can see
        /// <see cref="TransposeRows"/> rows in one call.</summary>
        private static bool TurnsWeights(int n, int m, long rows) => (long)n * m > ShapedNetwork.UnrollLimit && rows >= TransposeRows;

        /// <summary><c>nn.Linear</c>'s weight is [out, in]. Images are channels-first there and channels-last here, so a weight
        /// that reads a flattened image has its columns permuted, and one whose outputs are reshaped into an image (a
        /// generator's <c>linear(z).view(-1, c, h, w)</c>) has its rows and its bias permuted.</summary>
        public override TorchTensorSpec Torch(ShapedLayer layer, ParameterTensor tensor, ShapedNetwork network)
        {
            TensorShape? input = FlattenedImage(layer, network) ?? (layer.Input.Kind == ShapeKind.Image ? layer.Input : null);
            TensorShape? output = ReshapedInto(layer, network);
            EquatableArray<int> outputImage = output is { } o ? new[] { o.Height, o.Width, o.Channels }.ToEquatableArray() : EquatableArray<int>.Empty;
            if (tensor.Role != "weight")
            {
                return new TorchTensorSpec(tensor.Role, TorchTensorSpec.None) { OutputImage = outputImage };
            }

            return input is { } pixels
                ? new TorchTensorSpec(tensor.Role, TorchTensorSpec.FlattenedImage) { Image = new[] { pixels.Height, pixels.Width, pixels.Channels }.ToEquatableArray(), OutputImage = outputImage }
                : new TorchTensorSpec(tensor.Role, TorchTensorSpec.Transpose) { OutputImage = outputImage };
        }

        /// <summary>The image a [Reshape] makes of this layer's output (through any dropout), or null.</summary>
        private static TensorShape? ReshapedInto(ShapedLayer layer, ShapedNetwork network)
        {
            ShapedLayer current = layer;
            while (true)
            {
                ShapedLayer? reader = network.Layers.FirstOrDefault(l => l.Index > current.Index && (l.Inputs.Count > 0 ? l.Inputs.Contains(current.Index) : l.Index == current.Index + 1));
                if (reader is null)
                {
                    return null;
                }

                if (reader.Kind == "Reshape" && reader.Output.Kind == ShapeKind.Image)
                {
                    return reader.Output;
                }

                if (reader.Kind != "Dropout")
                {
                    return null;
                }

                current = reader;
            }
        }

        /// <summary>The image this layer's input is the flattening of: a [Flatten] of an image, through any dropout.</summary>
        private static TensorShape? FlattenedImage(ShapedLayer layer, ShapedNetwork network)
        {
            ShapedLayer? source = layer;
            do
            {
                int from = source.Inputs.Count > 0 ? source.Inputs[0] : source.Index - 1;
                source = from >= 0 ? network.Layers[from] : null;
            }
            while (source is not null && source.Kind == "Dropout");

            return source is not null && source.Kind == "Flatten" && source.Input.Kind == ShapeKind.Image ? source.Input : null;
        }

        public override string Describe(ShapedLayer layer)
        {
            DenseDetails details = Details(layer);
            (int n, int m) = Sizes(layer);
            string sizes = details.RowsPerSample == 1 ? $"{n} -> {m}" : $"{layer.Input} -> {layer.Output} per step";
            return $"{layer.Name}: dense {sizes}, {ActivationEmitter.Describe(ArgumentsOf(layer).Activation, ArgumentsOf(layer).NegativeSlope)}{(details.Unrolled ? ", unrolled" : string.Empty)}. W [{n}, {m}], b [{m}].";
        }

        private static DenseDetails Details(ShapedLayer layer) => (DenseDetails)layer.Details!;

        /// <summary>Inputs and outputs of one row: the weight's shape.</summary>
        private static (int N, int M) Sizes(ShapedLayer layer)
        {
            ParameterTensor weight = layer.Parameter("weight");
            return (weight.Shape[0], weight.Shape[1]);
        }

        /// <summary>The rows the kernels run over: <c>batch</c>, or <c>batch * steps</c> on a sequence.</summary>
        private static string Rows(ShapedLayer layer) =>
            Details(layer).RowsPerSample == 1 ? "batch" : $"batch * {Details(layer).RowsPerSample}";

        // ---------------------------------------------------------------- forward

        /// <summary>Declares <c>{output}</c> (the layer's rows in the workspace) and fills it from the site's input.</summary>
        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            (ShapedLayer layer, string input, string output) = (site.Layer, site.Input, site.Output);
            string id = layer.Identifier;
            (int n, int m) = Sizes(layer);
            ActivationKind activation = ArgumentsOf(layer).Activation;
            string rows = Rows(layer);
            Header(w, layer);
            w.Line($"// y = {Math(activation, "x W + b", ArgumentsOf(layer).NegativeSlope)}");
            w.Line($"global::System.Span<float> {output} = workspace.Slice({id}OutputOffset, batch * {layer.OutputSize});");
            if (!Details(layer).Unrolled)
            {
                // ReLU goes into the product's store (the same bits as the pass after it, one write of the output fewer).
                bool relu = activation == ActivationKind.Relu && PreActivation(layer) is null;
                w.Line($"global::Compiled.Kernels.Dense.Forward({input}, parameters.Slice({id}WeightOffset, {n * m}), parameters.Slice({id}BiasOffset, {m}), {output}, {rows}, {n}, {m}{(relu ? ", relu: true" : string.Empty)});");
                if (!relu)
                {
                    EmitActivationCall(w, layer, activation, output, m);
                }

                return;
            }

            // Cheap activations go inline; exp and tanh are far cheaper vectorized over the whole batch afterwards.
            ActivationKind inlined = ActivationEmitter.Inlines(activation) ? activation : ActivationKind.Identity;
            using (w.OpenBlock())
            {
                w.Line($"global::System.ReadOnlySpan<float> w = parameters.Slice({id}WeightOffset, {n * m});");
                w.Line($"global::System.ReadOnlySpan<float> b = parameters.Slice({id}BiasOffset, {m});");
                using (w.OpenBlock($"for (int row = 0; row < {rows}; row++)"))
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
                            w.Line($"y[{j}] = {ActivationEmitter.ScalarForward(inlined, $"z{j}", ArgumentsOf(layer).NegativeSlope)};");
                        }
                    }
                }
            }

            if (inlined != activation)
            {
                EmitActivationCall(w, layer, activation, output, m);
            }
        }

        private static string? PreActivation(ShapedLayer layer) => PreActivationSlice(layer, ArgumentsOf(layer).Activation);

        private static void EmitActivationCall(SourceWriter w, ShapedLayer layer, ActivationKind activation, string output, int columns)
        {
            string? call = ActivationEmitter.ForwardCall(activation, output, columns, PreActivation(layer), ArgumentsOf(layer).NegativeSlope);
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
            (int n, int m) = Sizes(layer);
            ActivationKind activation = ArgumentsOf(layer).Activation;
            string rows = Rows(layer);
            Header(w, layer);
            string dx = inputGradient is null ? "; no dx: nothing before this layer" : site.AccumulateInputGradient ? "; dx += dz W^T" : "; dx = dz W^T";
            w.Line(fusedSgd
                ? $"// dz = dy * f'(y){dx}; then W -= lr x^T dz, b -= lr sum_rows dz"
                : $"// dz = dy * f'(y); dW += x^T dz; db += sum_rows dz{dx}");
            if (!Details(layer).Unrolled)
            {
                string? activationCall = ActivationEmitter.BackwardCall(activation, output, outputGradient, m, PreActivation(layer), ArgumentsOf(layer).NegativeSlope);
                if (activationCall is not null)
                {
                    w.Line(activationCall);
                }

                string addToDx = inputGradient is not null && site.AccumulateInputGradient ? ", accumulateInputGradient: true" : string.Empty;
                if (inputGradient is not null && Details(layer).TurnsWeights)
                {
                    addToDx += $", scratch: workspace.Slice(ScratchOffset, {n * m})";
                }

                w.Line(fusedSgd
                    ? $"global::Compiled.Kernels.Dense.BackwardSgd({input}, parameters.Slice({id}WeightOffset, {n * m}), {outputGradient}, {inputGradient ?? "default"}, parameters.Slice({id}BiasOffset, {m}), {rows}, {n}, {m}, learningRate{addToDx});"
                    : $"global::Compiled.Kernels.Dense.Backward({input}, parameters.Slice({id}WeightOffset, {n * m}), {outputGradient}, {inputGradient ?? "default"}, gradients.Slice({id}WeightOffset, {n * m}), gradients.Slice({id}BiasOffset, {m}), {rows}, {n}, {m}, accumulate{addToDx});");
                return;
            }

            // Softmax and GELU are not a function of one y each: their vectorized backward call runs first, over the batch.
            ActivationKind elementwise = activation;
            if (activation is ActivationKind.Softmax or ActivationKind.Gelu)
            {
                w.Line(ActivationEmitter.BackwardCall(activation, output, outputGradient, m, PreActivation(layer), ArgumentsOf(layer).NegativeSlope)!);
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

                using (w.OpenBlock($"for (int row = 0; row < {rows}; row++)"))
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
                        w.Line($"float dz{j} = {ActivationEmitter.ScalarBackward(elementwise, $"dy[{j}]", $"y[{j}]", ArgumentsOf(layer).NegativeSlope)};");
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

                            w.Line($"dx[{i}] {(site.AccumulateInputGradient ? "+=" : "=")} {sum};");
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

        private static string Math(ActivationKind activation, string affine, float negativeSlope) => activation switch
        {
            ActivationKind.Identity => affine,
            ActivationKind.Relu => $"max({affine}, 0)",
            ActivationKind.LeakyRelu => $"leaky_relu({affine}, {negativeSlope.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})",
            ActivationKind.Sigmoid => $"sigmoid({affine})",
            ActivationKind.Tanh => $"tanh({affine})",
            ActivationKind.Gelu => $"gelu_tanh({affine})",
            _ => $"softmax({affine}) per row",
        };


        // ---------------------------------------------------------------- export

        /// <summary>ONNX <c>Gemm</c> (x [N, in] times W [in, out], as stored, plus b), or <c>MatMul</c> then <c>Add</c> per step of
        /// a sequence; an image read directly is flattened first, in this library's order. Then the activation.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            DenseArguments arguments = ArgumentsOf(layer);
            site.Begin(w, Describe(layer));
            string weight = $"graph.Parameter({TensorName(layer, "weight")})", bias = $"graph.Parameter({TensorName(layer, "bias")})";
            if (layer.Input.Kind == ShapeKind.Sequence)
            {
                w.Line($"string {site.Output} = graph.Node(\"Add\", new[] {{ graph.Node(\"MatMul\", new[] {{ {site.Input}, {weight} }}), {bias} }});");
            }
            else
            {
                string input = layer.Input.Kind == ShapeKind.Image
                    ? $"graph.Node(\"Flatten\", new[] {{ graph.ChannelsLast({site.Input}) }}, global::Compiled.GraphAttribute.Integer(\"axis\", 1))"
                    : site.Input;
                w.Line($"string {site.Output} = graph.Node(\"Gemm\", new[] {{ {input}, {weight}, {bias} }});");
            }

            ActivationEmitter.EmitExport(w, arguments.Activation, site.Output, arguments.NegativeSlope);
        }
    }
}
