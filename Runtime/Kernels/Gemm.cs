using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels
{
    /// <summary>
    /// Single-precision matrix products on row-major spans, the three a dense layer needs:
    /// forward <c>C += A B</c>, weight gradient <c>C += A^T B</c>, input gradient <c>C = A B^T</c>.
    /// </summary>
    /// <remarks>
    /// The vector path is a register-tiled micro-kernel in the style of BLIS: a tile of C stays in registers while the k
    /// loop streams one row of B and broadcasts elements of A. Where Vector512 is accelerated (32 zmm registers) the tiles
    /// are up to 12 rows x 32 columns; otherwise 6, 4 or 3 rows x 16 columns (3 x 32) in Vector256; one or two rows take 1 x 64
    /// (1 x 128 in Vector512), where a row tile would leave the FMA units waiting on one dependency chain. A is read
    /// through a row and a column stride, so the transposed-A product is the same kernel. No packing: the
    /// matrices of the small and medium networks this library targets fit in L2, and the products of the seed networks run
    /// at 85-99 % of the FMA peak without it (docs/performance.md), given B's rows on cache lines (networks keep their
    /// buffers in <see cref="AlignedFloats"/>); deep products with a large A run the 256-bit tiles in blocks of k. Without Vector256 (ARM, or
    /// Native AOT for a baseline x64) a Vector128 tile takes over. Columns that do not fill a
    /// vector go through the scalar path, the reference all paths are tested against.
    /// </remarks>
    public static class Gemm
    {
        /// <summary>C[m, n] += A[m, k] B[k, n].</summary>
        public static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
        {
            CheckSizes(a.Length, b.Length, c.Length, m, k, n, "A[m, k]", "B[k, n]");
            Dispatch(a, rowStride: k, columnStride: 1, b, c, m, k, n, accumulate: true);
        }

        /// <summary>C[m, n] = A[m, k] B[k, n], overwriting C.</summary>
        public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
        {
            CheckSizes(a.Length, b.Length, c.Length, m, k, n, "A[m, k]", "B[k, n]");
            Dispatch(a, rowStride: k, columnStride: 1, b, c, m, k, n, accumulate: false);
        }

        /// <summary>C[m, n] += A^T B, where A is stored [k, m] and B is [k, n].</summary>
        public static void MultiplyAddTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
            MultiplyTransposedA(a, b, c, m, k, n, accumulate: true);

        /// <summary>C[m, n] = A^T B, or C += A^T B when <paramref name="accumulate"/>; A is stored [k, m], B is [k, n].
        /// Overwriting spares a pass that zeroes C and a load of every C tile: the weight-gradient product of a training
        /// step writes the gradient outright.</summary>
        public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
        {
            CheckSizes(a.Length, b.Length, c.Length, m, k, n, "A[k, m]", "B[k, n]");
            Dispatch(a, rowStride: 1, columnStride: m, b, c, m, k, n, accumulate);
        }

        /// <summary>C[m, n] = A[m, k] B^T, or C += A B^T when <paramref name="accumulate"/>, where B is stored [n, k]: every
        /// element is a dot product of two contiguous rows.</summary>
        public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false)
        {
            CheckSizes(a.Length, b.Length, c.Length, m, k, n, "A[m, k]", "B[n, k]");
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<float> aRow = a.Slice(i * k, k);
                Span<float> cRow = c.Slice(i * n, n);
                int j = 0;
                if (Vector256.IsHardwareAccelerated && k >= Vector256<float>.Count)
                {
                    for (; j + 4 <= n; j += 4)
                    {
                        Dot4(aRow, b.Slice(j * k, 4 * k), k, cRow.Slice(j, 4), accumulate);
                    }
                }

                for (; j < n; j++)
                {
                    cRow[j] = (accumulate ? cRow[j] : 0f) + DotScalar(aRow, b.Slice(j * k, k));
                }
            }
        }

        /// <summary>C[m, n] (+)= A B for an A whose rows are <paramref name="aRowStride"/> apart (a recurrent layer's states of one
        /// step, inside a batch-major buffer of every step).</summary>
        internal static void MultiplyRows(ReadOnlySpan<float> a, int aRowStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
        {
            CheckStridedSizes(a.Length, aRowStride, b.Length, c.Length, m, k, n);
            Dispatch(a, aRowStride, columnStride: 1, b, c, m, k, n, accumulate);
        }

        /// <summary>C (+)= A B with every operand strided: A[i, p] at i <paramref name="rowStride"/> + p
        /// <paramref name="columnStride"/> (so A^T is a column stride of 1), B's rows <paramref name="ldb"/> apart and C's
        /// <paramref name="ldc"/> apart, on the same tiles. Attention's per-head products read and write their heads' columns
        /// of the rows the projections keep, with no copy into blocks.</summary>
        internal static void MultiplyStrided(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int k, int n, bool accumulate)
        {
            if (m < 0 || k < 0 || n < 0 || rowStride < 0 || columnStride < 0 || ldb < n || ldc < n)
            {
                throw new ArgumentOutOfRangeException(nameof(m), $"Expected non-negative sizes and strides, and rows of B and C at least n apart, but m = {m}, k = {k}, n = {n}, strides {rowStride} and {columnStride}, ldb = {ldb}, ldc = {ldc}.");
            }

            long aNeeds = k == 0 ? 0 : ((long)(m - 1) * rowStride) + ((long)(k - 1) * columnStride) + 1, bNeeds = k == 0 ? 0 : ((long)(k - 1) * ldb) + n, cNeeds = ((long)(m - 1) * ldc) + n;
            if (a.Length < aNeeds || b.Length < bNeeds || c.Length < cNeeds)
            {
                throw new ArgumentException($"Spans too short for m = {m}, k = {k}, n = {n} with these strides: A needs {aNeeds} (has {a.Length}), B needs {bNeeds} (has {b.Length}), C needs {cNeeds} (has {c.Length}).");
            }

            Dispatch(a, rowStride, columnStride, b, ldb, c, ldc, m, k, n, accumulate);
        }

        /// <summary>t[j, i] = a[i, j] for a [rows, columns] matrix: a weight turned once per call so that a product with its
        /// transpose runs on the register-tiled kernel rather than as dot products.</summary>
        internal static void Transpose(ReadOnlySpan<float> a, int rows, int columns, Span<float> t) => Transpose(a, rows, columns, columns, t);

        /// <summary>As <see cref="Transpose(ReadOnlySpan{float}, int, int, Span{float})"/> for rows <paramref name="rowStride"/>
        /// apart (one part of wider rows: attention's keys or values among the q, k, v rows).</summary>
        internal static unsafe void Transpose(ReadOnlySpan<float> a, int rows, int columns, int rowStride, Span<float> t)
        {
            if (rows < 0 || columns < 0 || rowStride < columns || (rows > 0 && a.Length < ((long)(rows - 1) * rowStride) + columns) || t.Length < (long)rows * columns)
            {
                throw new ArgumentException($"Expected a [{rows}, {columns}] matrix with rows {rowStride} apart ({(rows > 0 ? ((long)(rows - 1) * rowStride) + columns : 0)} values, has {a.Length}) and room for its transpose ({(long)rows * columns}, has {t.Length}).");
            }

            // In blocks of 8 x 8, so that the strided writes of a block land in eight cache lines rather than in one per value;
            // a whole block turned in registers where Vector256 shuffles are there (eight loads and stores rather than 64 of
            // each: a 784 x 128 weight 55 -> 10 us).
            fixed (float* pa = a)
            fixed (float* pt = t)
            {
                int fullRows = Avx.IsSupported ? rows - (rows % 8) : 0, fullColumns = Avx.IsSupported ? columns - (columns % 8) : 0;
                for (int i = 0; i < fullRows; i += 8)
                {
                    for (int j = 0; j < fullColumns; j += 8)
                    {
                        Turn8x8(pa + ((long)i * rowStride) + j, rowStride, pt + ((long)j * rows) + i, rows);
                    }
                }

                // The rest, value by value: the columns past the last whole block of every row, then the rows past the last
                // whole block (all of them without Avx).
                for (int i = 0; i < rows; i++)
                {
                    float* row = pa + ((long)i * rowStride);
                    for (int j = i < fullRows ? fullColumns : 0; j < columns; j++)
                    {
                        pt[((long)j * rows) + i] = row[j];
                    }
                }
            }
        }

        /// <summary>t[q, p] = a[p, q] for one 8 x 8 block, in registers: pairs of rows interleaved, then pairs of pairs, then
        /// the 128-bit halves exchanged.</summary>
        private static unsafe void Turn8x8(float* a, int lda, float* t, int ldt)
        {
            Vector256<float> r0 = Avx.LoadVector256(a), r1 = Avx.LoadVector256(a + lda), r2 = Avx.LoadVector256(a + (2 * lda)), r3 = Avx.LoadVector256(a + (3 * lda));
            Vector256<float> r4 = Avx.LoadVector256(a + (4 * lda)), r5 = Avx.LoadVector256(a + (5 * lda)), r6 = Avx.LoadVector256(a + (6 * lda)), r7 = Avx.LoadVector256(a + (7 * lda));

            // [r0 0, r1 0, r0 1, r1 1 | r0 4, r1 4, r0 5, r1 5] and so on.
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

            // Columns 0 | 4, 1 | 5, 2 | 6, 3 | 7 of rows 0-3, then of rows 4-7.
            Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

            Avx.Store(t, Avx.Permute2x128(s0, s4, 0x20));
            Avx.Store(t + ldt, Avx.Permute2x128(s1, s5, 0x20));
            Avx.Store(t + (2 * ldt), Avx.Permute2x128(s2, s6, 0x20));
            Avx.Store(t + (3 * ldt), Avx.Permute2x128(s3, s7, 0x20));
            Avx.Store(t + (4 * ldt), Avx.Permute2x128(s0, s4, 0x31));
            Avx.Store(t + (5 * ldt), Avx.Permute2x128(s1, s5, 0x31));
            Avx.Store(t + (6 * ldt), Avx.Permute2x128(s2, s6, 0x31));
            Avx.Store(t + (7 * ldt), Avx.Permute2x128(s3, s7, 0x31));
        }

        private static void CheckSizes(int aLength, int bLength, int cLength, int m, int k, int n, string aShape, string bShape)
        {
            if (m < 0 || k < 0 || n < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must not be negative, but m = {m}, k = {k}, n = {n}.");
            }

            if (aLength < (long)m * k || bLength < (long)k * n || cLength < (long)m * n)
            {
                throw new ArgumentException(
                    $"Spans too short for m = {m}, k = {k}, n = {n}: {aShape} needs {(long)m * k} (has {aLength}), {bShape} needs {(long)k * n} (has {bLength}), C[m, n] needs {(long)m * n} (has {cLength}).");
            }
        }

        private static void CheckStridedSizes(int aLength, int aRowStride, int bLength, int cLength, int m, int k, int n)
        {
            if (m < 0 || k < 0 || n < 0 || aRowStride < k)
            {
                throw new ArgumentOutOfRangeException(nameof(m), $"Expected non-negative sizes and a row stride of at least k, but m = {m}, k = {k}, n = {n}, stride = {aRowStride}.");
            }

            if ((m > 0 && aLength < ((long)(m - 1) * aRowStride) + k) || bLength < (long)k * n || cLength < (long)m * n)
            {
                throw new ArgumentException(
                    $"Spans too short for m = {m}, k = {k}, n = {n}, A's rows {aRowStride} apart: A needs {(m > 0 ? ((long)(m - 1) * aRowStride) + k : 0)} (has {aLength}), B needs {(long)k * n} (has {bLength}), C[m, n] needs {(long)m * n} (has {cLength}).");
            }
        }

        private static void Dispatch(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
            Dispatch(a, rowStride, columnStride, b, n, c, n, m, k, n, accumulate);

        /// <summary>The paths in order, with B's rows <paramref name="ldb"/> apart and C's <paramref name="ldc"/> apart; the narrow
        /// and Vector128 paths take packed rows only (strided operands then go to the scalar path there).</summary>
        private static void Dispatch(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int k, int n, bool accumulate)
        {
            if (m == 0 || n == 0)
            {
                return;
            }

            bool packed = ldb == n && ldc == n;
            if (packed && n < NarrowColumns && k > 0)
            {
                MultiplyNarrow(a, rowStride, columnStride, b, c, m, k, n, accumulate);
                return;
            }

            int vectorColumns = 0;
            if (Vector256.IsHardwareAccelerated && n >= 8 && k > 0)
            {
                vectorColumns = MultiplyAddVector(a, rowStride, columnStride, b, c, m, k, n, accumulate, ldb, ldc);
            }
            else if (packed && Vector128.IsHardwareAccelerated && n >= 4 && k > 0)
            {
                vectorColumns = MultiplyAddPortable(a, rowStride, columnStride, b, c, m, k, n, accumulate);
            }

            if (!accumulate && vectorColumns < n)
            {
                for (int i = 0; i < m; i++)
                {
                    c.Slice((i * ldc) + vectorColumns, n - vectorColumns).Clear();
                }
            }

            MultiplyAddScalar(a, rowStride, columnStride, b, ldb, c, ldc, m, k, n, vectorColumns);
        }

        /// <summary>Below this many columns a register tile of C would be mostly empty lanes: <see cref="MultiplyNarrow"/> runs
        /// the vectors along k or m instead.</summary>
        internal const int NarrowColumns = 8;

        /// <summary>Columns of B turned per block in <see cref="MultiplyNarrow"/>: 7 x 512 floats, 14 KB of stack.</summary>
        private const int NarrowBlock = 512;

        /// <summary>
        /// C = A B or C += A B for fewer than 8 columns (a convolution to one channel, a dense layer to one logit), where the
        /// tiles would waste most of their lanes and the scalar path is slow. With A's rows contiguous, each element is a dot
        /// product of an A row with a column of B, turned into a contiguous row in blocks of k (so a row's result depends on
        /// k alone, never on the rows beside it); with A stored transposed ([k, m], the weight gradient), each column of C
        /// is a sum of A's rows scaled by B's elements, built in a contiguous block of rows and then written to C.
        /// </summary>
        internal static void MultiplyNarrow(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
        {
            if (!accumulate)
            {
                c.Slice(0, m * n).Clear();
            }

            Span<float> block = stackalloc float[NarrowColumns * NarrowBlock];
            if (columnStride == 1)
            {
                for (int p0 = 0; p0 < k; p0 += NarrowBlock)
                {
                    int depth = Math.Min(NarrowBlock, k - p0);
                    for (int p = 0; p < depth; p++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            block[(j * depth) + p] = b[((p0 + p) * n) + j];
                        }
                    }

                    for (int i = 0; i < m; i++)
                    {
                        ReadOnlySpan<float> aRow = a.Slice((i * rowStride) + p0, depth);
                        for (int j = 0; j < n; j++)
                        {
                            c[(i * n) + j] += System.Numerics.Tensors.TensorPrimitives.Dot(aRow, block.Slice(j * depth, depth));
                        }
                    }
                }

                return;
            }

            if (rowStride != 1)
            {
                MultiplyAddScalar(a, rowStride, columnStride, b, c, m, k, n, firstColumn: 0); // no caller strides A both ways
                return;
            }

            // A[p, i] at p * columnStride + i: rows of A^T are contiguous runs of C's rows.
            for (int i0 = 0; i0 < m; i0 += NarrowBlock)
            {
                int rows = Math.Min(NarrowBlock, m - i0);
                Span<float> sums = block.Slice(0, n * rows);
                sums.Clear();
                for (int p = 0; p < k; p++)
                {
                    ReadOnlySpan<float> aRow = a.Slice((p * columnStride) + (i0 * rowStride), rows);
                    for (int j = 0; j < n; j++)
                    {
                        float bpj = b[(p * n) + j];
                        if (bpj != 0f)
                        {
                            Span<float> column = sums.Slice(j * rows, rows);
                            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(aRow, bpj, column, column);
                        }
                    }
                }

                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        c[((i0 + i) * n) + j] += sums[(j * rows) + i];
                    }
                }
            }
        }

        /// <summary>The portable path: C[:, firstColumn..n] += A B, A read through strides. Also the reference the vector path is tested against.</summary>
        internal static void MultiplyAddScalar(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, int firstColumn) =>
            MultiplyAddScalar(a, rowStride, columnStride, b, n, c, n, m, k, n, firstColumn);

        /// <summary>The portable path with B's rows <paramref name="ldb"/> apart and C's <paramref name="ldc"/> apart.</summary>
        private static void MultiplyAddScalar(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int k, int n, int firstColumn)
        {
            if (firstColumn >= n)
            {
                return;
            }

            for (int i = 0; i < m; i++)
            {
                Span<float> cRow = c.Slice(i * ldc, n);
                for (int p = 0; p < k; p++)
                {
                    float aip = a[(i * rowStride) + (p * columnStride)];
                    if (aip == 0f)
                    {
                        continue; // ReLU outputs and one-hot inputs are often zero
                    }

                    ReadOnlySpan<float> bRow = b.Slice(p * ldb, n);
                    for (int j = firstColumn; j < n; j++)
                    {
                        cRow[j] += aip * bRow[j];
                    }
                }
            }
        }

        /// <summary>
        /// The Vector128 path, for machines without Vector256 (ARM with AdvSimd, or Native AOT compiled for a baseline x64,
        /// where <c>Vector&lt;T&gt;</c> is not intrinsified because its width is only known at run time): four rows by four
        /// columns. Covers whole groups of four columns and returns how many; the rest is the scalar path's.
        /// </summary>
        internal static unsafe int MultiplyAddPortable(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
        {
            int covered = n - (n % 4);
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                for (int j = 0; j < covered; j += 4)
                {
                    int i = 0;
                    for (; i + 4 <= m; i += 4)
                    {
                        Tile128x4(pa + (i * rowStride), rowStride, columnStride, pb + j, n, pc + (i * n) + j, n, k, accumulate);
                    }

                    for (; i < m; i++)
                    {
                        Tile128x1(pa + (i * rowStride), columnStride, pb + j, n, pc + (i * n) + j, k, accumulate);
                    }
                }
            }

            return covered;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
            AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(c, a, b) : Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

        // Four rows of A against four columns: four independent accumulators.
        private static unsafe void Tile128x4(float* a, int rowStride, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate)
        {
            Vector128<float> c0 = accumulate ? Vector128.Load(c) : Vector128<float>.Zero;
            Vector128<float> c1 = accumulate ? Vector128.Load(c + ldc) : Vector128<float>.Zero;
            Vector128<float> c2 = accumulate ? Vector128.Load(c + (2 * ldc)) : Vector128<float>.Zero;
            Vector128<float> c3 = accumulate ? Vector128.Load(c + (3 * ldc)) : Vector128<float>.Zero;
            for (int p = 0; p < k; p++)
            {
                Vector128<float> row = Vector128.Load(b);
                c0 = MultiplyAdd(Vector128.Create(a[0]), row, c0);
                c1 = MultiplyAdd(Vector128.Create(a[rowStride]), row, c1);
                c2 = MultiplyAdd(Vector128.Create(a[2 * rowStride]), row, c2);
                c3 = MultiplyAdd(Vector128.Create(a[3 * rowStride]), row, c3);
                a += columnStride;
                b += ldb;
            }

            c0.Store(c);
            c1.Store(c + ldc);
            c2.Store(c + (2 * ldc));
            c3.Store(c + (3 * ldc));
        }

        private static unsafe void Tile128x1(float* a, int columnStride, float* b, int ldb, float* c, int k, bool accumulate)
        {
            Vector128<float> c0 = accumulate ? Vector128.Load(c) : Vector128<float>.Zero;
            for (int p = 0; p < k; p++)
            {
                c0 = MultiplyAdd(Vector128.Create(a[0]), Vector128.Load(b), c0);
                a += columnStride;
                b += ldb;
            }

            c0.Store(c);
        }

        /// <summary>The depth from which a 12 x 32 tile's FMAs outweigh loading and storing its 24 accumulators: where the core
        /// splits each 512-bit FMA in two (<see cref="SplitsWideVectors"/>) the 6 x 16 tiles are faster below it (a `/tmp`
        /// harness on Zen 4, best of nine: the MLP weight gradient, k = 32, 88-89 -> 92-96 % of peak; the convolutions' input
        /// gradients, k = 64, 94 -> 94-98 %). The in-place weight gradient asks it of a sample's pixels too.</summary>
        internal const int WideTileDepth = 80;

        /// <summary>
        /// Whether this core runs a 512-bit FMA as two 256-bit halves, so that the Vector512 tiles have the 256-bit tiles'
        /// peak: AMD's family 19h (Zen 4; Zen 3 in that family has no AVX-512). On a core with full 512-bit FMA units (Zen 5,
        /// Intel's server cores) the Vector512 peak is twice the 256-bit one, and the 12 x 32 tiles take products of any
        /// depth (Zen 5, the MLP weight gradient 784 x 32 x 128: 50 -> 94 % of the Vector512 peak). Which tiles run never
        /// changes a result: each element is one FMA chain in k order on all of them.
        /// </summary>
        internal static readonly bool SplitsWideVectors = Vector512.IsHardwareAccelerated && IsAmdFamily(0x19);

        private static bool IsAmdFamily(int family)
        {
            if (!X86Base.IsSupported)
            {
                return false;
            }

            // Leaf 0 spells the vendor in EBX, EDX, ECX; leaf 1's EAX holds the base family (bits 8-11) and, when that
            // is 0xF, the extended family (bits 20-27) to add to it.
            (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
            bool amd = ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163; // "Auth" "enti" "cAMD"
            int eax = X86Base.CpuId(1, 0).Eax, baseFamily = (eax >> 8) & 0xF;
            return amd && baseFamily + (baseFamily == 0xF ? (eax >> 20) & 0xFF : 0) == family;
        }

        /// <summary>The vector path over whole blocks of 8 columns; returns how many columns it covered.</summary>
        private static unsafe int MultiplyAddVector(ReadOnlySpan<float> a, int rowStride, int columnStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, int ldb, int ldc)
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                if (k == 1 && m >= 4)
                {
                    return RankOneUpdate(pa, rowStride, pb, pc, ldc, m, n, accumulate);
                }

                // One or two rows on the one-row kernels; three rows make a tile (3 x 500 x 64: 47 -> 91-98 % of peak).
                int j = 0;
                if (m < 3)
                {
                    if (Vector512.IsHardwareAccelerated)
                    {
                        for (; j + 128 <= n; j += 128)
                        {
                            for (int i = 0; i < m; i++)
                            {
                                Kernel1x128(pa + (i * rowStride), columnStride, pb + j, ldb, pc + (i * ldc) + j, k, accumulate);
                            }
                        }
                    }

                    for (; j + 64 <= n; j += 64)
                    {
                        for (int i = 0; i < m; i++)
                        {
                            Kernel1x64(pa + (i * rowStride), columnStride, pb + j, ldb, pc + (i * ldc) + j, k, accumulate);
                        }
                    }
                }

                if (Vector512.IsHardwareAccelerated && (!SplitsWideVectors || k >= WideTileDepth))
                {
                    for (; j + 32 <= n; j += 32)
                    {
                        Column32(pa, rowStride, columnStride, pb + j, ldb, pc + j, ldc, m, k, accumulate, null, relu: false, run: k, skip: 0);
                    }
                }

                // Deep products in blocks of k: a block of B's columns then stays in L1 across the row tiles and A's block
                // in L2 across the column blocks, where a whole-depth pass reads both from further out for every tile. Each
                // C value still takes its FMAs in k order (stored and loaded back between blocks), so the bits are the same.
                int depth = k > DeepProduct && (long)m * k > DeepOperand ? DepthBlock : k;
                for (int p = 0; p < k; p += depth)
                {
                    int block = Math.Min(depth, k - p);
                    Tiles256<NoRelu, StridedRows>(pa + (p * columnStride), rowStride, null, columnStride, pb + (p * ldb), ldb, pc, ldc, m, block, n, j, accumulate || p > 0, null, run: block, skip: 0);
                }

                return n;
            }
        }

        /// <summary>Below this depth a product runs in one pass of k on the 256-bit tiles; from it, in blocks of <see cref="DepthBlock"/>
        /// (a `/tmp` harness, best of six, AVX-512 off: conv2's weight gradient over a whole batch, 288 x 3,872 x 64, 70 -> 91 %
        /// of peak with B on cache lines, 51 -> 89-90 % with B off them; 64 x 2,000 x 64 and 200 x 1,500 x 48 at 90 %). Not
        /// below: the MLP's k = 784 loses 98 -> 91 % in blocks. The Vector512 tiles keep one pass (93-98 %; in blocks 90-92 %).</summary>
        private const int DeepProduct = 1024;

        /// <summary>The values of A from which a deep product runs in blocks: 32 Ki floats (128 KB). From there A's rows
        /// crowd B's panel out of L1 and L2 over a whole-depth pass (32 x 2,000 x 64: 85 -> 90 % in blocks; 16 x 3,000 x 32 at
        /// 93 %); below, blocks cost more than they save (conv1's weight gradient, 9 x 2,046 x 32: 90 -> 86 %).</summary>
        private const long DeepOperand = 32 * 1024;

        /// <summary>The depth of a block of a deep product: 64 rows of a 16-column block of B, 4 KB on lines or 8 KB off them,
        /// stay in L1 beside A's rows (blocks of 96, 128 and 256 gave 80-89, 78-87 and 73-82 % on the product above).</summary>
        private const int DepthBlock = 64;

        /// <summary>Columns <paramref name="j"/> to n on the 256-bit tiles: 16 columns at a time, then blocks of 8 (the last one
        /// ending at n). A's row i starts at <c>pa + i * rowStride</c>, or at <c>pa + starts[i]</c> when
        /// <typeparamref name="TLayout"/> gathers the rows; A's pointer jumps by <paramref name="skip"/> after every
        /// <paramref name="run"/> steps of k (a plain product is one run of k).</summary>
        private static unsafe void Tiles256<TRelu, TLayout>(float* pa, int rowStride, nint* starts, int columnStride, float* pb, int ldb, float* pc, int ldc, int m, int k, int n, int j, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            // Cover the rows with six-, four- and at most one three-row tile so that no row is left to the slow
            // one-row kernel when that is possible (32 = 4 x 6 + 2 x 4, 64 = 10 x 6 + 4, 9 = 6 + 3, 7 = 4 + 3), or with
            // six-row tiles and one five-row tile where six leave five (11 = 6 + 5, 5).
            int sixRowEnd = SixRowTiles(m) * 6;

            bool fiveRows = m - sixRowEnd == 5;

            // The three rows the six- and four-row tiles leave, if any, 32 columns at a time first.
            int threeRows = sixRowEnd + ((m - sixRowEnd) / 4 * 4), threeRowColumnsEnd = j;
            if (m - threeRows >= 3)
            {
                for (; threeRowColumnsEnd + 32 <= n; threeRowColumnsEnd += 32)
                {
                    Kernel3x32<TRelu, TLayout>(TileA<TLayout>(pa, rowStride, threeRows), rowStride, TileStarts<TLayout>(starts, threeRows), columnStride, pb + threeRowColumnsEnd, ldb, pc + (threeRows * ldc) + threeRowColumnsEnd, ldc, k, accumulate, Offset(bias, threeRowColumnsEnd), run, skip);
                }
            }

            for (; j + 16 <= n; j += 16)
            {
                int i = 0;
                for (; i < sixRowEnd; i += 6)
                {
                    Kernel6x16<TRelu, TLayout>(TileA<TLayout>(pa, rowStride, i), rowStride, TileStarts<TLayout>(starts, i), columnStride, pb + j, ldb, pc + (i * ldc) + j, ldc, k, accumulate, Offset(bias, j), run, skip);
                }

                if (fiveRows)
                {
                    Kernel5x16<TRelu, TLayout>(TileA<TLayout>(pa, rowStride, i), rowStride, TileStarts<TLayout>(starts, i), columnStride, pb + j, ldb, pc + (i * ldc) + j, ldc, k, accumulate, Offset(bias, j), run, skip);
                    i += 5;
                }

                for (; i + 4 <= m; i += 4)
                {
                    Kernel4x16<TRelu, TLayout>(TileA<TLayout>(pa, rowStride, i), rowStride, TileStarts<TLayout>(starts, i), columnStride, pb + j, ldb, pc + (i * ldc) + j, ldc, k, accumulate, Offset(bias, j), run, skip);
                }

                if (i + 3 <= m)
                {
                    if (j >= threeRowColumnsEnd)
                    {
                        Kernel3x16<TRelu, TLayout>(TileA<TLayout>(pa, rowStride, i), rowStride, TileStarts<TLayout>(starts, i), columnStride, pb + j, ldb, pc + (i * ldc) + j, ldc, k, accumulate, Offset(bias, j), run, skip);
                    }

                    i += 3;
                }

                for (; i < m; i++)
                {
                    Kernel1x16<TRelu>(RowStart<TLayout>(pa, rowStride, starts, i), columnStride, pb + j, ldb, pc + (i * ldc) + j, k, accumulate, Offset(bias, j), run, skip);
                }
            }

            // An eight-column block, then the last one to seven columns as an eight-column block that ends at n, keeping
            // only its last lanes: six- and four-row tiles (one FMA chain per row, six or four in flight), the rows
            // they leave one at a time, both blocks in one pass where there are two (two chains in flight; one block
            // after the other waits out the FMA latency twice: a one-sample 128 x 10 product 0.30 -> 0.18 µs). A
            // ten-class layer's product is all this.
            bool pairedTail = false;
            while (j < n)
            {
                int tail = Math.Min(8, n - j), block = n - 8 < j ? n - 8 : j;
                bool pair = tail == 8 && n - j > 8 && n - j < 16;
                int i = 0;
                for (; i < sixRowEnd; i += 6)
                {
                    Kernel6x8<TRelu, TLayout>(TileA<TLayout>(pa, rowStride, i), rowStride, TileStarts<TLayout>(starts, i), columnStride, pb + block, ldb, pc + (i * ldc) + block, ldc, k, accumulate, tail, Offset(bias, block), run, skip);
                }

                for (; i + 4 <= m; i += 4)
                {
                    Kernel4x8<TRelu, TLayout>(TileA<TLayout>(pa, rowStride, i), rowStride, TileStarts<TLayout>(starts, i), columnStride, pb + block, ldb, pc + (i * ldc) + block, ldc, k, accumulate, tail, Offset(bias, block), run, skip);
                }

                for (; i < m; i++)
                {
                    if (pair)
                    {
                        Kernel1x8Tail<TRelu>(RowStart<TLayout>(pa, rowStride, starts, i), columnStride, pb + block, ldb, pc + (i * ldc) + block, k, accumulate, n - j - 8, Offset(bias, block), run, skip);
                    }
                    else if (tail == 8)
                    {
                        Kernel1x8<TRelu>(RowStart<TLayout>(pa, rowStride, starts, i), columnStride, pb + block, ldb, pc + (i * ldc) + block, k, accumulate, Offset(bias, block), run, skip);
                    }
                    else if (!pairedTail)
                    {
                        Kernel1xTail<TRelu>(RowStart<TLayout>(pa, rowStride, starts, i), columnStride, pb + block, ldb, pc + (i * ldc) + block, k, accumulate, tail, Offset(bias, block), run, skip);
                    }
                }

                pairedTail = pair;
                j += tail;
            }
        }

        /// <summary>How a 256-bit tile finds A's rows: a stride apart, or each at its own start (gathered), a constant the JIT
        /// folds into each instantiation, so that strided products keep their offsets' arithmetic.</summary>
        private interface IRowLayout
        {
            static abstract bool Gathered { get; }
        }

        private struct StridedRows : IRowLayout
        {
            public static bool Gathered => false;
        }

        private struct GatheredRows : IRowLayout
        {
            public static bool Gathered => true;
        }

        /// <summary>Where the tile from row <paramref name="i"/> finds A: that row, or with gathered rows A itself, each row's
        /// start coming from <see cref="TileStarts"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe float* TileA<TLayout>(float* pa, int rowStride, int i)
            where TLayout : struct, IRowLayout => TLayout.Gathered ? pa : pa + ((nint)i * rowStride);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe nint* TileStarts<TLayout>(nint* starts, int i)
            where TLayout : struct, IRowLayout => TLayout.Gathered ? starts + i : null;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe float* RowStart<TLayout>(float* pa, int rowStride, nint* starts, int i)
            where TLayout : struct, IRowLayout => TLayout.Gathered ? pa + starts[i] : pa + ((nint)i * rowStride);

        /// <summary>A tile's first row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe float* FirstRow<TLayout>(float* a, nint* starts)
            where TLayout : struct, IRowLayout => TLayout.Gathered ? a + starts[0] : a;

        /// <summary>A tile's row <paramref name="row"/> from its first, as a native integer that the tile's loop adds to its
        /// pointer (int offsets cost a multiply and a sign extension per row and step).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe nint RowOffset<TLayout>(int rowStride, nint* starts, int row)
            where TLayout : struct, IRowLayout => TLayout.Gathered ? starts[row] - starts[0] : row * (nint)rowStride;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

        /// <summary>How many six-row tiles to use for <paramref name="m"/> rows: all of them where they leave five rows (one
        /// five-row tile), else the most that leave rows four-row tiles cover, or four-row tiles and one three-row tile.</summary>
        internal static int SixRowTiles(int m)
        {
            if (m % 6 == 5)
            {
                return m / 6;
            }

            for (int six = m / 6; six >= 0; six--)
            {
                int left = m - (six * 6);
                if (left % 4 == 0 || left % 4 == 3)
                {
                    return six;
                }
            }

            return m / 6; // 1 or 2 rows, to the one-row kernel
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe Vector256<float> Start(float* c, bool accumulate) => accumulate ? Vector256.Load(c) : Vector256<float>.Zero;

        /// <summary>A 256-bit tile's starting value: the bias from column <paramref name="column"/> of the tile where one is
        /// given (<see cref="TryMultiplyBias"/>), else C (or 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe Vector256<float> Start256(float* c, bool accumulate, float* bias, int column) =>
            bias != null ? Vector256.Load(bias + column) : Start(c, accumulate);

        /// <summary><see cref="Finish512"/> in 256 bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Finish256<TRelu>(Vector256<float> v)
            where TRelu : struct, IReluFlag =>
            !TRelu.Applies ? v
            : Avx.IsSupported ? Avx.Max(Vector256<float>.Zero, v) + Vector256<float>.Zero
            : Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero) | ~Vector256.Equals(v, v), v, Vector256<float>.Zero);

        /// <summary>The bias from column <paramref name="column"/>, or none.</summary>
        private static unsafe float* Offset(float* bias, int column) => bias == null ? null : bias + column;

        // Six rows of A against sixteen columns of B (BLIS' Haswell shape): twelve accumulators, two loads of B and
        // six broadcasts of A per step of k, fifteen of the sixteen ymm registers.
        private static unsafe void Kernel6x16<TRelu, TLayout>(float* a, int rowStride, nint* starts, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            Vector256<float> c00 = Start256(c, accumulate, bias, 0), c01 = Start256(c + 8, accumulate, bias, 8);
            Vector256<float> c10 = Start256(c + ldc, accumulate, bias, 0), c11 = Start256(c + ldc + 8, accumulate, bias, 8);
            Vector256<float> c20 = Start256(c + (2 * ldc), accumulate, bias, 0), c21 = Start256(c + (2 * ldc) + 8, accumulate, bias, 8);
            Vector256<float> c30 = Start256(c + (3 * ldc), accumulate, bias, 0), c31 = Start256(c + (3 * ldc) + 8, accumulate, bias, 8);
            Vector256<float> c40 = Start256(c + (4 * ldc), accumulate, bias, 0), c41 = Start256(c + (4 * ldc) + 8, accumulate, bias, 8);
            Vector256<float> c50 = Start256(c + (5 * ldc), accumulate, bias, 0), c51 = Start256(c + (5 * ldc) + 8, accumulate, bias, 8);
            // The rows' offsets as native integers, computed once: the loop's addresses are then base + offset * 4, where
            // int offsets cost a multiply and a sign extension per row and step, as many instructions as the FMAs.
            float* a0 = FirstRow<TLayout>(a, starts);
            nint r1 = RowOffset<TLayout>(rowStride, starts, 1), r2 = RowOffset<TLayout>(rowStride, starts, 2), r3 = RowOffset<TLayout>(rowStride, starts, 3), r4 = RowOffset<TLayout>(rowStride, starts, 4), r5 = RowOffset<TLayout>(rowStride, starts, 5), step = columnStride, next = ldb;
            for (int p = 0, end = run; p < k; end += run, a0 += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
                    Vector256<float> x = Vector256.Create(a0[0]);
                    c00 = MultiplyAdd(x, b0, c00);
                    c01 = MultiplyAdd(x, b1, c01);
                    x = Vector256.Create(a0[r1]);
                    c10 = MultiplyAdd(x, b0, c10);
                    c11 = MultiplyAdd(x, b1, c11);
                    x = Vector256.Create(a0[r2]);
                    c20 = MultiplyAdd(x, b0, c20);
                    c21 = MultiplyAdd(x, b1, c21);
                    x = Vector256.Create(a0[r3]);
                    c30 = MultiplyAdd(x, b0, c30);
                    c31 = MultiplyAdd(x, b1, c31);
                    x = Vector256.Create(a0[r4]);
                    c40 = MultiplyAdd(x, b0, c40);
                    c41 = MultiplyAdd(x, b1, c41);
                    x = Vector256.Create(a0[r5]);
                    c50 = MultiplyAdd(x, b0, c50);
                    c51 = MultiplyAdd(x, b1, c51);
                    a0 += step;
                    b += next;
                }
            }

            Finish256<TRelu>(c00).Store(c);
            Finish256<TRelu>(c01).Store(c + 8);
            Finish256<TRelu>(c10).Store(c + ldc);
            Finish256<TRelu>(c11).Store(c + ldc + 8);
            Finish256<TRelu>(c20).Store(c + (2 * ldc));
            Finish256<TRelu>(c21).Store(c + (2 * ldc) + 8);
            Finish256<TRelu>(c30).Store(c + (3 * ldc));
            Finish256<TRelu>(c31).Store(c + (3 * ldc) + 8);
            Finish256<TRelu>(c40).Store(c + (4 * ldc));
            Finish256<TRelu>(c41).Store(c + (4 * ldc) + 8);
            Finish256<TRelu>(c50).Store(c + (5 * ldc));
            Finish256<TRelu>(c51).Store(c + (5 * ldc) + 8);
        }

        // Five rows of A against sixteen columns, for five rows left by the six-row tiles: ten FMA chains where the
        // split into 4 + 1 or 4 + 4 + 3 rows ran tiles of eight chains and of two.
        private static unsafe void Kernel5x16<TRelu, TLayout>(float* a, int rowStride, nint* starts, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            Vector256<float> c00 = Start256(c, accumulate, bias, 0), c01 = Start256(c + 8, accumulate, bias, 8);
            Vector256<float> c10 = Start256(c + ldc, accumulate, bias, 0), c11 = Start256(c + ldc + 8, accumulate, bias, 8);
            Vector256<float> c20 = Start256(c + (2 * ldc), accumulate, bias, 0), c21 = Start256(c + (2 * ldc) + 8, accumulate, bias, 8);
            Vector256<float> c30 = Start256(c + (3 * ldc), accumulate, bias, 0), c31 = Start256(c + (3 * ldc) + 8, accumulate, bias, 8);
            Vector256<float> c40 = Start256(c + (4 * ldc), accumulate, bias, 0), c41 = Start256(c + (4 * ldc) + 8, accumulate, bias, 8);
            float* a0 = FirstRow<TLayout>(a, starts);
            nint r1 = RowOffset<TLayout>(rowStride, starts, 1), r2 = RowOffset<TLayout>(rowStride, starts, 2), r3 = RowOffset<TLayout>(rowStride, starts, 3), r4 = RowOffset<TLayout>(rowStride, starts, 4), step = columnStride, next = ldb;
            for (int p = 0, end = run; p < k; end += run, a0 += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
                    Vector256<float> x = Vector256.Create(a0[0]);
                    c00 = MultiplyAdd(x, b0, c00);
                    c01 = MultiplyAdd(x, b1, c01);
                    x = Vector256.Create(a0[r1]);
                    c10 = MultiplyAdd(x, b0, c10);
                    c11 = MultiplyAdd(x, b1, c11);
                    x = Vector256.Create(a0[r2]);
                    c20 = MultiplyAdd(x, b0, c20);
                    c21 = MultiplyAdd(x, b1, c21);
                    x = Vector256.Create(a0[r3]);
                    c30 = MultiplyAdd(x, b0, c30);
                    c31 = MultiplyAdd(x, b1, c31);
                    x = Vector256.Create(a0[r4]);
                    c40 = MultiplyAdd(x, b0, c40);
                    c41 = MultiplyAdd(x, b1, c41);
                    a0 += step;
                    b += next;
                }
            }

            Finish256<TRelu>(c00).Store(c);
            Finish256<TRelu>(c01).Store(c + 8);
            Finish256<TRelu>(c10).Store(c + ldc);
            Finish256<TRelu>(c11).Store(c + ldc + 8);
            Finish256<TRelu>(c20).Store(c + (2 * ldc));
            Finish256<TRelu>(c21).Store(c + (2 * ldc) + 8);
            Finish256<TRelu>(c30).Store(c + (3 * ldc));
            Finish256<TRelu>(c31).Store(c + (3 * ldc) + 8);
            Finish256<TRelu>(c40).Store(c + (4 * ldc));
            Finish256<TRelu>(c41).Store(c + (4 * ldc) + 8);
        }

        // Four rows of A against sixteen columns of B, for the rows left over by the six-row tiles.
        private static unsafe void Kernel4x16<TRelu, TLayout>(float* a, int rowStride, nint* starts, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            Vector256<float> c00 = Start256(c, accumulate, bias, 0), c01 = Start256(c + 8, accumulate, bias, 8);
            Vector256<float> c10 = Start256(c + ldc, accumulate, bias, 0), c11 = Start256(c + ldc + 8, accumulate, bias, 8);
            Vector256<float> c20 = Start256(c + (2 * ldc), accumulate, bias, 0), c21 = Start256(c + (2 * ldc) + 8, accumulate, bias, 8);
            Vector256<float> c30 = Start256(c + (3 * ldc), accumulate, bias, 0), c31 = Start256(c + (3 * ldc) + 8, accumulate, bias, 8);
            float* a0 = FirstRow<TLayout>(a, starts);
            nint r1 = RowOffset<TLayout>(rowStride, starts, 1), r2 = RowOffset<TLayout>(rowStride, starts, 2), r3 = RowOffset<TLayout>(rowStride, starts, 3), step = columnStride, next = ldb;
            for (int p = 0, end = run; p < k; end += run, a0 += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
                    Vector256<float> x = Vector256.Create(a0[0]);
                    c00 = MultiplyAdd(x, b0, c00);
                    c01 = MultiplyAdd(x, b1, c01);
                    x = Vector256.Create(a0[r1]);
                    c10 = MultiplyAdd(x, b0, c10);
                    c11 = MultiplyAdd(x, b1, c11);
                    x = Vector256.Create(a0[r2]);
                    c20 = MultiplyAdd(x, b0, c20);
                    c21 = MultiplyAdd(x, b1, c21);
                    x = Vector256.Create(a0[r3]);
                    c30 = MultiplyAdd(x, b0, c30);
                    c31 = MultiplyAdd(x, b1, c31);
                    a0 += step;
                    b += next;
                }
            }

            Finish256<TRelu>(c00).Store(c);
            Finish256<TRelu>(c01).Store(c + 8);
            Finish256<TRelu>(c10).Store(c + ldc);
            Finish256<TRelu>(c11).Store(c + ldc + 8);
            Finish256<TRelu>(c20).Store(c + (2 * ldc));
            Finish256<TRelu>(c21).Store(c + (2 * ldc) + 8);
            Finish256<TRelu>(c30).Store(c + (3 * ldc));
            Finish256<TRelu>(c31).Store(c + (3 * ldc) + 8);
        }

        // Three rows of A against sixteen columns: six chains of FMAs, enough to keep most of both FMA units busy where a
        // one-row tile's two chains leave them waiting (the nine rows of a 3x3 single-channel convolution's weight gradient).
        private static unsafe void Kernel3x16<TRelu, TLayout>(float* a, int rowStride, nint* starts, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            Vector256<float> c00 = Start256(c, accumulate, bias, 0), c01 = Start256(c + 8, accumulate, bias, 8);
            Vector256<float> c10 = Start256(c + ldc, accumulate, bias, 0), c11 = Start256(c + ldc + 8, accumulate, bias, 8);
            Vector256<float> c20 = Start256(c + (2 * ldc), accumulate, bias, 0), c21 = Start256(c + (2 * ldc) + 8, accumulate, bias, 8);
            float* a0 = FirstRow<TLayout>(a, starts);
            nint r1 = RowOffset<TLayout>(rowStride, starts, 1), r2 = RowOffset<TLayout>(rowStride, starts, 2), step = columnStride, next = ldb;
            for (int p = 0, end = run; p < k; end += run, a0 += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
                    Vector256<float> x = Vector256.Create(a0[0]);
                    c00 = MultiplyAdd(x, b0, c00);
                    c01 = MultiplyAdd(x, b1, c01);
                    x = Vector256.Create(a0[r1]);
                    c10 = MultiplyAdd(x, b0, c10);
                    c11 = MultiplyAdd(x, b1, c11);
                    x = Vector256.Create(a0[r2]);
                    c20 = MultiplyAdd(x, b0, c20);
                    c21 = MultiplyAdd(x, b1, c21);
                    a0 += step;
                    b += next;
                }
            }

            Finish256<TRelu>(c00).Store(c);
            Finish256<TRelu>(c01).Store(c + 8);
            Finish256<TRelu>(c10).Store(c + ldc);
            Finish256<TRelu>(c11).Store(c + ldc + 8);
            Finish256<TRelu>(c20).Store(c + (2 * ldc));
            Finish256<TRelu>(c21).Store(c + (2 * ldc) + 8);
        }

        // Three rows of A against 32 columns: twelve chains of FMAs where the 3 x 16 tile has six, too few to cover the FMA
        // latency (a 3 x 3 single-channel convolution's weight gradient, 9 x 2,046 x 32 on the 256-bit tiles: the six-row
        // tile at peak, the three-row one at about three quarters of it).
        private static unsafe void Kernel3x32<TRelu, TLayout>(float* a, int rowStride, nint* starts, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            Vector256<float> c00 = Start256(c, accumulate, bias, 0), c01 = Start256(c + 8, accumulate, bias, 8), c02 = Start256(c + 16, accumulate, bias, 16), c03 = Start256(c + 24, accumulate, bias, 24);
            Vector256<float> c10 = Start256(c + ldc, accumulate, bias, 0), c11 = Start256(c + ldc + 8, accumulate, bias, 8), c12 = Start256(c + ldc + 16, accumulate, bias, 16), c13 = Start256(c + ldc + 24, accumulate, bias, 24);
            Vector256<float> c20 = Start256(c + (2 * ldc), accumulate, bias, 0), c21 = Start256(c + (2 * ldc) + 8, accumulate, bias, 8), c22 = Start256(c + (2 * ldc) + 16, accumulate, bias, 16), c23 = Start256(c + (2 * ldc) + 24, accumulate, bias, 24);
            float* a0 = FirstRow<TLayout>(a, starts);
            nint r1 = RowOffset<TLayout>(rowStride, starts, 1), r2 = RowOffset<TLayout>(rowStride, starts, 2), step = columnStride, next = ldb;
            for (int p = 0, end = run; p < k; end += run, a0 += skip)
            {
                for (; p < end; p++)
                {
                    // Three broadcasts held and one vector of B at a time: 12 accumulators + 3 + 1 fill the 16 registers.
                    Vector256<float> x0 = Vector256.Create(a0[0]), x1 = Vector256.Create(a0[r1]), x2 = Vector256.Create(a0[r2]);
                    Vector256<float> bv = Vector256.Load(b);
                    c00 = MultiplyAdd(x0, bv, c00);
                    c10 = MultiplyAdd(x1, bv, c10);
                    c20 = MultiplyAdd(x2, bv, c20);
                    bv = Vector256.Load(b + 8);
                    c01 = MultiplyAdd(x0, bv, c01);
                    c11 = MultiplyAdd(x1, bv, c11);
                    c21 = MultiplyAdd(x2, bv, c21);
                    bv = Vector256.Load(b + 16);
                    c02 = MultiplyAdd(x0, bv, c02);
                    c12 = MultiplyAdd(x1, bv, c12);
                    c22 = MultiplyAdd(x2, bv, c22);
                    bv = Vector256.Load(b + 24);
                    c03 = MultiplyAdd(x0, bv, c03);
                    c13 = MultiplyAdd(x1, bv, c13);
                    c23 = MultiplyAdd(x2, bv, c23);
                    a0 += step;
                    b += next;
                }
            }

            Finish256<TRelu>(c00).Store(c);
            Finish256<TRelu>(c01).Store(c + 8);
            Finish256<TRelu>(c02).Store(c + 16);
            Finish256<TRelu>(c03).Store(c + 24);
            Finish256<TRelu>(c10).Store(c + ldc);
            Finish256<TRelu>(c11).Store(c + ldc + 8);
            Finish256<TRelu>(c12).Store(c + ldc + 16);
            Finish256<TRelu>(c13).Store(c + ldc + 24);
            Finish256<TRelu>(c20).Store(c + (2 * ldc));
            Finish256<TRelu>(c21).Store(c + (2 * ldc) + 8);
            Finish256<TRelu>(c22).Store(c + (2 * ldc) + 16);
            Finish256<TRelu>(c23).Store(c + (2 * ldc) + 24);
        }

        // One row against 128 columns in eight 16-lane accumulators, where Vector512 is accelerated: each step of k reads
        // a whole 512-byte run of B's row at once, so B streams through in order (the 64-column kernel reads each row in two
        // halves, on two passes). A one-sample product is bound by reading B; each element is still one FMA chain in k
        // order, so the results are those of the other kernels bit for bit.
        private static unsafe void Kernel1x128(float* a, int columnStride, float* b, int ldb, float* c, int k, bool accumulate)
        {
            Vector512<float> c0 = Start512(c, accumulate), c1 = Start512(c + 16, accumulate), c2 = Start512(c + 32, accumulate), c3 = Start512(c + 48, accumulate);
            Vector512<float> c4 = Start512(c + 64, accumulate), c5 = Start512(c + 80, accumulate), c6 = Start512(c + 96, accumulate), c7 = Start512(c + 112, accumulate);
            for (int p = 0; p < k; p++)
            {
                float ap = *a;
                a += columnStride;
                if (ap != 0f)
                {
                    Vector512<float> x = Vector512.Create(ap);
                    c0 = MultiplyAdd(x, Vector512.Load(b), c0);
                    c1 = MultiplyAdd(x, Vector512.Load(b + 16), c1);
                    c2 = MultiplyAdd(x, Vector512.Load(b + 32), c2);
                    c3 = MultiplyAdd(x, Vector512.Load(b + 48), c3);
                    c4 = MultiplyAdd(x, Vector512.Load(b + 64), c4);
                    c5 = MultiplyAdd(x, Vector512.Load(b + 80), c5);
                    c6 = MultiplyAdd(x, Vector512.Load(b + 96), c6);
                    c7 = MultiplyAdd(x, Vector512.Load(b + 112), c7);
                }

                b += ldb;
            }

            c0.Store(c);
            c1.Store(c + 16);
            c2.Store(c + 32);
            c3.Store(c + 48);
            c4.Store(c + 64);
            c5.Store(c + 80);
            c6.Store(c + 96);
            c7.Store(c + 112);
        }

        // C (+)= a b for k = 1 (a one-sample weight gradient or fused SGD update, x^T dy): each row of C is B's one row times
        // an element of A, so each row of C is read and written once, in whole vectors, with B's row held in L1. The
        // tiles would reload and store twelve vectors of C for a single FMA each. Each element is the same one FMA, so
        // the results are the tiles' bit for bit.
        private static unsafe int RankOneUpdate(float* a, int rowStride, float* b, float* c, int ldc, int m, int n, bool accumulate)
        {
            // On the 256-bit vectors four rows at a time, each vector of B loaded once for all four: a row at a time, its
            // loads of B were a third of the memory operations (Zen 5, AVX-512 off: 784 x 128, 4.8 -> 3.6 µs). Not on
            // Vector512, where a row at a time is the faster (3.1 against 3.6 µs).
            int i = 0;
            if (!Vector512.IsHardwareAccelerated)
            {
                for (; i + 4 <= m; i += 4)
                {
                    Vector256<float> x0 = Vector256.Create(a[i * rowStride]), x1 = Vector256.Create(a[(i + 1) * rowStride]);
                    Vector256<float> x2 = Vector256.Create(a[(i + 2) * rowStride]), x3 = Vector256.Create(a[(i + 3) * rowStride]);
                    float* r0 = c + (i * ldc), r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
                    int jj = 0;
                    for (; jj + 8 <= n; jj += 8)
                    {
                        Vector256<float> bj = Vector256.Load(b + jj);
                        MultiplyAdd(x0, bj, Start(r0 + jj, accumulate)).Store(r0 + jj);
                        MultiplyAdd(x1, bj, Start(r1 + jj, accumulate)).Store(r1 + jj);
                        MultiplyAdd(x2, bj, Start(r2 + jj, accumulate)).Store(r2 + jj);
                        MultiplyAdd(x3, bj, Start(r3 + jj, accumulate)).Store(r3 + jj);
                    }

                    if (jj < n)
                    {
                        int last = n - 8;
                        Vector256<float> bl = Vector256.Load(b + last), write = TailLanes(n - jj);
                        StoreLanes(r0 + last, MultiplyAdd(x0, bl, Start(r0 + last, accumulate)), write);
                        StoreLanes(r1 + last, MultiplyAdd(x1, bl, Start(r1 + last, accumulate)), write);
                        StoreLanes(r2 + last, MultiplyAdd(x2, bl, Start(r2 + last, accumulate)), write);
                        StoreLanes(r3 + last, MultiplyAdd(x3, bl, Start(r3 + last, accumulate)), write);
                    }
                }
            }

            for (; i < m; i++)
            {
                float ai = a[i * rowStride];
                float* row = c + (i * ldc);
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    Vector512<float> x = Vector512.Create(ai);
                    for (; j + 16 <= n; j += 16)
                    {
                        MultiplyAdd(x, Vector512.Load(b + j), Start512(row + j, accumulate)).Store(row + j);
                    }
                }

                Vector256<float> x8 = Vector256.Create(ai);
                for (; j + 8 <= n; j += 8)
                {
                    MultiplyAdd(x8, Vector256.Load(b + j), Start(row + j, accumulate)).Store(row + j);
                }

                if (j < n)
                {
                    // The last one to seven columns: the eight-column block that ends at n, its other lanes put back.
                    int last = n - 8;
                    StoreLanes(row + last, MultiplyAdd(x8, Vector256.Load(b + last), Start(row + last, accumulate)), TailLanes(n - j));
                }
            }

            return n;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe Vector512<float> Start512(float* c, bool accumulate) => accumulate ? Vector512.Load(c) : Vector512<float>.Zero;

        /// <summary>A tile's starting value: the bias row where one is given, else C (or 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe Vector512<float> Start512(float* c, bool accumulate, float* bias) => bias != null ? Vector512.Load(bias) : Start512(c, accumulate);

        /// <summary>A tile's value as stored: with <paramref name="relu"/>, max(v, 0) as <c>TensorPrimitives.Max(v, 0)</c> gives
        /// it (a NaN stays, -0 becomes +0). In two instructions: vmaxps returns its second operand, v, when v is a NaN or
        /// both are zeros, and adding +0 then turns -0 into +0 and leaves every other value as it is (comparisons and a
        /// blend take five, which a k = 9 tile feels).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Finish512(Vector512<float> v, bool relu) =>
            !relu ? v
            : Avx512F.IsSupported ? Avx512F.Max(Vector512<float>.Zero, v) + Vector512<float>.Zero
            : Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero) | ~Vector512.Equals(v, v), v, Vector512<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
            Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c;

        /// <summary>Whether a 256-bit tile stores max(v, 0), a constant the JIT folds into each instantiation: a flag
        /// argument would stay live across the tile's loop and take a register the plain products need.</summary>
        private interface IReluFlag
        {
            static abstract bool Applies { get; }
        }

        private struct Relu : IReluFlag
        {
            public static bool Applies => true;
        }

        private struct NoRelu : IReluFlag
        {
            public static bool Applies => false;
        }

        /// <summary>The row count of a <see cref="Kernel32"/> tile, a constant the JIT folds into each instantiation.</summary>
        private interface ITileRows
        {
            static abstract int Count { get; }
        }

        private struct Rows12 : ITileRows
        {
            public static int Count => 12;
        }

        private struct Rows11 : ITileRows
        {
            public static int Count => 11;
        }

        private struct Rows10 : ITileRows
        {
            public static int Count => 10;
        }

        private struct Rows9 : ITileRows
        {
            public static int Count => 9;
        }

        private struct Rows8 : ITileRows
        {
            public static int Count => 8;
        }

        private struct Rows7 : ITileRows
        {
            public static int Count => 7;
        }

        private struct Rows6 : ITileRows
        {
            public static int Count => 6;
        }

        private struct Rows5 : ITileRows
        {
            public static int Count => 5;
        }

        private struct Rows4 : ITileRows
        {
            public static int Count => 4;
        }

        private struct Rows3 : ITileRows
        {
            public static int Count => 3;
        }

        private struct Rows1 : ITileRows
        {
            public static int Count => 1;
        }

        /// <summary>All m rows of C against one 32-column block of B, in the row tiles <see cref="WideTileRows"/> picks.</summary>
        private static unsafe void Column32(float* a, int rowStride, int columnStride, float* b, int ldb, float* c, int ldc, int m, int k, bool accumulate, float* bias, bool relu, int run, nint skip)
        {
            for (int i = 0, rows; i < m; i += rows)
            {
                rows = WideTileRows(m - i);
                float* ai = a + (i * rowStride), ci = c + (i * ldc);
                switch (rows)
                {
                    case 12: Kernel32<Rows12>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 11: Kernel32<Rows11>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 10: Kernel32<Rows10>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 9: Kernel32<Rows9>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 8: Kernel32<Rows8>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 7: Kernel32<Rows7>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 6: Kernel32<Rows6>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 5: Kernel32<Rows5>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 4: Kernel32<Rows4>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    case 3: Kernel32<Rows3>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                    default: Kernel32<Rows1>(ai, rowStride, columnStride, b, ldb, ci, ldc, k, accumulate, bias, relu, run, skip); break;
                }
            }
        }

        /// <summary>
        /// C[m, n] = A[m, k] B[k, n] + bias in every row, then max(C, 0) with <paramref name="relu"/>, on the Vector512 tiles,
        /// which start from the bias and apply ReLU as they store (a dense layer's or a convolution chunk's output written
        /// once rather than filled with the bias, read back, and passed over again). The values are those of filling C with
        /// the bias, <see cref="MultiplyAdd(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/> and
        /// <c>TensorPrimitives.Max(C, 0)</c>, bit for bit. At any depth: for a first layer's k = 9 the two passes it saves
        /// outweigh the few points the 6 x 16 tiles gain there. Where Vector512 is not accelerated the 256-bit tiles do the
        /// same (any n from 8 columns, k in one pass). Returns false, writing nothing, where neither covers the product: n
        /// not a multiple of 32 with Vector512 accelerated, fewer than 12 rows (the one-row kernels are faster there), or a
        /// deep product that the 256-bit tiles run in blocks of k.
        /// </summary>
        internal static unsafe bool TryMultiplyBias(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, bool relu)
        {
            // The 256-bit tiles where Vector512 is not accelerated, in one pass of k (deep products run in blocks of k).
            bool narrow = !Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated && n >= 8 && !(k > DeepProduct && (long)m * k > DeepOperand);
            if (!(WideTilesApply(n) || narrow) || m < 12 || k < 1)
            {
                return false;
            }

            CheckSizes(a.Length, b.Length, c.Length, m, k, n, "A[m, k]", "B[k, n]");
            if (bias.Length < n)
            {
                throw new ArgumentException($"The bias needs {n} values (has {bias.Length}).", nameof(bias));
            }

            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pbias = bias)
            fixed (float* pc = c)
            {
                if (narrow && relu)
                {
                    Tiles256<Relu, StridedRows>(pa, k, null, 1, pb, n, pc, n, m, k, n, 0, accumulate: false, pbias, run: k, skip: 0);
                    return true;
                }

                if (narrow)
                {
                    Tiles256<NoRelu, StridedRows>(pa, k, null, 1, pb, n, pc, n, m, k, n, 0, accumulate: false, pbias, run: k, skip: 0);
                    return true;
                }

                for (int j = 0; j < n; j += 32)
                {
                    Column32(pa, k, 1, pb + j, n, pc + j, n, m, k, accumulate: false, pbias + j, relu, run: k, skip: 0);
                }
            }

            return true;
        }

        /// <summary>
        /// <see cref="TryMultiplyBias"/> with A read in place from runs of contiguous values: A's row i, column p is
        /// <c>a[i * rowStride + (p / run) * runStride + p % run]</c>. A convolution's patches are such a matrix over a
        /// channels-last input (each kernel row's kw * channels values are contiguous, one input row apart), so the tiles
        /// read them where they are instead of from an unfolded copy; each value still takes its FMAs in p order from the
        /// bias, so the bits are those of unfolding first. Where <see cref="TakesRuns"/> (which the caller checks).
        /// </summary>
        internal static unsafe void MultiplyRunsBias(
            ReadOnlySpan<float> a, int rowStride, int run, int runStride, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, bool relu)
        {
            RequireRuns(n);

            if (m < 1 || k < 1 || run < 1 || k % run != 0 || rowStride < 0 || runStride < run)
            {
                throw new ArgumentException($"Not a matrix of runs: {m} rows {rowStride} apart, {k} columns in runs of {run} that start {runStride} apart.");
            }

            long lastRead = ((m - 1L) * rowStride) + (((k / run) - 1L) * runStride) + run;
            if (a.Length < lastRead || b.Length < (long)k * n || c.Length < (long)m * n || bias.Length < n)
            {
                throw new ArgumentException(
                    $"A's runs read {lastRead} values, B [{k}, {n}] needs {(long)k * n}, C [{m}, {n}] {(long)m * n} and the bias {n} (have {a.Length}, {b.Length}, {c.Length}, {bias.Length}).");
            }

            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pbias = bias)
            fixed (float* pc = c)
            {
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j + 32 <= n; j += 32)
                    {
                        Column32(pa, rowStride, 1, pb + j, n, pc + j, n, m, k, accumulate: false, pbias + j, relu, run, runStride - run);
                    }
                }

                if (j < n)
                {
                    Tiles256Runs<StridedRows>(pa, rowStride, null, 1, pb, n, pc, m, k, n, j, accumulate: false, pbias, relu, run, runStride);
                }
            }
        }

        /// <summary>
        /// C[m, n] = A^T B, or C += A^T B when <paramref name="accumulate"/>, with A [k, m] read in place from runs of steps:
        /// A's row p, column i is <c>a[(p / run) * runStride + (p % run) * stepStride + i]</c>. A convolution's weight
        /// gradient for one kernel row over one sample is such a product (the i are that kernel row's kw * channels patch
        /// values, contiguous in the input; the p are the output pixels, a stride apart within an output row and a stride of
        /// input rows apart from one output row to the next), so the tiles read the patches where they are instead of from
        /// an unfolded copy. Each value takes its FMAs in p order, as from the copy. Where <see cref="TakesRuns"/> (which the
        /// caller checks).
        /// </summary>
        internal static unsafe void MultiplyTransposedARuns(
            ReadOnlySpan<float> a, int stepStride, int run, int runStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
        {
            RequireRuns(n);

            if (m < 1 || k < 1 || run < 1 || k % run != 0 || stepStride < 0 || runStride < (run - 1L) * stepStride)
            {
                throw new ArgumentException($"Not a matrix of runs: {k} steps {stepStride} apart in runs of {run} that start {runStride} apart, {m} values each.");
            }

            long lastRead = (((k / run) - 1L) * runStride) + ((run - 1L) * stepStride) + m;
            if (a.Length < lastRead || b.Length < (long)k * n || c.Length < (long)m * n)
            {
                throw new ArgumentException(
                    $"A's runs read {lastRead} values, B [{k}, {n}] needs {(long)k * n} and C [{m}, {n}] {(long)m * n} (have {a.Length}, {b.Length}, {c.Length}).");
            }

            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j + 32 <= n; j += 32)
                    {
                        Column32(pa, 1, stepStride, pb + j, n, pc + j, n, m, k, accumulate, null, relu: false, run, runStride - ((nint)run * stepStride));
                    }
                }

                if (j < n)
                {
                    Tiles256Runs<StridedRows>(pa, 1, null, stepStride, pb, n, pc, m, k, n, j, accumulate, null, relu: false, run, runStride);
                }
            }
        }

        /// <summary>
        /// <see cref="MultiplyRunsBias"/> with A's rows gathered from anywhere: row i is the runs that start at
        /// <c>a[rowStarts[i]]</c>, <paramref name="run"/> values each, <paramref name="runStride"/> apart. A chunk of a
        /// convolution's patches that crosses output rows (and samples) is such a matrix, so its tiles run across those rows
        /// as over an unfolded chunk, with nothing unfolded. The same bits as unfolding. On the 256-bit tiles
        /// (<see cref="GathersRows"/>, which the caller checks): a Vector512 tile's twelve rows share five offsets, so those
        /// take the rows an output row at a time (<see cref="MultiplyRunsBias"/>).
        /// </summary>
        internal static unsafe void MultiplyGatheredRunsBias(
            ReadOnlySpan<float> a, ReadOnlySpan<nint> rowStarts, int run, int runStride, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int k, int n, bool relu)
        {
            if (!GathersRows(n))
            {
                throw new InvalidOperationException(
                    $"The 256-bit tiles do not gather the rows of a product of {n} columns here (from 8 columns, where Vector256 is accelerated and the Vector512 tiles do not take them).");
            }

            int m = rowStarts.Length;
            if (m < 1 || k < 1 || run < 1 || k % run != 0 || runStride < run)
            {
                throw new ArgumentException($"Not a matrix of runs: {m} rows, {k} columns in runs of {run} that start {runStride} apart.");
            }

            long rowSpan = (((k / run) - 1L) * runStride) + run;
            foreach (nint start in rowStarts)
            {
                if (start < 0 || start + rowSpan > a.Length)
                {
                    throw new ArgumentException($"A row starting at {start} reads {rowSpan} values on from there; A has {a.Length}.", nameof(rowStarts));
                }
            }

            if (b.Length < (long)k * n || c.Length < (long)m * n || bias.Length < n)
            {
                throw new ArgumentException(
                    $"B [{k}, {n}] needs {(long)k * n}, C [{m}, {n}] {(long)m * n} and the bias {n} (have {b.Length}, {c.Length}, {bias.Length}).");
            }

            fixed (float* pa = a)
            fixed (nint* starts = rowStarts)
            fixed (float* pb = b)
            fixed (float* pbias = bias)
            fixed (float* pc = c)
            {
                Tiles256Runs<GatheredRows>(pa, 0, starts, 1, pb, n, pc, m, k, n, 0, accumulate: false, pbias, relu, run, runStride);
            }
        }

        /// <summary>Whether <see cref="MultiplyGatheredRunsBias"/> takes products of <paramref name="n"/> columns: all of them
        /// on the 256-bit tiles, from 8 columns, where Vector256 is accelerated and Vector512 is not (or n is under 32).</summary>
        internal static bool GathersRows(int n) => TakesRuns(n) && !(Vector512.IsHardwareAccelerated && n >= 32);

        /// <summary>
        /// Columns <paramref name="j"/> to n of a product whose A is read in runs (k / run runs of <paramref name="run"/>
        /// steps, each starting <paramref name="runStride"/> values after the one before), on the 256-bit tiles. A deep
        /// product runs in blocks of whole runs, as <see cref="MultiplyAddVector"/> blocks k: the first block starts from the
        /// bias (or C, or 0), the later ones from C, and only the last applies ReLU, so the bits are those of one pass.
        /// </summary>
        private static unsafe void Tiles256Runs<TLayout>(
            float* pa, int rowStride, nint* starts, int columnStride, float* pb, int ldb, float* pc, int m, int k, int n, int j, bool accumulate, float* bias, bool relu, int run, int runStride)
            where TLayout : struct, IRowLayout
        {
            int runs = k / run;
            int perBlock = k > DeepProduct && (long)m * k > DeepOperand ? Math.Max(1, DepthBlock / run) : runs;
            nint skip = runStride - ((nint)run * columnStride);
            for (int first = 0; first < runs; first += perBlock)
            {
                int count = Math.Min(perBlock, runs - first);
                float* a = pa + ((nint)first * runStride), b = pb + ((nint)first * run * ldb);
                bool later = first > 0;
                if (relu && first + count == runs)
                {
                    Tiles256<Relu, TLayout>(a, rowStride, starts, columnStride, b, ldb, pc, ldb, m, count * run, n, j, accumulate || later, later ? null : bias, run, skip);
                }
                else
                {
                    Tiles256<NoRelu, TLayout>(a, rowStride, starts, columnStride, b, ldb, pc, ldb, m, count * run, n, j, accumulate || later, later ? null : bias, run, skip);
                }
            }
        }

        /// <summary>Whether the Vector512 tiles take products of <paramref name="n"/> columns.</summary>
        internal static bool WideTilesApply(int n) => Vector512.IsHardwareAccelerated && n % 32 == 0;

        /// <summary>Whether <see cref="MultiplyRunsBias"/> and <see cref="MultiplyTransposedARuns"/> take products of
        /// <paramref name="n"/> columns: where Vector256 is accelerated (the Vector512 tiles take whole blocks of 32 columns
        /// where those are accelerated, the 256-bit tiles the rest), from 8 columns.</summary>
        internal static bool TakesRuns(int n) => Vector256.IsHardwareAccelerated && n >= 8;

        /// <summary>
        /// Whether <paramref name="rows"/> rows of a product of <paramref name="n"/> columns read in runs keep the tiles full,
        /// so that reading A in place beats unfolding it into a matrix whose tiles run across many more rows: on the
        /// Vector512 tiles (n from 32) any count but 1 and 2, which take one-row tiles (<see cref="WideTileRows"/>); on
        /// the 256-bit tiles 3 (the 3 x 32 or 3 x 16 tile), 6 or from 9, where a six-row tile takes part, but not 1, 2, 4,
        /// 5, 7 or 8, which run on four-row tiles of eight FMA chains or one-row tiles (see docs/performance.md).
        /// </summary>
        internal static bool RowsSuitRuns(int rows, int n) =>
            Vector512.IsHardwareAccelerated && n >= 32 ? rows is not (1 or 2) : rows is 3 or 6 or >= 9;

        private static void RequireRuns(int n)
        {
            if (!TakesRuns(n))
            {
                throw new InvalidOperationException(
                    $"The tiles do not read A in runs for a product of {n} columns here (from 8 columns, where Vector256 is accelerated: {Vector256.IsHardwareAccelerated}).");
            }
        }

        /// <summary>How many rows the next 32-column tile takes when <paramref name="left"/> rows are left: all of them up to
        /// twelve, else twelve while that leaves four or more (16 = 12 + 4, 26 = 12 + 7 + 7, 27 = 12 + 8 + 7), so that no tile
        /// but a lone one of three rows has fewer than eight FMA chains, which a core with whole 512-bit FMA units needs in
        /// flight (Zen 5: two FMAs a cycle, four cycles each; the conv1 weight gradient's nine rows ran 6 + 3 at 81-85 % of
        /// peak); one-row tiles only for 1 and 2 rows.</summary>
        internal static int WideTileRows(int left) => left switch
        {
            13 or 14 => 7,
            15 => 8,
            >= 12 => 12,
            >= 3 => left,
            _ => 1,
        };

        // Up to twelve rows of A against 32 columns of B in Vector512 (BLIS' Skylake-X shape is 14 x 32 in zmm): two
        // accumulators per row, 24 of the 32 zmm registers at twelve rows, two loads of B and one broadcast per row for every
        // step of k. Against the 6 x 16 ymm tile this halves the loads of B and the broadcasts per FMA, which is what held
        // the products of few rows or a deep k below peak even where a 512-bit FMA is no faster than two 256-bit ones. The
        // row count is the type argument, so each instantiation keeps only its rows' code; each element is still one FMA
        // chain in k order, so the results are those of the other tiles bit for bit. Given a bias, the accumulators start
        // from it instead of C, and with relu each is stored as max(v, 0) (TryMultiplyBias). A's pointer also jumps by
        // skip after every run steps of k, so that A can be read in place in runs (MultiplyRunsBias); a plain product
        // is one run of k.
        private static unsafe void Kernel32<TRows>(float* a, int rowStride, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, float* bias, bool relu, int run, nint skip)
            where TRows : struct, ITileRows
        {
            int rows = TRows.Count;
            float* biasHi = bias == null ? null : bias + 16;
            Vector512<float> lo0 = Start512(c, accumulate, bias), hi0 = Start512(c + 16, accumulate, biasHi);
            Vector512<float> lo1 = rows > 1 ? Start512(c + ldc, accumulate, bias) : default, hi1 = rows > 1 ? Start512(c + ldc + 16, accumulate, biasHi) : default;
            Vector512<float> lo2 = rows > 2 ? Start512(c + (2 * ldc), accumulate, bias) : default, hi2 = rows > 2 ? Start512(c + (2 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo3 = rows > 3 ? Start512(c + (3 * ldc), accumulate, bias) : default, hi3 = rows > 3 ? Start512(c + (3 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo4 = rows > 4 ? Start512(c + (4 * ldc), accumulate, bias) : default, hi4 = rows > 4 ? Start512(c + (4 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo5 = rows > 5 ? Start512(c + (5 * ldc), accumulate, bias) : default, hi5 = rows > 5 ? Start512(c + (5 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo6 = rows > 6 ? Start512(c + (6 * ldc), accumulate, bias) : default, hi6 = rows > 6 ? Start512(c + (6 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo7 = rows > 7 ? Start512(c + (7 * ldc), accumulate, bias) : default, hi7 = rows > 7 ? Start512(c + (7 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo8 = rows > 8 ? Start512(c + (8 * ldc), accumulate, bias) : default, hi8 = rows > 8 ? Start512(c + (8 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo9 = rows > 9 ? Start512(c + (9 * ldc), accumulate, bias) : default, hi9 = rows > 9 ? Start512(c + (9 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo10 = rows > 10 ? Start512(c + (10 * ldc), accumulate, bias) : default, hi10 = rows > 10 ? Start512(c + (10 * ldc) + 16, accumulate, biasHi) : default;
            Vector512<float> lo11 = rows > 11 ? Start512(c + (11 * ldc), accumulate, bias) : default, hi11 = rows > 11 ? Start512(c + (11 * ldc) + 16, accumulate, biasHi) : default;
            // Offsets as native integers computed once, and a second base six rows down, so that each broadcast is base +
            // offset * 4 (int offsets cost a multiply and a sign extension per row and step) with few registers.
            nint r1 = rowStride, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1, step = columnStride, next = ldb;
            float* a6 = a + (6 * r1);
            for (int p = 0, end = run; p < k; end += run, a += skip, a6 += skip)
            {
                for (; p < end; p++)
                {
                    Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
                    Vector512<float> x = Vector512.Create(a[0]);
                    lo0 = MultiplyAdd(x, b0, lo0);
                    hi0 = MultiplyAdd(x, b1, hi0);
                    if (rows > 1)
                    {
                        x = Vector512.Create(a[r1]);
                        lo1 = MultiplyAdd(x, b0, lo1);
                        hi1 = MultiplyAdd(x, b1, hi1);
                    }

                    if (rows > 2)
                    {
                        x = Vector512.Create(a[r2]);
                        lo2 = MultiplyAdd(x, b0, lo2);
                        hi2 = MultiplyAdd(x, b1, hi2);
                    }

                    if (rows > 3)
                    {
                        x = Vector512.Create(a[r3]);
                        lo3 = MultiplyAdd(x, b0, lo3);
                        hi3 = MultiplyAdd(x, b1, hi3);
                    }

                    if (rows > 4)
                    {
                        x = Vector512.Create(a[r4]);
                        lo4 = MultiplyAdd(x, b0, lo4);
                        hi4 = MultiplyAdd(x, b1, hi4);
                    }

                    if (rows > 5)
                    {
                        x = Vector512.Create(a[r5]);
                        lo5 = MultiplyAdd(x, b0, lo5);
                        hi5 = MultiplyAdd(x, b1, hi5);
                    }

                    if (rows > 6)
                    {
                        x = Vector512.Create(a6[0]);
                        lo6 = MultiplyAdd(x, b0, lo6);
                        hi6 = MultiplyAdd(x, b1, hi6);
                    }

                    if (rows > 7)
                    {
                        x = Vector512.Create(a6[r1]);
                        lo7 = MultiplyAdd(x, b0, lo7);
                        hi7 = MultiplyAdd(x, b1, hi7);
                    }

                    if (rows > 8)
                    {
                        x = Vector512.Create(a6[r2]);
                        lo8 = MultiplyAdd(x, b0, lo8);
                        hi8 = MultiplyAdd(x, b1, hi8);
                    }

                    if (rows > 9)
                    {
                        x = Vector512.Create(a6[r3]);
                        lo9 = MultiplyAdd(x, b0, lo9);
                        hi9 = MultiplyAdd(x, b1, hi9);
                    }

                    if (rows > 10)
                    {
                        x = Vector512.Create(a6[r4]);
                        lo10 = MultiplyAdd(x, b0, lo10);
                        hi10 = MultiplyAdd(x, b1, hi10);
                    }

                    if (rows > 11)
                    {
                        x = Vector512.Create(a6[r5]);
                        lo11 = MultiplyAdd(x, b0, lo11);
                        hi11 = MultiplyAdd(x, b1, hi11);
                    }
                    a += step;
                    a6 += step;
                    b += next;
                }
            }

            Finish512(lo0, relu).Store(c);
            Finish512(hi0, relu).Store(c + 16);
            if (rows > 1)
            {
                Finish512(lo1, relu).Store(c + ldc);
                Finish512(hi1, relu).Store(c + ldc + 16);
            }

            if (rows > 2)
            {
                Finish512(lo2, relu).Store(c + (2 * ldc));
                Finish512(hi2, relu).Store(c + (2 * ldc) + 16);
            }

            if (rows > 3)
            {
                Finish512(lo3, relu).Store(c + (3 * ldc));
                Finish512(hi3, relu).Store(c + (3 * ldc) + 16);
            }

            if (rows > 4)
            {
                Finish512(lo4, relu).Store(c + (4 * ldc));
                Finish512(hi4, relu).Store(c + (4 * ldc) + 16);
            }

            if (rows > 5)
            {
                Finish512(lo5, relu).Store(c + (5 * ldc));
                Finish512(hi5, relu).Store(c + (5 * ldc) + 16);
            }

            if (rows > 6)
            {
                Finish512(lo6, relu).Store(c + (6 * ldc));
                Finish512(hi6, relu).Store(c + (6 * ldc) + 16);
            }

            if (rows > 7)
            {
                Finish512(lo7, relu).Store(c + (7 * ldc));
                Finish512(hi7, relu).Store(c + (7 * ldc) + 16);
            }

            if (rows > 8)
            {
                Finish512(lo8, relu).Store(c + (8 * ldc));
                Finish512(hi8, relu).Store(c + (8 * ldc) + 16);
            }

            if (rows > 9)
            {
                Finish512(lo9, relu).Store(c + (9 * ldc));
                Finish512(hi9, relu).Store(c + (9 * ldc) + 16);
            }

            if (rows > 10)
            {
                Finish512(lo10, relu).Store(c + (10 * ldc));
                Finish512(hi10, relu).Store(c + (10 * ldc) + 16);
            }

            if (rows > 11)
            {
                Finish512(lo11, relu).Store(c + (11 * ldc));
                Finish512(hi11, relu).Store(c + (11 * ldc) + 16);
            }
        }

        // One row against 64 columns: eight independent accumulators keep both FMA units busy, which a
        // single-row 16-column tile (two dependency chains) cannot. This is the one-sample predict path.
        private static unsafe void Kernel1x64(float* a, int columnStride, float* b, int ldb, float* c, int k, bool accumulate)
        {
            Vector256<float> c0 = Start(c, accumulate), c1 = Start(c + 8, accumulate), c2 = Start(c + 16, accumulate), c3 = Start(c + 24, accumulate);
            Vector256<float> c4 = Start(c + 32, accumulate), c5 = Start(c + 40, accumulate), c6 = Start(c + 48, accumulate), c7 = Start(c + 56, accumulate);
            for (int p = 0; p < k; p++)
            {
                float ap = *a;
                a += columnStride;
                if (ap != 0f)
                {
                    Vector256<float> x = Vector256.Create(ap);
                    c0 = MultiplyAdd(x, Vector256.Load(b), c0);
                    c1 = MultiplyAdd(x, Vector256.Load(b + 8), c1);
                    c2 = MultiplyAdd(x, Vector256.Load(b + 16), c2);
                    c3 = MultiplyAdd(x, Vector256.Load(b + 24), c3);
                    c4 = MultiplyAdd(x, Vector256.Load(b + 32), c4);
                    c5 = MultiplyAdd(x, Vector256.Load(b + 40), c5);
                    c6 = MultiplyAdd(x, Vector256.Load(b + 48), c6);
                    c7 = MultiplyAdd(x, Vector256.Load(b + 56), c7);
                }

                b += ldb;
            }

            c0.Store(c);
            c1.Store(c + 8);
            c2.Store(c + 16);
            c3.Store(c + 24);
            c4.Store(c + 32);
            c5.Store(c + 40);
            c6.Store(c + 48);
            c7.Store(c + 56);
        }

        // One row against sixteen columns. Each element of C is one chain of FMAs in k order, as in every other tile, so
        // that a row's result does not depend on how many rows came with it (a sample predicts the same alone or in a batch,
        // and a recurrent network's streaming step equals its full-sequence pass bit for bit).
        private static unsafe void Kernel1x16<TRelu>(float* a, int columnStride, float* b, int ldb, float* c, int k, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
        {
            Vector256<float> c0 = Start256(c, accumulate, bias, 0), c1 = Start256(c + 8, accumulate, bias, 8);
            for (int p = 0, end = run; p < k; end += run, a += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> x = Vector256.Create(*a);
                    c0 = MultiplyAdd(x, Vector256.Load(b), c0);
                    c1 = MultiplyAdd(x, Vector256.Load(b + 8), c1);
                    a += columnStride;
                    b += ldb;
                }
            }

            Finish256<TRelu>(c0).Store(c);
            Finish256<TRelu>(c1).Store(c + 8);
        }

        // Six rows of A against one eight-column block of B, of which the last `tail` lanes are written (all eight when tail
        // is 8): the other lanes start from and are put back to what C holds, columns an earlier block wrote.
        private static unsafe void Kernel6x8<TRelu, TLayout>(float* a, int rowStride, nint* starts, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, int tail, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            Vector256<float> c0 = Start256(c, accumulate, bias, 0), c1 = Start256(c + ldc, accumulate, bias, 0), c2 = Start256(c + (2 * ldc), accumulate, bias, 0);
            Vector256<float> c3 = Start256(c + (3 * ldc), accumulate, bias, 0), c4 = Start256(c + (4 * ldc), accumulate, bias, 0), c5 = Start256(c + (5 * ldc), accumulate, bias, 0);
            a = FirstRow<TLayout>(a, starts);
            nint r1 = RowOffset<TLayout>(rowStride, starts, 1), r2 = RowOffset<TLayout>(rowStride, starts, 2), r3 = RowOffset<TLayout>(rowStride, starts, 3), r4 = RowOffset<TLayout>(rowStride, starts, 4), r5 = RowOffset<TLayout>(rowStride, starts, 5), step = columnStride, next = ldb;
            for (int p = 0, end = run; p < k; end += run, a += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> b0 = Vector256.Load(b);
                    c0 = MultiplyAdd(Vector256.Create(a[0]), b0, c0);
                    c1 = MultiplyAdd(Vector256.Create(a[r1]), b0, c1);
                    c2 = MultiplyAdd(Vector256.Create(a[r2]), b0, c2);
                    c3 = MultiplyAdd(Vector256.Create(a[r3]), b0, c3);
                    c4 = MultiplyAdd(Vector256.Create(a[r4]), b0, c4);
                    c5 = MultiplyAdd(Vector256.Create(a[r5]), b0, c5);
                    a += step;
                    b += next;
                }
            }

            Vector256<float> keep = TailLanes(tail);
            StoreLanes(c, Finish256<TRelu>(c0), keep);
            StoreLanes(c + ldc, Finish256<TRelu>(c1), keep);
            StoreLanes(c + (2 * ldc), Finish256<TRelu>(c2), keep);
            StoreLanes(c + (3 * ldc), Finish256<TRelu>(c3), keep);
            StoreLanes(c + (4 * ldc), Finish256<TRelu>(c4), keep);
            StoreLanes(c + (5 * ldc), Finish256<TRelu>(c5), keep);
        }

        // Four rows against one eight-column block, as Kernel6x8.
        private static unsafe void Kernel4x8<TRelu, TLayout>(float* a, int rowStride, nint* starts, int columnStride, float* b, int ldb, float* c, int ldc, int k, bool accumulate, int tail, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
            where TLayout : struct, IRowLayout
        {
            Vector256<float> c0 = Start256(c, accumulate, bias, 0), c1 = Start256(c + ldc, accumulate, bias, 0), c2 = Start256(c + (2 * ldc), accumulate, bias, 0), c3 = Start256(c + (3 * ldc), accumulate, bias, 0);
            a = FirstRow<TLayout>(a, starts);
            nint r1 = RowOffset<TLayout>(rowStride, starts, 1), r2 = RowOffset<TLayout>(rowStride, starts, 2), r3 = RowOffset<TLayout>(rowStride, starts, 3), step = columnStride, next = ldb;
            for (int p = 0, end = run; p < k; end += run, a += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> b0 = Vector256.Load(b);
                    c0 = MultiplyAdd(Vector256.Create(a[0]), b0, c0);
                    c1 = MultiplyAdd(Vector256.Create(a[r1]), b0, c1);
                    c2 = MultiplyAdd(Vector256.Create(a[r2]), b0, c2);
                    c3 = MultiplyAdd(Vector256.Create(a[r3]), b0, c3);
                    a += step;
                    b += next;
                }
            }

            Vector256<float> keep = TailLanes(tail);
            StoreLanes(c, Finish256<TRelu>(c0), keep);
            StoreLanes(c + ldc, Finish256<TRelu>(c1), keep);
            StoreLanes(c + (2 * ldc), Finish256<TRelu>(c2), keep);
            StoreLanes(c + (3 * ldc), Finish256<TRelu>(c3), keep);
        }

        /// <summary>All-ones in the last <paramref name="tail"/> of eight lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> TailLanes(int tail) =>
            Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(8 - tail)).AsSingle();

        /// <summary>Stores the lanes of <paramref name="values"/> that <paramref name="write"/> selects; the others keep what C holds.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void StoreLanes(float* c, Vector256<float> values, Vector256<float> write) =>
            Vector256.ConditionalSelect(write, values, Vector256.Load(c)).Store(c);

        private static unsafe void Kernel1x8<TRelu>(float* a, int columnStride, float* b, int ldb, float* c, int k, bool accumulate, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
        {
            Vector256<float> c0 = Start256(c, accumulate, bias, 0);
            for (int p = 0, end = run; p < k; end += run, a += skip)
            {
                for (; p < end; p++)
                {
                    c0 = MultiplyAdd(Vector256.Create(*a), Vector256.Load(b), c0);
                    a += columnStride;
                    b += ldb;
                }
            }

            Finish256<TRelu>(c0).Store(c);
        }

        // One row against the eight columns that end at the last one, of which only the last `tail` are written: those
        // lanes start from C (or 0) and take the same chain of FMAs in k order as every other tile's, so the result is
        // the one a full tile would give. The other lanes repeat columns already written and are dropped.
        private static unsafe void Kernel1xTail<TRelu>(float* a, int columnStride, float* b, int ldb, float* c, int k, bool accumulate, int tail, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
        {
            float* lanes = stackalloc float[8];
            for (int l = 0; l < 8; l++)
            {
                lanes[l] = bias != null ? bias[l] : accumulate && l >= 8 - tail ? c[l] : 0f;
            }

            Vector256<float> c0 = Vector256.Load(lanes);
            for (int p = 0, end = run; p < k; end += run, a += skip)
            {
                for (; p < end; p++)
                {
                    c0 = MultiplyAdd(Vector256.Create(*a), Vector256.Load(b), c0);
                    a += columnStride;
                    b += ldb;
                }
            }

            Finish256<TRelu>(c0).Store(lanes);
            for (int l = 8 - tail; l < 8; l++)
            {
                c[l] = lanes[l];
            }
        }

        // Kernel1x8 and Kernel1xTail in one pass over 9 to 15 columns: the eight at c, and the eight that start `tail` columns
        // on, of which the last `tail` are written (blended as Kernel6x8's, after the first eight are stored). Two chains in
        // flight where the two kernels one after the other wait for each FMA twice over; every lane takes the same FMAs in
        // k order as theirs, so the bits are theirs.
        private static unsafe void Kernel1x8Tail<TRelu>(float* a, int columnStride, float* b, int ldb, float* c, int k, bool accumulate, int tail, float* bias, int run, nint skip)
            where TRelu : struct, IReluFlag
        {
            Vector256<float> c0 = Start256(c, accumulate, bias, 0), c1 = Start256(c + tail, accumulate, bias, tail);
            float* bLast = b + tail;
            for (int p = 0, end = run; p < k; end += run, a += skip)
            {
                for (; p < end; p++)
                {
                    Vector256<float> x = Vector256.Create(*a);
                    c0 = MultiplyAdd(x, Vector256.Load(b), c0);
                    c1 = MultiplyAdd(x, Vector256.Load(bLast), c1);
                    a += columnStride;
                    b += ldb;
                    bLast += ldb;
                }
            }

            Finish256<TRelu>(c0).Store(c);
            StoreLanes(c + tail, Finish256<TRelu>(c1), TailLanes(tail));
        }

        // Four dot products of one row of A with four rows of B, in vectors, then reduced.
        private static void Dot4(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int k, Span<float> result, bool accumulate)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            int p = 0;
            ReadOnlySpan<float> b0 = b.Slice(0, k), b1 = b.Slice(k, k), b2 = b.Slice(2 * k, k), b3 = b.Slice(3 * k, k);
            for (; p + 8 <= k; p += 8)
            {
                Vector256<float> x = Vector256.Create(a.Slice(p, 8));
                s0 = MultiplyAdd(x, Vector256.Create(b0.Slice(p, 8)), s0);
                s1 = MultiplyAdd(x, Vector256.Create(b1.Slice(p, 8)), s1);
                s2 = MultiplyAdd(x, Vector256.Create(b2.Slice(p, 8)), s2);
                s3 = MultiplyAdd(x, Vector256.Create(b3.Slice(p, 8)), s3);
            }

            float r0 = Vector256.Sum(s0), r1 = Vector256.Sum(s1), r2 = Vector256.Sum(s2), r3 = Vector256.Sum(s3);
            for (; p < k; p++)
            {
                r0 += a[p] * b0[p];
                r1 += a[p] * b1[p];
                r2 += a[p] * b2[p];
                r3 += a[p] * b3[p];
            }

            if (accumulate)
            {
                result[0] += r0;
                result[1] += r1;
                result[2] += r2;
                result[3] += r3;
            }
            else
            {
                result[0] = r0;
                result[1] = r1;
                result[2] = r2;
                result[3] = r3;
            }
        }

        internal static float DotScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            float sum = 0f;
            for (int p = 0; p < a.Length; p++)
            {
                sum += a[p] * b[p];
            }

            return sum;
        }
    }
}
