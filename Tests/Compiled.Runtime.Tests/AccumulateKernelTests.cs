using Compiled.Kernels;

namespace Compiled.Runtime.Tests;

/// <summary>
/// Every kernel that writes an input gradient can add it to what the buffer holds instead (a tensor read by two layers
/// receives the sum of both gradients): on odd sizes, accumulating onto a prior dx gives prior + the stored dx.
/// </summary>
public class AccumulateKernelTests
{
    private static float[] Random(int count, ulong seed)
    {
        var random = new Xoshiro(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextGaussian()).ToArray();
    }

    /// <summary>Runs <paramref name="write"/> storing into zeros and adding onto a random prior; checks the sum.</summary>
    private static void AssertAccumulates(int length, Action<float[], bool> write)
    {
        float[] stored = new float[length];
        write(stored, false);
        float[] prior = Random(length, 99);
        float[] added = (float[])prior.Clone();
        write(added, true);
        Assert.Contains(stored, v => v != 0f); // the case does write something
        for (int i = 0; i < length; i++)
        {
            Assert.True(Math.Abs(added[i] - (prior[i] + stored[i])) <= 1e-5f * (1 + Math.Abs(stored[i])), $"dx[{i}]: {added[i]} vs {prior[i]} + {stored[i]}");
        }
    }

    [Theory]
    [InlineData(1, 3, 5)]
    [InlineData(7, 13, 9)]
    [InlineData(6, 16, 33)]
    public void Dense_input_gradient(int batch, int inputs, int outputs)
    {
        float[] x = Random(batch * inputs, 1), w = Random(inputs * outputs, 2), dy = Random(batch * outputs, 3);
        AssertAccumulates(batch * inputs, (dx, accumulate) =>
            Dense.Backward(x, w, dy, dx, new float[inputs * outputs], new float[outputs], batch, inputs, outputs, accumulate: false, accumulateInputGradient: accumulate));
    }

    [Fact]
    public void Convolution_input_gradient()
    {
        var g = new ConvolutionGeometry(5, 6, 3, 3, 2, 2, 1, 1, 0, 3, 5, 4);
        const int Batch = 2;
        float[] x = Random(Batch * 5 * 6 * 3, 4), w = Random(3 * 2 * 3 * 4, 5), dy = Random(Batch * 3 * 5 * 4, 6);
        AssertAccumulates(x.Length, (dx, accumulate) =>
            Convolution.Backward(g, x, w, dy, dx, new float[w.Length], new float[4], new float[g.ScratchSize(7)], Batch, 7, accumulate: false, accumulateInputGradient: accumulate));
    }

    [Theory]
    [InlineData(4, 4, 8, 2, 2, 0, 0, 2)] // windows tile the input: the stored path, which accumulating must not take
    [InlineData(5, 5, 3, 3, 1, 1, 1, 5)] // overlapping, padded, channels past the last vector
    public void Pooling_input_gradients(int h, int w, int channels, int window, int stride, int pt, int pl, int output)
    {
        var g = new PoolGeometry(h, w, channels, window, window, stride, stride, pt, pl, output, output);
        const int Batch = 2;
        float[] x = Random(Batch * h * w * channels, 7), dy = Random(Batch * output * output * channels, 8);
        var y = new float[dy.Length];
        var argmax = new int[dy.Length];
        Pooling.MaxForward(g, x, y, argmax, Batch);
        AssertAccumulates(x.Length, (dx, accumulate) => Pooling.MaxBackward(g, dy, argmax, dx, Batch, accumulate));
        AssertAccumulates(x.Length, (dx, accumulate) => Pooling.AverageBackward(g, dy, dx, Batch, accumulate));
        AssertAccumulates(x.Length, (dx, accumulate) => Pooling.GlobalAverageBackward(dy.AsSpan(0, Batch * channels), dx, Batch, h * w, channels, accumulate));
    }

    [Fact]
    public void Elementwise_input_gradients()
    {
        float[] dy = Random(37, 9), mask = Random(37, 10);
        AssertAccumulates(37, (dx, accumulate) => Kernels.Dropout.Backward(dy, mask, dx, accumulate));
        AssertAccumulates(37, (dx, accumulate) => Addition.Backward(dy, dx, accumulate));
    }

