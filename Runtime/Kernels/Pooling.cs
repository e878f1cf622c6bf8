using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels
{
    /// <summary>The sizes of a pooling window over channels-last samples, checked once at construction.</summary>
    public readonly struct PoolGeometry
    {
        /// <summary>Describes a pooling layer; throws when the sizes do not make one (every window must have a cell inside the input).</summary>
        public PoolGeometry(
            int inputHeight, int inputWidth, int channels,
            int windowHeight, int windowWidth, int strideHeight, int strideWidth, int padTop, int padLeft,
            int outputHeight, int outputWidth)
        {
            if (inputHeight < 1 || inputWidth < 1 || channels < 1 || windowHeight < 1 || windowWidth < 1 || strideHeight < 1 || strideWidth < 1
                || outputHeight < 1 || outputWidth < 1 || padTop < 0 || padLeft < 0 || padTop >= windowHeight || padLeft >= windowWidth
                || ((outputHeight - 1) * (long)strideHeight) - padTop >= inputHeight || ((outputWidth - 1) * (long)strideWidth) - padLeft >= inputWidth
                || (long)inputHeight * inputWidth * channels > int.MaxValue / 2)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(inputHeight),
                    $"Not a valid pooling: input {inputHeight}x{inputWidth}x{channels}, window {windowHeight}x{windowWidth}, stride {strideHeight}x{strideWidth}, padding top {padTop} left {padLeft}, output {outputHeight}x{outputWidth}.");
            }

            InputHeight = inputHeight;
            InputWidth = inputWidth;
            Channels = channels;
            WindowHeight = windowHeight;
            WindowWidth = windowWidth;
            StrideHeight = strideHeight;
            StrideWidth = strideWidth;
            PadTop = padTop;
            PadLeft = padLeft;
            OutputHeight = outputHeight;
            OutputWidth = outputWidth;
        }

#pragma warning disable CS1591 // the names say it
        public int InputHeight { get; }

        public int InputWidth { get; }

        public int Channels { get; }

        public int WindowHeight { get; }

        public int WindowWidth { get; }

        public int StrideHeight { get; }

        public int StrideWidth { get; }

        public int PadTop { get; }

        public int PadLeft { get; }

        public int OutputHeight { get; }

        public int OutputWidth { get; }
