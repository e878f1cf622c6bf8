namespace Compiled.Benchmarks;

/// <summary>
/// The seed CNN (28x28x1 -> conv 3x3x32 -> max pool 2 -> conv 3x3x64 -> max pool 2 -> conv 3x3x64 -> 576 -> 64 -> 10, ReLU,
/// softmax cross-entropy, Adam) written plainly by hand: direct convolution loops over channels-last float arrays, no
/// vectorization, buffers allocated once. The baseline the generated CNN is compared with in the same run.
/// </summary>
public sealed class NaiveCnn
{
    private sealed class Conv(int h, int w, int cin, int cout)
    {
        public readonly int H = h, W = w, Cin = cin, Cout = cout, Oh = h - 2, Ow = w - 2;
        public int Weights => 9 * Cin * Cout;
    }

    private readonly Conv _c1 = new(28, 28, 1, 32), _c2 = new(13, 13, 32, 64), _c3 = new(5, 5, 64, 64);
    private readonly int _maxBatch;
    private readonly float[] _p, _g, _m, _v;
    private readonly int _c1w, _c1b, _c2w, _c2b, _c3w, _c3b, _d1w, _d1b, _d2w, _d2b;
    private readonly float[] _a1, _p1, _a2, _p2, _a3, _h, _o, _d1, _d2, _d3, _d4, _d5, _dh, _do;
    private readonly int[] _i1, _i2;
    private int _step;

    public NaiveCnn(int maxBatch, int seed)
    {
        _maxBatch = maxBatch;
        int offset = 0;
        int Take(int count) { int at = offset; offset += count; return at; }
        (_c1w, _c1b) = (Take(_c1.Weights), Take(32));
        (_c2w, _c2b) = (Take(_c2.Weights), Take(64));
        (_c3w, _c3b) = (Take(_c3.Weights), Take(64));
        (_d1w, _d1b) = (Take(576 * 64), Take(64));
        (_d2w, _d2b) = (Take(64 * 10), Take(10));
        var random = new Random(seed);
        _p = Enumerable.Range(0, offset).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
        (_g, _m, _v) = (new float[offset], new float[offset], new float[offset]);
        float[] Rows(int size) => new float[maxBatch * size];
        (_a1, _p1, _a2, _p2, _a3) = (Rows(26 * 26 * 32), Rows(13 * 13 * 32), Rows(11 * 11 * 64), Rows(5 * 5 * 64), Rows(576));
        (_h, _o) = (Rows(64), Rows(10));
        (_d1, _d2, _d3, _d4, _d5) = (Rows(26 * 26 * 32), Rows(13 * 13 * 32), Rows(11 * 11 * 64), Rows(5 * 5 * 64), Rows(576));
        (_dh, _do) = (Rows(64), Rows(10));
        (_i1, _i2) = (new int[maxBatch * 13 * 13 * 32], new int[maxBatch * 5 * 5 * 64]);
    }

    public void Predict(ReadOnlySpan<float> x, Span<float> logits, int batch)
    {
        Forward(x, batch);
        _o.AsSpan(0, batch * 10).CopyTo(logits);
    }

    public float TrainStepAdam(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, int batch, float learningRate)
    {
        if (batch > _maxBatch) throw new ArgumentException("batch");
        Forward(x, batch);
        float loss = 0;
        for (int r = 0; r < batch; r++)
        {
            float max = float.NegativeInfinity;
            for (int k = 0; k < 10; k++) max = MathF.Max(max, _o[(r * 10) + k]);
            float sum = 0;
            for (int k = 0; k < 10; k++) sum += MathF.Exp(_o[(r * 10) + k] - max);
            for (int k = 0; k < 10; k++)
            {
                float probability = MathF.Exp(_o[(r * 10) + k] - max) / sum;
                _do[(r * 10) + k] = (probability - (k == labels[r] ? 1f : 0f)) / batch;
            }

            loss -= (_o[(r * 10) + labels[r]] - max - MathF.Log(sum)) / batch;
        }

        Array.Clear(_g);
        DenseBackward(_h, _do, _dh, _d2w, _d2b, batch, 64, 10);
        for (int i = 0; i < batch * 64; i++) if (_h[i] <= 0) _dh[i] = 0;
        DenseBackward(_a3, _dh, _d5, _d1w, _d1b, batch, 576, 64);
        for (int i = 0; i < batch * 576; i++) if (_a3[i] <= 0) _d5[i] = 0;
        ConvBackward(_c3, _p2, _d5, _d4, _c3w, _c3b, batch);
        PoolBackward(_d4, _i2, _d3, batch * 5 * 5 * 64, batch * 11 * 11 * 64);
        for (int i = 0; i < batch * 11 * 11 * 64; i++) if (_a2[i] <= 0) _d3[i] = 0;
        ConvBackward(_c2, _p1, _d3, _d2, _c2w, _c2b, batch);
        PoolBackward(_d2, _i1, _d1, batch * 13 * 13 * 32, batch * 26 * 26 * 32);
        for (int i = 0; i < batch * 26 * 26 * 32; i++) if (_a1[i] <= 0) _d1[i] = 0;
        ConvBackward(_c1, x, _d1, null, _c1w, _c1b, batch);

        _step++;
        float c1 = 1 - MathF.Pow(0.9f, _step), c2 = 1 - MathF.Pow(0.999f, _step);
        for (int i = 0; i < _p.Length; i++)
        {
            _m[i] = (0.9f * _m[i]) + (0.1f * _g[i]);
            _v[i] = (0.999f * _v[i]) + (0.001f * _g[i] * _g[i]);
            _p[i] -= learningRate * (_m[i] / c1) / (MathF.Sqrt(_v[i] / c2) + 1e-7f);
        }

        return loss;
    }

