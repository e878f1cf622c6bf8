using Compiled.Kernels;

namespace Compiled.Runtime.Tests;

/// <summary>Convolution and pooling against naive double-precision loops, on odd shapes: odd sizes, channels that are not
/// a multiple of 8, strides of 2 and 3, same padding, rectangular windows, and chunks that split samples.</summary>
public class SpatialKernelTests
{
    /// <summary>batch, height, width, in channels, kernel h, kernel w, stride, same padding, filters, chunk rows.</summary>
    public static TheoryData<int, int, int, int, int, int, int, bool, int, int> Convolutions => new()
    {
        { 2, 7, 9, 3, 3, 3, 1, false, 5, 7 },
        { 3, 8, 7, 1, 3, 2, 2, true, 11, 12 },
        { 1, 5, 5, 9, 1, 1, 1, false, 10, 6 },
        { 2, 6, 6, 2, 4, 4, 3, true, 17, 1 },
        { 2, 13, 11, 10, 3, 3, 1, true, 19, 6 },
        { 2, 9, 8, 13, 5, 3, 2, false, 33, 1000 },
        { 1, 28, 28, 1, 3, 3, 1, false, 32, 4096 },
        { 4, 5, 5, 64, 3, 3, 1, false, 64, 54 },
        { 3, 6, 8, 2, 2, 3, 1, false, 9, 5 }, // stride 1 without padding (the counted unfold), chunks ending mid-row and mid-sample
        { 2, 9, 11, 1, 2, 7, 1, false, 4, 13 }, // runs of 7 copied as whole vectors, exact at the ends of chunks and of the input
        { 2, 5, 9, 1, 1, 5, 1, false, 3, 8 }, // one kernel row of 5
        { 2, 5, 6, 1, 2, 2, 1, true, 3, 7 }, // same padding of an even kernel: none before, one cell after each row and column
        { 2, 5, 6, 4, 2, 2, 1, true, 32, 7 },
        { 2, 8, 8, 3, 3, 3, 2, true, 32, 9 }, // stride 2 over an even size: the same, one cell after
        { 2, 9, 16, 2, 3, 3, 1, false, 32, 19 }, // 32 filters without padding: patches read in place, chunks ending mid-row
        { 2, 11, 9, 3, 3, 2, 2, false, 64, 5 }, // the same, strided, rows 4 wide
    };

    /// <summary>batch, height, width, channels, kernel h, kernel w, stride h, stride w, filters: convolutions without padding,
    /// on the Vector512 tiles (32 filters or more, where accelerated) and on the 256-bit ones.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> UnpaddedConvolutions => new()
    {
        { 2, 28, 28, 1, 3, 3, 1, 1, 32 }, // the seed CNN's layers
        { 2, 13, 13, 32, 3, 3, 1, 1, 64 },
        { 3, 5, 5, 64, 3, 3, 1, 1, 64 },
        { 2, 9, 10, 3, 5, 5, 1, 1, 32 }, // 6 wide
        { 2, 12, 19, 2, 2, 3, 2, 3, 96 }, // strides 2 x 3, 6 wide
        { 2, 7, 10, 5, 3, 4, 1, 2, 32 }, // 4 wide
        { 2, 6, 6, 4, 2, 2, 1, 1, 32 }, // 5 wide: unfolded
        { 1, 4, 4, 3, 3, 3, 1, 1, 32 }, // 2 wide: unfolded
        { 2, 14, 12, 1, 5, 5, 1, 1, 32 }, // kernel rows of 5 values: the weight gradient unfolded
        { 2, 12, 20, 3, 4, 1, 1, 2, 32 }, // kernel rows of one cell of three channels, stride 2 across: the weight gradient in place in runs of 3
        { 2, 13, 13, 32, 3, 3, 1, 1, 16 }, // 16 filters: the 256-bit tiles in runs, 11 wide, gathered across output rows
        { 2, 10, 11, 6, 3, 3, 1, 1, 48 }, // 48 filters: 32 columns on the Vector512 tiles, 16 on the 256-bit ones
        { 2, 9, 12, 5, 3, 2, 1, 1, 12 }, // 12 filters: an eight-column block and a tail of four, in runs
        { 2, 8, 10, 3, 3, 3, 1, 1, 8 }, // 8 filters, 8 wide: eight-column 256-bit tiles, gathered
        { 1, 5, 32, 128, 3, 3, 1, 1, 16 }, // patches of 1,152 values: the 256-bit tiles in blocks of whole runs, ReLU on the last
        { 2, 35, 35, 16, 3, 3, 1, 1, 16 }, // 1,089 pixels a sample: the weight gradient's 256-bit tiles in blocks of whole runs
    };

