namespace Compiled.Benchmarks;

/// <summary>
/// A two-layer MLP written plainly by hand (scalar loops, weights [in, out], one allocation-free buffer set), as the
/// baseline Compiled's generated code is compared with in the same run. Hidden activation ReLU or tanh; output
/// identity; loss softmax cross-entropy (classes &gt; 1) or mean squared error (one output); plain SGD.
/// </summary>
public sealed class NaiveMlp
{
    private readonly int _in, _hidden, _out, _maxBatch;
    private readonly bool _tanh;
    private readonly float[] _w1, _b1, _w2, _b2, _gw1, _gb1, _gw2, _gb2, _h, _o, _dh, _do;

    public NaiveMlp(int inputs, int hidden, int outputs, int maxBatch, bool tanh, int seed)
    {
        (_in, _hidden, _out, _maxBatch, _tanh) = (inputs, hidden, outputs, maxBatch, tanh);
        var random = new Random(seed);
        _w1 = Enumerable.Range(0, inputs * hidden).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
        _w2 = Enumerable.Range(0, hidden * outputs).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
        _b1 = new float[hidden];
        _b2 = new float[outputs];
        _gw1 = new float[_w1.Length];
        _gb1 = new float[hidden];
        _gw2 = new float[_w2.Length];
        _gb2 = new float[outputs];
        _h = new float[maxBatch * hidden];
        _o = new float[maxBatch * outputs];
        _dh = new float[maxBatch * hidden];
        _do = new float[maxBatch * outputs];
    }

    public void Predict(ReadOnlySpan<float> x, Span<float> output, int batch)
    {
        Forward(x, batch);
        _o.AsSpan(0, batch * _out).CopyTo(output);
    }

    private void Forward(ReadOnlySpan<float> x, int batch)
    {
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < _hidden; j++)
            {
                float z = _b1[j];
                for (int i = 0; i < _in; i++) z += x[(r * _in) + i] * _w1[(i * _hidden) + j];
                _h[(r * _hidden) + j] = _tanh ? MathF.Tanh(z) : MathF.Max(z, 0f);
            }

            for (int k = 0; k < _out; k++)
            {
                float z = _b2[k];
                for (int j = 0; j < _hidden; j++) z += _h[(r * _hidden) + j] * _w2[(j * _out) + k];
                _o[(r * _out) + k] = z;
            }
        }
    }

    public float TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<float> targets, int batch, float learningRate)
    {
        if (batch > _maxBatch) throw new ArgumentException("batch");
        Forward(x, batch);
        float loss = 0;
        for (int r = 0; r < batch; r++)
        {
            if (_out == 1)
            {
                float d = _o[r] - targets[r];
                loss += d * d / batch;
                _do[r] = 2 * d / batch;
                continue;
            }

            float max = float.NegativeInfinity, sum = 0;
            for (int k = 0; k < _out; k++) max = MathF.Max(max, _o[(r * _out) + k]);
            for (int k = 0; k < _out; k++) sum += MathF.Exp(_o[(r * _out) + k] - max);
            for (int k = 0; k < _out; k++)
            {
                float p = MathF.Exp(_o[(r * _out) + k] - max) / sum;
                float t = targets[(r * _out) + k];
                loss -= t * MathF.Log(p) / batch;
                _do[(r * _out) + k] = (p - t) / batch;
            }
        }

        Array.Clear(_gw1);
        Array.Clear(_gb1);
        Array.Clear(_gw2);
        Array.Clear(_gb2);
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < _hidden; j++)
            {
                float dh = 0;
                float h = _h[(r * _hidden) + j];
                for (int k = 0; k < _out; k++)
                {
                    float d = _do[(r * _out) + k];
                    _gw2[(j * _out) + k] += h * d;
                    dh += d * _w2[(j * _out) + k];
                }

                _dh[(r * _hidden) + j] = _tanh ? dh * (1 - (h * h)) : (h > 0 ? dh : 0);
            }

            for (int k = 0; k < _out; k++) _gb2[k] += _do[(r * _out) + k];
            for (int i = 0; i < _in; i++)
            {
                float xi = x[(r * _in) + i];
                for (int j = 0; j < _hidden; j++) _gw1[(i * _hidden) + j] += xi * _dh[(r * _hidden) + j];
            }

            for (int j = 0; j < _hidden; j++) _gb1[j] += _dh[(r * _hidden) + j];
        }

        for (int i = 0; i < _w1.Length; i++) _w1[i] -= learningRate * _gw1[i];
        for (int i = 0; i < _b1.Length; i++) _b1[i] -= learningRate * _gb1[i];
        for (int i = 0; i < _w2.Length; i++) _w2[i] -= learningRate * _gw2[i];
        for (int i = 0; i < _b2.Length; i++) _b2[i] -= learningRate * _gb2[i];
        return loss;
    }
}