    private void Forward(ReadOnlySpan<float> x, int batch)
    {
        ConvForward(_c1, x, _a1, _c1w, _c1b, batch);
        Pool(_a1, _p1, _i1, 26, 26, 32, 13, 13, batch);
        ConvForward(_c2, _p1, _a2, _c2w, _c2b, batch);
        Pool(_a2, _p2, _i2, 11, 11, 64, 5, 5, batch);
        ConvForward(_c3, _p2, _a3, _c3w, _c3b, batch);
        Dense(_a3, _h, _d1w, _d1b, batch, 576, 64, relu: true);
        Dense(_h, _o, _d2w, _d2b, batch, 64, 10, relu: false);
    }

    private void ConvForward(Conv c, ReadOnlySpan<float> x, float[] y, int w, int b, int batch)
    {
        for (int n = 0; n < batch; n++)
            for (int oy = 0; oy < c.Oh; oy++)
                for (int ox = 0; ox < c.Ow; ox++)
                    for (int f = 0; f < c.Cout; f++)
                    {
                        float sum = _p[b + f];
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++)
                                for (int i = 0; i < c.Cin; i++)
                                    sum += x[(((((n * c.H) + oy + ky) * c.W) + ox + kx) * c.Cin) + i] * _p[w + (((((ky * 3) + kx) * c.Cin) + i) * c.Cout) + f];
                        y[(((((n * c.Oh) + oy) * c.Ow) + ox) * c.Cout) + f] = MathF.Max(sum, 0f);
                    }
    }

    private void ConvBackward(Conv c, ReadOnlySpan<float> x, float[] dy, float[]? dx, int w, int b, int batch)
    {
        if (dx is not null) Array.Clear(dx, 0, batch * c.H * c.W * c.Cin);
        for (int n = 0; n < batch; n++)
            for (int oy = 0; oy < c.Oh; oy++)
                for (int ox = 0; ox < c.Ow; ox++)
                    for (int f = 0; f < c.Cout; f++)
                    {
                        float d = dy[(((((n * c.Oh) + oy) * c.Ow) + ox) * c.Cout) + f];
                        _g[b + f] += d;
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++)
                                for (int i = 0; i < c.Cin; i++)
                                {
                                    int xi = (((((n * c.H) + oy + ky) * c.W) + ox + kx) * c.Cin) + i, wi = w + (((((ky * 3) + kx) * c.Cin) + i) * c.Cout) + f;
                                    _g[wi] += x[xi] * d;
                                    if (dx is not null) dx[xi] += _p[wi] * d;
                                }
                    }
    }

    private static void Pool(float[] x, float[] y, int[] argmax, int h, int w, int c, int oh, int ow, int batch)
    {
        for (int n = 0; n < batch; n++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int i = 0; i < c; i++)
                    {
                        float best = float.NegativeInfinity;
                        int at = 0;
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++)
                            {
                                int xi = (((((n * h) + (2 * oy) + dy) * w) + (2 * ox) + dx) * c) + i;
                                if (x[xi] > best) (best, at) = (x[xi], xi);
                            }

                        int o = (((((n * oh) + oy) * ow) + ox) * c) + i;
                        (y[o], argmax[o]) = (best, at);
                    }
    }

    private static void PoolBackward(float[] dy, int[] argmax, float[] dx, int outputs, int inputs)
    {
        Array.Clear(dx, 0, inputs);
        for (int o = 0; o < outputs; o++) dx[argmax[o]] += dy[o];
    }

    private void Dense(float[] x, float[] y, int w, int b, int batch, int n, int m, bool relu)
    {
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < m; j++)
            {
                float z = _p[b + j];
                for (int i = 0; i < n; i++) z += x[(r * n) + i] * _p[w + (i * m) + j];
                y[(r * m) + j] = relu ? MathF.Max(z, 0f) : z;
            }
    }

    private void DenseBackward(float[] x, float[] dy, float[] dx, int w, int b, int batch, int n, int m)
    {
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < m; j++)
            {
                float d = dy[(r * m) + j];
                _g[b + j] += d;
                for (int i = 0; i < n; i++) _g[w + (i * m) + j] += x[(r * n) + i] * d;
            }

            for (int i = 0; i < n; i++)
            {
                float sum = 0;
                for (int j = 0; j < m; j++) sum += dy[(r * m) + j] * _p[w + (i * m) + j];
                dx[(r * n) + i] = sum;
            }
        }
    }
}
