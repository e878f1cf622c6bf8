using System;
using System.Numerics.Tensors;

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

        /// <summary>Values per sample of the saved queries, keys and values (head-major: [3, heads, steps, head size]).</summary>
        public int ProjectionSize => 3 * Steps * Width;

        /// <summary>Values per sample of the saved attention weights (and of the dropout mask): [heads, steps, steps].</summary>
        public int WeightsSize => Heads * Steps * Steps;

        /// <summary>Values per sample of the heads' outputs side by side, the output projection's input: [steps, width].</summary>
        public int AttendedSize => Steps * Width;

        /// <summary>Scratch floats either pass needs for <paramref name="batch"/> samples: every step's q, k, v rows and their
        /// gradient (or, forward, the projection before it is split into heads), dL/d(heads' outputs), then per head two
        /// steps x steps blocks and four steps x head-size blocks, then room for c_attn's weight turned (backward).</summary>
        public long ScratchSize(long batch) => (batch * 4L * Steps * Width) + (2L * Steps * Steps) + (4L * Steps * HeadSize) + (3L * Width * Width);
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

            Span<float> rowsQkv = scratch.Slice(0, rows * 3 * width);
            Dense.Forward(x, attentionWeight, attentionBias, rowsQkv, rows, width, 3 * width);
            SplitHeads(in geometry, rowsQkv, projections, batch);

            int block = steps * steps, head = steps * headSize;
            Span<float> tail = scratch.Slice(rows * 4 * width);
            Span<float> dropped = tail.Slice(0, block), keysT = tail.Slice(2 * block, head), output = tail.Slice((2 * block) + head, head);
            for (int b = 0; b < batch; b++)
            {
                for (int h = 0; h < geometry.Heads; h++)
                {
                    ReadOnlySpan<float> q = Head(projections, in geometry, b, 0, h), k = Head(projections, in geometry, b, 1, h), v = Head(projections, in geometry, b, 2, h);
                    Span<float> a = weights.Slice(((b * geometry.Heads) + h) * block, block);

                    // The scores through the register-tiled kernel: k turned once so that q k^T is a plain product.
                    Gemm.Transpose(k, steps, headSize, keysT);
                    Gemm.Multiply(q, keysT, a, steps, headSize, steps);
                    Softmax(a, steps, geometry.Causal);

                    ReadOnlySpan<float> used = a;
                    if (dropout)
                    {
                        Kernels.Dropout.Forward(a, dropped, mask.Slice(((b * geometry.Heads) + h) * block, block), geometry.Dropout, ref dropoutState);
                        used = dropped;
                    }

                    Gemm.Multiply(used, v, output, steps, steps, headSize);
                    Interleave(output, attended.Slice(b * steps * width, steps * width), in geometry, h);
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

            int block = steps * steps, head = steps * headSize;
            Span<float> rowsQkvGradient = scratch.Slice(0, rows * 3 * width), attendedGradient = scratch.Slice(rows * 3 * width, rows * width);
            Span<float> tail = scratch.Slice(rows * 4 * width), turned = tail.Slice((2 * block) + (4 * head), 3 * width * width);
            Dense.Backward(attended, projectionWeight, dy, attendedGradient, projectionWeightGradient, projectionBiasGradient, rows, width, width, accumulate, scratch: turned);

            Span<float> dropped = tail.Slice(0, block), scores = tail.Slice(block, block);
            Span<float> valuesT = tail.Slice(2 * block, head), outputGradient = tail.Slice((2 * block) + head, head);
            Span<float> queryGradient = tail.Slice((2 * block) + (2 * head), head), keyGradient = tail.Slice((2 * block) + (3 * head), head);
            for (int b = 0; b < batch; b++)
            {
                Span<float> sampleGradient = rowsQkvGradient.Slice(b * steps * 3 * width, steps * 3 * width);
                for (int h = 0; h < geometry.Heads; h++)
                {
                    ReadOnlySpan<float> q = Head(projections, in geometry, b, 0, h), k = Head(projections, in geometry, b, 1, h), v = Head(projections, in geometry, b, 2, h);
                    ReadOnlySpan<float> a = weights.Slice(((b * geometry.Heads) + h) * block, block);
                    ReadOnlySpan<float> headMask = dropout ? mask.Slice(((b * geometry.Heads) + h) * block, block) : default;
                    Deinterleave(attendedGradient.Slice(b * steps * width, steps * width), outputGradient, in geometry, h);

                    ReadOnlySpan<float> used = a;
                    if (dropout)
                    {
                        TensorPrimitives.Multiply(a, headMask, dropped);
                        used = dropped;
                    }

                    // dv = A'^T do, written straight into its place among the rows' q, k, v gradients below.
                    Gemm.MultiplyTransposedA(used, outputGradient, keyGradient, steps, steps, headSize, accumulate: false);
                    Interleave(keyGradient, sampleGradient, in geometry, h, part: 2);

                    // dA' = do v^T (v turned once), then through the dropout mask and the softmax: dS = A (dA - rowsum(dA A)).
                    Gemm.Transpose(v, steps, headSize, valuesT);
                    Gemm.Multiply(outputGradient, valuesT, scores, steps, headSize, steps);
                    if (dropout)
                    {
                        TensorPrimitives.Multiply(scores, headMask, scores);
                    }

                    Activations.SoftmaxBackward(a, scores, steps);

                    // q was scaled before the product: dq = scale dS k, dk = dS^T (scale q).
                    Gemm.Multiply(scores, k, queryGradient, steps, steps, headSize);
                    TensorPrimitives.Multiply(queryGradient, geometry.Scale, queryGradient);
                    Gemm.MultiplyTransposedA(scores, q, keyGradient, steps, steps, headSize, accumulate: false);
                    Interleave(queryGradient, sampleGradient, in geometry, h, part: 0);
                    Interleave(keyGradient, sampleGradient, in geometry, h, part: 1);
                }
            }

            Dense.Backward(x, attentionWeight, rowsQkvGradient, dx, attentionWeightGradient, attentionBiasGradient, rows, width, 3 * width, accumulate, accumulateInputGradient, turned);
        }

        /// <summary>Per row of <paramref name="columns"/> scores, in place: subtract the row's maximum, exponentiate, normalise;
        /// when <paramref name="causal"/>, row t covers columns 0..t and the rest become 0.</summary>
        internal static void Softmax(Span<float> scores, int columns, bool causal)
        {
            int rows = scores.Length / columns;
            for (int t = 0; t < rows; t++)
            {
                Span<float> row = scores.Slice(t * columns, columns);
                Span<float> seen = causal ? row.Slice(0, Math.Min(t + 1, columns)) : row;
                float max = TensorPrimitives.Max(seen);
                TensorPrimitives.Subtract(seen, max, seen);
                TensorPrimitives.Exp(seen, seen);
                TensorPrimitives.Multiply(seen, 1f / TensorPrimitives.Sum(seen), seen);
                row.Slice(seen.Length).Clear();
            }
        }

        /// <summary>Sample <paramref name="b"/>'s queries (part 0), keys (1) or values (2) of head <paramref name="h"/>: [steps, head size].</summary>
        private static ReadOnlySpan<float> Head(ReadOnlySpan<float> projections, in AttentionGeometry geometry, int b, int part, int h)
        {
            int head = geometry.Steps * geometry.HeadSize;
            return projections.Slice((b * geometry.ProjectionSize) + (((part * geometry.Heads) + h) * head), head);
        }

        /// <summary>Rows [steps, 3 width] of q, k, v side by side to head-major [3, heads, steps, head size] per sample, the queries scaled.</summary>
        private static void SplitHeads(in AttentionGeometry geometry, ReadOnlySpan<float> rowsQkv, Span<float> projections, int batch)
        {
            int steps = geometry.Steps, width = geometry.Width, headSize = geometry.HeadSize;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> sample = rowsQkv.Slice(b * steps * 3 * width, steps * 3 * width);
                Span<float> target = projections.Slice(b * geometry.ProjectionSize, geometry.ProjectionSize);
                for (int part = 0; part < 3; part++)
                {
                    for (int h = 0; h < geometry.Heads; h++)
                    {
                        Span<float> head = target.Slice(((part * geometry.Heads) + h) * steps * headSize, steps * headSize);
                        for (int t = 0; t < steps; t++)
                        {
                            ReadOnlySpan<float> source = sample.Slice((t * 3 * width) + (part * width) + (h * headSize), headSize);
                            Span<float> row = head.Slice(t * headSize, headSize);
                            if (part == 0)
                            {
                                TensorPrimitives.Multiply(source, geometry.Scale, row);
                            }
                            else
                            {
                                source.CopyTo(row);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>Head <paramref name="h"/>'s [steps, head size] block into its columns of a sample's rows: of [steps, width]
        /// (the heads' outputs), or with <paramref name="part"/> of [steps, 3 width] (q, k, v side by side).</summary>
        private static void Interleave(ReadOnlySpan<float> head, Span<float> sampleRows, in AttentionGeometry geometry, int h, int part = -1)
        {
            int headSize = geometry.HeadSize, stride = part < 0 ? geometry.Width : 3 * geometry.Width, column = (part < 0 ? 0 : part * geometry.Width) + (h * headSize);
            for (int t = 0; t < geometry.Steps; t++)
            {
                head.Slice(t * headSize, headSize).CopyTo(sampleRows.Slice((t * stride) + column, headSize));
            }
        }

        /// <summary>Head <paramref name="h"/>'s columns of a sample's [steps, width] rows into a [steps, head size] block.</summary>
        private static void Deinterleave(ReadOnlySpan<float> sampleRows, Span<float> head, in AttentionGeometry geometry, int h)
        {
            int headSize = geometry.HeadSize;
            for (int t = 0; t < geometry.Steps; t++)
            {
                sampleRows.Slice((t * geometry.Width) + (h * headSize), headSize).CopyTo(head.Slice(t * headSize, headSize));
            }
        }

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