#pragma warning restore CS1591

        /// <summary>Values per input sample.</summary>
        public int InputSize => InputHeight * InputWidth * Channels;

        /// <summary>Values per output sample.</summary>
        public int OutputSize => OutputHeight * OutputWidth * Channels;

        /// <summary>Whether the windows cover the input without overlap or gaps, so that each input cell is in exactly one
        /// window (stride equal to the window, and the last window reaching the input's end).</summary>
        internal bool TilesInput =>
            StrideHeight == WindowHeight && StrideWidth == WindowWidth
            && (OutputHeight * StrideHeight) - PadTop >= InputHeight && (OutputWidth * StrideWidth) - PadLeft >= InputWidth;

        /// <summary>Whether every window lies inside the input, whole: none needs clipping.</summary>
        internal bool WindowsInside =>
            PadTop == 0 && PadLeft == 0 && ((OutputHeight - 1) * StrideHeight) + WindowHeight <= InputHeight && ((OutputWidth - 1) * StrideWidth) + WindowWidth <= InputWidth;

        /// <summary>The window of output (<paramref name="oy"/>, <paramref name="ox"/>) clipped to the input: rows [y0, y1), columns [x0, x1).</summary>
        internal (int Y0, int Y1, int X0, int X1) Clip(int oy, int ox)
        {
            int y0 = (oy * StrideHeight) - PadTop, x0 = (ox * StrideWidth) - PadLeft;
            return (Math.Max(y0, 0), Math.Min(y0 + WindowHeight, InputHeight), Math.Max(x0, 0), Math.Min(x0 + WindowWidth, InputWidth));
        }
    }

    /// <summary>
    /// Max, average and global average pooling over channels-last samples. Each window is a handful of contiguous
    /// channel vectors, so every kernel here runs across the channels with vectors and around the window with scalars.
    /// Cells of a window outside the input (Same padding) are ignored: not candidates for the max, not counted in the mean.
    /// </summary>
    public static class Pooling
    {
        /// <summary>0, 1, ..., 7: the lane offsets added to a base index (Vector256&lt;int&gt;.Indices is .NET 9+).</summary>
        private static readonly Vector256<int> Lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);

        /// <summary>0, 1, ..., 15.</summary>
        private static readonly Vector512<int> Lanes512 = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

        /// <summary>y = the max of each window per channel; <paramref name="argmax"/> gets the index into <paramref name="x"/> of
        /// each maximum (the first, on ties), which is what the backward pass routes the gradient to, or, empty, nothing: a
        /// prediction needs only the values (the same values). A NaN in a window is its maximum, as in PyTorch, so that a
        /// NaN input shows in the loss rather than being dropped.</summary>
        public static void MaxForward(in PoolGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int batch)
        {
            CheckMaxForward(g, x.Length, y.Length, argmax.Length, batch);
            MaxForwardSamples(g, x, 0, y, argmax, 0, batch);
        }

        /// <summary>The spans of <see cref="MaxForward"/> for <paramref name="batch"/> samples (an empty argmax: no indices).</summary>
        internal static void CheckMaxForward(in PoolGeometry g, int x, int y, int argmax, int batch)
        {
            Check(g, x, y, "y", batch);
            if (argmax != 0 && argmax < (long)batch * g.OutputSize)
            {
                throw new ArgumentException($"For {batch} sample(s): argmax needs {(long)batch * g.OutputSize} values, or none for the values alone (has {argmax}).", nameof(argmax));
            }
        }

        /// <summary><see cref="MaxForward"/> over samples [<paramref name="first"/>, <paramref name="end"/>), whose input starts
        /// at <paramref name="x"/>[index - <paramref name="inputOffset"/>] (a chunk of the batch's input); the argmax indices
        /// are those of the whole batch all the same, or not written when <paramref name="argmax"/> is empty. The caller has
        /// checked the spans for these samples.</summary>
        internal static void MaxForwardSamples(in PoolGeometry g, ReadOnlySpan<float> x, int inputOffset, Span<float> y, Span<int> argmax, int first, int end)
        {
            if (argmax.IsEmpty)
            {
                MaxForwardSamples<ValuesAlone>(g, x, inputOffset, y, argmax, first, end);
            }
            else
            {
                MaxForwardSamples<WithArgmax>(g, x, inputOffset, y, argmax, first, end);
            }
        }

        /// <summary>Whether a max pool's forward pass tracks where each maximum is: a constant the JIT folds into each
        /// instantiation, so that a prediction's pass (<see cref="ValuesAlone"/>) has no index code at all.</summary>
        private interface IArgmaxTracking
        {
            static abstract bool Tracks { get; }
        }

        private struct WithArgmax : IArgmaxTracking
        {
            public static bool Tracks => true;
        }

        private struct ValuesAlone : IArgmaxTracking
        {
            public static bool Tracks => false;
        }

        private static void MaxForwardSamples<TArgmax>(in PoolGeometry g, ReadOnlySpan<float> x, int inputOffset, Span<float> y, Span<int> argmax, int first, int end)
            where TArgmax : struct, IArgmaxTracking
        {
            int channels = g.Channels;
            int vectorEnd = Vector256.IsHardwareAccelerated ? channels - (channels % Vector256<float>.Count) : 0;
            ref float input = ref MemoryMarshal.GetReference(x);
            ref float outputValue = ref MemoryMarshal.GetReference(y);
            ref int outputIndex = ref MemoryMarshal.GetReference(argmax);
            if (vectorEnd == channels && g.WindowsInside)
            {
                MaxForwardInside<TArgmax>(g, ref input, inputOffset, ref outputValue, ref outputIndex, first, end);
                return;
            }

            for (int sample = first; sample < end; sample++)
            {
                int inputBase = sample * g.InputSize;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        int output = (sample * g.OutputSize) + (((oy * g.OutputWidth) + ox) * channels);
                        (int y0, int y1, int x0, int x1) = g.Clip(oy, ox);
                        // The lengths were checked before and every index lies in its sample: the loads and stores go
                        // through refs, from the window's first cell (its value and index are where the maximum starts:
                        // the same as starting from -infinity and that cell's index, one comparison less).
                        int window = inputBase + (((y0 * g.InputWidth) + x0) * channels), rows = y1 - y0, columns = x1 - x0;
                        MaxVectors<TArgmax>(ref input, window, inputOffset, rows, columns, g.InputWidth * channels, channels, vectorEnd, ref outputValue, ref outputIndex, output);
                        for (int c = vectorEnd; c < channels; c++)
                        {
                            float best = float.NegativeInfinity;
                            int bestIndex = inputBase + (((y0 * g.InputWidth) + x0) * channels) + c;
                            for (int iy = y0; iy < y1; iy++)
                            {
                                for (int ix = x0; ix < x1; ix++)
                                {
                                    int index = inputBase + (((iy * g.InputWidth) + ix) * channels) + c;
                                    float value = x[index - inputOffset];
                                    if (value > best || (float.IsNaN(value) && !float.IsNaN(best)))
                                    {
                                        best = value;
                                        bestIndex = index;
                                    }
                                }
                            }

                            y[output + c] = best;
                            if (TArgmax.Tracks)
                            {
                                argmax[output + c] = bestIndex;
                            }
                        }
                    }
                }
            }
        }

        /// <summary><see cref="MaxForwardSamples{TArgmax}"/> where every window lies whole inside the input and the channels
        /// are whole vectors (the seed CNN's pools): the windows are walked by counting, without clipping each one, and
        /// each takes the same steps in the same order, so the values and indices are the same.</summary>
        private static void MaxForwardInside<TArgmax>(in PoolGeometry g, ref float input, int inputOffset, ref float outputValue, ref int outputIndex, int first, int end)
            where TArgmax : struct, IArgmaxTracking
        {
            int channels = g.Channels, rowStride = g.InputWidth * channels, rows = g.WindowHeight, columns = g.WindowWidth;
            int columnStep = g.StrideWidth * channels, rowStep = g.StrideHeight * rowStride;
            int output = first * g.OutputSize;
            for (int sample = first; sample < end; sample++)
            {
                int windowRow = sample * g.InputSize;
                for (int oy = 0; oy < g.OutputHeight; oy++, windowRow += rowStep)
                {
                    int window = windowRow;
                    for (int ox = 0; ox < g.OutputWidth; ox++, window += columnStep, output += channels)
                    {
                        MaxVectors<TArgmax>(ref input, window, inputOffset, rows, columns, rowStride, channels, channels, ref outputValue, ref outputIndex, output);
                    }
                }
            }
        }

        /// <summary>The maxima of one window's channels [0, <paramref name="vectorEnd"/>), and their indices when tracked:
        /// sixteen at a time where Vector512 is accelerated, then eight.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MaxVectors<TArgmax>(
            ref float input, int first, int inputOffset, int rows, int columns, int rowStride, int cellStride, int vectorEnd, ref float outputValue, ref int outputIndex, int output)
            where TArgmax : struct, IArgmaxTracking
        {
            int c = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; c + Vector512<float>.Count <= vectorEnd; c += Vector512<float>.Count)
                {
                    (Vector512<float> best, Vector512<int> at) = WindowMax512<TArgmax>(ref input, first + c, inputOffset, rows, columns, rowStride, cellStride);
                    best.StoreUnsafe(ref outputValue, (nuint)(output + c));
                    if (TArgmax.Tracks)
                    {
                        at.StoreUnsafe(ref outputIndex, (nuint)(output + c));
                    }
                }
            }

            for (; c < vectorEnd; c += Vector256<float>.Count)
            {
                (Vector256<float> best, Vector256<int> at) = WindowMax256<TArgmax>(ref input, first + c, inputOffset, rows, columns, rowStride, cellStride);
                best.StoreUnsafe(ref outputValue, (nuint)(output + c));
                if (TArgmax.Tracks)
                {
                    at.StoreUnsafe(ref outputIndex, (nuint)(output + c));
                }
            }
        }

        /// <summary>The maximum of a window's cells in eight channels from <paramref name="first"/> (a batch index; the input
        /// holds it at first - <paramref name="inputOffset"/>) and, when <typeparamref name="TArgmax"/> tracks it, the batch
        /// index of each lane's maximum, the first on ties. Cells in row order; a whole 2 x 2 window (the usual pool) takes
        /// the same three steps without the loops.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector256<float> Best, Vector256<int> At) WindowMax256<TArgmax>(ref float input, int first, int inputOffset, int rows, int columns, int rowStride, int cellStride)
            where TArgmax : struct, IArgmaxTracking
        {
            Vector256<float> best = Vector256.LoadUnsafe(ref input, (nuint)(first - inputOffset));
            Vector256<int> at = TArgmax.Tracks ? Vector256.Create(first) + Lanes : default;
            if (rows == 2 && columns == 2)
            {
                Step256<TArgmax>(ref input, first + cellStride, inputOffset, ref best, ref at);
                Step256<TArgmax>(ref input, first + rowStride, inputOffset, ref best, ref at);
                Step256<TArgmax>(ref input, first + rowStride + cellStride, inputOffset, ref best, ref at);
                return (best, at);
            }

            for (int r = 0; r < rows; r++)
            {
                for (int q = r == 0 ? 1 : 0; q < columns; q++)
                {
                    Step256<TArgmax>(ref input, first + (r * rowStride) + (q * cellStride), inputOffset, ref best, ref at);
                }
            }

            return (best, at);
        }

        /// <summary>One cell of <see cref="WindowMax256{TArgmax}"/>: the cell at batch index <paramref name="index"/> against
        /// the maximum so far.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Step256<TArgmax>(ref float input, int index, int inputOffset, ref Vector256<float> best, ref Vector256<int> at)
            where TArgmax : struct, IArgmaxTracking
        {
            Vector256<float> value = Vector256.LoadUnsafe(ref input, (nuint)(index - inputOffset));
            // Not (value <= best) is a greater value or a NaN, and a NaN best (unequal to itself) keeps its place: a NaN
            // wins and stays, so a NaN reaches the loss and stops training instead of vanishing in the pool.
            Vector256<float> greater = Vector256.AndNot(Vector256.Equals(best, best), Vector256.LessThanOrEqual(value, best));
            best = Vector256.ConditionalSelect(greater, value, best);
            if (TArgmax.Tracks)
            {
                at = Vector256.ConditionalSelect(greater.AsInt32(), Vector256.Create(index) + Lanes, at);
            }
        }

        /// <summary><see cref="WindowMax256{TArgmax}"/> in sixteen channels.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector512<float> Best, Vector512<int> At) WindowMax512<TArgmax>(ref float input, int first, int inputOffset, int rows, int columns, int rowStride, int cellStride)
            where TArgmax : struct, IArgmaxTracking
        {
            Vector512<float> best = Vector512.LoadUnsafe(ref input, (nuint)(first - inputOffset));
            Vector512<int> at = TArgmax.Tracks ? Vector512.Create(first) + Lanes512 : default;
            if (rows == 2 && columns == 2)
            {
                Step512<TArgmax>(ref input, first + cellStride, inputOffset, ref best, ref at);
                Step512<TArgmax>(ref input, first + rowStride, inputOffset, ref best, ref at);
                Step512<TArgmax>(ref input, first + rowStride + cellStride, inputOffset, ref best, ref at);
                return (best, at);
            }

            for (int r = 0; r < rows; r++)
            {
                for (int q = r == 0 ? 1 : 0; q < columns; q++)
                {
                    Step512<TArgmax>(ref input, first + (r * rowStride) + (q * cellStride), inputOffset, ref best, ref at);
                }
            }

            return (best, at);
        }

        /// <summary><see cref="Step256{TArgmax}"/> in sixteen channels.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Step512<TArgmax>(ref float input, int index, int inputOffset, ref Vector512<float> best, ref Vector512<int> at)
            where TArgmax : struct, IArgmaxTracking
        {
            Vector512<float> value = Vector512.LoadUnsafe(ref input, (nuint)(index - inputOffset));
            Vector512<float> greater = Vector512.AndNot(Vector512.Equals(best, best), Vector512.LessThanOrEqual(value, best));
            best = Vector512.ConditionalSelect(greater, value, best);
            if (TArgmax.Tracks)
            {
                at = Vector512.ConditionalSelect(greater.AsInt32(), Vector512.Create(index) + Lanes512, at);
            }
        }

        /// <summary>dx = 0 (unless <paramref name="accumulate"/>: the input is read by another layer too), then each dy is added
        /// at its window's maximum: the index <paramref name="argmax"/> holds, as <see cref="MaxForward"/> wrote it (across the
        /// vector lanes, an index outside its own window routes nothing). With <paramref name="reluOutput"/> (this pool's
        /// output, over an input that is a ReLU's output), each dy is routed only where that value is above 0: the values of
        /// <see cref="Activations.ReluBackward"/> over the whole input gradient afterwards, without the pass over it.</summary>
        public static void MaxBackward(in PoolGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int batch, bool accumulate = false, ReadOnlySpan<float> reluOutput = default)
        {
            Check(g, dx.Length, dy.Length, "dy", batch);
            int outputs = batch * g.OutputSize;
            if (argmax.Length < outputs)
            {
                throw new ArgumentException($"For {batch} sample(s): argmax needs {outputs} values (has {argmax.Length}).", nameof(argmax));
            }

            bool relu = !reluOutput.IsEmpty;
            if (relu && reluOutput.Length < outputs)
            {
                throw new ArgumentException($"For {batch} sample(s): reluOutput needs {outputs} values or none (has {reluOutput.Length}).", nameof(reluOutput));
            }

            MaxBackwardSamples(g, dy, argmax, dx.Slice(0, batch * g.InputSize), 0, 0, batch, accumulate, reluOutput);
        }

        /// <summary><see cref="MaxBackward"/> over samples [<paramref name="first"/>, <paramref name="end"/>), whose input
        /// gradient <paramref name="dx"/> (exactly those samples' values) starts at index <paramref name="inputOffset"/> of
        /// the batch's (a chunk of it). The caller has checked the spans for these samples.</summary>
        internal static void MaxBackwardSamples(in PoolGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int inputOffset, int first, int end, bool accumulate, ReadOnlySpan<float> reluOutput)
        {
            bool relu = !reluOutput.IsEmpty;
            int channels = g.Channels, rowStride = g.InputWidth * channels;
            int vectorEnd = Vector256.IsHardwareAccelerated ? channels - (channels % Vector256<float>.Count) : 0;

            // Where every input cell is in exactly one window, each cell's gradient is stored once and nothing needs
            // clearing first (for the seed CNN's first pool, clearing was half the time).
            bool store = !accumulate && g.TilesInput && vectorEnd == channels;
            if (!store && !accumulate)
            {
                dx.Clear();
            }

            ref float outputGradient = ref MemoryMarshal.GetReference(dy);
            ref int outputIndex = ref MemoryMarshal.GetReference(argmax);
            ref float inputGradient = ref MemoryMarshal.GetReference(dx);
            ref float pooled = ref MemoryMarshal.GetReference(reluOutput);
            if (vectorEnd == channels && g.WindowsInside)
            {
                MaxBackwardInside(g, ref outputGradient, ref outputIndex, ref inputGradient, ref pooled, relu, store, inputOffset, first, end);
                return;
            }

            // There is no scatter instruction to route eight gradients at once, so each window cell takes the lanes whose
            // argmax names it: dx_cell += dy & (argmax == index of cell). That adds in the same order as the scalar
            // scatter (outputs in order; adding +0 elsewhere changes nothing), so the results are exactly the same. The
            // channels past the last whole vector (all of them without Vector256) take the scatter itself.
            for (int sample = first; sample < end; sample++)
            {
                int inputBase = sample * g.InputSize;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        int output = (sample * g.OutputSize) + (((oy * g.OutputWidth) + ox) * channels);
                        (int y0, int y1, int x0, int x1) = g.Clip(oy, ox);
                        // The lengths were checked above and every index lies in its sample: refs, not slices. Sixteen
                        // channels at a time where Vector512 is accelerated, then eight.
                        int window = inputBase + (((y0 * g.InputWidth) + x0) * channels), rows = y1 - y0, columns = x1 - x0;
                        RouteVectors(ref outputGradient, ref outputIndex, ref inputGradient, ref pooled, relu, store, output, window, inputOffset, rows, columns, rowStride, channels, vectorEnd);
                        for (int c = vectorEnd; c < channels; c++)
                        {
                            dx[argmax[output + c] - inputOffset] += relu && reluOutput[output + c] <= 0f ? 0f : dy[output + c];
                        }
                    }
                }
            }
        }

        /// <summary><see cref="MaxBackwardSamples"/> where every window lies whole inside the input and the channels are
        /// whole vectors: the windows are walked by counting, without clipping each one, and each cell takes the same
        /// lanes in the same order, so the values are the same.</summary>
        private static void MaxBackwardInside(
            in PoolGeometry g, ref float outputGradient, ref int outputIndex, ref float inputGradient, ref float pooled, bool relu, bool store, int inputOffset, int first, int end)
        {
            int channels = g.Channels, rowStride = g.InputWidth * channels, rows = g.WindowHeight, columns = g.WindowWidth;
            int columnStep = g.StrideWidth * channels, rowStep = g.StrideHeight * rowStride;
            int output = first * g.OutputSize;
            for (int sample = first; sample < end; sample++)
            {
                int windowRow = sample * g.InputSize;
                for (int oy = 0; oy < g.OutputHeight; oy++, windowRow += rowStep)
                {
                    int window = windowRow;
                    for (int ox = 0; ox < g.OutputWidth; ox++, window += columnStep, output += channels)
                    {
                        RouteVectors(ref outputGradient, ref outputIndex, ref inputGradient, ref pooled, relu, store, output, window, inputOffset, rows, columns, rowStride, channels, channels);
                    }
                }
            }
        }

        /// <summary>The channels [0, <paramref name="vectorEnd"/>) of one window: sixteen at a time where Vector512 is
        /// accelerated, then eight (<see cref="Route512"/>, <see cref="Route256"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RouteVectors(
            ref float outputGradient, ref int outputIndex, ref float inputGradient, ref float pooled, bool relu, bool store, int output, int first, int inputOffset, int rows, int columns, int rowStride, int cellStride, int vectorEnd)
        {
            int c = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; c + Vector512<float>.Count <= vectorEnd; c += Vector512<float>.Count)
                {
                    Route512(ref outputGradient, ref outputIndex, ref inputGradient, ref pooled, relu, store, output + c, first + c, inputOffset, rows, columns, rowStride, cellStride);
                }
            }

            for (; c < vectorEnd; c += Vector256<float>.Count)
            {
                Route256(ref outputGradient, ref outputIndex, ref inputGradient, ref pooled, relu, store, output + c, first + c, inputOffset, rows, columns, rowStride, cellStride);
            }
        }

        /// <summary>Routes eight outputs' gradients (at <paramref name="output"/>) to their windows' maxima, whose first cell is
        /// batch index <paramref name="first"/>: each cell, in row order, takes the lanes whose argmax names it, stored or
        /// added. With <paramref name="relu"/>, ReLU's derivative as ReluBackward takes it first: 0 where the pooled output
        /// is &lt;= 0 (a NaN passes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Route256(
            ref float outputGradient, ref int outputIndex, ref float inputGradient, ref float pooled, bool relu, bool store, int output, int first, int inputOffset, int rows, int columns, int rowStride, int cellStride)
        {
            Vector256<float> gradientOut = Vector256.LoadUnsafe(ref outputGradient, (nuint)output);
            if (relu)
            {
                gradientOut = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref pooled, (nuint)output), Vector256<float>.Zero), Vector256<float>.Zero, gradientOut);
            }

            Vector256<int> target = Vector256.LoadUnsafe(ref outputIndex, (nuint)output);
            for (int r = 0, row = first; r < rows; r++, row += rowStride)
            {
                for (int q = 0, index = row; q < columns; q++, index += cellStride)
                {
                    Vector256<float> routed = gradientOut & Vector256.Equals(target, Vector256.Create(index) + Lanes).AsSingle();
                    (store ? routed : Vector256.LoadUnsafe(ref inputGradient, (nuint)(index - inputOffset)) + routed).StoreUnsafe(ref inputGradient, (nuint)(index - inputOffset));
                }
            }
        }

        /// <summary><see cref="Route256"/> for sixteen outputs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Route512(
            ref float outputGradient, ref int outputIndex, ref float inputGradient, ref float pooled, bool relu, bool store, int output, int first, int inputOffset, int rows, int columns, int rowStride, int cellStride)
        {
            Vector512<float> gradientOut = Vector512.LoadUnsafe(ref outputGradient, (nuint)output);
            if (relu)
            {
                gradientOut = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.LoadUnsafe(ref pooled, (nuint)output), Vector512<float>.Zero), Vector512<float>.Zero, gradientOut);
            }

            Vector512<int> target = Vector512.LoadUnsafe(ref outputIndex, (nuint)output);
            for (int r = 0, row = first; r < rows; r++, row += rowStride)
            {
                for (int q = 0, index = row; q < columns; q++, index += cellStride)
                {
                    Vector512<float> routed = gradientOut & Vector512.Equals(target, Vector512.Create(index) + Lanes512).AsSingle();
                    (store ? routed : Vector512.LoadUnsafe(ref inputGradient, (nuint)(index - inputOffset)) + routed).StoreUnsafe(ref inputGradient, (nuint)(index - inputOffset));
                }
            }
        }

        /// <summary>y = the mean of each window's cells inside the input, per channel.</summary>
        public static void AverageForward(in PoolGeometry g, ReadOnlySpan<float> x, Span<float> y, int batch)
        {
            Check(g, x.Length, y.Length, "y", batch);
            int channels = g.Channels;
            ref float input = ref MemoryMarshal.GetReference(x);
            ref float output = ref MemoryMarshal.GetReference(y);
            for (int sample = 0; sample < batch; sample++)
            {
                int image = sample * g.InputSize;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        ref float mean = ref Unsafe.Add(ref output, (sample * g.OutputSize) + (((oy * g.OutputWidth) + ox) * channels));
                        (int y0, int y1, int x0, int x1) = g.Clip(oy, ox);
                        MemoryMarshal.CreateSpan(ref mean, channels).Clear();
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                Runs.Add(ref Unsafe.Add(ref input, image + (((iy * g.InputWidth) + ix) * channels)), ref mean, channels);
                            }
                        }

                        Runs.Scale(ref mean, 1f / ((y1 - y0) * (x1 - x0)), channels);
                    }
                }
            }
        }

        /// <summary>dx = 0 (unless <paramref name="accumulate"/>), then each dy is spread evenly over its window's cells inside the input.</summary>
        public static void AverageBackward(in PoolGeometry g, ReadOnlySpan<float> dy, Span<float> dx, int batch, bool accumulate = false)
        {
            Check(g, dx.Length, dy.Length, "dy", batch);
            int channels = g.Channels;
            if (!accumulate)
            {
                dx.Slice(0, batch * g.InputSize).Clear();
            }

            ref float outputGradient = ref MemoryMarshal.GetReference(dy);
            ref float inputGradient = ref MemoryMarshal.GetReference(dx);
            for (int sample = 0; sample < batch; sample++)
            {
                int image = sample * g.InputSize;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        ref float gradient = ref Unsafe.Add(ref outputGradient, (sample * g.OutputSize) + (((oy * g.OutputWidth) + ox) * channels));
                        (int y0, int y1, int x0, int x1) = g.Clip(oy, ox);
                        float share = 1f / ((y1 - y0) * (x1 - x0));
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                Runs.MultiplyAdd(ref gradient, share, ref Unsafe.Add(ref inputGradient, image + (((iy * g.InputWidth) + ix) * channels)), channels);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>y[sample, c] = the mean over the <paramref name="pixels"/> positions of channel c.</summary>
        public static void GlobalAverageForward(ReadOnlySpan<float> x, Span<float> y, int batch, int pixels, int channels)
        {
            CheckGlobal(x.Length, y.Length, "y", batch, pixels, channels);
            ref float input = ref MemoryMarshal.GetReference(x);
            ref float output = ref MemoryMarshal.GetReference(y);
            for (int sample = 0; sample < batch; sample++)
            {
                ref float mean = ref Unsafe.Add(ref output, sample * channels);
                ref float image = ref Unsafe.Add(ref input, sample * pixels * channels);
                Runs.Copy(ref image, ref mean, channels);
                for (int p = 1; p < pixels; p++)
                {
                    Runs.Add(ref Unsafe.Add(ref image, p * channels), ref mean, channels);
                }

                Runs.Scale(ref mean, 1f / pixels, channels);
            }
        }

        /// <summary>dx[sample, p, c] = dy[sample, c] / pixels for every position p (added to dx when <paramref name="accumulate"/>).</summary>
        public static void GlobalAverageBackward(ReadOnlySpan<float> dy, Span<float> dx, int batch, int pixels, int channels, bool accumulate = false)
        {
            CheckGlobal(dx.Length, dy.Length, "dy", batch, pixels, channels);
            ref float outputGradient = ref MemoryMarshal.GetReference(dy);
            ref float inputGradient = ref MemoryMarshal.GetReference(dx);
            for (int sample = 0; sample < batch; sample++)
            {
                ref float gradient = ref Unsafe.Add(ref outputGradient, sample * channels);
                ref float image = ref Unsafe.Add(ref inputGradient, sample * pixels * channels);
                if (accumulate)
                {
                    for (int p = 0; p < pixels; p++)
                    {
                        Runs.MultiplyAdd(ref gradient, 1f / pixels, ref Unsafe.Add(ref image, p * channels), channels);
                    }

                    continue;
                }

                TensorPrimitives.Multiply(dy.Slice(sample * channels, channels), 1f / pixels, dx.Slice(sample * pixels * channels, channels));
                for (int p = 1; p < pixels; p++)
                {
                    Runs.Copy(ref image, ref Unsafe.Add(ref image, p * channels), channels);
                }
            }
        }

        private static void Check(in PoolGeometry g, int inputs, int outputs, string outputName, int batch)
        {
            if (g.Channels == 0)
            {
                throw new ArgumentException("The pooling geometry is default(PoolGeometry); construct it with its sizes.", nameof(g));
            }

            if (batch < 0 || inputs < (long)batch * g.InputSize || outputs < (long)batch * g.OutputSize)
            {
                throw new ArgumentException(
                    $"For {batch} sample(s) of {g.InputHeight}x{g.InputWidth}x{g.Channels} -> {g.OutputHeight}x{g.OutputWidth}x{g.Channels}: the input side needs {(long)batch * g.InputSize} values (has {inputs}), {outputName} {(long)batch * g.OutputSize} (has {outputs}).");
            }
        }

        private static void CheckGlobal(int inputs, int outputs, string outputName, int batch, int pixels, int channels)
        {
            if (batch < 0 || pixels < 1 || channels < 1 || inputs < (long)batch * pixels * channels || outputs < (long)batch * channels)
            {
                throw new ArgumentException(
                    $"For {batch} sample(s) of {pixels} pixels x {channels} channels: the input side needs {(long)batch * pixels * channels} values (has {inputs}), {outputName} {(long)batch * channels} (has {outputs}).");
            }
        }
    }
}
