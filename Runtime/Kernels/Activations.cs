using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        public static void ReluBackward(ReadOnlySpan<float> y, Span<float> dy) => Map(y, dy, default(ReluGradient));

        /// <summary>values = values &gt; 0 ? values : slope * values (PyTorch's <c>leaky_relu(x, negative_slope)</c>).</summary>
        public static void LeakyRelu(Span<float> values, float slope = LeakyReluSlope) => Map(values, values, new LeakyReluValue(slope));

        /// <summary>dy *= y &gt; 0 ? 1 : slope, read from the output: a slope of at least 0 keeps the input's sign.</summary>
        public static void LeakyReluBackward(ReadOnlySpan<float> y, Span<float> dy, float slope = LeakyReluSlope) => Map(y, dy, new LeakyReluGradient(slope));

        /// <summary>values = 1 / (1 + e^-values).</summary>
        public static void Sigmoid(Span<float> values) => TensorPrimitives.Sigmoid(values, values);

        /// <summary>dy *= y (1 - y).</summary>
        public static void SigmoidBackward(ReadOnlySpan<float> y, Span<float> dy) => Map(y, dy, default(SigmoidGradient));

        /// <summary>values = tanh(values).</summary>
        public static void Tanh(Span<float> values) => TensorPrimitives.Tanh(values, values);

        /// <summary>dy *= 1 - y^2.</summary>
        public static void TanhBackward(ReadOnlySpan<float> y, Span<float> dy) => Map(y, dy, default(TanhGradient));

        /// <summary>sqrt(2 / pi), the scale inside GELU's tanh approximation.</summary>
        internal const float GeluScale = 0.7978845608028654f;

        /// <summary>The cubic term's coefficient in GELU's tanh approximation.</summary>
        internal const float GeluCubic = 0.044715f;

        /// <summary>
        /// GELU in its tanh approximation, as GPT-2 and PyTorch's <c>GELU(approximate='tanh')</c>:
        /// y = 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), in place; z is kept in <paramref name="preActivation"/>
        /// for the backward pass (GELU cannot be inverted from y, unlike the other activations).
        /// </summary>
        /// <remarks>Computed as z sigmoid(u) with u = 2 sqrt(2/pi) (z + 0.044715 z^3), since 0.5 (1 + tanh(u / 2)) = sigmoid(u):
        /// one exponential per value, in chunks that stay in L1, is a sixth of the cost of TensorPrimitives.Tanh and the
        /// eight passes over the whole layer it took.</remarks>
        public static void Gelu(Span<float> values, Span<float> preActivation)
        {
            CheckSameLength(values, preActivation);
            values.CopyTo(preActivation);
            Span<float> chunk = stackalloc float[GeluChunk];
            for (int start = 0; start < values.Length; start += GeluChunk)
            {
                int count = Math.Min(GeluChunk, values.Length - start);
                ReadOnlySpan<float> z = preActivation.Slice(start, count);
                Span<float> denominator = chunk.Slice(0, count);
                GeluExponential(z, denominator);
                TensorPrimitives.Add(denominator, 1f, denominator);
                TensorPrimitives.Divide(z, denominator, values.Slice(start, count));
            }
        }

        /// <summary>dy *= GELU'(z) = s + z s (1 - s) u', s = sigmoid(u), u = 2 sqrt(2/pi) (z + 0.044715 z^3),
        /// u' = 2 sqrt(2/pi) (1 + 3 * 0.044715 z^2): the derivative of the tanh form, written with the sigmoid (s (1 - s)
        /// rather than s^2 e, which is 0 * infinity where e overflows, below z = -10).</summary>
        public static void GeluBackward(ReadOnlySpan<float> preActivation, Span<float> dy)
        {
            CheckSameLength(preActivation, dy);
            Span<float> chunk = stackalloc float[GeluChunk];
            for (int start = 0; start < dy.Length; start += GeluChunk)
            {
                int count = Math.Min(GeluChunk, dy.Length - start);
                ReadOnlySpan<float> z = preActivation.Slice(start, count);
                Span<float> e = chunk.Slice(0, count), gradient = dy.Slice(start, count);
                GeluExponential(z, e);
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<float> one = Vector256<float>.One, scale = Vector256.Create(2f * GeluScale), cubic = Vector256.Create(3f * GeluCubic);
                    ref float zStart = ref MemoryMarshal.GetReference(z), eStart = ref MemoryMarshal.GetReference(e), gStart = ref MemoryMarshal.GetReference(gradient);
                    for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
                    {
                        Vector256<float> zi = Vector256.LoadUnsafe(ref zStart, (nuint)i);
                        Vector256<float> s = one / (one + Vector256.LoadUnsafe(ref eStart, (nuint)i));
                        Vector256<float> derivative = s + (zi * s * (one - s) * scale * (one + (cubic * zi * zi)));
                        (Vector256.LoadUnsafe(ref gStart, (nuint)i) * derivative).StoreUnsafe(ref gStart, (nuint)i);
                    }
                }

                for (; i < count; i++)
                {
                    float zi = z[i], s = 1f / (1f + e[i]);
                    gradient[i] *= s + (zi * s * (1f - s) * 2f * GeluScale * (1f + (3f * GeluCubic * zi * zi)));
                }
            }
        }

        /// <summary>Values per chunk of the GELU passes: a few kilobytes of stack that stay in L1.</summary>
        private const int GeluChunk = 512;

        /// <summary>e = exp(-u), u = 2 sqrt(2/pi) (z + 0.044715 z^3), so that sigmoid(u) = 1 / (1 + e).</summary>
        private static void GeluExponential(ReadOnlySpan<float> z, Span<float> e)
        {
            TensorPrimitives.Multiply(z, z, e);
            TensorPrimitives.Multiply(e, z, e);
            TensorPrimitives.MultiplyAdd(e, GeluCubic, z, e);
            TensorPrimitives.Multiply(e, -2f * GeluScale, e);
            TensorPrimitives.Exp(e, e);
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

        /// <summary>
        /// dy[i] = TOperation(y[i], dy[i]) over the spans, in vectors. A scalar loop with a branch per value (ReLU's
        /// derivative) mispredicts on about half the values after a ReLU: 3.5 ms over the seed CNN's first layer at batch
        /// 32, a third of the whole training step, against about 0.2 ms in vectors.
        /// </summary>
        private static void Map<TOperation>(ReadOnlySpan<float> y, Span<float> dy, TOperation operation)
            where TOperation : IElementwise
        {
            CheckSameLength(y, dy);
            ref float yRef = ref MemoryMarshal.GetReference(y);
            ref float dyRef = ref MemoryMarshal.GetReference(dy);
            nuint length = (nuint)dy.Length, i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + 8 <= length; i += 8)
                {
                    operation.Apply(Vector256.LoadUnsafe(ref yRef, i), Vector256.LoadUnsafe(ref dyRef, i)).StoreUnsafe(ref dyRef, i);
                }
            }

            if (Vector128.IsHardwareAccelerated)
            {
                for (; i + 4 <= length; i += 4)
                {
                    operation.Apply(Vector128.LoadUnsafe(ref yRef, i), Vector128.LoadUnsafe(ref dyRef, i)).StoreUnsafe(ref dyRef, i);
                }
            }

            for (; i < length; i++)
            {
                Unsafe.Add(ref dyRef, i) = operation.Apply(Unsafe.Add(ref yRef, i), Unsafe.Add(ref dyRef, i));
            }
        }

        /// <summary>One elementwise operation of (y, dy), at each width, so that <see cref="Map"/> is specialised per operation
        /// (a struct, so the JIT compiles Map once per operation and inlines it; a field such as a slope stays in a register).</summary>
        private interface IElementwise
        {
            float Apply(float y, float dy);

            Vector128<float> Apply(Vector128<float> y, Vector128<float> dy);

            Vector256<float> Apply(Vector256<float> y, Vector256<float> dy);
        }

        // y <= 0 rather than !(y > 0), so that a NaN output keeps its gradient (and the NaN shows).
        private readonly struct ReluGradient : IElementwise
        {
            public float Apply(float y, float dy) => y <= 0f ? 0f : dy;

            public Vector128<float> Apply(Vector128<float> y, Vector128<float> dy) =>
                Vector128.ConditionalSelect(Vector128.LessThanOrEqual(y, Vector128<float>.Zero), Vector128<float>.Zero, dy);

            public Vector256<float> Apply(Vector256<float> y, Vector256<float> dy) =>
                Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256<float>.Zero), Vector256<float>.Zero, dy);
        }

        // Forward leaky ReLU in place: called with y and dy both the values.
        private readonly struct LeakyReluValue(float slope) : IElementwise
        {
            public float Apply(float y, float dy) => y < 0f ? y * slope : y;

            public Vector128<float> Apply(Vector128<float> y, Vector128<float> dy) =>
                Vector128.ConditionalSelect(Vector128.LessThan(y, Vector128<float>.Zero), y * slope, y);

            public Vector256<float> Apply(Vector256<float> y, Vector256<float> dy) =>
                Vector256.ConditionalSelect(Vector256.LessThan(y, Vector256<float>.Zero), y * slope, y);
        }

        private readonly struct LeakyReluGradient(float slope) : IElementwise
        {
            public float Apply(float y, float dy) => y <= 0f ? dy * slope : dy;

            public Vector128<float> Apply(Vector128<float> y, Vector128<float> dy) =>
                Vector128.ConditionalSelect(Vector128.LessThanOrEqual(y, Vector128<float>.Zero), dy * slope, dy);

            public Vector256<float> Apply(Vector256<float> y, Vector256<float> dy) =>
                Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256<float>.Zero), dy * slope, dy);
        }

        private readonly struct SigmoidGradient : IElementwise
        {
            public float Apply(float y, float dy) => dy * (y * (1f - y));

            public Vector128<float> Apply(Vector128<float> y, Vector128<float> dy) => dy * (y * (Vector128<float>.One - y));

            public Vector256<float> Apply(Vector256<float> y, Vector256<float> dy) => dy * (y * (Vector256<float>.One - y));
        }

        private readonly struct TanhGradient : IElementwise
        {
            public float Apply(float y, float dy) => dy * (1f - (y * y));

            public Vector128<float> Apply(Vector128<float> y, Vector128<float> dy) => dy * (Vector128<float>.One - (y * y));

            public Vector256<float> Apply(Vector256<float> y, Vector256<float> dy) => dy * (Vector256<float>.One - (y * y));
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
