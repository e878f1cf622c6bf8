namespace Compiled.Benchmarks;

/// <summary>
/// The Elman character model written the way a careful developer would by hand (plain loops over float arrays, no
/// vectorization): h_t = tanh(x_t W_ih + b_ih + h_{t-1} W_hh + b_hh), logits_t = h_t W + b, softmax cross-entropy per
/// step, backpropagation through time and SGD. The baseline the recurrent benchmarks are measured against in the same run.
/// </summary>
public sealed class NaiveRnn
{
    private readonly int _steps, _features, _units, _classes;
    private readonly float[] _wih, _whh, _bih, _bhh, _w, _b;
    private readonly float[] _gwih, _gwhh, _gbih, _gbhh, _gw, _gb;
    private readonly float[] _h, _logits, _dh, _dnext, _dz;

    public NaiveRnn(int steps, int features, int units, int classes, int maxBatch, int seed)
    {
        (_steps, _features, _units, _classes) = (steps, features, units, classes);
        var random = new Xoshiro((ulong)seed);
        float limit = 1f / MathF.Sqrt(units);
        float[] Uniform(int n) => Enumerable.Range(0, n).Select(_ => limit * ((2 * random.NextSingle()) - 1)).ToArray();
        (_wih, _whh, _bih, _bhh, _w, _b) = (Uniform(features * units), Uniform(units * units), Uniform(units), Uniform(units), Uniform(units * classes), Uniform(classes));
        (_gwih, _gwhh, _gbih, _gbhh, _gw, _gb) = (new float[_wih.Length], new float[_whh.Length], new float[units], new float[units], new float[_w.Length], new float[classes]);
        _h = new float[maxBatch * (steps + 1) * units];
        _logits = new float[maxBatch * steps * classes];
        (_dh, _dnext, _dz) = (new float[units], new float[units], new float[classes]);
    }

    /// <summary>The logits of every step of <paramref name="batch"/> sequences.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> logits, int batch)
    {
        int u = _units;
        for (int s = 0; s < batch; s++)
        {
            Array.Clear(_h, s * (_steps + 1) * u, u);
            for (int t = 0; t < _steps; t++)
            {
                int previous = ((s * (_steps + 1)) + t) * u, current = previous + u, input = ((s * _steps) + t) * _features;
                for (int j = 0; j < u; j++)
                {
                    float z = _bih[j] + _bhh[j];
                    for (int i = 0; i < _features; i++) z += x[input + i] * _wih[(i * u) + j];
                    for (int k = 0; k < u; k++) z += _h[previous + k] * _whh[(k * u) + j];
                    _h[current + j] = MathF.Tanh(z);
                }

                int output = ((s * _steps) + t) * _classes;
                for (int c = 0; c < _classes; c++)
                {
                    float z = _b[c];
                    for (int k = 0; k < u; k++) z += _h[current + k] * _w[(k * _classes) + c];
                    logits[output + c] = z;
                }
            }
        }
    }

    /// <summary>One SGD step on <paramref name="batch"/> sequences and their labels (one per step); returns the mean loss.</summary>
    public float TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, int batch, float learningRate)
    {
        Forward(x, _logits, batch);
        Array.Clear(_gwih);
        Array.Clear(_gwhh);
        Array.Clear(_gbih);
        Array.Clear(_gbhh);
        Array.Clear(_gw);
        Array.Clear(_gb);
        int u = _units, rows = batch * _steps;
        float loss = 0;
        for (int s = 0; s < batch; s++)
        {
            Array.Clear(_dnext);
            for (int t = _steps - 1; t >= 0; t--)
            {
                int row = (s * _steps) + t, current = ((s * (_steps + 1)) + t + 1) * u, previous = current - u;
                float max = float.MinValue;
                for (int c = 0; c < _classes; c++) max = MathF.Max(max, _logits[(row * _classes) + c]);
                float sum = 0;
                for (int c = 0; c < _classes; c++) sum += MathF.Exp(_logits[(row * _classes) + c] - max);
                loss += MathF.Log(sum) + max - _logits[(row * _classes) + labels[row]];
                for (int c = 0; c < _classes; c++)
                {
                    _dz[c] = (MathF.Exp(_logits[(row * _classes) + c] - max) / sum - (c == labels[row] ? 1 : 0)) / rows;
                    _gb[c] += _dz[c];
                }

                for (int k = 0; k < u; k++)
                {
                    float d = _dnext[k];
                    for (int c = 0; c < _classes; c++)
                    {
                        _gw[(k * _classes) + c] += _h[current + k] * _dz[c];
                        d += _w[(k * _classes) + c] * _dz[c];
                    }

                    _dh[k] = d * (1 - (_h[current + k] * _h[current + k]));
                }

                int input = row * _features;
                for (int j = 0; j < u; j++)
                {
                    _gbih[j] += _dh[j];
                    _gbhh[j] += _dh[j];
                    for (int i = 0; i < _features; i++) _gwih[(i * u) + j] += x[input + i] * _dh[j];
                }

                for (int k = 0; k < u; k++)
                {
                    float d = 0;
                    for (int j = 0; j < u; j++)
                    {
                        _gwhh[(k * u) + j] += _h[previous + k] * _dh[j];
                        d += _whh[(k * u) + j] * _dh[j];
                    }

                    _dnext[k] = d;
                }
            }
        }

        foreach ((float[] p, float[] g) in new[] { (_wih, _gwih), (_whh, _gwhh), (_bih, _gbih), (_bhh, _gbhh), (_w, _gw), (_b, _gb) })
        {
            for (int i = 0; i < p.Length; i++) p[i] -= learningRate * g[i];
        }

        return loss / rows;
    }
}
