namespace Compiled.Runtime.Tests;

/// <summary>
/// A plain double-precision implementation of a dense network and its losses, written from the definitions, to check
/// the generated float code against: the loss, and (through central differences on it) every gradient.
/// </summary>
internal sealed class ReferenceNetwork
{
    private readonly (int In, int Out, int WeightOffset, int BiasOffset, Activation Activation)[] _layers;

    public ReferenceNetwork(INetwork network, Activation hidden)
    {
        var tensors = network.Tensors;
        var layers = new List<(int, int, int, int, Activation)>();
        for (int i = 0; i < tensors.Count; i += 2)
        {
            bool last = i == tensors.Count - 2;
            layers.Add((tensors[i].Shape[0], tensors[i].Shape[1], tensors[i].Offset, tensors[i + 1].Offset, last ? Activation.Identity : hidden));
        }

        _layers = layers.ToArray();
    }

    public double[] Forward(double[] p, float[] x, int batch)
    {
        double[] a = x.Select(v => (double)v).ToArray();
        foreach (var (n, m, w, b, activation) in _layers)
        {
            var y = new double[batch * m];
            for (int r = 0; r < batch; r++)
            {
                for (int j = 0; j < m; j++)
                {
                    double z = p[b + j];
                    for (int i = 0; i < n; i++)
                    {
                        z += a[(r * n) + i] * p[w + (i * m) + j];
                    }

                    y[(r * m) + j] = z;
                }

                Activate(y.AsSpan(r * m, m), activation);
            }

            a = y;
        }

        return a;
    }

