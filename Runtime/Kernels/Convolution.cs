using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels
{
    /// <summary>
    /// The sizes of a 2-D convolution over channels-last samples (height x width x channels), checked once at
    /// construction; generated code keeps one per layer in a static readonly field.
    /// </summary>
    public readonly struct ConvolutionGeometry
    {
        /// <summary>Describes a convolution; throws when the sizes do not make one (the output must be what the input, kernel,
        /// stride and padding give: <paramref name="outputHeight"/> windows starting at -padTop, stride apart, each with a row inside).</summary>
        public ConvolutionGeometry(
            int inputHeight, int inputWidth, int inputChannels,
            int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop, int padLeft,
            int outputHeight, int outputWidth, int outputChannels)
        {
            if (inputHeight < 1 || inputWidth < 1 || inputChannels < 1 || kernelHeight < 1 || kernelWidth < 1 || strideHeight < 1 || strideWidth < 1
                || outputHeight < 1 || outputWidth < 1 || outputChannels < 1 || padTop < 0 || padLeft < 0 || padTop >= kernelHeight || padLeft >= kernelWidth
                || ((outputHeight - 1) * (long)strideHeight) - padTop >= inputHeight || ((outputWidth - 1) * (long)strideWidth) - padLeft >= inputWidth
                || (long)inputHeight * inputWidth * inputChannels > int.MaxValue / 2 || (long)outputHeight * outputWidth * outputChannels > int.MaxValue / 2)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(inputHeight),
                    $"Not a valid convolution: input {inputHeight}x{inputWidth}x{inputChannels}, kernel {kernelHeight}x{kernelWidth}, stride {strideHeight}x{strideWidth}, padding top {padTop} left {padLeft}, output {outputHeight}x{outputWidth}x{outputChannels}.");
            }

            InputHeight = inputHeight;
            InputWidth = inputWidth;
            InputChannels = inputChannels;
            KernelHeight = kernelHeight;
            KernelWidth = kernelWidth;
            StrideHeight = strideHeight;
            StrideWidth = strideWidth;
            PadTop = padTop;
            PadLeft = padLeft;
            OutputHeight = outputHeight;
            OutputWidth = outputWidth;
            OutputChannels = outputChannels;
        }

#pragma warning disable CS1591 // the names say it
        public int InputHeight { get; }

        public int InputWidth { get; }

        public int InputChannels { get; }

        public int KernelHeight { get; }

        public int KernelWidth { get; }

        public int StrideHeight { get; }

        public int StrideWidth { get; }

        public int PadTop { get; }

        public int PadLeft { get; }

        public int OutputHeight { get; }

        public int OutputWidth { get; }

        public int OutputChannels { get; }
