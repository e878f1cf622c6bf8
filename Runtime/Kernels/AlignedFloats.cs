using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Compiled.Kernels
{
    /// <summary>
    /// A buffer of floats whose first value sits on a 64-byte boundary (a cache line, and a Vector512): a pinned array of
    /// up to 15 more values, used from the first one on that boundary. Generated networks keep their parameters, gradients
    /// and workspaces in these, and lay out their workspace buffers at multiples of 16 values, so that the rows of a weight
    /// or a gradient 16, 32, 64 ... values wide start on a cache line. A .NET array's values are only 8-byte aligned, and
    /// the 256-bit product tiles run 10-15 % slower on rows of B that straddle two lines (docs/performance.md).
    /// </summary>
    /// <remarks>Converts to <see cref="Span{T}"/> and <see cref="ReadOnlySpan{T}"/> of exactly <see cref="Length"/> values.
    /// Pinned, so the boundary holds for the buffer's life (the array lives on the pinned object heap and is collected as
    /// any other).</remarks>
    public readonly struct AlignedFloats
    {
        /// <summary>The alignment of the first value, in bytes.</summary>
        public const int Alignment = 64;

        /// <summary>Values per <see cref="Alignment"/>: the multiple that keeps an offset into the buffer aligned.</summary>
        public const int ValuesPerLine = Alignment / sizeof(float);

        private readonly float[]? _array;
        private readonly int _start;

        /// <summary>A zeroed buffer of <paramref name="length"/> values.</summary>
        public AlignedFloats(int length)
        {
            if (length < 0 || length > Array.MaxLength - ValuesPerLine)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, $"Expected 0 to {Array.MaxLength - ValuesPerLine} values.");
            }

            _array = GC.AllocateArray<float>(length + ValuesPerLine - 1, pinned: true);
            _start = ValuesBeforeBoundary(_array);
            Length = length;
        }

        /// <summary>How many values the buffer holds.</summary>
        public int Length { get; }

        /// <summary>All <see cref="Length"/> values; empty for a default instance.</summary>
        public Span<float> Span => _array is null
            ? Span<float>.Empty
            : MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _start), Length);

        /// <summary>Values <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/>, checked as
        /// <see cref="Span{T}.Slice(int, int)"/> checks.</summary>
        public Span<float> Slice(int start, int length) => Span.Slice(start, length);

        /// <summary><paramref name="values"/> rounded up to a multiple of <see cref="ValuesPerLine"/>: an offset that keeps
        /// the values after it on a cache line in an aligned buffer.</summary>
        public static int RoundUp(int values) => checked(values + ValuesPerLine - 1) & ~(ValuesPerLine - 1);

        /// <summary>Sets every value to 0.</summary>
        public void Clear() => Span.Clear();

        /// <summary>The buffer's values.</summary>
        public static implicit operator Span<float>(AlignedFloats buffer) => buffer.Span;

        /// <summary>The buffer's values, read-only.</summary>
        public static implicit operator ReadOnlySpan<float>(AlignedFloats buffer) => buffer.Span;

        /// <summary>The values from the first one on a 64-byte boundary (pinned: the address is final).</summary>
        private static unsafe int ValuesBeforeBoundary(float[] array)
        {
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            int misalignment = (int)(address & (Alignment - 1));
            return misalignment == 0 ? 0 : (Alignment - misalignment) / sizeof(float);
        }
    }
}