    /// <summary>The passes that read the patches where they lie in the input give the bits of unfolding them first and
    /// multiplying: the forward pass with and without ReLU, the weight gradient overwritten and accumulated, with chunks
    /// that end mid-row and mid-sample. The forward pass reads in place exactly where the tiles take runs (8 filters or
    /// more): on the 256-bit tiles, with the rows gathered across output rows, at any width; on the Vector512 tiles (32
    /// filters or more), an output row at a time, any width but 1, 2 and 5. The weight gradient where, besides, a sample
    /// has 80 pixels or more and a kernel row's values keep the tiles full (on the 256-bit tiles 3, 6 or from 9).</summary>
    [Theory]
    [MemberData(nameof(UnpaddedConvolutions))]
    public void Convolution_reading_patches_in_place_gives_the_bits_of_unfolding(int batch, int h, int w, int cin, int kh, int kw, int sh, int sw, int filters)
    {
        int oh = ((h - kh) / sh) + 1, ow = ((w - kw) / sw) + 1;
        var g = new ConvolutionGeometry(h, w, cin, kh, kw, sh, sw, 0, 0, oh, ow, filters);
        Assert.True(g.WindowsInside);
        bool inPlace = TakesRuns(filters) && (GathersRows(filters) || KeepsTilesFull(ow, filters));
        Assert.Equal(inPlace, Convolution.ReadsPatchesInPlace(g));
        float[] x = Random(batch * g.InputSize, 21), weights = Random(g.WeightCount, 22), bias = Random(filters, 23);
        int rows = batch * g.OutputPixels;
        var patches = new float[rows * g.PatchSize];
        Convolution.Unfold(g, x, 0, rows, patches);
        foreach (bool relu in new[] { false, true })
        {
            var expected = new float[rows * filters];
            Dense.Forward(patches, weights, bias, expected, rows, g.PatchSize, filters, relu);
            foreach (int chunkRows in new[] { rows, g.OutputPixels, ow + 1, 7, 1 })
            {
                var actual = new float[rows * filters];
                Convolution.Forward(g, x, weights, bias, actual, new float[g.ScratchSize(chunkRows)], batch, chunkRows, relu);
                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
            }
        }

        Assert.Equal(
            inPlace && g.OutputPixels >= 80 && KeepsTilesFull(kw * cin, filters),
            Convolution.WeightGradientInPlace(g));
        float[] dy = Random(rows * filters, 24);
        var expectedDw = new float[g.WeightCount];
        Gemm.MultiplyTransposedA(patches, dy, expectedDw, g.PatchSize, rows, filters, accumulate: false);
        var twiceDw = (float[])expectedDw.Clone();
        Gemm.MultiplyTransposedA(patches, dy, twiceDw, g.PatchSize, rows, filters, accumulate: true);
        foreach (int chunkRows in new[] { rows, g.OutputPixels, ow + 1, 7 })
        {
            var scratch = new float[g.ScratchSize(chunkRows)];
            var dw = Random(g.WeightCount, 25);
            var db = new float[filters];
            var dx = new float[batch * g.InputSize];
            Convolution.Backward(g, x, weights, dy, dx, dw, db, scratch, batch, chunkRows, accumulate: false);
            Assert.Equal(expectedDw.Select(BitConverter.SingleToInt32Bits), dw.Select(BitConverter.SingleToInt32Bits));
            Convolution.Backward(g, x, weights, dy, default, dw, db, scratch, batch, chunkRows, accumulate: true);
            Assert.Equal(twiceDw.Select(BitConverter.SingleToInt32Bits), dw.Select(BitConverter.SingleToInt32Bits));
        }
    }

    private static bool TakesRuns(int filters) => System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && filters >= 8;

    private static bool GathersRows(int filters) =>
        TakesRuns(filters) && !(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && filters >= 32);

    private static bool KeepsTilesFull(int rows, int filters) =>
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && filters >= 32 ? rows is not (1 or 2) : rows is 3 or 6 or >= 9;