#pragma warning restore CS1591

        /// <summary>Values per input sample.</summary>
        public int InputSize => InputHeight * InputWidth * InputChannels;

        /// <summary>Values per output sample.</summary>
        public int OutputSize => OutputHeight * OutputWidth * OutputChannels;

        /// <summary>Output pixels per sample: the rows of the unfolded matrix that one sample gives.</summary>
        public int OutputPixels => OutputHeight * OutputWidth;

        /// <summary>Whether every window lies inside the input: no padding on any side (same padding of an even kernel
        /// pads after the input only, with none before it).</summary>
        public bool WindowsInside =>
            PadTop == 0 && PadLeft == 0 && ((OutputHeight - 1) * StrideHeight) + KernelHeight <= InputHeight && ((OutputWidth - 1) * StrideWidth) + KernelWidth <= InputWidth;

        /// <summary>Values in one unfolded patch, kh * kw * input channels: the rows of the weight matrix.</summary>
        public int PatchSize => KernelHeight * KernelWidth * InputChannels;

        /// <summary>Values in the kernel [kh, kw, input channels, filters].</summary>
        public int WeightCount => PatchSize * OutputChannels;

        /// <summary>The scratch <see cref="Convolution"/> needs for chunks of <paramref name="chunkRows"/> output pixels:
        /// the unfolded patches, then the kernel transposed from the next multiple of 16 values (so that a scratch on a
        /// cache line keeps the transposed kernel's rows on cache lines, as <see cref="AlignedFloats"/> says why).</summary>
        public int ScratchSize(int chunkRows) => TransposedOffset(chunkRows) + WeightCount;

        /// <summary>The scratch the pooled forms (<see cref="Convolution.ForwardMaxPool"/>) need: <see cref="ScratchSize"/>,
        /// then a chunk's output rows from the next multiple of 16 values.</summary>
        public int PoolingScratchSize(int chunkRows) => RowsOffset(chunkRows) + (chunkRows * OutputChannels);

        /// <summary>Where the transposed kernel starts in the scratch: after the patches, on a multiple of 16 values.</summary>
        internal int TransposedOffset(int chunkRows) => AlignedFloats.RoundUp(chunkRows * PatchSize);

        /// <summary>Where the pooled forms keep a chunk's output rows in the scratch.</summary>
        internal int RowsOffset(int chunkRows) => AlignedFloats.RoundUp(ScratchSize(chunkRows));
    }

    /// <summary>
    /// 2-D convolution, forward and backward, as matrix products over unfolded patches (im2col): the output pixels of the
    /// whole batch are the rows of one matrix, [batch * output pixels, filters] (which is exactly the channels-last output),
    /// equal to the patches [rows, kh * kw * channels] times the kernel [kh * kw * channels, filters]. The patches are
    /// unfolded a chunk of rows at a time into a scratch small enough to stay in L2 while the register-tiled
    /// <see cref="Gemm"/> runs over it, so the convolution gets the matrix kernel's speed without a batch-sized copy.
    /// </summary>
    public static class Convolution
    {
        /// <summary>y = x * W + b for <paramref name="batch"/> samples: y is [batch, out h, out w, filters]. With
        /// <paramref name="relu"/>, y = max(x * W + b, 0), each chunk as soon as it is written, while it is still in cache
        /// (the values of <see cref="Activations.Relu"/> over the whole output afterwards, which reads it back from memory
        /// when a first layer's output is larger than the cache).</summary>
        public static void Forward(
            in ConvolutionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            Span<float> y, Span<float> scratch, int batch, int chunkRows, bool relu = false)
        {
            Check(geometry, x.Length, weights.Length, bias.Length, y.Length, "y", scratch.Length, batch, chunkRows);
            int patch = geometry.PatchSize, filters = geometry.OutputChannels;
            int rows = batch * geometry.OutputPixels;
            Span<float> patches = scratch.Slice(0, chunkRows * patch);
            for (int start = 0; start < rows; start += chunkRows)
            {
                int count = Math.Min(chunkRows, rows - start);
                ForwardChunk(geometry, x, weights, bias, start, count, patches, y.Slice(start * filters, count * filters), relu);
            }
        }

        /// <summary>
        /// The convolution and then the max pooling <paramref name="pool"/> of its output, which is never stored whole: each
        /// chunk of whole samples (<paramref name="chunkRows"/> / output pixels of them) is written into the scratch and
        /// pooled there, into <paramref name="pooled"/> and <paramref name="argmax"/> exactly as <see cref="Forward"/> and
        /// <see cref="Pooling.MaxForward"/> write them (the indices count over the whole batch's convolution output; with an
        /// empty <paramref name="argmax"/>, the pooled values alone, as a prediction needs). For a
        /// first layer, whose output is larger than the cache, this saves writing it to memory and reading it back; the
        /// backward pass is <see cref="BackwardMaxPool"/>. <paramref name="scratch"/> needs
        /// <see cref="ConvolutionGeometry.PoolingScratchSize"/> values.
        /// </summary>
        public static void ForwardMaxPool(
            in ConvolutionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
            Span<float> scratch, int batch, int chunkRows, bool relu, in PoolGeometry pool, Span<float> pooled, Span<int> argmax)
        {
            int samplesPerChunk = CheckPooling(geometry, pool, x.Length, weights.Length, bias.Length, scratch.Length, batch, chunkRows);
            Pooling.CheckMaxForward(pool, OutputValues(geometry, batch), pooled.Length, argmax.Length, batch);
            int patch = geometry.PatchSize, filters = geometry.OutputChannels, pixels = geometry.OutputPixels;
            Span<float> patches = scratch.Slice(0, chunkRows * patch);
            Span<float> rows = scratch.Slice(geometry.RowsOffset(chunkRows), chunkRows * filters);
            for (int first = 0; first < batch; first += samplesPerChunk)
            {
                int end = Math.Min(first + samplesPerChunk, batch), count = (end - first) * pixels;
                Span<float> chunk = rows.Slice(0, count * filters);
                ForwardChunk(geometry, x, weights, bias, first * pixels, count, patches, chunk, relu);
                Pooling.MaxForwardSamples(pool, chunk, first * geometry.OutputSize, pooled, argmax, first, end);
            }
        }

        /// <summary>Output rows [start, start + count) into <paramref name="y"/>: a chunk is a dense layer over its patches,
        /// y = P W + b, with ReLU applied while it is in cache.</summary>
        private static void ForwardChunk(
            in ConvolutionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int start, int count, Span<float> patches, Span<float> y, bool relu)
        {
            if (!ForwardInPlace(geometry, x, weights, bias, start, count, y, relu))
            {
                Dense.Forward(Patches(geometry, x, start, count, patches), weights, bias, y, count, geometry.PatchSize, geometry.OutputChannels, relu);
            }
        }

        /// <summary>
        /// Output rows [start, start + count) of a convolution without padding, read from the input where it lies: within
        /// an output row the patches are a matrix whose rows are a stride apart and whose kernel rows are runs of
        /// kw * channels values one input row apart (<see cref="Gemm.MultiplyRunsBias"/>), so each output row, or its
        /// part in the chunk, is one product and nothing is unfolded. The same bits as unfolding. Returns false, writing
        /// nothing, where <see cref="ReadsPatchesInPlace"/> says no.
        /// </summary>
        private static bool ForwardInPlace(
            in ConvolutionGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int start, int count, Span<float> y, bool relu)
        {
            if (!ReadsPatchesInPlace(g))
            {
                return false;
            }

            if (Gemm.GathersRows(g.OutputChannels))
            {
                ForwardGathered(g, x, weights, bias, start, count, y, relu);
                return true;
            }

            int channels = g.InputChannels, filters = g.OutputChannels, pixels = g.OutputPixels, outputWidth = g.OutputWidth;
            int rowStride = g.StrideWidth * channels, run = g.KernelWidth * channels, inputRow = g.InputWidth * channels;
            for (int row = start, end = start + count; row < end;)
            {
                int sample = row / pixels, pixel = row - (sample * pixels);
                int oy = pixel / outputWidth, ox = pixel - (oy * outputWidth);
                int length = Math.Min(outputWidth - ox, end - row);
                int position = (sample * g.InputSize) + (oy * g.StrideHeight * inputRow) + (ox * rowStride);
                Gemm.MultiplyRunsBias(
                    x.Slice(position), rowStride, run, inputRow, weights, bias, y.Slice((row - start) * filters, length * filters), length, g.PatchSize, filters, relu);
                row += length;
            }

            return true;
        }

        /// <summary>The rows of a chunk gathered on the 256-bit tiles (<see cref="Gemm.MultiplyGatheredRunsBias"/>), in groups of
        /// <see cref="GatheredRows"/> pixels whose patches' starts sit on the stack; the tiles run across output rows.</summary>
        private static void ForwardGathered(
            in ConvolutionGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int start, int count, Span<float> y, bool relu)
        {
            int channels = g.InputChannels, filters = g.OutputChannels, pixels = g.OutputPixels, outputWidth = g.OutputWidth;
            int pixelStep = g.StrideWidth * channels, inputRow = g.InputWidth * channels, rowStep = g.StrideHeight * inputRow;
            Span<nint> starts = stackalloc nint[GatheredRows];
            for (int first = start, end = start + count; first < end; first += GatheredRows)
            {
                int rows = Math.Min(GatheredRows, end - first);
                int sample = first / pixels, pixel = first - (sample * pixels);
                int oy = pixel / outputWidth, ox = pixel - (oy * outputWidth);
                for (int i = 0; i < rows;)
                {
                    // The rest of an output row: starts a stride apart.
                    nint position = ((nint)sample * g.InputSize) + ((nint)oy * rowStep) + ((nint)ox * pixelStep);
                    int length = Math.Min(outputWidth - ox, rows - i);
                    for (int rowEnd = i + length; i < rowEnd; i++, position += pixelStep)
                    {
                        starts[i] = position;
                    }

                    ox += length;
                    if (ox == outputWidth)
                    {
                        ox = 0;
                        if (++oy == g.OutputHeight)
                        {
                            oy = 0;
                            sample++;
                        }
                    }
                }

                Gemm.MultiplyGatheredRunsBias(
                    x, starts.Slice(0, rows), g.KernelWidth * channels, inputRow, weights, bias, y.Slice((first - start) * filters, rows * filters), g.PatchSize, filters, relu);
            }
        }

        /// <summary>The pixels gathered at a time: a multiple of the six-row tiles' rows, 1.9 KB of starts on the stack.</summary>
        private const int GatheredRows = 240;

        /// <summary>
        /// Whether the forward pass reads the patches in place: the tiles take A in runs (<see cref="Gemm.TakesRuns"/>, from 8
        /// filters where Vector256 is accelerated) and every window lies inside the input
        /// (<see cref="ConvolutionGeometry.WindowsInside"/>). On the 256-bit tiles (<see cref="Gemm.GathersRows"/>) at any
        /// width, the chunk's rows gathered across output rows; on the Vector512 tiles, whose tiles span one output row at
        /// most, where an output row is as many pixels as keep them full (<see cref="Gemm.RowsSuitRuns"/>). Not a 1 x 1
        /// kernel of stride 1 either, whose patches are the input.
        /// </summary>
        internal static bool ReadsPatchesInPlace(in ConvolutionGeometry g) =>
            g.WindowsInside && Gemm.TakesRuns(g.OutputChannels) && (Gemm.GathersRows(g.OutputChannels) || Gemm.RowsSuitRuns(g.OutputWidth, g.OutputChannels))
            && !(g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1);

        /// <summary>
        /// Given dL/dy (after the activation's derivative): dW += patches^T dy and db += the sum of dy's rows (or overwrites
        /// them when <paramref name="accumulate"/> is false), and dL/dx, unless <paramref name="dx"/> is empty (the first
        /// layer), by folding dy W^T back onto the input positions (col2im); onto what dx holds when
        /// <paramref name="accumulateInputGradient"/> (the input is read by another layer too). Uses the old weights throughout.
        /// </summary>
        public static void Backward(
            in ConvolutionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx,
            Span<float> weightGradient, Span<float> biasGradient, Span<float> scratch, int batch, int chunkRows, bool accumulate, bool accumulateInputGradient = false)
        {
            Check(geometry, x.Length, weights.Length, biasGradient.Length, dy.Length, "dy", scratch.Length, batch, chunkRows);
            CheckGradients(geometry, dx.Length, weightGradient.Length, batch);

            int filters = geometry.OutputChannels, rows = batch * geometry.OutputPixels;
            StartBackward(geometry, weights, dx, biasGradient, scratch, batch, chunkRows, accumulate, accumulateInputGradient);
            Span<float> patches = scratch.Slice(0, chunkRows * geometry.PatchSize), transposed = scratch.Slice(geometry.TransposedOffset(chunkRows), geometry.WeightCount);
            bool inPlace = WeightGradientInPlace(geometry);
            for (int start = 0; start < rows; start += chunkRows)
            {
                int count = Math.Min(chunkRows, rows - start);
                BackwardChunk(geometry, x, dy.Slice(start * filters, count * filters), start, count, patches, transposed, dx, inPlace ? default : weightGradient, biasGradient, accumulate || start > 0);
            }

            // The chunks need not hold whole samples, which the weight gradient read in place takes one at a time.
            if (inPlace)
            {
                WeightGradientSamples(geometry, x, dy, 0, batch, weightGradient, accumulate);
            }
        }

        /// <summary>
        /// The backward pass of <see cref="ForwardMaxPool"/>: given the pooled output's gradient
        /// <paramref name="pooledGradient"/>, routes it to each window's maximum (<see cref="Pooling.MaxBackward"/>, with
        /// ReLU's derivative read from the pooled values when <paramref name="reluOutput"/> is given) into the scratch, a
        /// chunk of whole samples at a time, and runs <see cref="Backward"/> on each chunk while it is in cache: the
        /// convolution's output gradient is never stored whole. The same values as the two calls one after the other.
        /// </summary>
        public static void BackwardMaxPool(
            in ConvolutionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, in PoolGeometry pool, ReadOnlySpan<float> pooledGradient, ReadOnlySpan<int> argmax,
            ReadOnlySpan<float> reluOutput, Span<float> dx, Span<float> weightGradient, Span<float> biasGradient, Span<float> scratch, int batch, int chunkRows, bool accumulate,
            bool accumulateInputGradient = false)
        {
            int samplesPerChunk = CheckPooling(geometry, pool, x.Length, weights.Length, biasGradient.Length, scratch.Length, batch, chunkRows);
            CheckGradients(geometry, dx.Length, weightGradient.Length, batch);
            long pooledValues = (long)batch * pool.OutputSize;
            if (pooledGradient.Length < pooledValues || argmax.Length < pooledValues || (!reluOutput.IsEmpty && reluOutput.Length < pooledValues))
            {
                throw new ArgumentException(
                    $"For {batch} sample(s): the pooled gradient and argmax need {pooledValues} values each, reluOutput as many or none (have {pooledGradient.Length}, {argmax.Length}, {reluOutput.Length}).");
            }

            int filters = geometry.OutputChannels, pixels = geometry.OutputPixels;
            StartBackward(geometry, weights, dx, biasGradient, scratch, batch, chunkRows, accumulate, accumulateInputGradient);
            Span<float> patches = scratch.Slice(0, chunkRows * geometry.PatchSize), transposed = scratch.Slice(geometry.TransposedOffset(chunkRows), geometry.WeightCount);
            Span<float> rows = scratch.Slice(geometry.RowsOffset(chunkRows), chunkRows * filters);
            bool inPlace = WeightGradientInPlace(geometry);
            for (int first = 0; first < batch; first += samplesPerChunk)
            {
                int end = Math.Min(first + samplesPerChunk, batch), start = first * pixels, count = (end - first) * pixels;
                Span<float> dyChunk = rows.Slice(0, count * filters);
                Pooling.MaxBackwardSamples(pool, pooledGradient, argmax, dyChunk, first * geometry.OutputSize, first, end, accumulate: false, reluOutput);
                BackwardChunk(geometry, x, dyChunk, start, count, patches, transposed, dx, inPlace ? default : weightGradient, biasGradient, accumulate || start > 0);
                if (inPlace)
                {
                    WeightGradientSamples(geometry, x, dyChunk, first, end, weightGradient, accumulate || start > 0);
                }
            }
        }

        /// <summary>Readies the backward pass: the bias gradient cleared unless accumulated, W^T in the scratch after the
        /// patches and dx cleared (unless added to) when dx is wanted.</summary>
        private static void StartBackward(
            in ConvolutionGeometry geometry, ReadOnlySpan<float> weights, Span<float> dx, Span<float> biasGradient, Span<float> scratch, int batch, int chunkRows, bool accumulate, bool accumulateInputGradient)
        {
            if (!accumulate)
            {
                biasGradient.Slice(0, geometry.OutputChannels).Clear();
            }

            if (!dx.IsEmpty)
            {
                // W^T [filters, patch], so that dPatches = dy W^T runs on the register-tiled kernel rather than on dot products.
                Gemm.Transpose(weights.Slice(0, geometry.WeightCount), geometry.PatchSize, geometry.OutputChannels, scratch.Slice(geometry.TransposedOffset(chunkRows), geometry.WeightCount));
                if (!accumulateInputGradient)
                {
                    dx.Slice(0, batch * geometry.InputSize).Clear();
                }
            }
        }

        /// <summary>
        /// dW = patches^T dy over samples [<paramref name="first"/>, <paramref name="end"/>), or dW += it when
        /// <paramref name="accumulate"/>, with the patches read where they lie in the input: for each sample and kernel row,
        /// <see cref="Gemm.MultiplyTransposedARuns"/> over the sample's output pixels (one output row a run) into that
        /// kernel row's kw * channels rows of dW. <paramref name="dy"/> starts at sample <paramref name="first"/>'s rows.
        /// The pixels are added in order, sample after sample, so the bits are those of the unfolded chunks.
        /// </summary>
        private static void WeightGradientSamples(
            in ConvolutionGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int first, int end, Span<float> weightGradient, bool accumulate)
        {
            int filters = g.OutputChannels, pixels = g.OutputPixels, run = g.KernelWidth * g.InputChannels, inputRow = g.InputWidth * g.InputChannels;
            int stepStride = g.StrideWidth * g.InputChannels, rowStride = g.StrideHeight * inputRow;
            for (int sample = first; sample < end; sample++)
            {
                ReadOnlySpan<float> sampleGradient = dy.Slice((sample - first) * pixels * filters, pixels * filters);
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    Gemm.MultiplyTransposedARuns(
                        x.Slice((sample * g.InputSize) + (ky * inputRow)), stepStride, g.OutputWidth, rowStride, sampleGradient,
                        weightGradient.Slice(ky * run * filters, run * filters), run, pixels, filters, accumulate || sample > first);
                }
            }
        }

        /// <summary>
        /// Whether the backward pass reads the patches in place for the weight gradient (<see cref="WeightGradientSamples"/>):
        /// as <see cref="ReadsPatchesInPlace"/>, with a sample's output pixels enough steps (<see cref="Gemm.WideTileDepth"/>)
        /// for a tile that loads and stores its part of dW once per sample, and a kernel row of kw * channels values, the
        /// product's rows, that keep the tiles full (<see cref="Gemm.RowsSuitRuns"/>).
        /// </summary>
        internal static bool WeightGradientInPlace(in ConvolutionGeometry g) =>
            ReadsPatchesInPlace(g) && g.OutputPixels >= Gemm.WideTileDepth && Gemm.RowsSuitRuns(g.KernelWidth * g.InputChannels, g.OutputChannels);

        /// <summary>The backward pass of output rows [start, start + count), whose gradient is <paramref name="dy"/>; the
        /// weight gradient only when <paramref name="weightGradient"/> is given.</summary>
        private static void BackwardChunk(
            in ConvolutionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int start, int count, Span<float> patches, ReadOnlySpan<float> transposed,
            Span<float> dx, Span<float> weightGradient, Span<float> biasGradient, bool accumulateWeights)
        {
            int patch = geometry.PatchSize, filters = geometry.OutputChannels;
            // Chunk by chunk while its rows are in cache for the weight gradient (a first layer's dy is larger than
            // the cache); the rows are still added in order, so the sums are those of one pass.
            Dense.AddRowSums(dy, count, filters, biasGradient);
            if (!weightGradient.IsEmpty)
            {
                ReadOnlySpan<float> unfolded = Patches(geometry, x, start, count, patches);
                Gemm.MultiplyTransposedA(unfolded, dy, weightGradient.Slice(0, geometry.WeightCount), patch, count, filters, accumulateWeights);
            }

            if (!dx.IsEmpty)
            {
                Span<float> patchGradient = patches.Slice(0, count * patch); // the patches are no longer needed
                Gemm.Multiply(dy, transposed, patchGradient, count, filters, patch);
                FoldAdd(geometry, patchGradient, start, count, dx);
            }
        }

        /// <summary>The patches of output rows [start, start + count) as a [count, patch] matrix: the input itself for a
        /// 1x1 kernel with stride 1 (already in that layout), otherwise unfolded into <paramref name="scratch"/>.</summary>
        private static ReadOnlySpan<float> Patches(in ConvolutionGeometry geometry, ReadOnlySpan<float> x, int start, int count, Span<float> scratch)
        {
            if (geometry.KernelHeight == 1 && geometry.KernelWidth == 1 && geometry.StrideHeight == 1 && geometry.StrideWidth == 1)
            {
                return x.Slice(start * geometry.InputChannels, count * geometry.InputChannels);
            }

            Unfold(geometry, x, start, count, scratch);
            return scratch.Slice(0, count * geometry.PatchSize);
        }

        /// <summary>im2col: writes the patch of each output row in [start, start + count) (rows count over the whole batch)
        /// as one row of <paramref name="patches"/>, in [ky, kx, channel] order; cells in the padding are zero.</summary>
        internal static void Unfold(in ConvolutionGeometry g, ReadOnlySpan<float> x, int start, int count, Span<float> patches)
        {
            CheckRows(g, x.Length, start, count, patches.Length);
            int channels = g.InputChannels, patch = g.PatchSize, run = g.KernelWidth * channels;
            ref float input = ref MemoryMarshal.GetReference(x);
            ref float output = ref MemoryMarshal.GetReference(patches);
            if (g.WindowsInside && g.StrideHeight == 1 && g.StrideWidth == 1)
            {
                // One instantiation per copy, so that each keeps its own loop (and its own profile for the JIT).
                if (run < Vector256<float>.Count && Vector256.IsHardwareAccelerated)
                {
                    UnfoldValid<ShortRuns>(g, ref input, x.Length, start, count, ref output, patches.Length);
                }
                else
                {
                    UnfoldValid<ExactRuns>(g, ref input, x.Length, start, count, ref output, patches.Length);
                }

                return;
            }

            // The output position advances one pixel per row; divide once, then count (a division per row costs more
            // than the copy for a small first layer). The runs are copied through refs: a first layer's are three values
            // long, and slicing spans for each cost several times the copy.
            int pixels = g.OutputPixels;
            int sample = start / pixels, pixel = start - (sample * pixels);
            int oy = pixel / g.OutputWidth, ox = pixel - (oy * g.OutputWidth);
            for (int r = 0; r < count; r++)
            {
                int iy0 = (oy * g.StrideHeight) - g.PadTop, ix0 = (ox * g.StrideWidth) - g.PadLeft;
                int image = sample * g.InputSize;
                bool inside = ix0 >= 0 && ix0 + g.KernelWidth <= g.InputWidth;
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = iy0 + ky;
                    ref float line = ref Unsafe.Add(ref output, (r * patch) + (ky * run));
                    if ((uint)iy >= (uint)g.InputHeight)
                    {
                        MemoryMarshal.CreateSpan(ref line, run).Clear();
                    }
                    else if (inside)
                    {
                        // The kernel's row is one contiguous run of kw * channels input values.
                        Runs.Copy(ref Unsafe.Add(ref input, image + (((iy * g.InputWidth) + ix0) * channels)), ref line, run);
                    }
                    else
                    {
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int ix = ix0 + kx;
                            ref float cell = ref Unsafe.Add(ref line, kx * channels);
                            if ((uint)ix >= (uint)g.InputWidth)
                            {
                                MemoryMarshal.CreateSpan(ref cell, channels).Clear();
                            }
                            else
                            {
                                Runs.Copy(ref Unsafe.Add(ref input, image + (((iy * g.InputWidth) + ix) * channels)), ref cell, channels);
                            }
                        }
                    }
                }

                Advance(g, ref sample, ref oy, ref ox);
            }
        }

        /// <summary>Unfold for stride 1 without padding (every window inside the image): a patch's first value is one
        /// input position further along than the last patch's, one kernel width further at the end of an output row, so
        /// the position is counted rather than computed per row, and the few values live in registers. Runs shorter than
        /// a vector (a first layer's three or five values) are copied as one whole vector each, in order, so that each
        /// store's spill past its run is overwritten by the next run; rows whose last vector would read past the input or
        /// write past the patches take the exact copy.</summary>
        private static void UnfoldValid<TRuns>(in ConvolutionGeometry g, ref float input, int inputLength, int start, int count, ref float output, int outputLength)
            where TRuns : struct, IRunCopy
        {
            int channels = g.InputChannels, patch = g.PatchSize, run = g.KernelWidth * channels;
            int kernelHeight = g.KernelHeight, inputRow = g.InputWidth * channels, rowSkip = (g.KernelWidth - 1) * channels;
            int outputWidth = g.OutputWidth, outputHeight = g.OutputHeight, imageSize = g.InputSize, pixels = g.OutputPixels;
            int sample = start / pixels, pixel = start - (sample * pixels);
            int oy = pixel / outputWidth, ox = pixel - (oy * outputWidth);
            int position = (sample * imageSize) + (((oy * g.InputWidth) + ox) * channels);
            int lastVectorRead = ((kernelHeight - 1) * inputRow) + Vector256<float>.Count; // past the row's first input position
            int lastVectorWrite = ((kernelHeight - 1) * run) + Vector256<float>.Count; // past the row's first patch value
            for (int r = 0; r < count; r++)
            {
                ref float source = ref Unsafe.Add(ref input, position);
                ref float line = ref Unsafe.Add(ref output, r * patch);
                if (TRuns.WholeVectors && position + lastVectorRead <= inputLength && (r * patch) + lastVectorWrite <= outputLength)
                {
                    for (int ky = 0; ky < kernelHeight; ky++)
                    {
                        Vector256.LoadUnsafe(ref source, (nuint)(ky * inputRow)).StoreUnsafe(ref line, (nuint)(ky * run));
                    }
                }
                else
                {
                    for (int ky = 0; ky < kernelHeight; ky++)
                    {
                        Runs.Copy(ref Unsafe.Add(ref source, ky * inputRow), ref Unsafe.Add(ref line, ky * run), run);
                    }
                }

                position += channels;
                if (++ox == outputWidth)
                {
                    ox = 0;
                    position += rowSkip;
                    if (++oy == outputHeight)
                    {
                        oy = 0;
                        position = ++sample * imageSize;
                    }
                }
            }
        }

        /// <summary>How <see cref="UnfoldValid"/> copies a run, a constant the JIT folds into each instantiation.</summary>
        private interface IRunCopy
        {
            /// <summary>One whole vector per run, spilling past it (runs shorter than a vector).</summary>
            static abstract bool WholeVectors { get; }
        }

        private struct ShortRuns : IRunCopy
        {
            public static bool WholeVectors => true;
        }

        private struct ExactRuns : IRunCopy
        {
            public static bool WholeVectors => false;
        }

        /// <summary>The next output pixel in row-major order, into the next sample after the last.</summary>
        private static void Advance(in ConvolutionGeometry g, ref int sample, ref int oy, ref int ox)
        {
            if (++ox == g.OutputWidth)
            {
                ox = 0;
                if (++oy == g.OutputHeight)
                {
                    oy = 0;
                    sample++;
                }
            }
        }

        /// <summary>col2im, the adjoint of <see cref="Unfold"/>: adds each patch row's values back onto the input
        /// positions they came from (padding cells are dropped).</summary>
        internal static void FoldAdd(in ConvolutionGeometry g, ReadOnlySpan<float> patches, int start, int count, Span<float> dx)
        {
            CheckRows(g, dx.Length, start, count, patches.Length);
            int channels = g.InputChannels, patch = g.PatchSize, run = g.KernelWidth * channels;
            ref float source = ref MemoryMarshal.GetReference(patches);
            ref float gradient = ref MemoryMarshal.GetReference(dx);
            int pixels = g.OutputPixels;
            int sample = start / pixels, pixel = start - (sample * pixels);
            int oy = pixel / g.OutputWidth, ox = pixel - (oy * g.OutputWidth);
            for (int r = 0; r < count; r++)
            {
                int iy0 = (oy * g.StrideHeight) - g.PadTop, ix0 = (ox * g.StrideWidth) - g.PadLeft;
                int image = sample * g.InputSize;
                bool inside = ix0 >= 0 && ix0 + g.KernelWidth <= g.InputWidth;
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = iy0 + ky;
                    if ((uint)iy >= (uint)g.InputHeight)
                    {
                        continue;
                    }

                    ref float line = ref Unsafe.Add(ref source, (r * patch) + (ky * run));
                    if (inside)
                    {
                        Runs.Add(ref line, ref Unsafe.Add(ref gradient, image + (((iy * g.InputWidth) + ix0) * channels)), run);
                        continue;
                    }

                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ix = ix0 + kx;
                        if ((uint)ix < (uint)g.InputWidth)
                        {
                            Runs.Add(ref Unsafe.Add(ref line, kx * channels), ref Unsafe.Add(ref gradient, image + (((iy * g.InputWidth) + ix) * channels)), channels);
                        }
                    }
                }

                Advance(g, ref sample, ref oy, ref ox);
            }
        }

        /// <summary>Rows [start, start + count) must lie in the <paramref name="images"/> values and their patches in
        /// <paramref name="patches"/>: checked once, so that the loops can run on refs.</summary>
        private static void CheckRows(in ConvolutionGeometry g, int images, int start, int count, int patches)
        {
            long rows = (long)(images / g.InputSize) * g.OutputPixels;
            if (start < 0 || count < 0 || start + (long)count > rows || (long)count * g.PatchSize > patches)
            {
                throw new ArgumentException(
                    $"Rows [{start}, {start + (long)count}) need {(long)count * g.PatchSize} patch values (have {patches}) and at most {rows} rows of output pixels ({images} input values).");
            }
        }

        private static void CheckGradients(in ConvolutionGeometry g, int dx, int weightGradient, int batch)
        {
            if ((dx != 0 && dx < (long)batch * g.InputSize) || weightGradient < g.WeightCount)
            {
                throw new ArgumentException(
                    $"For {batch} sample(s): dx needs {(long)batch * g.InputSize} values or none (has {dx}), the weight gradient {g.WeightCount} (has {weightGradient}).");
            }
        }

        /// <summary>The values of the output the pooled forms never store, as the checks of a stored one count them (at most
        /// int.MaxValue, so that a batch too large for it fails those checks instead of wrapping).</summary>
        private static int OutputValues(in ConvolutionGeometry g, int batch) => (int)Math.Min(int.MaxValue, (long)batch * g.OutputSize);

        /// <summary>The checks of the pooled forms: returns how many whole samples a chunk holds.</summary>
        private static int CheckPooling(in ConvolutionGeometry g, in PoolGeometry pool, int x, int weights, int bias, int scratch, int batch, int chunkRows)
        {
            Check(g, x, weights, bias, OutputValues(g, batch), "the output", scratch, batch, chunkRows);
            if (pool.InputHeight != g.OutputHeight || pool.InputWidth != g.OutputWidth || pool.Channels != g.OutputChannels)
            {
                throw new ArgumentException(
                    $"The pooling reads {pool.InputHeight}x{pool.InputWidth}x{pool.Channels} samples, but the convolution writes {g.OutputHeight}x{g.OutputWidth}x{g.OutputChannels}.",
                    nameof(pool));
            }

            if (chunkRows < g.OutputPixels || scratch < (long)g.PoolingScratchSize(chunkRows))
            {
                throw new ArgumentException(
                    $"A chunk must hold a whole sample's {g.OutputPixels} output pixels (chunkRows is {chunkRows}), and the scratch {g.PoolingScratchSize(chunkRows)} values (has {scratch}).",
                    nameof(chunkRows));
            }

            return chunkRows / g.OutputPixels;
        }

        private static void Check(in ConvolutionGeometry g, int x, int weights, int bias, int rows, string rowsName, int scratch, int batch, int chunkRows)
        {
            if (g.OutputChannels == 0)
            {
                throw new ArgumentException("The convolution geometry is default(ConvolutionGeometry); construct it with its sizes.", nameof(g));
            }

            if (batch < 0 || chunkRows < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), $"Expected batch >= 0 and chunkRows >= 1, but batch = {batch}, chunkRows = {chunkRows}.");
            }

            // The scratch sizes are ints: a chunk whose patches, kernel and rows would pass int.MaxValue is refused here
            // rather than wrapping in them.
            if (((long)chunkRows * (g.PatchSize + g.OutputChannels)) + g.WeightCount + (3 * AlignedFloats.ValuesPerLine) > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, $"Expected a chunk whose scratch fits in an array: {chunkRows} rows of {g.PatchSize} patch values and {g.OutputChannels} outputs is too many.");
            }

            if (x < (long)batch * g.InputSize || weights < g.WeightCount || bias < g.OutputChannels || rows < (long)batch * g.OutputSize || scratch < (long)g.ScratchSize(chunkRows))
            {
                throw new ArgumentException(
                    $"For {batch} sample(s) of {g.InputHeight}x{g.InputWidth}x{g.InputChannels} -> {g.OutputHeight}x{g.OutputWidth}x{g.OutputChannels}: x needs {(long)batch * g.InputSize} values (has {x}), weights {g.WeightCount} (has {weights}), bias {g.OutputChannels} (has {bias}), {rowsName} {(long)batch * g.OutputSize} (has {rows}), scratch {g.ScratchSize(chunkRows)} (has {scratch}).");
            }
        }
    }
}
