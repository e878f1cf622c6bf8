using System;

namespace Compiled.Kernels
{
    /// <summary>Inverted dropout: in training y = x * mask with mask in {0, 1 / (1 - rate)}; the mask is kept for the backward pass.</summary>
    public static class Dropout
    {
        /// <summary>Draws a fresh mask and applies it.</summary>
        public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float rate, ref ulong state)
        {
            if (y.Length != x.Length || mask.Length != x.Length)
            {
                throw new ArgumentException($"x, y and mask must have the same length, but have {x.Length}, {y.Length} and {mask.Length}.");
            }

            float keep = 1f / (1f - rate);
            var random = new Xoshiro(state);
            for (int i = 0; i < x.Length; i++)
            {
                float m = random.NextSingle() < rate ? 0f : keep;
                mask[i] = m;
                y[i] = x[i] * m;
            }

            state = random.NextUInt64();
        }

        /// <summary>dx = dy * mask, or dx += dy * mask when <paramref name="accumulate"/> (the input is read by another layer too).</summary>
        public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx, bool accumulate = false)
        {
            if (accumulate)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dy, mask, dx, dx);
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(dy, mask, dx);
            }
        }
    }
}
