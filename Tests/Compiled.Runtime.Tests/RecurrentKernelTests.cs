using Compiled.Kernels;

namespace Compiled.Runtime.Tests;

/// <summary>
/// <see cref="Recurrent"/> against naive double-precision loops on odd sizes (units and features not multiples of 8, one
/// step, batch 1 and odd batches, padded steps): the forward pass value by value, and the backward pass through
/// directional derivatives of L = sum(dy * y) over every input and parameter at once.
/// </summary>
public class RecurrentKernelTests
{
    public static TheoryData<RecurrentCell, bool, int, int, int, int, bool, bool> Cases()
    {
        var data = new TheoryData<RecurrentCell, bool, int, int, int, int, bool, bool>();
        foreach ((RecurrentCell cell, bool relu) in new[] { (RecurrentCell.Elman, false), (RecurrentCell.Elman, true), (RecurrentCell.Lstm, false), (RecurrentCell.Gru, false) })
        {
            data.Add(cell, relu, 1, 3, 13, 1, true, false);
            data.Add(cell, relu, 5, 11, 13, 3, false, false);
            data.Add(cell, relu, 4, 9, 17, 7, true, true);
            data.Add(cell, relu, 6, 16, 8, 2, false, true);
            data.Add(cell, relu, 3, 5, 33, 5, true, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_naive_loops(RecurrentCell cell, bool relu, int steps, int features, int units, int batch, bool returnSequences, bool padded)
    {
        var geometry = new RecurrentGeometry(cell, steps, features, units, returnSequences, relu);
        int width = geometry.GateWidth, rows = batch * steps;
        var random = new Xoshiro((ulong)((steps * 1000) + (units * 10) + batch));
        float[] Random(int n, float scale) => Enumerable.Range(0, n).Select(_ => scale * random.NextGaussian()).ToArray();
        float[] x = Random(rows * features, 1f), wih = Random(features * width, 0.4f), whh = Random(units * width, 0.4f), bih = Random(width, 0.3f), bhh = Random(width, 0.3f);
        float[] keep = padded ? Enumerable.Range(0, rows).Select(r => (r % steps) >= steps - (r / steps) || r % 5 == 2 ? 0f : 1f).ToArray() : Array.Empty<float>();

        var y = new float[batch * geometry.OutputSize];
        var gates = new float[rows * width];
        var previous = new float[rows * units];
        var cellStates = new float[batch * geometry.CellStateSize];
        var scratch = new float[geometry.ScratchSize(batch)];
        Recurrent.Forward(geometry, x, wih, whh, bih, bhh, y, gates, previous, cellStates, keep, default, scratch, batch);

        double[] expected = Naive(geometry, x.Select(v => (double)v).ToArray(), Doubles(wih), Doubles(whh), Doubles(bih), Doubles(bhh), keep, batch);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"y[{i}]: {y[i]} vs {expected[i]}");
        }

        float[] dy = Random(y.Length, 1f);
        var dx = new float[x.Length];
        var dwih = new float[wih.Length];
        var dwhh = new float[whh.Length];
        var dbih = new float[width];
        var dbhh = new float[width];
        var recurrentGradient = new float[cell == RecurrentCell.Gru ? rows * width : 0];
        Recurrent.Backward(geometry, x, wih, whh, dy, gates, previous, cellStates, recurrentGradient, keep, dx, dwih, dwhh, dbih, dbhh, scratch, batch, accumulate: false);

        // All inputs and parameters as one vector; L = sum(dy * y); its derivative along random directions.
        float[][] values = { x, wih, whh, bih, bhh };
        float[][] gradients = { dx, dwih, dwhh, dbih, dbhh };
        for (int direction = 0; direction < 4; direction++)
        {
            double[][] d = values.Select(v => v.Select(_ => (double)random.NextGaussian()).ToArray()).ToArray();
            double analytic = 0;
            for (int k = 0; k < values.Length; k++)
            {
                for (int i = 0; i < values[k].Length; i++) analytic += gradients[k][i] * d[k][i];
            }

            double Loss(double h)
            {
                double[][] moved = values.Select((v, k) => v.Select((value, i) => value + (h * d[k][i])).ToArray()).ToArray();
                double[] output = Naive(geometry, moved[0], moved[1], moved[2], moved[3], moved[4], keep, batch);
                return output.Select((o, i) => o * dy[i]).Sum();
            }

            const double H = 1e-5;
            double numeric = (Loss(H) - Loss(-H)) / (2 * H);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-3 * (1 + Math.Abs(numeric)), $"direction {direction}: analytic {analytic}, numeric {numeric}");
        }

        // Accumulating adds the same gradients again.
        float[] once = dwhh.ToArray();
        Recurrent.Forward(geometry, x, wih, whh, bih, bhh, y, gates, previous, cellStates, keep, default, scratch, batch);
        Recurrent.Backward(geometry, x, wih, whh, dy, gates, previous, cellStates, recurrentGradient, keep, dx, dwih, dwhh, dbih, dbhh, scratch, batch, accumulate: true);
        for (int i = 0; i < once.Length; i++)
        {
            Assert.True(Math.Abs(dwhh[i] - (2 * once[i])) <= 1e-5 * (1 + Math.Abs(once[i])), $"accumulated dW_hh[{i}]");
        }
    }

    [Fact]
    public void The_kernel_refuses_short_buffers_and_bad_geometry()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentGeometry(RecurrentCell.Lstm, 0, 3, 4, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentGeometry(RecurrentCell.Gru, 3, 3, 4, true, relu: true));
        var geometry = new RecurrentGeometry(RecurrentCell.Lstm, 3, 2, 4, returnSequences: true);
        ArgumentException e = Assert.Throws<ArgumentException>(() => Recurrent.Forward(
            geometry, new float[12], new float[2 * 16], new float[4 * 16], new float[16], new float[16], new float[24], new float[48], new float[24], new float[48], default, default, new float[geometry.ScratchSize(2) - 1], 2));
        Assert.Contains("scratch", e.Message);
        Assert.Throws<ArgumentException>(() => Recurrent.Forward(
            default, new float[12], new float[2 * 16], new float[4 * 16], new float[16], new float[16], new float[24], new float[48], new float[24], new float[48], default, default, new float[100], 2));
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    /// <summary>PyTorch's equations, one sample and one step at a time, in double precision.</summary>
    private static double[] Naive(in RecurrentGeometry g, double[] x, double[] wih, double[] whh, double[] bih, double[] bhh, float[] keep, int batch)
    {
        int steps = g.Steps, features = g.Features, units = g.Units, width = g.GateWidth;
        var y = new double[batch * g.OutputSize];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[units];
            var c = new double[units];
            for (int t = 0; t < steps; t++)
            {
                int row = (b * steps) + t;
                if (keep.Length > 0 && keep[row] == 0f)
                {
                    continue; // the state carries over; a returned sequence has zeros here
                }

                var gx = new double[width];
                var gh = new double[width];
                for (int j = 0; j < width; j++)
                {
                    gx[j] = bih[j];
                    gh[j] = bhh[j];
                    for (int f = 0; f < features; f++) gx[j] += x[(row * features) + f] * wih[(f * width) + j];
                    for (int k = 0; k < units; k++) gh[j] += h[k] * whh[(k * width) + j];
                }

                double[] next = ReferenceNetwork.RecurrentStep(g.Cell, g.Relu, gx, gh, h, c);
                h = next;
                if (g.ReturnSequences)
                {
                    Array.Copy(h, 0, y, row * units, units);
                }
            }

            if (!g.ReturnSequences)
            {
                Array.Copy(h, 0, y, b * units, units);
            }
        }

        return y;
    }
}
