using Compiled.Kernels;

namespace Compiled.Runtime.Tests;

/// <summary>
/// <see cref="Attention"/> against naive double-precision loops on odd sizes (head sizes not multiples of 8, one step,
/// batch 1 and odd batches, causal or not, with attention dropout): the forward pass value by value, and the backward
/// pass through directional derivatives of L = sum(dy * y) over every input and parameter at once, with the dropout
/// mask the forward pass drew held fixed.
/// </summary>
public class AttentionKernelTests
{
    public static TheoryData<int, int, int, bool, float, int> Cases() => new()
    {
        { 1, 4, 1, false, 0f, 1 },
        { 1, 6, 2, true, 0f, 2 },
        { 5, 6, 3, true, 0f, 3 },
        { 7, 9, 3, false, 0f, 2 },
        { 9, 20, 4, true, 0f, 1 },
        { 6, 10, 2, false, 0.3f, 3 },
        { 24, 64, 4, true, 0.1f, 2 },
        { 17, 33, 1, true, 0f, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_naive_loops(int steps, int width, int heads, bool causal, float dropout, int batch)
    {
        var geometry = new AttentionGeometry(steps, width, heads, causal, dropout);
        int rows = batch * steps;
        var random = new Xoshiro((ulong)((steps * 1000) + (width * 10) + batch));
        float[] Random(int n, float scale) => Enumerable.Range(0, n).Select(_ => scale * random.NextGaussian()).ToArray();
        // Weights of the size initialisation gives (about 1/sqrt(width)), times two so that the softmax is far from uniform.
        float scale = 2f / MathF.Sqrt(width);
        float[] x = Random(rows * width, 1f), wAttn = Random(width * 3 * width, scale), bAttn = Random(3 * width, 0.3f), wProj = Random(width * width, scale), bProj = Random(width, 0.3f);

        var y = new float[rows * width];
        var projections = new float[batch * geometry.ProjectionSize];
        var weights = new float[batch * geometry.WeightsSize];
        var attended = new float[batch * geometry.AttendedSize];
        var mask = new float[dropout > 0f ? batch * geometry.WeightsSize : 0];
        var scratch = new float[geometry.ScratchSize(batch)];
        ulong state = 12345;
        Attention.Forward(geometry, x, wAttn, bAttn, wProj, bProj, y, projections, weights, attended, mask, scratch, batch, training: true, ref state);
        if (dropout > 0f)
        {
            Assert.Contains(0f, mask);
            Assert.Contains(1f / (1f - dropout), mask);
        }

        // The reference over the batch, with the dropout mask the forward pass drew (or none).
        double[] Naive(double[][] v, bool masked = true)
        {
            var output = new List<double>();
            for (int b = 0; b < batch; b++)
            {
                output.AddRange(ReferenceNetwork.Attention(v[0].AsSpan(b * steps * width, steps * width).ToArray(), steps, width, heads, causal, v[1], v[2], v[3], v[4],
                    !masked || mask.Length == 0 ? default : mask.AsSpan(b * geometry.WeightsSize, geometry.WeightsSize)));
            }

            return output.ToArray();
        }

        float[][] values = { x, wAttn, bAttn, wProj, bProj };
        double[] expected = Naive(values.Select(Doubles).ToArray());
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"y[{i}]: {y[i]} vs {expected[i]}");
        }

        // Inference: no dropout, and the same as training without it.
        var inferred = new float[y.Length];
        Attention.Forward(geometry, x, wAttn, bAttn, wProj, bProj, inferred, projections, weights, attended, scratch, batch);
        double[] undropped = Naive(values.Select(Doubles).ToArray(), masked: false);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(inferred[i] - undropped[i]) <= 1e-5 * (1 + Math.Abs(undropped[i])), $"inference y[{i}]: {inferred[i]} vs {undropped[i]}");
        }

        // The backward pass reads what the training forward pass kept.
        state = 12345;
        Attention.Forward(geometry, x, wAttn, bAttn, wProj, bProj, y, projections, weights, attended, mask, scratch, batch, training: true, ref state);
        float[] dy = Random(y.Length, 1f);
        var dx = new float[x.Length];
        float[][] gradients = { dx, new float[wAttn.Length], new float[bAttn.Length], new float[wProj.Length], new float[bProj.Length] };
        Attention.Backward(geometry, x, wAttn, wProj, dy, projections, weights, attended, mask, dx, gradients[1], gradients[2], gradients[3], gradients[4], scratch, batch, accumulate: false);

        for (int direction = 0; direction < 4; direction++)
        {
            double[][] d = values.Select(v => v.Select(_ => (double)random.NextGaussian()).ToArray()).ToArray();
            double analytic = 0;
            for (int k = 0; k < values.Length; k++)
            {
                for (int i = 0; i < values[k].Length; i++) analytic += gradients[k][i] * d[k][i];
            }

            double Loss(double h) => Naive(values.Select((v, k) => v.Select((value, i) => value + (h * d[k][i])).ToArray()).ToArray()).Select((o, i) => o * dy[i]).Sum();
            const double H = 1e-5;
            double numeric = (Loss(H) - Loss(-H)) / (2 * H);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-3 * (1 + Math.Abs(numeric)), $"direction {direction}: analytic {analytic}, numeric {numeric}");
        }

        // Accumulating adds the same gradients again, and an input gradient added to one already there.
        float[] once = gradients[1].ToArray(), dxOnce = dx.ToArray();
        Attention.Backward(geometry, x, wAttn, wProj, dy, projections, weights, attended, mask, dx, gradients[1], gradients[2], gradients[3], gradients[4], scratch, batch, accumulate: true, accumulateInputGradient: true);
        for (int i = 0; i < once.Length; i++)
        {
            Assert.True(Math.Abs(gradients[1][i] - (2 * once[i])) <= 1e-5 * (1 + Math.Abs(once[i])), $"accumulated dW_attn[{i}]");
        }

        for (int i = 0; i < dx.Length; i++)
        {
            Assert.True(Math.Abs(dx[i] - (2 * dxOnce[i])) <= 1e-5 * (1 + Math.Abs(dxOnce[i])), $"accumulated dx[{i}]");
        }
    }

    [Fact]
    public void The_softmax_is_stable_for_large_scores()
    {
        // exp(100) alone overflows a float: each row's maximum must be subtracted first. Causal rows of 1, 2, 3 and 11 seen
        // values (the block's exponentials are one vector call), then a full row.
        const int Steps = 11;
        var scores = new float[Steps * Steps];
        float[] last = { 3f, 1000f, 999f, -50f, 0f, 1000f, 88f, 89f, 90f, 500f, 1000f };
        scores[0] = 100f;
        scores[Steps] = 500f;
        scores[Steps + 1] = -1000f;
        scores[2 * Steps] = 1000f;
        scores[(2 * Steps) + 1] = 1000f;
        scores[(2 * Steps) + 2] = 999f;
        last.CopyTo(scores, (Steps - 1) * Steps);
        Attention.SoftmaxRows(scores, Steps, causal: true, scale: 1f);
        for (int t = 0; t < Steps; t++)
        {
            float[] row = scores[(t * Steps)..((t + 1) * Steps)];
            Assert.All(row, s => Assert.True(float.IsFinite(s) && s >= 0f));
            Assert.Equal(1.0, row.Sum(s => (double)s), 5);
            Assert.All(row[(t + 1)..], s => Assert.Equal(0f, s)); // the steps row t does not see
        }

        Assert.Equal(1f, scores[0]);
        Assert.Equal(1f, scores[Steps], 6);
        Assert.Equal(0f, scores[Steps + 1]);
        double e = Math.Exp(-1);
        Assert.True(Math.Abs((1 / (2 + e)) - scores[2 * Steps]) < 1e-6);
        float[] full = scores[((Steps - 1) * Steps)..];
        Assert.True(Math.Abs((1 / (3 + e)) - full[1]) < 1e-6, $"{full[1]}");
        Assert.True(Math.Abs((e / (3 + e)) - full[2]) < 1e-6, $"{full[2]}");
        Assert.Equal(full[1], full[10]);
        Assert.Equal(0f, full[0]);
    }

    [Fact]
    public void The_kernel_refuses_short_buffers_and_bad_geometry()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AttentionGeometry(4, 6, 4, causal: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AttentionGeometry(0, 6, 2, causal: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AttentionGeometry(4, 6, 2, causal: false, dropout: 1f));
        var geometry = new AttentionGeometry(3, 4, 2, causal: true);
        ArgumentException e = Assert.Throws<ArgumentException>(() => Attention.Forward(
            geometry, new float[24], new float[48], new float[12], new float[16], new float[4], new float[24], new float[72], new float[36], new float[24], new float[geometry.ScratchSize(2) - 1], 2));
        Assert.Contains("scratch", e.Message);
        Assert.Throws<ArgumentException>(() => Attention.Forward(
            default, new float[24], new float[48], new float[12], new float[16], new float[4], new float[24], new float[72], new float[36], new float[24], new float[1000], 2));
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();
}