    [Theory]
    [InlineData(3, 5)]
    [InlineData(4, 37)]
    public void Layer_norm_input_gradient(int rows, int features)
    {
        float[] x = Random(rows * features, 11), gain = Random(features, 12), bias = Random(features, 13), dy = Random(rows * features, 14);
        float[] y = new float[x.Length], mean = new float[rows], inverseStd = new float[rows];
        LayerNormalization.Forward(x, gain, bias, y, mean, inverseStd, rows, features, 1e-5f);
        AssertAccumulates(x.Length, (dx, accumulate) =>
            LayerNormalization.Backward(x, gain, dy, mean, inverseStd, dx, new float[features], new float[features], rows, features, accumulate: false, accumulateInputGradient: accumulate));
    }

    [Fact]
    public void Layer_norm_matches_its_definition()
    {
        const int Rows = 3, Features = 13;
        float[] x = Random(Rows * Features, 15), gain = Random(Features, 16), bias = Random(Features, 17);
        float[] y = new float[x.Length], mean = new float[Rows], inverseStd = new float[Rows];
        LayerNormalization.Forward(x, gain, bias, y, mean, inverseStd, Rows, Features, 1e-5f);
        for (int r = 0; r < Rows; r++)
        {
            double m = 0, variance = 0;
            for (int i = 0; i < Features; i++) m += x[(r * Features) + i] / (double)Features;
            for (int i = 0; i < Features; i++) variance += Math.Pow(x[(r * Features) + i] - m, 2) / Features;
            for (int i = 0; i < Features; i++)
            {
                double expected = ((x[(r * Features) + i] - m) / Math.Sqrt(variance + 1e-5) * gain[i]) + bias[i];
                Assert.True(Math.Abs(y[(r * Features) + i] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"y[{r}, {i}]: {y[(r * Features) + i]} vs {expected}");
            }
        }
    }

    [Theory]
    [InlineData(3, 37)]
    [InlineData(2, 1030)] // wider than the vector path's buffers: the scalar loop
    public void Layer_norm_backward_matches_its_formula_in_double(int rows, int features)
    {
        float[] x = Random(rows * features, 18), gain = Random(features, 19), bias = Random(features, 20), dy = Random(rows * features, 21);
        float[] y = new float[x.Length], mean = new float[rows], inverseStd = new float[rows];
        LayerNormalization.Forward(x, gain, bias, y, mean, inverseStd, rows, features, 1e-5f);
        float[] dx = new float[x.Length], dGain = new float[features], dBias = new float[features];
        LayerNormalization.Backward(x, gain, dy, mean, inverseStd, dx, dGain, dBias, rows, features, accumulate: false);
        var expectedGain = new double[features];
        var expectedBias = new double[features];
        for (int r = 0; r < rows; r++)
        {
            double m = 0, variance = 0;
            for (int i = 0; i < features; i++) m += x[(r * features) + i] / (double)features;
            for (int i = 0; i < features; i++) variance += Math.Pow(x[(r * features) + i] - m, 2) / features;
            double s = 1 / Math.Sqrt(variance + 1e-5), meanG = 0, meanGX = 0;
            double XHat(int i) => (x[(r * features) + i] - m) * s;
            for (int i = 0; i < features; i++)
            {
                double g = dy[(r * features) + i] * (double)gain[i];
                meanG += g / features;
                meanGX += g * XHat(i) / features;
                expectedGain[i] += dy[(r * features) + i] * XHat(i);
                expectedBias[i] += dy[(r * features) + i];
            }

            for (int i = 0; i < features; i++)
            {
                double expected = s * ((dy[(r * features) + i] * (double)gain[i]) - meanG - (XHat(i) * meanGX));
                Assert.True(Math.Abs(dx[(r * features) + i] - expected) <= 1e-4 * (1 + Math.Abs(expected)), $"dx[{r}, {i}]: {dx[(r * features) + i]} vs {expected}");
            }
        }

        for (int i = 0; i < features; i++)
        {
            Assert.True(Math.Abs(dGain[i] - expectedGain[i]) <= 1e-4 * (1 + Math.Abs(expectedGain[i])), $"dgain[{i}]");
            Assert.True(Math.Abs(dBias[i] - expectedBias[i]) <= 1e-5 * (1 + Math.Abs(expectedBias[i])), $"dbias[{i}]");
        }
    }
}