    /// <summary>batch, height, width, channels, window h, window w, stride (0 = window), same padding.</summary>
    public static TheoryData<int, int, int, int, int, int, int, bool> Pools => new()
    {
        { 2, 26, 26, 32, 2, 2, 0, false },
        { 2, 11, 11, 13, 2, 2, 0, false },
        { 3, 7, 9, 3, 3, 3, 2, false },
        { 2, 7, 8, 9, 3, 2, 2, true },
        { 1, 5, 5, 17, 2, 2, 0, true },
        { 2, 6, 5, 1, 1, 3, 1, true },
        { 2, 6, 7, 16, 3, 3, 1, true }, // windows overlapping on every side, all lanes vectors: many outputs per input cell
        { 2, 5, 7, 16, 2, 2, 0, true }, // windows tiling a padded input, all lanes vectors: the backward pass stores each cell once
        { 2, 11, 11, 16, 2, 2, 0, false }, // whole windows walked without clipping: the last row and column in none
        { 2, 8, 9, 32, 3, 2, 1, false }, // the same, overlapping: cells in several windows
        { 3, 9, 7, 48, 3, 3, 2, false }, // the same, three vectors of channels
        { 2, 6, 5, 27, 3, 2, 2, false }, // sixteen channels, then eight, then three: each vector width and the scalar tail
    };

