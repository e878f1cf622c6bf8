using System;
using System.Numerics.Tensors;

namespace Compiled.Kernels
{
    /// <summary>
    /// Activations in place, and their backward passes written in terms of the activation's output y (which the
    /// forward pass keeps anyway), so no pre-activation buffer is needed: ReLU' = [y &gt; 0], sigmoid' = y (1 - y),
    /// tanh' = 1 - y^2, and leaky ReLU keeps the sign of its input.
    /// </summary>
    public static class Activations
    {
        /// <summary>The slope of <see cref="Activation.LeakyRelu"/> for negative inputs.</summary>
        public const float LeakyReluSlope = 0.01f;

        /// <summary>values = max(values, 0).</summary>
        public static void Relu(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

        /// <summary>dy *= [y &gt; 0].</summary>
        public static void ReluBackward(ReadOnlySpan<float> y, Span<float> dy)
        {
            CheckSameLength(y, dy);
            for (int i = 0; i < dy.Length; i++)
            {
                if (y[i] <= 0f)
                {
                    dy[i] = 0f;
                }
            }
        }

        /// <summary>values = values &gt; 0 ? values : 0.01 values.</summary>
        public static void LeakyRelu(Span<float> values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] < 0f)
                {
                    values[i] *= LeakyReluSlope;
                }
            }
        }

        /// <summary>dy *= y &gt; 0 ? 1 : 0.01.</summary>
        public static void LeakyReluBackward(ReadOnlySpan<float> y, Span<float> dy)
        {
            CheckSameLength(y, dy);
            for (int i = 0; i < dy.Length; i++)
            {
                if (y[i] <= 0f)
                {
                    dy[i] *= LeakyReluSlope;
                }
            }
        }

        /// <summary>values = 1 / (1 + e^-values).</summary>
        public static void Sigmoid(Span<float> values) => TensorPrimitives.Sigmoid(values, values);

        /// <summary>dy *= y (1 - y).</summary>
        public static void SigmoidBackward(ReadOnlySpan<float> y, Span<float> dy)
        {
            CheckSameLength(y, dy);
            for (int i = 0; i < dy.Length; i++)
            {
                dy[i] *= y[i] * (1f - y[i]);
            }
        }

        /// <summary>values = tanh(values).</summary>
        public static void Tanh(Span<float> values) => TensorPrimitives.Tanh(values, values);

        /// <summary>dy *= 1 - y^2.</summary>
        public static void TanhBackward(ReadOnlySpan<float> y, Span<float> dy)
        {
            CheckSameLength(y, dy);
            for (int i = 0; i < dy.Length; i++)
            {
                dy[i] *= 1f - (y[i] * y[i]);
            }
        }

        /// <summary>Softmax over each row of <paramref name="columns"/> values, in place.</summary>
        public static void Softmax(Span<float> values, int columns)
        {
            CheckRows(values.Length, columns);
            for (int start = 0; start < values.Length; start += columns)
            {
                Span<float> row = values.Slice(start, columns);
                TensorPrimitives.SoftMax(row, row);
            }
        }

        /// <summary>Per row: dy = y * (dy - sum(dy * y)), the softmax Jacobian applied to dy.</summary>
        public static void SoftmaxBackward(ReadOnlySpan<float> y, Span<float> dy, int columns)
        {
            CheckSameLength(y, dy);
            CheckRows(dy.Length, columns);
            for (int start = 0; start < dy.Length; start += columns)
            {
                ReadOnlySpan<float> yRow = y.Slice(start, columns);
                Span<float> dyRow = dy.Slice(start, columns);
                float dot = TensorPrimitives.Dot(yRow, dyRow);
                for (int j = 0; j < columns; j++)
                {
                    dyRow[j] = yRow[j] * (dyRow[j] - dot);
                }
            }
        }

        private static void CheckSameLength(ReadOnlySpan<float> y, Span<float> dy)
        {
            if (y.Length != dy.Length)
            {
                throw new ArgumentException($"The output and its gradient must have the same length, but they have {y.Length} and {dy.Length}.", nameof(dy));
            }
        }

        private static void CheckRows(int length, int columns)
        {
            if (columns < 1 || length % columns != 0)
            {
                throw new ArgumentException($"Expected whole rows of {columns} values, but the span has {length}.");
            }
        }
    }
}
