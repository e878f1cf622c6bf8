using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels
{
    /// <summary>
    /// The sizes of a multi-head self-attention layer over a <c>[steps, width]</c> sequence, checked once: the generated
    /// code keeps one in a <c>static readonly</c> field and passes it to every call.
    /// </summary>
    public readonly struct AttentionGeometry
    {
        /// <summary>Describes an attention layer; throws when a size is not positive, the width is not a multiple of the
        /// heads, or the buffers would not fit an int.</summary>
        public AttentionGeometry(int steps, int width, int heads, bool causal, float dropout = 0f)
        {
            if (steps < 1 || width < 1 || heads < 1 || width % heads != 0 || !(dropout >= 0f && dropout < 1f)
                || (long)steps * Math.Max(4L * width, (long)heads * steps) > int.MaxValue / 4)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(steps),
                    $"Not a valid attention layer: {steps} steps of width {width}, {heads} heads (the width must be a multiple of them), dropout {dropout}.");
            }

            Steps = steps;
            Width = width;
            Heads = heads;
            Causal = causal;
            Dropout = dropout;
            HeadSize = width / heads;
            Scale = 1f / MathF.Sqrt(HeadSize);
        }

        /// <summary>Time steps per sample.</summary>
        public int Steps { get; }

        /// <summary>Features per step (PyTorch's embed_dim), the input's and the output's.</summary>
        public int Width { get; }

        /// <summary>Attention heads.</summary>
        public int Heads { get; }

        /// <summary>Width / heads: each head's query, key and value size.</summary>
        public int HeadSize { get; }

        /// <summary>Whether step t attends to steps up to t only.</summary>
        public bool Causal { get; }

        /// <summary>The rate at which attention weights are dropped in training.</summary>
        public float Dropout { get; }

        /// <summary>1 / sqrt(head size), applied to the queries.</summary>
        public float Scale { get; }

        /// <summary>Values per sample of the saved queries, keys and values, c_attn's output rows: [steps, 3 width].</summary>
        public int ProjectionSize => 3 * Steps * Width;

        /// <summary>Values per sample of the saved attention weights (and of the dropout mask): [heads, steps, steps].</summary>
        public int WeightsSize => Heads * Steps * Steps;

        /// <summary>Values per sample of the heads' outputs side by side, the output projection's input: [steps, width].</summary>
        public int AttendedSize => Steps * Width;

        /// <summary>Scratch floats either pass needs for <paramref name="batch"/> samples: backward, the q, k, v gradient rows
        /// and dL/d(heads' outputs), room for c_attn's weight turned and one row of dL/dA; forward with attention dropout, one
        /// head's dropped weights at the start.</summary>
        public long ScratchSize(long batch) => (batch * 4L * Steps * Width) + (3L * Width * Width) + ((long)Steps * (Steps + 1));
    }

    /// <summary>
    /// Multi-head self-attention, PyTorch's <c>nn.MultiheadAttention(width, heads, batch_first=True)(x, x, x)</c> exactly:
    /// [q k v] = x W_attn + b_attn; per head, A = softmax(q k^T / sqrt(head size)) (with <c>is_causal</c>, step t sees steps
    /// up to t), dropout on A in training, o = A v; the heads' outputs side by side, times W_proj plus b_proj. Weights are
    /// stored inputs by outputs, GPT-2's <c>c_attn</c> and <c>c_proj</c> layout (PyTorch's <c>in_proj_weight</c> and
    /// <c>out_proj.weight</c> transposed). Every product runs through <see cref="Gemm"/>; the softmax subtracts each row's
    /// maximum before it exponentiates.
    /// </summary>
    public static class Attention
    {
        /// <summary>y = attention(x) for <paramref name="batch"/> samples in inference or without dropout.</summary>
        public static void Forward(
            in AttentionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> attentionWeight, ReadOnlySpan<float> attentionBias,
            ReadOnlySpan<float> projectionWeight, ReadOnlySpan<float> projectionBias, Span<float> y,
            Span<float> projections, Span<float> weights, Span<float> attended, Span<float> scratch, int batch)
        {
            ulong unused = 0;
            Forward(in geometry, x, attentionWeight, attentionBias, projectionWeight, projectionBias, y, projections, weights, attended, default, scratch, batch, training: false, ref unused);
        }

        /// <summary>
        /// y = attention(x) for <paramref name="batch"/> samples. Keeps what the backward pass reads: the scaled queries, keys
        /// and values head by head (<paramref name="projections"/>), the attention weights before dropout
        /// (<paramref name="weights"/>), the dropout mask in training (<paramref name="mask"/>, empty without dropout) and the
        /// heads' outputs (<paramref name="attended"/>).
        /// </summary>
        public static void Forward(
            in AttentionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> attentionWeight, ReadOnlySpan<float> attentionBias,
            ReadOnlySpan<float> projectionWeight, ReadOnlySpan<float> projectionBias, Span<float> y,
            Span<float> projections, Span<float> weights, Span<float> attended, Span<float> mask, Span<float> scratch, int batch, bool training, ref ulong dropoutState)
        {
            int steps = geometry.Steps, width = geometry.Width, headSize = geometry.HeadSize, rows = batch * steps;
            CheckBuffers(in geometry, x.Length, y.Length, projections.Length, weights.Length, attended.Length, scratch.Length, batch);
            bool dropout = training && geometry.Dropout > 0f;
            if (dropout && mask.Length < (long)batch * geometry.WeightsSize)
            {
                throw new ArgumentException($"The dropout mask needs {(long)batch * geometry.WeightsSize} values, but has {mask.Length}.", nameof(mask));
            }

            // q, k and v of every step as c_attn writes them, kept for the backward pass: [steps, 3 width] per sample.
            Dense.Forward(x, attentionWeight, attentionBias, projections, rows, width, 3 * width);
            int block = steps * steps, sampleValues = geometry.ProjectionSize;
            Span<float> dropped = dropout ? scratch.Slice(0, block) : default;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> sample = projections.Slice(b * sampleValues, sampleValues);
                Span<float> sampleOutput = attended.Slice(b * steps * width, steps * width);
                for (int h = 0; h < geometry.Heads; h++)
                {
                    Span<float> a = weights.Slice(((b * geometry.Heads) + h) * block, block);
                    HeadWeights(in geometry, sample, h, a);
                    ReadOnlySpan<float> used = a;
                    if (dropout)
                    {
                        Kernels.Dropout.Forward(a, dropped, mask.Slice(((b * geometry.Heads) + h) * block, block), geometry.Dropout, ref dropoutState);
                        used = dropped;
                    }

                    HeadOutput(in geometry, used, sample, h, sampleOutput);
                }
            }

            Dense.Forward(attended, projectionWeight, projectionBias, y, rows, width, width);
        }

        /// <summary>
        /// Given dL/dy (<paramref name="dy"/>, read only), writes (or with <paramref name="accumulate"/> adds) the four parameter
        /// gradients and writes dL/dx unless <paramref name="dx"/> is empty (or adds it with
        /// <paramref name="accumulateInputGradient"/>), from what <c>Forward</c> kept.
        /// </summary>
        public static void Backward(
            in AttentionGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> attentionWeight, ReadOnlySpan<float> projectionWeight, ReadOnlySpan<float> dy,
            ReadOnlySpan<float> projections, ReadOnlySpan<float> weights, ReadOnlySpan<float> attended, ReadOnlySpan<float> mask, Span<float> dx,
            Span<float> attentionWeightGradient, Span<float> attentionBiasGradient, Span<float> projectionWeightGradient, Span<float> projectionBiasGradient,
            Span<float> scratch, int batch, bool accumulate, bool accumulateInputGradient = false)
        {
            int steps = geometry.Steps, width = geometry.Width, headSize = geometry.HeadSize, rows = batch * steps;
            CheckBuffers(in geometry, x.Length, dy.Length, projections.Length, weights.Length, attended.Length, scratch.Length, batch);
            bool dropout = geometry.Dropout > 0f && !mask.IsEmpty;

            int block = steps * steps, sampleValues = geometry.ProjectionSize;
            Span<float> rowsQkvGradient = scratch.Slice(0, rows * 3 * width), attendedGradient = scratch.Slice(rows * 3 * width, rows * width);
            Span<float> turned = scratch.Slice(rows * 4 * width, 3 * width * width), weightGradientRow = scratch.Slice((rows * 4 * width) + (3 * width * width), steps);
            Dense.Backward(attended, projectionWeight, dy, attendedGradient, projectionWeightGradient, projectionBiasGradient, rows, width, width, accumulate, scratch: turned);

            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> sample = projections.Slice(b * sampleValues, sampleValues);
                ReadOnlySpan<float> sampleOutputGradient = attendedGradient.Slice(b * steps * width, steps * width);
                Span<float> sampleGradient = rowsQkvGradient.Slice(b * sampleValues, sampleValues);
                for (int h = 0; h < geometry.Heads; h++)
                {
                    ReadOnlySpan<float> a = weights.Slice(((b * geometry.Heads) + h) * block, block);
                    ReadOnlySpan<float> headMask = dropout ? mask.Slice(((b * geometry.Heads) + h) * block, block) : default;
                    HeadBackward(in geometry, a, headMask, sample, sampleOutputGradient, h, sampleGradient, weightGradientRow);
                }
            }

            Dense.Backward(x, attentionWeight, rowsQkvGradient, dx, attentionWeightGradient, attentionBiasGradient, rows, width, 3 * width, accumulate, accumulateInputGradient, turned);
        }

        /// <summary>Head <paramref name="h"/>'s attention weights for one sample, row by row into its [steps, steps] block:
        /// scores q_t . k_j / sqrt(head size) over the steps row t sees, less the row's maximum, exponentiated and
        /// normalised; the steps it does not see are 0.</summary>
        private static void HeadWeights(in AttentionGeometry geometry, ReadOnlySpan<float> sample, int h, Span<float> a)
        {
            int steps = geometry.Steps, headSize = geometry.HeadSize, stride = 3 * geometry.Width;
            ref float queries = ref Unsafe.Add(ref MemoryMarshal.GetReference(sample), h * headSize);
            ref float keys = ref Unsafe.Add(ref queries, geometry.Width);
            for (int t = 0; t < steps; t++)
            {
                int seen = geometry.Causal ? t + 1 : steps;
                Span<float> row = a.Slice(t * steps, steps);
                ref float q = ref Unsafe.Add(ref queries, t * stride);
                float max = float.NegativeInfinity;
                for (int j = 0; j < seen; j++)
                {
                    float score = geometry.Scale * Dot(ref q, ref Unsafe.Add(ref keys, j * stride), headSize);
                    row[j] = score;
                    max = Math.Max(max, score);
                }

                ExponentiateAndNormalize(row.Slice(0, seen), max);
                row.Slice(seen).Clear();
            }
        }

        /// <summary>row = exp(row - max) / sum of them, where max is the row's largest value: no exponent is above 0, so none
        /// overflows.</summary>
        internal static void ExponentiateAndNormalize(Span<float> row, float max)
        {
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Sum(row), row);
        }

        /// <summary>Head <paramref name="h"/>'s output o_t = sum over j of A'[t, j] v_j, written into its columns of the sample's
        /// [steps, width] rows.</summary>
        private static void HeadOutput(in AttentionGeometry geometry, ReadOnlySpan<float> a, ReadOnlySpan<float> sample, int h, Span<float> sampleOutput)
        {
            int steps = geometry.Steps, headSize = geometry.HeadSize, width = geometry.Width, stride = 3 * width;
            ref float values = ref Unsafe.Add(ref MemoryMarshal.GetReference(sample), (2 * width) + (h * headSize));
            for (int t = 0; t < steps; t++)
            {
                int seen = geometry.Causal ? t + 1 : steps;
                Span<float> output = sampleOutput.Slice((t * width) + (h * headSize), headSize);
                output.Clear();
                ref float o = ref MemoryMarshal.GetReference(output);
                for (int j = 0; j < seen; j++)
                {
                    float weight = a[(t * steps) + j];
                    if (weight != 0f)
                    {
                        AddScaled(ref o, ref Unsafe.Add(ref values, j * stride), weight, headSize);
                    }
                }
            }
        }

        /// <summary>
        /// Head <paramref name="h"/>'s part of one sample's backward pass, from its saved weights <paramref name="a"/> (before
        /// dropout) and mask: with A' = A * mask and do_t this head's columns of dL/d(heads' outputs),
        /// dv_j = sum over t of A'[t, j] do_t; dA[t, j] = (do_t . v_j) * mask[t, j]; through the softmax
        /// dS[t, j] = A[t, j] (dA[t, j] - sum over j' of A[t, j'] dA[t, j']); and since s = q . k / sqrt(head size),
        /// dq_t = sum over j of dS[t, j] k_j / sqrt(head size), dk_j = sum over t of dS[t, j] q_t / sqrt(head size). Written
        /// into the head's columns of the sample's [steps, 3 width] q, k, v gradient rows.
        /// </summary>
        private static void HeadBackward(
            in AttentionGeometry geometry, ReadOnlySpan<float> a, ReadOnlySpan<float> mask, ReadOnlySpan<float> sample, ReadOnlySpan<float> sampleOutputGradient, int h,
            Span<float> sampleGradient, Span<float> weightGradientRow)
        {
            int steps = geometry.Steps, headSize = geometry.HeadSize, width = geometry.Width, stride = 3 * width;
            bool dropout = !mask.IsEmpty;
            ref float queries = ref Unsafe.Add(ref MemoryMarshal.GetReference(sample), h * headSize);
            ref float keys = ref Unsafe.Add(ref queries, width);
            ref float values = ref Unsafe.Add(ref queries, 2 * width);
            ref float queryGradients = ref Unsafe.Add(ref MemoryMarshal.GetReference(sampleGradient), h * headSize);
            ref float keyGradients = ref Unsafe.Add(ref queryGradients, width);
            ref float valueGradients = ref Unsafe.Add(ref queryGradients, 2 * width);
            for (int t = 0; t < steps; t++)
            {
                sampleGradient.Slice((t * stride) + width + (h * headSize), headSize).Clear();
                sampleGradient.Slice((t * stride) + (2 * width) + (h * headSize), headSize).Clear();
            }

            for (int t = 0; t < steps; t++)
            {
                int seen = geometry.Causal ? t + 1 : steps;
                ref float outputGradient = ref Unsafe.AsRef(in sampleOutputGradient[(t * width) + (h * headSize)]);
                ReadOnlySpan<float> row = a.Slice(t * steps, seen);
                float weighted = 0f;
                for (int j = 0; j < seen; j++)
                {
                    float keep = dropout ? mask[(t * steps) + j] : 1f, used = row[j] * keep;
                    if (used != 0f)
                    {
                        AddScaled(ref Unsafe.Add(ref valueGradients, j * stride), ref outputGradient, used, headSize);
                    }

                    float gradient = keep == 0f ? 0f : keep * Dot(ref outputGradient, ref Unsafe.Add(ref values, j * stride), headSize);
                    weightGradientRow[j] = gradient;
                    weighted += row[j] * gradient;
                }

                ref float q = ref Unsafe.Add(ref queries, t * stride);
                ref float dq = ref Unsafe.Add(ref queryGradients, t * stride);
                MemoryMarshal.CreateSpan(ref dq, headSize).Clear();
                for (int j = 0; j < seen; j++)
                {
                    float scoreGradient = geometry.Scale * row[j] * (weightGradientRow[j] - weighted);
                    if (scoreGradient != 0f)
                    {
                        AddScaled(ref dq, ref Unsafe.Add(ref keys, j * stride), scoreGradient, headSize);
                        AddScaled(ref Unsafe.Add(ref keyGradients, j * stride), ref q, scoreGradient, headSize);
                    }
                }
            }
        }

        /// <summary>The dot product of two runs of <paramref name="length"/> floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Dot(ref float x, ref float y, int length)
        {
            int i = 0;
            float sum = 0f;
            if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
            {
                Vector256<float> sums = Vector256<float>.Zero;
                for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    sums = MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), sums);
                }

                sum = Vector256.Sum(sums);
            }

            if (Vector128.IsHardwareAccelerated && length - i >= Vector128<float>.Count)
            {
                Vector128<float> sums = Vector128<float>.Zero;
                for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
                {
                    sums += Vector128.LoadUnsafe(ref x, (nuint)i) * Vector128.LoadUnsafe(ref y, (nuint)i);
                }

                sum += Vector128.Sum(sums);
            }

            for (; i < length; i++)
            {
                sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
            }

            return sum;
        }

        /// <summary>y += scale x over <paramref name="length"/> floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddScaled(ref float y, ref float x, float scale, int length)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> factor = Vector256.Create(scale);
                for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), factor, Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
                }
            }

            if (Vector128.IsHardwareAccelerated)
            {
                Vector128<float> factor = Vector128.Create(scale);
                for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
                {
                    ((Vector128.LoadUnsafe(ref x, (nuint)i) * factor) + Vector128.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
                }
            }

            for (; i < length; i++)
            {
                Unsafe.Add(ref y, i) += scale * Unsafe.Add(ref x, i);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

        private static void CheckBuffers(in AttentionGeometry geometry, int x, int y, int projections, int weights, int attended, int scratch, int batch)
        {
            if (geometry.Width == 0)
            {
                throw new ArgumentException("The attention geometry is default: construct it with its sizes.", nameof(geometry));
            }

            long rows = (long)batch * geometry.Steps * geometry.Width;
            if (batch < 0 || x < rows || y < rows || projections < (long)batch * geometry.ProjectionSize || weights < (long)batch * geometry.WeightsSize
                || attended < (long)batch * geometry.AttendedSize || scratch < geometry.ScratchSize(batch))
            {
                throw new ArgumentException(
                    $"For {batch} sample(s) of {geometry.Steps} x {geometry.Width}: x and y (or dy) need {rows} values (have {x} and {y}), the projections "
                    + $"{(long)batch * geometry.ProjectionSize} ({projections}), the weights {(long)batch * geometry.WeightsSize} ({weights}), the heads' outputs "
                    + $"{(long)batch * geometry.AttendedSize} ({attended}), the scratch {geometry.ScratchSize(batch)} ({scratch}).");
            }
        }
    }
}
