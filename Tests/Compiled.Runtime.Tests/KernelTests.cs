using System.Runtime.Intrinsics;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests;

/// <summary>Every kernel against a naive double-precision loop, on sizes that are not multiples of the vector width.</summary>
public class KernelTests
{
    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 1, 1 }, { 1, 784, 128 }, { 1, 7, 9 }, { 1, 13, 67 }, { 2, 5, 65 }, { 3, 17, 31 }, { 4, 9, 16 },
        { 5, 3, 8 }, { 7, 33, 15 }, { 13, 11, 25 }, { 32, 64, 10 }, { 33, 65, 17 }, { 32, 40, 48 }, { 10, 12, 20 }, { 6, 1, 70 }, { 9, 23, 1 },
        { 3, 1100, 5 }, { 600, 7, 3 }, { 2, 513, 1 }, { 530, 4, 7 }, { 4, 5, 2 },
        // One or two rows past 128 columns: the Vector512 one-row tile (where accelerated), then the 64-column one, then the rest;
        // three rows on the three-row tiles.
        { 2, 37, 300 }, { 3, 19, 257 }, { 1, 9, 200 },
        // k = 1 from four rows on (a one-sample weight gradient): the rank-one update, four vectors at a time, single
        // vectors and a tail.
        { 37, 1, 131 }, { 5, 1, 8 }, { 4, 1, 23 }, { 6, 1, 200 }, { 7, 1, 90 },
        // Deep products through every tile kind (any blocking of k must keep these): 256, 257, 517 and 700 deep.
        { 6, 256, 16 }, { 7, 257, 9 }, { 13, 517, 27 }, { 31, 700, 41 }, { 30, 300, 35 }, { 50, 400, 64 },
        // Deep enough, with A large enough, that the 256-bit tiles run in blocks of k (a partial last block, the row splits, the
        // 8-column tail), and one deep product with an A too small for blocks.
        { 37, 1093, 40 }, { 20, 2001, 21 }, { 31, 1600, 19 }, { 9, 1025, 24 },
        // Three rows left by the six- and four-row tiles, 32 columns at a time, then 16 and a tail (9 = 6 + 3, 7 = 4 + 3, 3).
        { 9, 50, 32 }, { 7, 21, 75 }, { 3, 30, 33 }, { 9, 2046, 32 },
        // 32 columns and more through the Vector512 tiles (where accelerated) of every row count and split, then 16, 8 and a tail.
        { 12, 9, 32 }, { 10, 33, 64 }, { 25, 13, 70 }, { 26, 5, 64 }, { 29, 3, 97 }, { 17, 8, 33 }, { 14, 31, 96 }, { 11, 6, 59 }, { 13, 20, 127 },
        // Five rows left by the six-row tiles, on the five-row 256-bit tile (11 = 6 + 5, 5), then eight columns and a tail.
        { 11, 37, 16 }, { 5, 40, 29 }, { 23, 9, 40 },
        // 9 to 15 columns past the 16-column blocks for the rows left one at a time: eight columns and the tail in one pass.
        { 1, 128, 10 }, { 2, 70, 13 }, { 13, 19, 30 },
    };

    private static float[] Random(int count, ulong seed)
    {
        var random = new Xoshiro(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            // A few exact zeros, which the kernels skip.
            values[i] = random.NextSingle() < 0.1f ? 0f : random.NextGaussian();
        }

        return values;
    }

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, int k)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * (1 + Math.Sqrt(k)) * (1 + Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyRows_reads_strided_rows_and_matches_a_naive_loop(int m, int k, int n)
    {
        // A's rows 3 + k apart (a recurrent layer's rows of one step in a buffer of every step), overwritten and accumulated.
        int stride = k + 3;
        float[] a = Random(((m - 1) * stride) + k, 4), b = Random(k * n, 5), c = Random(m * n, 6);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] result = (float[])c.Clone();
            Gemm.MultiplyRows(a, stride, b, result, m, k, n, accumulate);
            var expected = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = accumulate ? c[(i * n) + j] : 0;
                    for (int p = 0; p < k; p++) sum += (double)a[(i * stride) + p] * b[(p * n) + j];
                    expected[(i * n) + j] = sum;
                }

            AssertClose(expected, result, k);
        }
    }

    [Fact]
    public void A_rows_result_does_not_depend_on_the_rows_around_it()
    {
        // Every tile accumulates each element in k order, so one row alone gives the bits it gives inside a batch of any size.
        foreach ((int k, int n) in new[] { (7, 27), (128, 27), (32, 128), (13, 67), (33, 17), (20, 260), (1100, 40), (1100, 70) })
        {
            float[] a = Random(37 * k, 7), b = Random(k * n, 8);
            var batch = new float[37 * n];
            Gemm.MultiplyAdd(a, b, batch, 37, k, n);
            foreach (int row in new[] { 0, 5, 36 })
            {
                foreach (int rows in new[] { 1, 2, 3, 4, 6 })
                {
                    int first = Math.Min(row, 37 - rows);
                    var part = new float[rows * n];
                    Gemm.MultiplyAdd(a.AsSpan(first * k, rows * k), b, part, rows, k, n);
                    Assert.Equal(batch.AsSpan(first * n, rows * n).ToArray(), part);
                }
            }
        }
    }

    [Theory]
    [InlineData(13, 517, 32, false)]
    [InlineData(30, 700, 48, true)]
    [InlineData(37, 1, 131, true)] // the rank-one update
    [InlineData(37, 1, 131, false)]
    [InlineData(2, 300, 257, false)] // the one-row tiles
    [InlineData(29, 300, 97, false)] // Vector512 tiles of 12 and 5 rows, then 16 columns and a tail
    [InlineData(26, 260, 75, true)] // 12 and 7 rows
    [InlineData(13, 270, 64, true)] // 7 and 6 rows
    [InlineData(10, 90, 33, true)] // 10 rows
    [InlineData(9, 150, 32, false)] // 9 rows
    [InlineData(1, 128, 10, false)] // a ten-class layer's one-sample product: eight columns and the tail in one pass
    [InlineData(13, 70, 29, true)] // 6 + 4 rows, then three single rows with eight columns and a tail of five
    [InlineData(29, 32, 97, true)] // shallow: the Vector512 tiles where a core runs 512-bit FMAs whole, else 6 x 16
    [InlineData(26, 9, 64, false)]
    public void A_deep_product_sums_each_element_in_k_order_bit_for_bit(int m, int k, int n, bool transposedA)
    {
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported || !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            return; // the sequence below is the FMA vector path's; the other paths are checked against the naive loop
        }

        float[] a = Random(m * k, 7), b = Random(k * n, 8), c = new float[m * n];
        if (transposedA)
        {
            Gemm.MultiplyTransposedA(a, b, c, m, k, n, accumulate: false);
        }
        else
        {
            Gemm.Multiply(a, b, c, m, k, n);
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    sum = MathF.FusedMultiplyAdd(transposedA ? a[(p * m) + i] : a[(i * k) + p], b[(p * n) + j], sum);
                }

                Assert.Equal(sum, c[(i * n) + j]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyAdd_matches_a_naive_loop(int m, int k, int n)
    {
        float[] a = Random(m * k, 1), b = Random(k * n, 2), c = Random(m * n, 3);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = c[(i * n) + j];
                for (int p = 0; p < k; p++) sum += (double)a[(i * k) + p] * b[(p * n) + j];
                expected[(i * n) + j] = sum;
            }

        float[] vector = (float[])c.Clone();
        Gemm.MultiplyAdd(a, b, vector, m, k, n);
        AssertClose(expected, vector, k);

        float[] scalar = (float[])c.Clone();
        Gemm.MultiplyAddScalar(a, k, 1, b, scalar, m, k, n, firstColumn: 0);
        AssertClose(expected, scalar, k);

        float[] portable = (float[])c.Clone();
        int covered = Gemm.MultiplyAddPortable(a, k, 1, b, portable, m, k, n, accumulate: true);
        Gemm.MultiplyAddScalar(a, k, 1, b, portable, m, k, n, firstColumn: covered);
        AssertClose(expected, portable, k);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyAddTransposedA_matches_a_naive_loop(int m, int k, int n)
    {
        float[] a = Random(k * m, 4), b = Random(k * n, 5), c = Random(m * n, 6);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = c[(i * n) + j];
                for (int p = 0; p < k; p++) sum += (double)a[(p * m) + i] * b[(p * n) + j];
                expected[(i * n) + j] = sum;
            }

        float[] vector = (float[])c.Clone();
        Gemm.MultiplyAddTransposedA(a, b, vector, m, k, n);
        AssertClose(expected, vector, k);

        float[] scalar = (float[])c.Clone();
        Gemm.MultiplyAddScalar(a, 1, m, b, scalar, m, k, n, firstColumn: 0);
        AssertClose(expected, scalar, k);

        float[] portable = (float[])c.Clone();
        int covered = Gemm.MultiplyAddPortable(a, 1, m, b, portable, m, k, n, accumulate: true);
        Gemm.MultiplyAddScalar(a, 1, m, b, portable, m, k, n, firstColumn: covered);
        AssertClose(expected, portable, k);

        // Overwriting: C's old contents must not leak into the result, in the vector tiles or the scalar tail.
        for (int i = 0; i < expected.Length; i++) expected[i] -= c[i];
        float[] overwritten = Random(m * n, 99);
        Gemm.MultiplyTransposedA(a, b, overwritten, m, k, n, accumulate: false);
        AssertClose(expected, overwritten, k);

        float[] portableOverwritten = Random(m * n, 98);
        covered = Gemm.MultiplyAddPortable(a, 1, m, b, portableOverwritten, m, k, n, accumulate: false);
        for (int i = 0; i < m; i++) portableOverwritten.AsSpan((i * n) + covered, n - covered).Clear();
        Gemm.MultiplyAddScalar(a, 1, m, b, portableOverwritten, m, k, n, firstColumn: covered);
        AssertClose(expected, portableOverwritten, k);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyTransposedB_matches_a_naive_loop(int m, int k, int n)
    {
        float[] a = Random(m * k, 7), b = Random(n * k, 8);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += (double)a[(i * k) + p] * b[(j * k) + p];
                expected[(i * n) + j] = sum;
            }

        float[] c = Random(m * n, 9); // overwritten, not accumulated
        Gemm.MultiplyTransposedB(a, b, c, m, k, n);
        AssertClose(expected, c, k);
    }

    [Theory]
    [InlineData(32, 4)]
    [InlineData(64, 10)]
    [InlineData(8, 0)]
    [InlineData(10, 1)]
    [InlineData(7, 0)] // 4 + 3
    [InlineData(9, 1)] // 6 + 3
    [InlineData(11, 1)] // 6 + 5
    [InlineData(13, 1)] // 6 + 4 + 3
    [InlineData(17, 2)] // 6 + 6 + 5
    [InlineData(3, 0)]
    [InlineData(5, 0)] // one five-row tile
    [InlineData(2, 0)] // one-row tiles
    public void Row_tiling_prefers_six_five_four_and_three_row_tiles(int rows, int sixRowTiles) => Assert.Equal(sixRowTiles, Gemm.SixRowTiles(rows));

    [Theory]
    [InlineData(32, "12 12 8")]
    [InlineData(64, "12 12 12 12 12 4")]
    [InlineData(25, "12 7 6")]
    [InlineData(26, "12 7 7")]
    [InlineData(27, "12 8 7")]
    [InlineData(29, "12 12 5")]
    [InlineData(13, "7 6")]
    [InlineData(9, "9")]
    [InlineData(11, "11")]
    [InlineData(5, "5")]
    [InlineData(3, "3")]
    [InlineData(2, "1 1")]
    public void Wide_row_tiling_uses_twelve_row_tiles_and_no_one_row_tile_it_can_avoid(int rows, string tiles)
    {
        var split = new List<int>();
        for (int left = rows; left > 0; left -= split[^1])
        {
            split.Add(Gemm.WideTileRows(left));
        }

        Assert.Equal(tiles, string.Join(' ', split));
    }

    [Fact]
    public void Cores_that_split_512_bit_vectors_are_told_by_cpuid_as_the_kernel_reads_it()
    {
        // CPUID decoded by hand against what Linux decoded: AMD family 19h (Zen 4) splits a 512-bit FMA in two.
        if (!File.Exists("/proc/cpuinfo") || !System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            return;
        }

        string[] lines = File.ReadAllLines("/proc/cpuinfo");
        string Field(string name) => lines.First(line => line.StartsWith(name, StringComparison.Ordinal)).Split(':')[1].Trim();
        bool zen4 = Field("vendor_id") == "AuthenticAMD" && int.Parse(Field("cpu family"), System.Globalization.CultureInfo.InvariantCulture) == 0x19;
        Assert.Equal(zen4 && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, Gemm.SplitsWideVectors);
    }

    [Fact]
    public void The_vector_path_is_the_one_under_test_here()
    {
        // The theories above compare both paths; on this machine the public entry must take the vector one.
        Assert.True(Vector256.IsHardwareAccelerated, "Vector256 is not accelerated here: only the scalar path was exercised.");
    }

    [Fact]
    public void Gemm_rejects_short_spans_with_sizes_in_the_message()
    {
        var error = Assert.Throws<ArgumentException>(() => Gemm.MultiplyAdd(new float[5], new float[6], new float[6], 2, 3, 2));
        Assert.Contains("needs 6 (has 5)", error.Message);
    }

    [Fact]
    public void Public_kernels_check_their_spans()
    {
        AssertContains(Assert.Throws<ArgumentException>(() => Dense.Forward(new float[6], new float[6], new float[2], new float[3], 2, 3, 2)), "y 4 (has 3)");
        AssertContains(Assert.Throws<ArgumentException>(() => Dense.Forward(new float[6], new float[5], new float[2], new float[4], 2, 3, 2)), "weights 6 (has 5)");
        AssertContains(Assert.Throws<ArgumentException>(() => Dense.Backward(new float[6], new float[6], new float[4], new float[5], new float[6], new float[2], 2, 3, 2)), "dx needs 6 values or none (has 5)");
        AssertContains(Assert.Throws<ArgumentException>(() => Metrics.CountCorrect(new float[5], new int[2], 3)), "Expected 6 logits");
        var random = new Xoshiro(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.HeNormal(new float[3], 0, ref random));
        AssertContains(Assert.Throws<ArgumentException>(() => Activations.SoftmaxBackward(new float[4], new float[3], 2)), "same length");
        AssertContains(Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError(new float[3], new float[2], default)), "Expected 3 target values");
    }

    private static void AssertContains(Exception error, string part) => Assert.Contains(part, error.Message);

    /// <summary>A product whose rows of A are gathered from anywhere, each read in runs, gives the bits of copying those rows
    /// into a matrix first and multiplying it (with the bias, with and without ReLU): rows out of order, shared, and
    /// deep enough to run in blocks of whole runs; six-, five-, four- and three-row tiles, 16 and 8 columns and a tail.</summary>
    [Theory]
    [InlineData(13, 3, 5, 16)]
    [InlineData(11, 4, 3, 8)]
    [InlineData(23, 7, 2, 29)]
    [InlineData(7, 5, 4, 12)]
    [InlineData(30, 384, 3, 24)] // k = 1,152 over 30 rows: blocks of whole runs, ReLU on the last
    public void Gathered_rows_read_in_runs_give_the_bits_of_a_copied_matrix(int m, int run, int runs, int n)
    {
        var random = new Xoshiro(43);
        int runStride = run + 3, k = run * runs, rowSpan = ((runs - 1) * runStride) + run;
        float[] a = Enumerable.Range(0, rowSpan + 50).Select(_ => random.NextGaussian()).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextGaussian()).ToArray();
        float[] bias = Enumerable.Range(0, n).Select(_ => random.NextGaussian()).ToArray();
        nint[] starts = Enumerable.Range(0, m).Select(i => (nint)((i * 37) % 51)).ToArray(); // out of order, some shared
        if (!Gemm.GathersRows(n))
        {
            Assert.Throws<InvalidOperationException>(() => Gemm.MultiplyGatheredRunsBias(a, starts, run, runStride, b, bias, new float[m * n], k, n, relu: false));
            return;
        }

        var copied = new float[m * k];
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++)
            {
                copied[(i * k) + p] = a[(int)starts[i] + ((p / run) * runStride) + (p % run)];
            }
        }

        foreach (bool relu in new[] { false, true })
        {
            var expected = new float[m * n];
            Dense.Forward(copied, b, bias, expected, m, k, n, relu);
            var actual = new float[m * n];
            Gemm.MultiplyGatheredRunsBias(a, starts, run, runStride, b, bias, actual, k, n, relu);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }

        starts[m / 2] = a.Length - rowSpan + 1; // its last run would read one value past A
        AssertContains(Assert.Throws<ArgumentException>(() => Gemm.MultiplyGatheredRunsBias(a, starts, run, runStride, b, bias, new float[m * n], k, n, relu: false)), "A row starting at");
        starts[m / 2] = -1;
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyGatheredRunsBias(a, starts, run, runStride, b, bias, new float[m * n], k, n, relu: false));
        starts[m / 2] = 0;
        AssertContains(Assert.Throws<ArgumentException>(() => Gemm.MultiplyGatheredRunsBias(a, starts, run, runStride, b, bias, new float[(m * n) - 1], k, n, relu: false)), $"C [{m}, {n}]");
        AssertContains(Assert.Throws<ArgumentException>(() => Gemm.MultiplyGatheredRunsBias(a, starts, run, run - 1, b, bias, new float[m * n], k, n, relu: false)), "Not a matrix of runs");
    }

    /// <summary>A dense layer with ReLU, on the tiles that start from the bias and apply ReLU as they store, and on the
    /// paths that fill the bias first and pass over the output after: the same bits, -0 turned to +0 and a NaN kept.</summary>
    [Theory]
    [InlineData(12, 9, 32)]
    [InlineData(37, 20, 64)]
    [InlineData(13, 5, 40)] // 40 columns: not the wide tiles' shape, the fill-first path (the 256-bit tiles without AVX-512)
    [InlineData(14, 11, 13)] // without AVX-512, the 256-bit tiles' last columns in blended lanes
    [InlineData(13, 11, 13)] // the rows the tiles leave, eight columns and the tail in one pass
    [InlineData(2, 20, 10)]
    [InlineData(13, 6, 33)] // the same with a three-row tile of 32 columns and a one-column tail
    [InlineData(5, 7, 32)] // five rows: the fill-first path
    public void Dense_forward_with_relu_gives_the_bits_of_relu_afterwards(int batch, int inputs, int outputs)
    {
        var random = new Xoshiro(41);
        float[] x = Enumerable.Range(0, batch * inputs).Select(_ => random.NextGaussian()).ToArray();
        float[] w = Enumerable.Range(0, inputs * outputs).Select(_ => random.NextGaussian()).ToArray();
        float[] b = Enumerable.Range(0, outputs).Select(_ => random.NextGaussian()).ToArray();
        Array.Clear(x, 0, inputs); // row 0 is all +0: with a bias of -0 and negative weights, -0 before ReLU
        b[1] = -0f;
        for (int i = 0; i < inputs; i++)
        {
            w[(i * outputs) + 1] = -Math.Abs(w[(i * outputs) + 1]) - 0.5f;
        }

        x[inputs + 2] = float.NaN; // row 1 is NaN throughout
        var expected = new float[batch * outputs];
        for (int r = 0; r < batch; r++)
        {
            b.CopyTo(expected, r * outputs);
        }

        Gemm.MultiplyAdd(x, w, expected, batch, inputs, outputs);
        Assert.Equal(-0f, expected[1]);
        Activations.Relu(expected);
        var actual = new float[batch * outputs];
        Dense.Forward(x, w, b, actual, batch, inputs, outputs, relu: true);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(actual[1]));
        Assert.True(float.IsNaN(actual[outputs + 3]));

        Dense.Forward(x, w, b, actual, batch, inputs, outputs);
        Assert.Equal(0f, actual[1]);
    }

    [Theory]
    [InlineData(1, 7, 9)]
    [InlineData(5, 13, 3)]
    [InlineData(3, 70, 17)]
    [InlineData(67, 13, 27)]
    [InlineData(130, 70, 9)]
    [InlineData(7, 13, 45)] // the bias gradient's sums 32, 8 and 5 columns at a time
    public void Dense_forward_and_backward_match_naive_loops(int batch, int inputs, int outputs)
    {
        float[] x = Random(batch * inputs, 10), w = Random(inputs * outputs, 11), b = Random(outputs, 12), dy = Random(batch * outputs, 13);
        var y = new float[batch * outputs];
        Dense.Forward(x, w, b, y, batch, inputs, outputs);
        var expectedY = new double[batch * outputs];
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < outputs; j++)
            {
                double z = b[j];
                for (int i = 0; i < inputs; i++) z += (double)x[(r * inputs) + i] * w[(i * outputs) + j];
                expectedY[(r * outputs) + j] = z;
            }

        AssertClose(expectedY, y, inputs);

        float[] dw = Random(inputs * outputs, 14), db = Random(outputs, 15);
        double[] expectedDw = dw.Select(v => (double)v).ToArray(), expectedDb = db.Select(v => (double)v).ToArray();
        var dx = new float[batch * inputs];
        var expectedDx = new double[batch * inputs];
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < outputs; j++)
            {
                double g = dy[(r * outputs) + j];
                expectedDb[j] += g;
                for (int i = 0; i < inputs; i++)
                {
                    expectedDw[(i * outputs) + j] += x[(r * inputs) + i] * g;
                    expectedDx[(r * inputs) + i] += w[(i * outputs) + j] * g;
                }
            }

        Dense.Backward(x, w, dy, dx, dw, db, batch, inputs, outputs);
        AssertClose(expectedDw, dw, batch);
        AssertClose(expectedDb, db, batch);
        AssertClose(expectedDx, dx, outputs);

        // With scratch to turn W into (taken from Dense.TransposeRows rows on): the same dx, stored or added.
        var turnedDx = new float[dx.Length];
        var scratch = new float[(inputs * outputs) + 5];
        Dense.Backward(x, w, dy, turnedDx, new float[dw.Length], new float[db.Length], batch, inputs, outputs, scratch: scratch);
        AssertClose(expectedDx, turnedDx, outputs);
        Dense.Backward(x, w, dy, turnedDx, new float[dw.Length], new float[db.Length], batch, inputs, outputs, accumulateInputGradient: true, scratch: scratch);
        AssertClose(expectedDx.Select(v => 2 * v).ToArray(), turnedDx, 2 * outputs);
        float[] turned = Enumerable.Range(0, inputs * outputs).Select(t => w[((t % inputs) * outputs) + (t / inputs)]).ToArray();
        Assert.Equal(batch >= Dense.TransposeRows ? turned : new float[inputs * outputs], scratch.Take(inputs * outputs)); // W^T, or untouched
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(13, 11)]
    [InlineData(8, 24)]
    [InlineData(17, 3)]
    [InlineData(16, 8)] // whole 8 x 8 blocks only
    [InlineData(27, 43)] // blocks, then the columns and the rows past them
    [InlineData(128, 10)]
    [InlineData(7, 64)] // too few rows for a block
    public void Transpose_turns_every_value(int rows, int columns)
    {
        float[] a = Random(rows * columns, 16);
        var t = new float[a.Length];
        Gemm.Transpose(a, rows, columns, t);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) Assert.Equal(a[(i * columns) + j], t[(j * rows) + i]);

        // Rows further apart (a part of wider rows), the values between them left out; nothing past the transpose written.
        int stride = columns + 5;
        float[] wide = Random(((rows - 1) * stride) + columns, 17);
        var turned = Enumerable.Repeat(-7f, (rows * columns) + 9).ToArray();
        Gemm.Transpose(wide, rows, columns, stride, turned);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) Assert.Equal(wide[(i * stride) + j], turned[(j * rows) + i]);
        Assert.All(turned.Skip(rows * columns), value => Assert.Equal(-7f, value));
        Assert.Throws<ArgumentException>(() => Gemm.Transpose(wide.AsSpan(1), rows, columns, stride, turned));
        Assert.Throws<ArgumentException>(() => Gemm.Transpose(wide, rows, columns, stride, turned.AsSpan(0, (rows * columns) - 1)));
    }

    public static TheoryData<Activation> AllActivations => new(Enum.GetValues<Activation>());

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Activations_match_their_definitions_and_their_derivatives(Activation activation)
    {
        const int Rows = 3, Columns = 13; // 39 values: 32 in Vector256, 4 in Vector128, 3 scalar
        // No exact zeros: ReLU has no derivative at its kink.
        float[] z = Random(Rows * Columns, 20).Select((v, i) => v == 0f ? 0.5f + i : v).ToArray();
        float[] dy = Random(Rows * Columns, 21);
        float[] y = (float[])z.Clone();
        Apply(activation, y, Columns);

        double[] expected = z.Select(v => (double)v).ToArray();
        for (int r = 0; r < Rows; r++) ReferenceNetwork.Activate(expected.AsSpan(r * Columns, Columns), activation);
        AssertClose(expected, y, 1);

        // Backward against central differences of sum(dy * f(z)) in double.
        float[] dz = (float[])dy.Clone();
        ApplyBackward(activation, y, z, dz, Columns);
        const double H = 1e-6;
        for (int i = 0; i < z.Length; i++)
        {
            int row = i / Columns;
            double F(double value)
            {
                double[] copy = z.AsSpan(row * Columns, Columns).ToArray().Select(v => (double)v).ToArray();
                copy[i % Columns] = value;
                ReferenceNetwork.Activate(copy, activation);
                double sum = 0;
                for (int j = 0; j < Columns; j++) sum += dy[(row * Columns) + j] * copy[j];
                return sum;
            }

            double numeric = (F(z[i] + H) - F(z[i] - H)) / (2 * H);
            Assert.True(Math.Abs(numeric - dz[i]) <= 1e-4 * (1 + Math.Abs(numeric)), $"{activation} element {i}: numeric {numeric}, backward {dz[i]}");
        }
    }

    [Theory]
    [InlineData(0.01f)]
    [InlineData(0.2f)]
    [InlineData(0f)]
    [InlineData(1.5f)]
    public void Leaky_relu_of_any_slope_matches_a_naive_loop(float slope)
    {
        float[] z = Random(37, 23); // vector and scalar ends, some exact zeros
        float[] dy = Random(37, 24);
        float[] y = (float[])z.Clone();
        Activations.LeakyRelu(y, slope);
        float[] dz = (float[])dy.Clone();
        Activations.LeakyReluBackward(y, dz, slope);
        for (int i = 0; i < z.Length; i++)
        {
            Assert.Equal(z[i] > 0 ? z[i] : slope * z[i], y[i]);
            Assert.Equal(z[i] > 0 ? dy[i] : slope * dy[i], dz[i]);
        }
    }

    [Fact]
    public void Gelu_matches_its_tanh_form_over_several_chunks_and_far_into_the_tails()
    {
        // 1,300 values: two whole chunks of 512 and a part, each with vector and scalar ends; z from -60 to 60, where the
        // exponential overflows on one side and vanishes on the other.
        float[] z = Enumerable.Range(0, 1300).Select(i => (i % 7 == 0 ? 60f : 12f) * MathF.Sin(i * 0.37f)).ToArray();
        z[5] = -60f;
        z[6] = 60f;
        z[7] = -11.5f;
        float[] y = (float[])z.Clone();
        var kept = new float[z.Length];
        Activations.Gelu(y, kept);
        Assert.Equal(z, kept);
        float[] dy = Random(z.Length, 22);
        float[] dz = (float[])dy.Clone();
        Activations.GeluBackward(z, dz);
        const double Scale = 0.7978845608028654, Cubic = 0.044715;
        for (int i = 0; i < z.Length; i++)
        {
            double v = z[i], t = Math.Tanh(Scale * (v + (Cubic * v * v * v)));
            double expected = 0.5 * v * (1 + t);
            double derivative = (0.5 * (1 + t)) + (0.5 * v * (1 - (t * t)) * Scale * (1 + (3 * Cubic * v * v)));
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"GELU({v}) = {y[i]}, expected {expected}");
            Assert.True(Math.Abs(dz[i] - (dy[i] * derivative)) <= 1e-5 * (1 + Math.Abs(dy[i] * derivative)), $"GELU'({v}): {dz[i] / dy[i]}, expected {derivative}");
        }
    }

    internal static void Apply(Activation activation, Span<float> values, int columns)
    {
        switch (activation)
        {
            case Activation.Relu: Activations.Relu(values); break;
            case Activation.LeakyRelu: Activations.LeakyRelu(values); break;
            case Activation.Sigmoid: Activations.Sigmoid(values); break;
            case Activation.Tanh: Activations.Tanh(values); break;
            case Activation.Softmax: Activations.Softmax(values, columns); break;
            case Activation.Gelu: Activations.Gelu(values, new float[values.Length]); break;
        }
    }

    private static void ApplyBackward(Activation activation, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> dy, int columns)
    {
        switch (activation)
        {
            case Activation.Relu: Activations.ReluBackward(y, dy); break;
            case Activation.LeakyRelu: Activations.LeakyReluBackward(y, dy); break;
            case Activation.Sigmoid: Activations.SigmoidBackward(y, dy); break;
            case Activation.Tanh: Activations.TanhBackward(y, dy); break;
            case Activation.Softmax: Activations.SoftmaxBackward(y, dy, columns); break;
            case Activation.Gelu: Activations.GeluBackward(z, dy); break;
        }
    }

    [Theory]
    [InlineData(Loss.MeanSquaredError, false)]
    [InlineData(Loss.BinaryCrossEntropy, false)]
    [InlineData(Loss.SoftmaxCrossEntropy, false)]
    [InlineData(Loss.SoftmaxCrossEntropy, true)]
    public void Losses_match_their_definitions_and_their_gradients(Loss loss, bool labels)
    {
        const int Rows = 4, Classes = 7;
        float[] z = Random(Rows * Classes, 30).Select(v => 3 * v).ToArray();
        var random = new Xoshiro(31);
        float[] targets = Enumerable.Range(0, Rows * Classes).Select(_ => random.NextSingle()).ToArray();
        int[] classes = Enumerable.Range(0, Rows).Select(_ => random.NextInt32(Classes)).ToArray();
        var gradient = new float[z.Length];
        float value = loss switch
        {
            Loss.MeanSquaredError => Losses.MeanSquaredError(z, targets, gradient),
            Loss.BinaryCrossEntropy => Losses.BinaryCrossEntropyWithLogits(z, targets, gradient),
            _ when labels => Losses.SoftmaxCrossEntropy(z, classes, gradient, Classes),
            _ => Losses.SoftmaxCrossEntropy(z, targets, gradient, Classes),
        };

        double Reference(double[] output) => ReferenceNetwork.Loss(loss, output, targets, labels ? classes : null, Classes);
        double[] zd = z.Select(v => (double)v).ToArray();
        Assert.Equal(Reference(zd), value, 4);
        for (int i = 0; i < z.Length; i++)
        {
            double saved = zd[i];
            zd[i] = saved + 1e-6;
            double plus = Reference(zd);
            zd[i] = saved - 1e-6;
            double minus = Reference(zd);
            zd[i] = saved;
            double numeric = (plus - minus) / 2e-6;
            Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-5 + (1e-3 * Math.Abs(numeric)), $"element {i}: numeric {numeric}, gradient {gradient[i]}");
        }
    }

    [Fact]
    public void Cross_entropies_stay_finite_on_extreme_logits()
    {
        float[] logits = { 1000f, -1000f, 0f, 88f, -88f, 50f };
        Assert.True(float.IsFinite(Losses.BinaryCrossEntropyWithLogits(logits, new float[] { 0, 1, 1, 0, 1, 1 }, new float[6])));
        Assert.True(float.IsFinite(Losses.SoftmaxCrossEntropy(logits, new[] { 1, 2 }, new float[6], 3)));
    }

    [Fact]
    public void Dropout_drops_about_the_rate_scales_the_rest_and_backward_uses_the_mask()
    {
        const int Count = 20_001;
        float[] x = Enumerable.Repeat(1f, Count).ToArray();
        var y = new float[Count];
        var mask = new float[Count];
        ulong state = 5;
        Compiled.Kernels.Dropout.Forward(x, y, mask, 0.3f, ref state);

        double dropped = y.Count(v => v == 0f) / (double)Count;
        Assert.InRange(dropped, 0.28, 0.32);
        Assert.All(y.Where(v => v != 0f), v => Assert.Equal(1f / 0.7f, v, 5));
        Assert.NotEqual(5UL, state);

        float[] dy = Random(Count, 40);
        var dx = new float[Count];
        Compiled.Kernels.Dropout.Backward(dy, mask, dx);
        for (int i = 0; i < Count; i++) Assert.Equal(dy[i] * mask[i], dx[i]);
    }

    [Fact]
    public void Initializers_have_the_intended_spread_and_are_reproducible()
    {
        var a = new float[100_000];
        var random = new Xoshiro(3);
        Initializers.HeNormal(a, fanIn: 50, ref random);
        double std = Math.Sqrt(a.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.98 * Math.Sqrt(2.0 / 50), 1.02 * Math.Sqrt(2.0 / 50));

        var b = new float[100_000];
        random = new Xoshiro(3);
        Initializers.GlorotUniform(b, 30, 20, ref random);
        double limit = Math.Sqrt(6.0 / 50);
        Assert.All(b, v => Assert.InRange(v, -limit, limit));
        Assert.InRange(b.Max(), 0.99 * limit, limit);

        var again = new float[100_000];
        random = new Xoshiro(3);
        Initializers.HeNormal(again, fanIn: 50, ref random);
        Assert.Equal(a, again);
    }
}
