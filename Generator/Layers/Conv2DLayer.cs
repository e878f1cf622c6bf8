using System;
using System.Linq;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[Conv2D(filters, kernel)]</c> or <c>[Conv2D(filters, kernelHeight, kernelWidth)]</c> as written.</summary>
    internal sealed record Conv2DArguments(int Filters, int KernelHeight, int KernelWidth, int Stride, PaddingKind Padding, ActivationKind Activation, float NegativeSlope = ActivationEmitter.DefaultSlope) : LayerArguments;

    /// <summary>Conv2D: the kernel's geometry, and how many output pixels (rows of the im2col matrix) are unfolded into the
    /// scratch at a time.</summary>
    internal sealed record ConvolutionDetails(Window Window, int ChunkRows) : LayerDetails;

    /// <summary>
    /// A 2-D convolution, y = f(conv(x, W) + b), channels-last, W stored [kh, kw, in channels, filters] (Keras' layout):
    /// shape rule, parameters, forward and backward side by side. The work is the runtime's <c>Convolution</c> (im2col in
    /// L2-sized chunks and the register-tiled matrix multiply), called with the layer's geometry and constant sizes.
    /// </summary>
    internal sealed class Conv2DLayer : LayerDefinition<Conv2DArguments>
    {
        public static readonly Conv2DLayer Instance = new();

        /// <summary>Floats in a convolution's unfolded chunk: about 128 KB, which stays in L2 beside the weights.</summary>
        private const long ScratchTarget = 32 * 1024;

        /// <summary>Output values of one chunk (floats), by the same reasoning as <see cref="ScratchTarget"/>.</summary>
        private const long OutputChunkTarget = 64 * 1024;

        private Conv2DLayer()
        {
        }

        public override string Kind => "Conv2D";

        public override string AttributeName => "Compiled.Conv2DAttribute";

        public override string NamePrefix => "conv";

        public override bool HasStaticMembers => true;

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count is 2 or 3
                ? new Conv2DArguments(reader.Int(0), reader.Int(1), reader.Int(reader.Count - 1), reader.NamedInt("Stride", 1), (PaddingKind)reader.NamedInt("Padding", 0), (ActivationKind)reader.NamedInt("Activation", 0), reader.NamedFloat("NegativeSlope", ActivationEmitter.DefaultSlope))
                : null;

        protected override ActivationKind? OutputActivation(Conv2DArguments arguments) => arguments.Activation;

        // ---------------------------------------------------------------- shape

        protected override LayerShape Infer(ShapeContext context, Conv2DArguments arguments)
        {
            context.CheckAtLeastOne(arguments.Filters, ArgumentRef.Positional(0), "filters");
            context.CheckActivation(arguments.Activation);
            context.CheckNegativeSlope(arguments.NegativeSlope);
            var resolved = WindowRule.Resolve(context, arguments.KernelHeight, arguments.KernelWidth, arguments.Stride, arguments.Padding, isConvolution: true, firstWindowArgument: 1);
            if (resolved is not { } geometry)
            {
                return context.Unknown();
            }

            Window k = geometry.Window;
            int inChannels = context.Input.Channels, filters = Math.Max(arguments.Filters, 1);
            var output = TensorShape.Image(geometry.Height, geometry.Width, filters);
            context.Trail.Add($"{output} ({context.Name})");

            // The convolution unfolds ChunkRows output pixels' patches at a time into a shared scratch, sized to stay in
            // L2 (about 128 KB) while the matrix multiply runs over it, plus room for W transposed. The chunk's output rows
            // must stay there too (about 256 KB), since the activation, the pooling after it and the bias gradient read
            // them again: a first layer's patches are short and its rows of filters long.
            long patch = (long)k.Height * k.Width * inChannels;
            long rows = Math.Max(6, Math.Min(Math.Min(4096, ScratchTarget / Math.Max(patch, 1)), OutputChunkTarget / filters));
            rows = Math.Min(rows, context.MaxBatch * output.Height * output.Width);
            int chunkRows = (int)Math.Max(1, rows >= 6 ? rows - (rows % 6) : rows);

            // He over the fan-in kh * kw * in channels for ReLU-family layers, Glorot otherwise (fan-out kh * kw * filters,
            // as Keras counts it).
            int fanIn = (int)Math.Min(patch, int.MaxValue), fanOut = (int)Math.Min((long)k.Height * k.Width * filters, int.MaxValue);
            InitializerKind initializer = arguments.Activation is ActivationKind.Relu or ActivationKind.LeakyRelu ? InitializerKind.HeNormal : InitializerKind.GlorotUniform;
            return new LayerShape(output)
            {
                Parameters = new[]
                {
                    new ParameterTensor("weight", new[] { k.Height, k.Width, inChannels, filters }.ToEquatableArray(), initializer, fanIn, fanOut, Penalized: true, "kernel height, kernel width, input channels, filters"),
                    new ParameterTensor("bias", new[] { filters }.ToEquatableArray(), InitializerKind.Zeros, fanIn, fanOut, Penalized: false, null),
                }.ToEquatableArray(),
                Saved = PreActivationBuffer(arguments.Activation, output.Size),
                Scratch = OwnScratch(chunkRows, patch, patch * filters),
                Details = new ConvolutionDetails(k, chunkRows),
            };
        }

        private static ConvolutionDetails Details(ShapedLayer layer) => (ConvolutionDetails)layer.Details!;

        /// <summary>Values in one unfolded patch, kh * kw * in channels (the inner dimension of its matrix product).</summary>
        internal static int PatchSize(ShapedLayer layer) => Details(layer).Window.Height * Details(layer).Window.Width * layer.Input.Channels;

        /// <summary><c>nn.Conv2d</c>'s kernel is [out, in, kh, kw]; ours [kh, kw, in, out].</summary>
        public override TorchTensorSpec Torch(ShapedLayer layer, ParameterTensor tensor, ShapedNetwork network) =>
            tensor.Role == "weight" ? new TorchTensorSpec(tensor.Role, TorchTensorSpec.ConvKernel) : base.Torch(layer, tensor, network);

        public override string Describe(ShapedLayer layer)
        {
            Window k = Details(layer).Window;
            return $"{layer.Name}: {layer.Input} -> {layer.Output}, {ActivationEmitter.Describe(ArgumentsOf(layer).Activation, ArgumentsOf(layer).NegativeSlope)}. {k} kernel, {k.DescribeStrideAndPadding()}; W [{string.Join(", ", layer.Parameter("weight").Shape)}], b [{layer.Output.Channels}].";
        }

        public override void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
            Window k = Details(layer).Window;
            w.Line($"private static readonly global::Compiled.Kernels.ConvolutionGeometry {layer.Identifier}Geometry = new global::Compiled.Kernels.ConvolutionGeometry(");
            w.Line($"    {layer.Input.Height}, {layer.Input.Width}, {layer.Input.Channels}, {k.Height}, {k.Width}, {k.StrideHeight}, {k.StrideWidth}, {k.PadTop}, {k.PadLeft}, {layer.Output.Height}, {layer.Output.Width}, {layer.Output.Channels});");
        }

        // ---------------------------------------------------------------- forward

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            (ShapedLayer layer, string input, string output) = (site.Layer, site.Input, site.Output);
            string id = layer.Identifier;
            ActivationKind activation = ArgumentsOf(layer).Activation;
            int chunkRows = Details(layer).ChunkRows, patch = PatchSize(layer);
            Header(w, layer);
            w.Line($"// y = {(activation == ActivationKind.Identity ? "conv(x, W) + b" : ActivationEmitter.Describe(activation, ArgumentsOf(layer).NegativeSlope) + "(conv(x, W) + b)")}, as [{chunkRows}-pixel chunks of {patch}-value patches] x W [{patch}, {layer.Output.Channels}]");
            // ReLU runs on each chunk as the kernel writes it, while it is in cache; the other activations over the whole output.
            bool fusedRelu = activation == ActivationKind.Relu;
            if (site.MaxPoolAfter is ShapedLayer pool)
            {
                string pooled = NetworkEmitter.Local(pool, "Output");
                w.Line($"// then {pool.Name}, a chunk of {SamplesPerChunk(layer)} whole samples at a time in the scratch: y is never stored whole");
                w.Line($"global::System.Span<float> {pooled} = workspace.Slice({pool.Identifier}OutputOffset, batch * {pool.OutputSize});");
                w.Line($"global::Compiled.Kernels.Convolution.ForwardMaxPool(in {id}Geometry, {input}, {Slice("parameters", layer, "weight")}, {Slice("parameters", layer, "bias")}, {Scratch(layer, pooling: true)}, batch, {chunkRows}, relu: {(fusedRelu ? "true" : "false")}, in {pool.Identifier}Geometry, {pooled}, {PoolLayer.ForwardArgmax(pool)});");
                return;
            }

            w.Line($"global::System.Span<float> {output} = workspace.Slice({id}OutputOffset, batch * {layer.OutputSize});");
            w.Line($"global::Compiled.Kernels.Convolution.Forward(in {id}Geometry, {input}, {Slice("parameters", layer, "weight")}, {Slice("parameters", layer, "bias")}, {output}, {Scratch(layer)}, batch, {chunkRows}{(fusedRelu ? ", relu: true" : "")});");
            if (fusedRelu)
            {
                return;
            }

            string? activationCall = ActivationEmitter.ForwardCall(activation, output, layer.Output.Channels, PreActivation(layer), ArgumentsOf(layer).NegativeSlope);
            if (activationCall is not null)
            {
                w.Line(activationCall);
            }
        }

        // ---------------------------------------------------------------- backward

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            string id = layer.Identifier;
            Header(w, layer);
            string dx = site.InputGradient is null ? "; no dx: nothing before this layer" : site.AccumulateInputGradient ? "; dx += fold(dz W^T)" : "; dx = fold(dz W^T)";
            w.Line(site.FusedSgd
                ? $"// dz = dy * f'(y){dx}; dW = patches^T dz, db = sum dz; then W -= lr dW, b -= lr db"
                : $"// dz = dy * f'(y); dW += patches^T dz; db += sum dz{dx}");
            if (site.OutputGradientHasActivationDerivative)
            {
                w.Line("// (ReLU's derivative was applied by the max pool after this layer, where it routed the gradient.)");
            }
            else if (ActivationEmitter.BackwardCall(ArgumentsOf(layer).Activation, site.Output, site.OutputGradient, layer.Output.Channels, PreActivation(layer), ArgumentsOf(layer).NegativeSlope) is string activation)
            {
                w.Line(activation);
            }

            // The fused SGD pass stores the gradient in the layer's own view and steps from there: the convolution's
            // gradient is summed over every output pixel, so there is no product to fold the step into.
            string weights = Slice("parameters", layer, "weight"), weightGradient = Slice("gradients", layer, "weight"), biasGradient = Slice("gradients", layer, "bias");
            string accumulate = (site.FusedSgd ? "accumulate: false" : "accumulate") + (site.InputGradient is not null && site.AccumulateInputGradient ? ", accumulateInputGradient: true" : string.Empty);
            if (site.MaxPoolAfter is (ShapedLayer pool, string pooledGradient, string pooledRows))
            {
                // The pool's routing runs inside, chunk by chunk; with ReLU's derivative read from the pooled values.
                string reluOutput = ArgumentsOf(layer).Activation == ActivationKind.Relu ? pooledRows : "default";
                w.Line($"// dy = {pool.Name}'s gradient at each window's maximum, routed a chunk of {SamplesPerChunk(layer)} whole samples at a time in the scratch");
                w.Line($"global::Compiled.Kernels.Convolution.BackwardMaxPool(in {id}Geometry, {site.Input}, {weights}, in {pool.Identifier}Geometry, {pooledGradient}, {PoolLayer.Argmax(pool)}, {reluOutput}, {site.InputGradient ?? "default"}, {weightGradient}, {biasGradient}, {Scratch(layer, pooling: true)}, batch, {Details(layer).ChunkRows}, {accumulate});");
            }
            else
            {
                w.Line($"global::Compiled.Kernels.Convolution.Backward(in {id}Geometry, {site.Input}, {weights}, {site.OutputGradient}, {site.InputGradient ?? "default"}, {weightGradient}, {biasGradient}, {Scratch(layer)}, batch, {Details(layer).ChunkRows}, {accumulate});");
            }

            if (site.FusedSgd)
            {
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({weightGradient}, {weights}, learningRate);");
                w.Line($"global::Compiled.Kernels.Dense.ApplySgd({biasGradient}, {Slice("parameters", layer, "bias")}, learningRate);");
            }
        }

        private static string? PreActivation(ShapedLayer layer) => PreActivationSlice(layer, ArgumentsOf(layer).Activation);

        /// <summary>The scratch of the convolution's calls; with <paramref name="pooling"/>, that of the forms with a max pool,
        /// which also hold a chunk's output rows.</summary>
        private static string Scratch(ShapedLayer layer, bool pooling = false)
        {
            long own = OwnScratch(Details(layer).ChunkRows, PatchSize(layer), layer.Parameter("weight").Count);
            return $"workspace.Slice(ScratchOffset, {(pooling ? WithPoolingRows(own, Details(layer).ChunkRows, layer.Output.Channels) : own)})";
        }

        /// <summary>A convolution's own scratch, as <c>ConvolutionGeometry.ScratchSize</c>: the patches of a chunk, then the
        /// transposed kernel from a cache line.</summary>
        private static long OwnScratch(long chunkRows, long patch, long weights) => Alignment.RoundUp(chunkRows * patch) + weights;

        /// <summary>That of the forms with a max pool, as <c>ConvolutionGeometry.PoolingScratchSize</c>: the convolution's own,
        /// then a chunk of output rows from a cache line.</summary>
        private static long WithPoolingRows(long own, long chunkRows, long channels) => Alignment.RoundUp(own) + (chunkRows * channels);

        /// <summary>
        /// Whether convolution <paramref name="index"/> runs the max pool after it inside its calls
        /// (<c>Convolution.ForwardMaxPool</c> and <c>BackwardMaxPool</c>), chunk by chunk while the chunk is in cache, so
        /// that neither its output nor its output gradient is stored: a first layer's are larger than the cache, and a
        /// separate pool wrote them to memory and read them back. That needs the pool to be the next layer and the
        /// convolution's only reader, the output to be needed by nothing else (no activation, or ReLU, whose derivative
        /// the pool applies from the pooled values), and a chunk that holds a whole sample.
        /// </summary>
        internal static bool RunsMaxPoolAfter(NetworkSpec spec, int[][] graph, int index, LayerShape inferred)
        {
            if (spec.Layers[index].Kind != Instance.Kind || index + 1 >= spec.Layers.Count || spec.Layers[index + 1].Kind != PoolLayer.Max.Kind
                || graph[index + 1].Length != 1 || graph[index + 1][0] != index || graph.Count(inputs => Array.IndexOf(inputs, index) >= 0) != 1
                || inferred.Details is not ConvolutionDetails details || spec.Layers[index].Arguments is not Conv2DArguments arguments)
            {
                return false;
            }

            return arguments.Activation is ActivationKind.Identity or ActivationKind.Relu && details.ChunkRows >= inferred.Output.Height * inferred.Output.Width;
        }

        /// <summary>The scratch the forms with a max pool need, as <c>ConvolutionGeometry.PoolingScratchSize</c>: the convolution's
        /// own, then a chunk of output rows from a cache line.</summary>
        internal static long PoolingScratch(LayerShape inferred) => WithPoolingRows(inferred.Scratch, ((ConvolutionDetails)inferred.Details!).ChunkRows, inferred.Output.Channels);

        /// <summary>How many whole samples the forms with a max pool take per chunk.</summary>
        private static int SamplesPerChunk(ShapedLayer layer) => Details(layer).ChunkRows / (layer.Output.Height * layer.Output.Width);


        // ---------------------------------------------------------------- export

        /// <summary>ONNX <c>Conv</c> on channels-first images, the kernel permuted to [out, in, kh, kw], the window's padding
        /// written out (Same pads the bottom and right by the extra one, as here); then the activation, channels-first.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            Conv2DArguments arguments = ArgumentsOf(layer);
            Window k = ((ConvolutionDetails)layer.Details!).Window;
            site.Begin(w, Describe(layer));
            w.Line($"string {site.Output} = graph.Node(\"Conv\", new[] {{ graph.ChannelsFirst({site.Input}), graph.ConvolutionKernel({TensorName(layer, "weight")}), graph.Parameter({TensorName(layer, "bias")}) }},");
            w.Line($"    {WindowRule.ExportAttributes(k, layer.Input, layer.Output)});");
            w.Line($"graph.MarkChannelsFirst({site.Output});");
            ActivationEmitter.EmitExport(w, arguments.Activation, site.Output, arguments.NegativeSlope);
        }
    }
}