    public static void Activate(Span<double> row, Activation activation, double negativeSlope = 0.01)
    {
        switch (activation)
        {
            case Activation.Relu:
                for (int j = 0; j < row.Length; j++) row[j] = Math.Max(row[j], 0);
                break;
            case Activation.LeakyRelu:
                for (int j = 0; j < row.Length; j++) row[j] = row[j] > 0 ? row[j] : negativeSlope * row[j];
                break;
            case Activation.Sigmoid:
                for (int j = 0; j < row.Length; j++) row[j] = 1 / (1 + Math.Exp(-row[j]));
                break;
            case Activation.Tanh:
                for (int j = 0; j < row.Length; j++) row[j] = Math.Tanh(row[j]);
                break;
            case Activation.Gelu:
                for (int j = 0; j < row.Length; j++)
                {
                    double x = row[j];
                    row[j] = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))));
                }

                break;
            case Activation.Softmax:
                double max = double.NegativeInfinity;
                foreach (double v in row) max = Math.Max(max, v);
                double sum = 0;
                for (int j = 0; j < row.Length; j++) sum += row[j] = Math.Exp(row[j] - max);
                for (int j = 0; j < row.Length; j++) row[j] /= sum;
                break;
        }
    }

    /// <summary>
    /// One step of nn.RNN, nn.LSTM or nn.GRU in double precision, from the two projections gx = x W_ih + b_ih and
    /// gh = h W_hh + b_hh (gates in PyTorch's order): returns h_t, and updates an LSTM's cell state <paramref name="c"/>.
    /// </summary>
    public static double[] RecurrentStep(Kernels.RecurrentCell cell, bool relu, double[] gx, double[] gh, double[] h, double[] c)
    {
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        int units = h.Length;
        var next = new double[units];
        for (int j = 0; j < units; j++)
        {
            switch (cell)
            {
                case Kernels.RecurrentCell.Elman:
                    next[j] = relu ? Math.Max(0, gx[j] + gh[j]) : Math.Tanh(gx[j] + gh[j]);
                    break;
                case Kernels.RecurrentCell.Lstm:
                    double i = Sigmoid(gx[j] + gh[j]), f = Sigmoid(gx[units + j] + gh[units + j]);
                    double g = Math.Tanh(gx[(2 * units) + j] + gh[(2 * units) + j]), o = Sigmoid(gx[(3 * units) + j] + gh[(3 * units) + j]);
                    c[j] = (f * c[j]) + (i * g);
                    next[j] = o * Math.Tanh(c[j]);
                    break;
                default:
                    double r = Sigmoid(gx[j] + gh[j]), z = Sigmoid(gx[units + j] + gh[units + j]);
                    double n = Math.Tanh(gx[(2 * units) + j] + (r * gh[(2 * units) + j]));
                    next[j] = ((1 - z) * n) + (z * h[j]);
                    break;
            }
        }

        return next;
    }

    /// <summary>PyTorch's CrossEntropyLoss(ignore_index=-100) over flattened steps: the mean over labelled rows.</summary>
    /// <summary>One sample through nn.MultiheadAttention's equations with GPT-2's [in, out] weights: [q k v] = x W_attn + b_attn;
    /// per head h the columns h*d..(h+1)*d of each; A = softmax(q k^T / sqrt(d)), -inf above the diagonal when causal;
    /// A' = A * mask where a dropout mask ([heads, steps, steps]) is given; o = A' v; y = o W_proj + b_proj.</summary>
    public static double[] Attention(double[] x, int steps, int width, int heads, bool causal, double[] attentionWeight, double[] attentionBias, double[] projectionWeight, double[] projectionBias, ReadOnlySpan<float> mask)
    {
        double[] Affine(double[] input, int inputs, int outputs, double[] weight, double[] bias)
        {
            var y = new double[steps * outputs];
            for (int t = 0; t < steps; t++)
            {
                for (int j = 0; j < outputs; j++)
                {
                    double z = bias[j];
                    for (int i = 0; i < inputs; i++) z += input[(t * inputs) + i] * weight[(i * outputs) + j];
                    y[(t * outputs) + j] = z;
                }
            }

            return y;
        }

        double[] qkv = Affine(x, width, 3 * width, attentionWeight, attentionBias);
        int d = width / heads;
        var attended = new double[steps * width];
        for (int h = 0; h < heads; h++)
        {
            for (int t = 0; t < steps; t++)
            {
                var scores = new double[steps];
                double max = double.NegativeInfinity;
                for (int u = 0; u < steps; u++)
                {
                    double s = 0;
                    for (int i = 0; i < d; i++) s += qkv[(t * 3 * width) + (h * d) + i] * qkv[(u * 3 * width) + width + (h * d) + i];
                    scores[u] = causal && u > t ? double.NegativeInfinity : s / Math.Sqrt(d);
                    max = Math.Max(max, scores[u]);
                }

                double sum = 0;
                for (int u = 0; u < steps; u++) sum += scores[u] = Math.Exp(scores[u] - max);
                for (int u = 0; u < steps; u++)
                {
                    double weight = scores[u] / sum * (mask.IsEmpty ? 1 : mask[(((h * steps) + t) * steps) + u]);
                    for (int i = 0; i < d; i++) attended[(t * width) + (h * d) + i] += weight * qkv[(u * 3 * width) + (2 * width) + (h * d) + i];
                }
            }
        }

        return Affine(attended, width, width, projectionWeight, projectionBias);
    }

    public static double StepLoss(double[] output, int[] labels, int classes)
    {
        double total = 0;
        int labelled = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            if (labels[r] == -100)
            {
                continue;
            }

            double[] row = output.AsSpan(r * classes, classes).ToArray();
            ReferenceNetwork.Activate(row, Activation.Softmax);
            total -= Math.Log(row[labels[r]]);
            labelled++;
        }

        return total / labelled;
    }

    /// <summary>Mean loss over the batch, as the runtime defines it.</summary>
    public static double Loss(Loss loss, double[] output, float[] targets, int[]? labels, int classes)
    {
        int rows = output.Length / classes;
        double total = 0;
        switch (loss)
        {
            case Compiled.Loss.MeanSquaredError:
                for (int i = 0; i < output.Length; i++) total += (output[i] - targets[i]) * (output[i] - targets[i]);
                return total / output.Length;
            case Compiled.Loss.BinaryCrossEntropy:
                for (int i = 0; i < output.Length; i++)
                {
                    double s = 1 / (1 + Math.Exp(-output[i]));
                    total -= (targets[i] * Math.Log(s)) + ((1 - targets[i]) * Math.Log(1 - s));
                }

                return total / output.Length;
            default:
                for (int r = 0; r < rows; r++)
                {
                    double[] row = output.AsSpan(r * classes, classes).ToArray();
                    Activate(row, Activation.Softmax);
                    if (labels is not null)
                    {
                        total -= Math.Log(row[labels[r]]);
                    }
                    else
                    {
                        for (int j = 0; j < classes; j++) total -= targets[(r * classes) + j] * Math.Log(row[j]);
                    }
                }

                return total / rows;
        }
    }
}
