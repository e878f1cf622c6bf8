using System;
using System.Numerics.Tensors;

namespace Compiled.Kernels
{
    /// <summary>The elementwise sum of same-shaped tensors (a residual connection): y = a + b (+ c ...); each input's
    /// gradient is dy.</summary>
    public static class Addition
    {
        /// <summary>y = a + b.</summary>
        public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
        {
            if (a.Length != b.Length || y.Length != a.Length)
            {
                throw new ArgumentException($"a, b and y must have the same length, but have {a.Length}, {b.Length} and {y.Length}.");
            }

            TensorPrimitives.Add(a, b, y);
        }

        /// <summary>y += x: a third or later input of the sum.</summary>
        public static void AddTo(ReadOnlySpan<float> x, Span<float> y)
        {
            if (x.Length != y.Length)
            {
                throw new ArgumentException($"x and y must have the same length, but have {x.Length} and {y.Length}.");
            }

            TensorPrimitives.Add(y, x, y);
        }

        /// <summary>dx = dy, or dx += dy when <paramref name="accumulate"/> (the input is read by another layer too).</summary>
        public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
        {
            if (dx.Length != dy.Length)
            {
                throw new ArgumentException($"dy and dx must have the same length, but have {dy.Length} and {dx.Length}.");
            }

            if (accumulate)
            {
                TensorPrimitives.Add(dx, dy, dx);
            }
            else
            {
                dy.CopyTo(dx);
            }
        }
    }
}
