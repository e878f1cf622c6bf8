namespace Compiled.Generator.Shapes
{
    /// <summary>
    /// The workspace's buffers start on multiples of 16 values: the runtime's <c>AlignedFloats</c> puts a network's
    /// workspace on a 64-byte boundary, so each buffer, and each row of one whose width is a multiple of 16, starts on a
    /// cache line (the 256-bit product tiles lose 10-15 % on rows of B that straddle two).
    /// </summary>
    internal static class Alignment
    {
        /// <summary>Values per 64-byte line.</summary>
        public const int ValuesPerLine = 16;

        /// <summary><paramref name="values"/> rounded up to a multiple of <see cref="ValuesPerLine"/>.</summary>
        public static long RoundUp(long values) => (values + ValuesPerLine - 1) & ~(long)(ValuesPerLine - 1);
    }
}
