using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels
{
    /// <summary>
    /// Element-wise loops over short runs of values (a pixel's channels, a kernel row of a patch) through refs, for the
    /// kernels that handle thousands of such runs per call: a span slice and a library call per run of 3-64 values cost
    /// several times the arithmetic. Callers check their spans' lengths once before the loops. Without Vector256 acceleration the loops are scalar.
    /// </summary>
    internal static class Runs
    {
        /// <summary>destination[i] = source[i].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Copy(ref float source, ref float destination, int length)
        {
            int i = 0, vectorEnd = Vector256.IsHardwareAccelerated ? length - (length % Vector256<float>.Count) : 0;
            for (; i < vectorEnd; i += Vector256<float>.Count)
            {
                Vector256.LoadUnsafe(ref source, (nuint)i).StoreUnsafe(ref destination, (nuint)i);
            }

            for (; i < length; i++)
            {
                Unsafe.Add(ref destination, i) = Unsafe.Add(ref source, i);
            }
        }

        /// <summary>destination[i] += source[i].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Add(ref float source, ref float destination, int length)
        {
            int i = 0, vectorEnd = Vector256.IsHardwareAccelerated ? length - (length % Vector256<float>.Count) : 0;
            for (; i < vectorEnd; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref destination, (nuint)i) + Vector256.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
            }

            for (; i < length; i++)
            {
                Unsafe.Add(ref destination, i) += Unsafe.Add(ref source, i);
            }
        }

        /// <summary>destination[i] = (source[i] * scale) + destination[i], the product rounded before the sum (as
        /// <c>TensorPrimitives.MultiplyAdd</c>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void MultiplyAdd(ref float source, float scale, ref float destination, int length)
        {
            int i = 0, vectorEnd = Vector256.IsHardwareAccelerated ? length - (length % Vector256<float>.Count) : 0;
            Vector256<float> factor = Vector256.Create(scale);
            for (; i < vectorEnd; i += Vector256<float>.Count)
            {
                ((Vector256.LoadUnsafe(ref source, (nuint)i) * factor) + Vector256.LoadUnsafe(ref destination, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
            }

            for (; i < length; i++)
            {
                Unsafe.Add(ref destination, i) = (Unsafe.Add(ref source, i) * scale) + Unsafe.Add(ref destination, i);
            }
        }

        /// <summary>values[i] *= scale.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Scale(ref float values, float scale, int length)
        {
            int i = 0, vectorEnd = Vector256.IsHardwareAccelerated ? length - (length % Vector256<float>.Count) : 0;
            Vector256<float> factor = Vector256.Create(scale);
            for (; i < vectorEnd; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref values, (nuint)i) * factor).StoreUnsafe(ref values, (nuint)i);
            }

            for (; i < length; i++)
            {
                Unsafe.Add(ref values, i) *= scale;
            }
        }
    }
}
