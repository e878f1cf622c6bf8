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

        /// <summary>Values per sample of the saved queries, keys and values, c_attn's output rows: [steps, 3 width].</summary>
        public int ProjectionSize => 3 * Steps * Width;

        /// <summary>Values per sample of the saved attention weights (and of the dropout mask): [heads, steps, steps].</summary>
        public int WeightsSize => Heads * Steps * Steps;

        /// <summary>Values per sample of the heads' outputs side by side, the output projection's input: [steps, width].</summary>
        public int AttendedSize => Steps * Width;

        /// <summary>Scratch floats either pass needs for <paramref name="batch"/> samples: backward, the q, k, v gradient rows
        /// and dL/d(heads' outputs), room for c_attn's weight turned, a sample's values turned and two steps x steps blocks
        /// (the dropped weights, dL/dA); forward, a sample's keys turned and the dropped weights at the start.</summary>
        public long ScratchSize(long batch) => (batch * 4L * Steps * Width) + (3L * Width * Width) + ((long)Width * Steps) + (2L * Steps * Steps);
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
            int block = steps * steps, sampleValues = geometry.ProjectionSize, stride = 3 * width;
            Span<float> keysTurned = scratch.Slice(0, width * steps), dropped = dropout ? scratch.Slice(width * steps, block) : default;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> sample = projections.Slice(b * sampleValues, sampleValues);
                Span<float> sampleOutput = attended.Slice(b * steps * width, steps * width);
                Gemm.Transpose(sample.Slice(width), steps, width, stride, keysTurned); // head h's rows of it are its k^T
                for (int h = 0; h < geometry.Heads; h++)
                {
                    // S = q k^T on the tiles: q read in place among the sample's rows, k^T as head h's rows of the turned keys.
                    Span<float> a = weights.Slice(((b * geometry.Heads) + h) * block, block);
                    Gemm.MultiplyStrided(sample.Slice(h * headSize), stride, 1, keysTurned.Slice(h * headSize * steps), steps, a, steps, steps, headSize, steps, accumulate: false);
                    SoftmaxRows(a, steps, geometry.Causal, geometry.Scale);
                    ReadOnlySpan<float> used = a;
                    if (dropout)
                    {
                        Kernels.Dropout.Forward(a, dropped, mask.Slice(((b * geometry.Heads) + h) * block, block), geometry.Dropout, ref dropoutState);
                        used = dropped;
                    }

                    // o = A' v, v read in place, o written into head h's columns of the heads' outputs.
                    Gemm.MultiplyStrided(used, steps, 1, sample.Slice((2 * width) + (h * headSize)), stride, sampleOutput.Slice(h * headSize), width, steps, steps, headSize, accumulate: false);
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

            int block = steps * steps, sampleValues = geometry.ProjectionSize, stride = 3 * width;
            Span<float> rowsQkvGradient = scratch.Slice(0, rows * 3 * width), attendedGradient = scratch.Slice(rows * 3 * width, rows * width);
            Span<float> tail = scratch.Slice(rows * 4 * width);
            Span<float> turned = tail.Slice(0, 3 * width * width), valuesTurned = tail.Slice(3 * width * width, width * steps);
            Span<float> dropped = tail.Slice((3 * width * width) + (width * steps), block), scoreGradient = tail.Slice((3 * width * width) + (width * steps) + block, block);
            Dense.Backward(attended, projectionWeight, dy, attendedGradient, projectionWeightGradient, projectionBiasGradient, rows, width, width, accumulate, scratch: turned);

            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> sample = projections.Slice(b * sampleValues, sampleValues);
                ReadOnlySpan<float> sampleOutputGradient = attendedGradient.Slice(b * steps * width, steps * width);
                Span<float> sampleGradient = rowsQkvGradient.Slice(b * sampleValues, sampleValues);
                Gemm.Transpose(sample.Slice(2 * width), steps, width, stride, valuesTurned); // head h's rows: its v^T
                for (int h = 0; h < geometry.Heads; h++)
                {
                    ReadOnlySpan<float> a = weights.Slice(((b * geometry.Heads) + h) * block, block);
                    ReadOnlySpan<float> headMask = dropout ? mask.Slice(((b * geometry.Heads) + h) * block, block) : default;
                    ReadOnlySpan<float> outputGradient = sampleOutputGradient.Slice(h * headSize);
                    ReadOnlySpan<float> used = a;
                    if (dropout)
                    {
                        TensorPrimitives.Multiply(a, headMask, dropped);
                        used = dropped;
                    }

                    // dv = A'^T do, into head h's value columns of the q, k, v gradient rows.
                    Gemm.MultiplyStrided(used, 1, steps, outputGradient, width, sampleGradient.Slice((2 * width) + (h * headSize)), stride, steps, steps, headSize, accumulate: false);

                    // dA' = do v^T (v turned once per sample), then through the mask and the softmax, scaled: dS / sqrt(d).
                    Gemm.MultiplyStrided(outputGradient, width, 1, valuesTurned.Slice(h * headSize * steps), steps, scoreGradient, steps, steps, headSize, steps, accumulate: false);
                    SoftmaxBackwardRows(a, headMask, scoreGradient, steps, geometry.Causal, geometry.Scale);

                    // dq = dS k and dk = dS^T q (each already carrying 1 / sqrt(d)), into head h's columns.
                    Gemm.MultiplyStrided(scoreGradient, steps, 1, sample.Slice(width + (h * headSize)), stride, sampleGradient.Slice(h * headSize), stride, steps, steps, headSize, accumulate: false);
                    Gemm.MultiplyStrided(scoreGradient, 1, steps, sample.Slice(h * headSize), stride, sampleGradient.Slice(width + (h * headSize)), stride, steps, steps, headSize, accumulate: false);
                }
            }

            Dense.Backward(x, attentionWeight, rowsQkvGradient, dx, attentionWeightGradient, attentionBiasGradient, rows, width, 3 * width, accumulate, accumulateInputGradient, turned);
        }

        /// <summary>
        /// Each row of a head's [steps, steps] scores in place: times <paramref name="scale"/>, less the row's maximum (over the
        /// steps it sees), exponentiated, normalised; with <paramref name="causal"/>, row t sees steps 0..t and the rest are 0.
        /// The exponentials of the whole block are one call: the masked scores are set to -infinity first, which gives 0.
        /// </summary>
        internal static void SoftmaxRows(Span<float> scores, int steps, bool causal, float scale)
        {
            for (int t = 0; t < steps; t++)
            {
                Span<float> row = scores.Slice(t * steps, steps);
                int seen = causal ? t + 1 : steps;
                float max = float.NegativeInfinity;
                for (int j = 0; j < seen; j++)
                {
                    max = Math.Max(max, row[j]);
                }

                for (int j = 0; j < seen; j++)
                {
                    row[j] = scale * (row[j] - max);
                }

                row.Slice(seen).Fill(float.NegativeInfinity);
            }

            TensorPrimitives.Exp(scores, scores);
            for (int t = 0; t < steps; t++)
            {
                Span<float> row = scores.Slice(t * steps, steps);
                float sum = 0f;
                for (int j = 0; j < row.Length; j++)
                {
                    sum += row[j];
                }

                float inverse = 1f / sum;
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] *= inverse;
                }
            }
        }

        /// <summary>
        /// dA' (the gradient of the dropped weights, in <paramref name="gradient"/>) to dS / sqrt(d) in place, row by row:
        /// dA = dA' x mask, dS[t, j] = A[t, j] (dA[t, j] - sum over j' of A[t, j'] dA[t, j']), times <paramref name="scale"/>;
        /// the steps row t does not see (causal) are 0.
        /// </summary>
        private static void SoftmaxBackwardRows(ReadOnlySpan<float> a, ReadOnlySpan<float> mask, Span<float> gradient, int steps, bool causal, float scale)
        {
            bool dropout = !mask.IsEmpty;
            for (int t = 0; t < steps; t++)
            {
                int seen = causal ? t + 1 : steps, start = t * steps;
                float weighted = 0f;
                for (int j = 0; j < seen; j++)
                {
                    float g = dropout ? gradient[start + j] * mask[start + j] : gradient[start + j];
                    gradient[start + j] = g;
                    weighted += a[start + j] * g;
                }

                for (int j = 0; j < seen; j++)
                {
                    gradient[start + j] = scale * a[start + j] * (gradient[start + j] - weighted);
                }

                gradient.Slice(start + seen, steps - seen).Clear();
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
