using System;
using System.Numerics.Tensors;

namespace Compiled.Kernels
{
    /// <summary>
    /// Layer normalization over the last axis, as PyTorch's <c>nn.LayerNorm(features, eps)</c>: per row,
    /// y = (x - mean) / sqrt(var + eps) * gain + bias, with the biased variance (divided by the row's length). The row's
    /// mean and 1 / sqrt(var + eps) are kept for the backward pass.
    /// </summary>
    public static class LayerNormalization
    {
        /// <summary>Normalizes <paramref name="rows"/> rows of <paramref name="features"/> values of x into y, keeping each row's
        /// mean and inverse standard deviation.</summary>
        public static void Forward(
            ReadOnlySpan<float> x, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, Span<float> y, Span<float> mean, Span<float> inverseStd,
            int rows, int features, float epsilon)
        {
            Check(x.Length, gain.Length, bias.Length, y.Length, "y", mean.Length, inverseStd.Length, rows, features);
            ReadOnlySpan<float> g = gain.Slice(0, features), b = bias.Slice(0, features);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = x.Slice(r * features, features);
                Span<float> output = y.Slice(r * features, features);

                // Two passes (the mean, then the squares of the deviations) rather than E[x^2] - E[x]^2, which cancels badly.
                float m = TensorPrimitives.Sum(row) / features;
                TensorPrimitives.Subtract(row, m, output);
                float variance = TensorPrimitives.Dot(output, output) / features;
                float s = 1f / MathF.Sqrt(variance + epsilon);
                mean[r] = m;
                inverseStd[r] = s;
                TensorPrimitives.Multiply(output, s, output);
                TensorPrimitives.Multiply(output, g, output);
                TensorPrimitives.Add(output, b, output);
            }
        }

        /// <summary>
        /// Given dL/dy: dGain += sum over rows of dy * xhat and dBias += sum of dy (or overwrites them when
        /// <paramref name="accumulate"/> is false), and, unless <paramref name="dx"/> is empty,
        /// dx = s (g - mean(g) - xhat mean(g xhat)) with g = dy * gain and xhat = (x - mean) s, the layer's input gradient
        /// (added to dx when <paramref name="accumulateInputGradient"/>).
        /// </summary>
        public static void Backward(
            ReadOnlySpan<float> x, ReadOnlySpan<float> gain, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd,
            Span<float> dx, Span<float> gainGradient, Span<float> biasGradient, int rows, int features, bool accumulate, bool accumulateInputGradient = false)
        {
            Check(x.Length, gain.Length, biasGradient.Length, dy.Length, "dy", mean.Length, inverseStd.Length, rows, features);
            if (gainGradient.Length < features || (dx.Length != 0 && dx.Length < (long)rows * features))
            {
                throw new ArgumentException($"For {rows} row(s) of {features}: dx needs {(long)rows * features} values or none (has {dx.Length}), the gain gradient {features} (has {gainGradient.Length}).");
            }

            Span<float> dGain = gainGradient.Slice(0, features), dBias = biasGradient.Slice(0, features);
            if (!accumulate)
            {
                dGain.Clear();
                dBias.Clear();
            }

            // Rows of up to VectorRowLimit features go through TensorPrimitives with xhat and g in stack buffers; wider rows
            // (rare: a layer norm over more than a thousand features) take the scalar loop, which needs no buffer.
            Span<float> buffers = features <= VectorRowLimit ? stackalloc float[2 * features] : default;
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = x.Slice(r * features, features), gradient = dy.Slice(r * features, features);
                Span<float> inputGradient = dx.IsEmpty ? default : dx.Slice(r * features, features);
                if (buffers.IsEmpty)
                {
                    ScalarRow(row, gain, gradient, mean[r], inverseStd[r], inputGradient, dGain, dBias, accumulateInputGradient);
                    continue;
                }

                float m = mean[r], s = inverseStd[r];
                Span<float> xhat = buffers.Slice(0, features), g = buffers.Slice(features, features);
                TensorPrimitives.Subtract(row, m, xhat);
                TensorPrimitives.Multiply(xhat, s, xhat);
                TensorPrimitives.MultiplyAdd(gradient, xhat, dGain, dGain);
                TensorPrimitives.Add(dBias, gradient, dBias);
                if (inputGradient.IsEmpty)
                {
                    continue;
                }

                // dx = s (g - mean(g) - xhat mean(g xhat)), built in g.
                TensorPrimitives.Multiply(gradient, gain.Slice(0, features), g);
                float meanG = TensorPrimitives.Sum(g) / features, meanGX = TensorPrimitives.Dot(g, xhat) / features;
                TensorPrimitives.MultiplyAdd(xhat, -meanGX, g, g);
                TensorPrimitives.Subtract(g, meanG, g);
                if (accumulateInputGradient)
                {
                    TensorPrimitives.MultiplyAdd(g, s, inputGradient, inputGradient);
                }
                else
                {
                    TensorPrimitives.Multiply(g, s, inputGradient);
                }
            }
        }

        /// <summary>The widest row whose backward pass runs in vectors (its two stack buffers take 8 KB).</summary>
        private const int VectorRowLimit = 1024;

        /// <summary>One row's backward pass value by value, with the sums in double: for rows wider than <see cref="VectorRowLimit"/>.</summary>
        private static void ScalarRow(
            ReadOnlySpan<float> row, ReadOnlySpan<float> gain, ReadOnlySpan<float> gradient, float m, float s, Span<float> inputGradient, Span<float> dGain, Span<float> dBias, bool accumulateInputGradient)
        {
            int features = row.Length;
            double sumG = 0, sumGX = 0;
            for (int i = 0; i < features; i++)
            {
                float xhat = (row[i] - m) * s;
                float g = gradient[i] * gain[i];
                dGain[i] += gradient[i] * xhat;
                dBias[i] += gradient[i];
                sumG += g;
                sumGX += g * xhat;
            }

            if (inputGradient.IsEmpty)
            {
                return;
            }

            float meanG = (float)(sumG / features), meanGX = (float)(sumGX / features);
            for (int i = 0; i < features; i++)
            {
                float xhat = (row[i] - m) * s;
                float value = s * ((gradient[i] * gain[i]) - meanG - (xhat * meanGX));
                inputGradient[i] = accumulateInputGradient ? inputGradient[i] + value : value;
            }
        }

        private static void Check(int x, int gain, int bias, int rowsLength, string rowsName, int mean, int inverseStd, int rows, int features)
        {
            if (rows < 0 || features < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"Expected rows >= 0 and features >= 1, but rows = {rows}, features = {features}.");
            }

            if (x < (long)rows * features || rowsLength < (long)rows * features || gain < features || bias < features || mean < rows || inverseStd < rows)
            {
                throw new ArgumentException(
                    $"For {rows} row(s) of {features}: x needs {(long)rows * features} values (has {x}), {rowsName} {(long)rows * features} (has {rowsLength}), gain and bias {features} (have {gain} and {bias}), mean and inverse std {rows} (have {mean} and {inverseStd}).");
            }
        }
    }
}