    private static float[] Random(int count, ulong seed)
    {
        var random = new Xoshiro(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextGaussian();
        }

        return values;
    }

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, int terms, string what)
    {
        Assert.True(actual.Length >= expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * (1 + Math.Sqrt(terms)) * (1 + Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what} {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>Output size and leading padding as Keras computes them.</summary>
    private static (int Output, int Pad) Resolve(int input, int window, int stride, bool same)
    {
        if (!same)
        {
            return (((input - window) / stride) + 1, 0);
        }

        int output = (input + stride - 1) / stride;
        return (output, Math.Max(((output - 1) * stride) + window - input, 0) / 2);
    }

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void Convolution_forward_and_backward_match_naive_loops(int batch, int h, int w, int cin, int kh, int kw, int stride, bool same, int filters, int chunkRows)
    {
        (int oh, int pt) = Resolve(h, kh, stride, same);
        (int ow, int pl) = Resolve(w, kw, stride, same);
        var g = new ConvolutionGeometry(h, w, cin, kh, kw, stride, stride, pt, pl, oh, ow, filters);
        float[] x = Random(batch * g.InputSize, 1), weights = Random(g.WeightCount, 2), bias = Random(filters, 3), dy = Random(batch * g.OutputSize, 4);
        var scratch = new float[g.ScratchSize(chunkRows)];

        // Naive: y[b, oy, ox, f] = bias[f] + sum x[b, oy s - pt + ky, ox s - pl + kx, c] W[ky, kx, c, f], and its adjoints.
        var y = new double[batch * g.OutputSize];
        var dx = new double[batch * g.InputSize];
        var dw = new double[g.WeightCount];
        var db = new double[filters];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int f = 0; f < filters; f++)
                    {
                        int o = (((((b * oh) + oy) * ow) + ox) * filters) + f;
                        double sum = bias[f];
                        db[f] += dy[o];
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++)
                            {
                                int iy = (oy * stride) - pt + ky, ix = (ox * stride) - pl + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                for (int c = 0; c < cin; c++)
                                {
                                    int xi = (((((b * h) + iy) * w) + ix) * cin) + c, wi = (((((ky * kw) + kx) * cin) + c) * filters) + f;
                                    sum += (double)x[xi] * weights[wi];
                                    dw[wi] += (double)x[xi] * dy[o];
                                    dx[xi] += (double)weights[wi] * dy[o];
                                }
                            }

                        y[o] = sum;
                    }

        var actualY = new float[batch * g.OutputSize];
        Convolution.Forward(g, x, weights, bias, actualY, scratch, batch, chunkRows);
        AssertClose(y, actualY, g.PatchSize, "y");

        // ReLU applied chunk by chunk as the output is written: the values of ReLU over the whole output afterwards, bit for bit.
        var fusedY = new float[batch * g.OutputSize];
        Convolution.Forward(g, x, weights, bias, fusedY, scratch, batch, chunkRows, relu: true);
        Activations.Relu(actualY);
        Assert.Equal(actualY, fusedY);
        Convolution.Forward(g, x, weights, bias, actualY, scratch, batch, chunkRows);

        var actualDx = Random(batch * g.InputSize, 5); // overwritten
        var actualDw = Random(g.WeightCount, 6); // overwritten: accumulate is false
        var actualDb = Random(filters, 7);
        Convolution.Backward(g, x, weights, dy, actualDx, actualDw, actualDb, scratch, batch, chunkRows, accumulate: false);
        AssertClose(dx, actualDx, kh * kw * filters, "dx");
        AssertClose(dw, actualDw, batch * oh * ow, "dW");
        AssertClose(db, actualDb, batch * oh * ow, "db");

        // Accumulating adds the same again; without dx (the first layer) only the parameter gradients are written.
        Convolution.Backward(g, x, weights, dy, default, actualDw, actualDb, scratch, batch, chunkRows, accumulate: true);
        AssertClose(dw.Select(v => 2 * v).ToArray(), actualDw, batch * oh * ow, "2 dW");
        AssertClose(db.Select(v => 2 * v).ToArray(), actualDb, batch * oh * ow, "2 db");
    }

    [Theory]
    [MemberData(nameof(Pools))]
    public void Pooling_forward_and_backward_match_naive_loops(int batch, int h, int w, int channels, int wh, int ww, int stride, bool same)
    {
        int sh = stride == 0 ? wh : stride, sw = stride == 0 ? ww : stride;
        (int oh, int pt) = Resolve(h, wh, sh, same);
        (int ow, int pl) = Resolve(w, ww, sw, same);
        var g = new PoolGeometry(h, w, channels, wh, ww, sh, sw, pt, pl, oh, ow);
        float[] x = Random(batch * g.InputSize, 11), dy = Random(batch * g.OutputSize, 12);
        x[5] = x[5 + channels]; // a tie: the first cell wins

        var max = new double[batch * g.OutputSize];
        var mean = new double[batch * g.OutputSize];
        var maxDx = new double[batch * g.InputSize];
        var meanDx = new double[batch * g.InputSize];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int c = 0; c < channels; c++)
                    {
                        int o = (((((b * oh) + oy) * ow) + ox) * channels) + c;
                        double best = double.NegativeInfinity, sum = 0;
                        int at = -1, cells = 0;
                        for (int iy = Math.Max((oy * sh) - pt, 0); iy < Math.Min((oy * sh) - pt + wh, h); iy++)
                            for (int ix = Math.Max((ox * sw) - pl, 0); ix < Math.Min((ox * sw) - pl + ww, w); ix++)
                            {
                                int i = (((((b * h) + iy) * w) + ix) * channels) + c;
                                if (x[i] > best) { best = x[i]; at = i; }
                                sum += x[i];
                                cells++;
                            }

                        max[o] = best;
                        maxDx[at] += dy[o];
                        mean[o] = sum / cells;
                        for (int iy = Math.Max((oy * sh) - pt, 0); iy < Math.Min((oy * sh) - pt + wh, h); iy++)
                            for (int ix = Math.Max((ox * sw) - pl, 0); ix < Math.Min((ox * sw) - pl + ww, w); ix++)
                                meanDx[(((((b * h) + iy) * w) + ix) * channels) + c] += dy[o] / cells;
                    }

        var y = new float[batch * g.OutputSize];
        var argmax = new int[batch * g.OutputSize];
        var dx = Random(batch * g.InputSize, 13);
        Pooling.MaxForward(g, x, y, argmax, batch);
        AssertClose(max, y, 1, "max");

        // Without indices (a prediction): the same maxima, bit for bit; an argmax too short for the batch is still refused.
        var valuesOnly = Random(y.Length, 16);
        Pooling.MaxForward(g, x, valuesOnly, default, batch);
        Assert.Equal(y, valuesOnly);
        Assert.Throws<ArgumentException>(() => Pooling.MaxForward(g, x, valuesOnly, new int[argmax.Length - 1], batch));
        Pooling.MaxBackward(g, dy, argmax, dx, batch);
        AssertClose(maxDx, dx, 4, "max dx");

        // The vectorized routing adds in the order of a plain scatter: the same values exactly.
        var scattered = new float[batch * g.InputSize];
        for (int i = 0; i < argmax.Length; i++) scattered[argmax[i]] += dy[i];
        Assert.Equal(scattered, dx);

        // Over a ReLU's output, ReLU's derivative applied while routing gives the bits of ReluBackward over the whole
        // gradient afterwards: zeros (whole windows of them, ties among them), a NaN, negative gradients.
        float[] relu = x.Select((v, i) => i % 7 == 3 ? float.NaN : Math.Max(v, 0f)).ToArray();
        Pooling.MaxForward(g, relu, y, argmax, batch);
        var separate = Random(batch * g.InputSize, 14);
        Pooling.MaxBackward(g, dy, argmax, separate, batch);
        Activations.ReluBackward(relu, separate);
        var fused = Random(batch * g.InputSize, 15);
        Pooling.MaxBackward(g, dy, argmax, fused, batch, reluOutput: y);
        Assert.Equal(separate, fused);
        Assert.Throws<ArgumentException>(() => Pooling.MaxBackward(g, dy, argmax, fused, batch, reluOutput: y.AsSpan(1)));

        Pooling.AverageForward(g, x, y, batch);
        AssertClose(mean, y, wh * ww, "mean");
        Pooling.AverageBackward(g, dy, dx, batch);
        AssertClose(meanDx, dx, wh * ww, "mean dx");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(3)]
    public void Max_pooling_propagates_nan_on_both_paths(int channels)
    {
        var g = new PoolGeometry(4, 4, channels, 2, 2, 2, 2, 0, 0, 2, 2);
        foreach ((int row, int column) in new[] { (0, 0), (0, 1), (1, 0), (1, 1) })
        {
            // The window of output (0, 0), channel 2, with a NaN at each of its cells in turn (a whole 2 x 2 window takes
            // its cells without the loops), and in channel 1 a tie among the three cells after the first (the first of
            // them in row order wins).
            float[] x = Random(g.InputSize, 31);
            int nan = (((row * 4) + column) * channels) + 2;
            x[nan] = float.NaN;
            x[channels + 1] = x[(4 * channels) + 1] = x[(5 * channels) + 1] = 2f;
            x[1] = -5f;
            var y = new float[g.OutputSize];
            var argmax = new int[g.OutputSize];
            Pooling.MaxForward(g, x, y, argmax, 1);
            Assert.True(float.IsNaN(y[2]));
            Assert.Equal(nan, argmax[2]);
            Assert.Equal(1, y.Count(float.IsNaN));
            Assert.Equal(2f, y[1]);
            Assert.Equal(channels + 1, argmax[1]);
            var valuesOnly = new float[g.OutputSize];
            Pooling.MaxForward(g, x, valuesOnly, default, 1);
            Assert.Equal(y, valuesOnly);
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 9, 13)]
    [InlineData(2, 25, 64)]
    public void Global_average_pooling_matches_a_naive_loop(int batch, int pixels, int channels)
    {
        float[] x = Random(batch * pixels * channels, 21), dy = Random(batch * channels, 22);
        var mean = new double[batch * channels];
        var dx = new double[batch * pixels * channels];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                for (int p = 0; p < pixels; p++) mean[(b * channels) + c] += x[(((b * pixels) + p) * channels) + c] / (double)pixels;
                for (int p = 0; p < pixels; p++) dx[(((b * pixels) + p) * channels) + c] = dy[(b * channels) + c] / (double)pixels;
            }

        var y = new float[batch * channels];
        Pooling.GlobalAverageForward(x, y, batch, pixels, channels);
        AssertClose(mean, y, pixels, "mean");
        var actualDx = Random(batch * pixels * channels, 23);
        Pooling.GlobalAverageBackward(dy, actualDx, batch, pixels, channels);
        AssertClose(dx, actualDx, 1, "dx");
    }

    [Theory]
    [InlineData(1, 1, 1, 1, 1, 1)]
    [InlineData(3, 5, 7, 3, 2, 3)]
    [InlineData(2, 7, 7, 64, 2, 2)]
    [InlineData(1, 4, 3, 17, 1, 4)]
    public void Nearest_upsampling_matches_naive_loops(int batch, int h, int w, int channels, int fh, int fw)
    {
        int inputs = batch * h * w * channels, outputs = inputs * fh * fw;
        float[] x = Random(inputs, 31), dy = Random(outputs, 32), start = Random(inputs, 33);
        var y = new double[outputs];
        var dx = new double[inputs];
        var accumulated = new double[inputs];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < h * fh; oy++)
                for (int ox = 0; ox < w * fw; ox++)
                    for (int c = 0; c < channels; c++)
                    {
                        int from = (((((b * h) + (oy / fh)) * w) + (ox / fw)) * channels) + c, to = (((((b * h * fh) + oy) * w * fw) + ox) * channels) + c;
                        y[to] = x[from];
                        dx[from] += dy[to];
                    }

        for (int i = 0; i < inputs; i++) accumulated[i] = start[i] + dx[i];

        var actualY = Random(outputs, 34);
        Upsampling.NearestForward(x, actualY, batch, h, w, channels, fh, fw);
        AssertClose(y, actualY, 1, "y");
        var actualDx = Random(inputs, 35);
        Upsampling.NearestBackward(dy, actualDx, batch, h, w, channels, fh, fw);
        AssertClose(dx, actualDx, fh * fw, "dx");
        float[] sum = start.ToArray();
        Upsampling.NearestBackward(dy, sum, batch, h, w, channels, fh, fw, accumulate: true);
        AssertClose(accumulated, sum, (fh * fw) + 1, "dx accumulated");
    }

    [Fact]
    public void Upsampling_refuses_spans_too_short_for_its_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => Upsampling.NearestForward(new float[12], new float[47], 1, 2, 3, 2, 2, 2));
        Assert.Equal("For 1 sample(s) of 2x3x2 upsampled 2x2: the input side needs 12 values (has 12), y 48 (has 47).", error.Message);
        Assert.Throws<ArgumentException>(() => Upsampling.NearestBackward(new float[48], new float[11], 1, 2, 3, 2, 2, 2));
        Assert.Throws<ArgumentException>(() => Upsampling.NearestForward(new float[12], new float[48], 1, 2, 3, 2, 0, 2));
    }

    [Fact]
    public void Geometries_reject_sizes_that_do_not_make_a_layer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvolutionGeometry(4, 4, 1, 3, 3, 1, 1, 0, 0, 5, 2, 8)); // the fifth window starts past the input
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvolutionGeometry(4, 4, 1, 3, 3, 1, 1, 3, 0, 2, 2, 8)); // padding >= kernel
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoolGeometry(4, 4, 1, 2, 2, 0, 2, 0, 0, 2, 2)); // stride 0
        var error = Assert.Throws<ArgumentException>(() =>
            Convolution.Forward(new ConvolutionGeometry(4, 4, 1, 3, 3, 1, 1, 0, 0, 2, 2, 8), new float[15], new float[72], new float[8], new float[32], new float[100], 1, 4));
        Assert.Contains("x needs 16 values (has 15)", error.Message);
        error = Assert.Throws<ArgumentException>(() =>
            Convolution.Forward(new ConvolutionGeometry(4, 4, 1, 3, 3, 1, 1, 0, 0, 2, 2, 8), new float[16], new float[72], new float[8], new float[32], new float[100], 1, 4));
        Assert.Contains("scratch 120 (has 100)", error.Message); // 36 patch values, the kernel from value 48
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Convolution.Forward(new ConvolutionGeometry(4, 4, 1, 3, 3, 1, 1, 0, 0, 2, 2, 8), new float[16], new float[72], new float[8], new float[32], new float[100], 1, int.MaxValue / 9));
        Assert.Contains("fits in an array", tooMany.Message); // a scratch size past int.MaxValue, refused rather than wrapped
        Assert.Throws<ArgumentException>(() => Pooling.MaxForward(default, new float[4], new float[1], new int[1], 1));
    }

    /// <summary>batch, height, width, in channels, kernel, filters, pool window, pool stride, chunk rows (as output pixels per sample times a count).</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> PooledConvolutions => new()
    {
        { 5, 8, 8, 1, 3, 16, 2, 2, 2 }, // windows tiling the output, two samples per chunk and a last chunk of one
        { 3, 9, 9, 2, 3, 16, 2, 2, 1 }, // 7x7 pooled to 3x3: the last row and column are in no window
        { 4, 7, 8, 3, 2, 5, 3, 1, 3 }, // overlapping windows; five filters, none a whole vector
        { 2, 6, 6, 1, 3, 8, 2, 2, 4 }, // one chunk holds the whole batch
        { 3, 12, 13, 1, 3, 32, 2, 2, 2 }, // 32 filters, 10 x 11 pixels: the weight gradient read in place, sample by sample
    };

    /// <summary>The pooled forms give the values of the convolution and the pool one after the other, bit for bit, with and
    /// without ReLU's derivative in the pool, dx and accumulation.</summary>
    [Theory]
    [MemberData(nameof(PooledConvolutions))]
    public void Convolution_with_max_pooling_matches_the_two_calls(int batch, int h, int w, int cin, int k, int filters, int window, int stride, int samplesPerChunk)
    {
        var g = new ConvolutionGeometry(h, w, cin, k, k, 1, 1, 0, 0, h - k + 1, w - k + 1, filters);
        int ph = ((g.OutputHeight - window) / stride) + 1, pw = ((g.OutputWidth - window) / stride) + 1;
        var pool = new PoolGeometry(g.OutputHeight, g.OutputWidth, filters, window, window, stride, stride, 0, 0, ph, pw);
        int chunkRows = (samplesPerChunk * g.OutputPixels) + 1; // not a whole number of samples: the pooled forms round down
        float[] x = Random(batch * g.InputSize, 11), weights = Random(g.WeightCount, 12), bias = Random(filters, 13);
        var scratch = new float[g.PoolingScratchSize(chunkRows)];
        foreach (bool relu in new[] { false, true })
        {
            var y = new float[batch * g.OutputSize];
            var pooled = new float[batch * pool.OutputSize];
            var argmax = new int[pooled.Length];
            Convolution.Forward(g, x, weights, bias, y, scratch, batch, chunkRows, relu);
            Pooling.MaxForward(pool, y, pooled, argmax, batch);
            var fusedPooled = new float[pooled.Length];
            var fusedArgmax = new int[pooled.Length];
            Convolution.ForwardMaxPool(g, x, weights, bias, scratch, batch, chunkRows, relu, pool, fusedPooled, fusedArgmax);
            Assert.Equal(pooled, fusedPooled);
            Assert.Equal(argmax, fusedArgmax);
            var valuesOnly = new float[pooled.Length];
            Convolution.ForwardMaxPool(g, x, weights, bias, scratch, batch, chunkRows, relu, pool, valuesOnly, default);
            Assert.Equal(pooled, valuesOnly);

            float[] pooledGradient = Random(pooled.Length, 14);
            float[] reluOutput = relu ? pooled : [];
            foreach ((bool accumulate, bool withDx, bool addDx) in new[] { (false, true, false), (true, true, true), (false, false, false) })
            {
                var dy = new float[y.Length];
                float[] dx = Random(withDx ? x.Length : 0, 15), dw = Random(g.WeightCount, 16), db = Random(filters, 17);
                float[] fusedDx = dx.ToArray(), fusedDw = dw.ToArray(), fusedDb = db.ToArray();
                Pooling.MaxBackward(pool, pooledGradient, argmax, dy, batch, reluOutput: reluOutput);
                Convolution.Backward(g, x, weights, dy, dx, dw, db, scratch, batch, chunkRows, accumulate, addDx);
                Convolution.BackwardMaxPool(g, x, weights, pool, pooledGradient, argmax, reluOutput, fusedDx, fusedDw, fusedDb, scratch, batch, chunkRows, accumulate, addDx);
                Assert.Equal(dx, fusedDx);
                Assert.Equal(dw, fusedDw);
                Assert.Equal(db, fusedDb);
            }
        }

        // A chunk must hold a whole sample, and the scratch a chunk's output rows.
        Assert.Throws<ArgumentException>(() => Convolution.ForwardMaxPool(g, x, weights, bias, scratch, batch, g.OutputPixels - 1, false, pool, new float[batch * pool.OutputSize], new int[batch * pool.OutputSize]));
        var error = Assert.Throws<ArgumentException>(() => Convolution.ForwardMaxPool(g, x, weights, bias, new float[g.ScratchSize(chunkRows)], batch, chunkRows, false, pool, new float[batch * pool.OutputSize], new int[batch * pool.OutputSize]));
        Assert.Contains($"the scratch {g.PoolingScratchSize(chunkRows)} values", error.Message);
        Assert.Throws<ArgumentException>(() => Convolution.BackwardMaxPool(g, x, weights, pool, new float[(batch * pool.OutputSize) - 1], new int[batch * pool.OutputSize], default, default, new float[g.WeightCount], new float[filters], scratch, batch, chunkRows, false));
    }
}
