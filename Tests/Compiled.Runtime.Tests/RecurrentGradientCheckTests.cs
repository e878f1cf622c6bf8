using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>
/// The recurrent layers against central differences of a double-precision twin written here from PyTorch's equations
/// (nn.RNN, nn.LSTM, nn.GRU: gate order, two biases, GRU's reset gate on the recurrent product plus its bias), for every
/// parameter and, for float inputs, every input: with and without ReturnSequences, stacked, with an embedding, with
/// padded steps, and with the loss on the last state only.
/// </summary>
public class RecurrentGradientCheckTests
{
    private enum Cell
    {
        Elman,
        ElmanRelu,
        Lstm,
        Gru,
    }

    private abstract record Layer;

    private sealed record Rnn(Cell Cell, int Units, bool ReturnSequences) : Layer;

    /// <summary>Dense on the last axis (per step on a sequence).</summary>
    private sealed record Fc(int Units, Activation Activation) : Layer;

    private sealed record Embed(int Vocabulary, int Dimension) : Layer;

    /// <summary>A twin: samples of <paramref name="Steps"/> steps of <paramref name="Features"/>; <paramref name="Padding"/>
    /// is the padding token, or for floats a step whose features are all this value (NaN: none).</summary>
    private sealed record Case(Func<object> Create, Loss Loss, int Steps, int Features, double Padding, Layer[] Layers, bool Tokens = false);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["ElmanSequence"] = new(() => new ElmanSequence(1), Loss.MeanSquaredError, 4, 3, double.NaN, new Layer[] { new Rnn(Cell.Elman, 5, true), new Fc(2, Activation.Identity) }),
        ["ElmanLast"] = new(() => new ElmanLast(2), Loss.MeanSquaredError, 4, 3, double.NaN, new Layer[] { new Rnn(Cell.ElmanRelu, 5, false), new Fc(2, Activation.Identity) }),
        ["LstmStack"] = new(() => new LstmStack(3), Loss.MeanSquaredError, 3, 2, double.NaN, new Layer[] { new Rnn(Cell.Lstm, 5, true), new Rnn(Cell.Lstm, 3, false), new Fc(2, Activation.Tanh) }),
        ["GruTagger"] = new(() => new GruTagger(4), Loss.SoftmaxCrossEntropy, 4, 3, double.NaN, new Layer[] { new Rnn(Cell.Gru, 5, true), new Fc(3, Activation.Identity) }),
        ["GruLast"] = new(() => new GruLast(5), Loss.MeanSquaredError, 3, 2, double.NaN, new Layer[] { new Rnn(Cell.Gru, 6, false), new Fc(1, Activation.Identity) }),
        ["PaddedLstmTagger"] = new(() => new PaddedLstmTagger(6), Loss.SoftmaxCrossEntropy, 6, 1, 0, new Layer[] { new Embed(5, 3), new Rnn(Cell.Lstm, 4, true), new Fc(5, Activation.Identity) }, Tokens: true),
        ["PaddedStackLast"] = new(() => new PaddedStackLast(7), Loss.MeanSquaredError, 6, 1, 0, new Layer[] { new Embed(5, 3), new Rnn(Cell.Gru, 4, true), new Rnn(Cell.Elman, 3, false), new Fc(2, Activation.Identity) }, Tokens: true),
        ["MaskedFloats"] = new(() => new MaskedFloats(8), Loss.MeanSquaredError, 5, 2, 0, new Layer[] { new Rnn(Cell.Elman, 4, true), new Rnn(Cell.Lstm, 3, false), new Fc(2, Activation.Identity) }),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_matches_central_differences(string name)
    {
        Case c = Cases[name];
        object network = c.Create();
        var random = new Xoshiro(41);
        Span<float> parameters = Parameters(network);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.3f * random.NextGaussian();
        }

        const int Batch = 3;
        int outputs = network is INetwork floats ? floats.OutputSize : ((ITokenNetwork)network).OutputSize;
        float[] inputs = Inputs(c, Batch, random);
        double[] x = inputs.Select(v => (double)v).ToArray();
        int stepsOut = outputs / LastUnits(c);
        float[] targets = Enumerable.Range(0, Batch * outputs).Select(_ => random.NextGaussian()).ToArray();
        int[]? labels = null;
        if (c.Loss == Compiled.Loss.SoftmaxCrossEntropy)
        {
            int classes = LastUnits(c);
            labels = Enumerable.Range(0, Batch * stepsOut).Select(_ => random.NextInt32(classes)).ToArray();
            for (int r = 0; r < labels.Length; r++)
            {
                if (IsPadding(c, x, r))
                {
                    labels[r] = -100; // padded steps count for nothing in the loss either
                }
            }
        }

        float analyticLoss = Backward(c, network, inputs, targets, labels);
        float[] analytic = Gradients(network).ToArray();

        double[] p = Parameters(network).ToArray().Select(v => (double)v).ToArray();
        double Loss() => LossOf(c, Forward(c, p, x, Batch), targets, labels, LastUnits(c));
        double referenceLoss = Loss();
        Assert.True(Math.Abs(analyticLoss - referenceLoss) <= 1e-5 + (1e-4 * Math.Abs(referenceLoss)), $"loss {analyticLoss} vs reference {referenceLoss}");

        var logits = new float[Batch * outputs];
        Forward(c, network, inputs, logits);
        double[] expected = Forward(c, p, x, Batch);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(logits[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"output {i}: {logits[i]} vs {expected[i]}");
        }

        IReadOnlyList<TensorInfo> tensors = network is INetwork n ? n.Tensors : ((ITokenNetwork)network).Tensors;
        CentralDifferences.Check(p, analytic, Loss, i => CentralDifferences.Parameter(tensors, i));
        Assert.Equal(p.Length, ParameterCount(c));

        if (network is INetwork floatNetwork)
        {
            // dL/d(inputs); a padded step's values are the mask value exactly, so perturbing them would unmask the step:
            // their gradient is zero and the others are checked.
            floatNetwork.ZeroGradients();
            var inputGradient = new float[inputs.Length];
            float withInputGradient = labels is not null
                ? ((ILabelNetwork)floatNetwork).Backward(inputs, labels, inputGradient)
                : ((ITargetNetwork)floatNetwork).Backward(inputs, targets, inputGradient);
            Assert.Equal(analyticLoss, withInputGradient);
            Assert.Equal(analytic, floatNetwork.Gradients.ToArray());
            bool[] padded = Enumerable.Range(0, inputs.Length).Select(i => IsPadding(c, x, i / c.Features)).ToArray();
            Assert.All(Enumerable.Range(0, inputs.Length).Where(i => padded[i]), i => Assert.Equal(0f, inputGradient[i]));
            double[] unpadded = x.Where((_, i) => !padded[i]).ToArray();
            int[] where = Enumerable.Range(0, x.Length).Where(i => !padded[i]).ToArray();
            double UnpaddedLoss()
            {
                for (int k = 0; k < where.Length; k++) x[where[k]] = unpadded[k];
                return Loss();
            }

            CentralDifferences.Check(unpadded, where.Select(i => inputGradient[i]).ToArray(), UnpaddedLoss, k => $"input {where[k]}");
        }
    }

    [Fact]
    public void Padded_steps_leave_the_last_state_as_the_last_real_steps()
    {
        // A sequence padded at the end, and the same tokens with a padded step in the middle: 3 1 _ 4 reads as 3 1 4.
        var network = new PaddedStackLast(3);
        int[] shortSequence = { 3, 1, 4, 0, 0, 0 };
        var a = new float[PaddedStackLast.OutputSize];
        network.Predict(shortSequence, a);

        int[] middle = { 3, 1, 0, 4, 0, 0 };
        var c = new float[PaddedStackLast.OutputSize];
        network.Predict(middle, c);
        Assert.Equal(a, c);

        // And a different last real token does change the output.
        int[] other = { 3, 1, 2, 0, 0, 0 };
        var d = new float[PaddedStackLast.OutputSize];
        network.Predict(other, d);
        Assert.NotEqual(a, d);
    }

    private static float[] Inputs(Case c, int batch, Xoshiro random)
    {
        int size = c.Steps * c.Features;
        var inputs = new float[batch * size];
        for (int b = 0; b < batch; b++)
        {
            // Sample b has its last b steps padded, and sample 2 also a padded step in the middle.
            for (int t = 0; t < c.Steps; t++)
            {
                bool pad = !double.IsNaN(c.Padding) && (t >= c.Steps - b || (b == 2 && t == 1));
                for (int f = 0; f < c.Features; f++)
                {
                    int i = (b * size) + (t * c.Features) + f;
                    inputs[i] = pad ? (float)c.Padding : c.Tokens ? 1 + random.NextInt32(((Embed)c.Layers[0]).Vocabulary - 1) : random.NextGaussian();
                }
            }
        }

        return inputs;
    }

    private static bool IsPadding(Case c, double[] x, int row) =>
        !double.IsNaN(c.Padding) && x.AsSpan(row * c.Features, c.Features).ToArray().All(v => v == c.Padding);

    private static Span<float> Parameters(object network) => network is INetwork n ? n.Parameters : ((ITokenNetwork)network).Parameters;

    private static Span<float> Gradients(object network) => network is INetwork n ? n.Gradients : ((ITokenNetwork)network).Gradients;

    /// <summary>Zeroes the gradients and runs Backward with the case's labels or targets; returns the loss.</summary>
    private static float Backward(Case c, object network, float[] inputs, float[] targets, int[]? labels)
    {
        Gradients(network).Clear();
        if (c.Tokens)
        {
            int[] ids = inputs.Select(v => (int)v).ToArray();
            return network switch
            {
                PaddedLstmTagger tagger => tagger.Backward(ids, labels!),
                PaddedStackLast last => last.Backward(ids, targets),
                _ => throw new NotSupportedException(),
            };
        }

        return labels is not null ? ((ILabelNetwork)network).Backward(inputs, labels) : ((ITargetNetwork)network).Backward(inputs, targets);
    }

    private static void Forward(Case c, object network, float[] inputs, float[] outputs)
    {
        if (c.Tokens)
        {
            int[] ids = inputs.Select(v => (int)v).ToArray();
            switch (network)
            {
                case PaddedLstmTagger tagger: tagger.Forward(ids, outputs); break;
                case PaddedStackLast last: last.Forward(ids, outputs); break;
            }

            return;
        }

        ((INetwork)network).Forward(inputs, outputs);
    }

    private static int LastUnits(Case c) => c.Layers[^1] switch { Fc fc => fc.Units, Rnn r => r.Units, _ => 0 };

    private static double LossOf(Case c, double[] output, float[] targets, int[]? labels, int classes) =>
        labels is null ? ReferenceNetwork.Loss(c.Loss, output, targets, null, classes) : ReferenceNetwork.StepLoss(output, labels, classes);

    private static int Gates(Cell cell) => cell switch { Cell.Lstm => 4, Cell.Gru => 3, _ => 1 };

    private static int ParameterCount(Case c)
    {
        int features = c.Features, count = 0;
        foreach (Layer layer in c.Layers)
        {
            switch (layer)
            {
                case Embed e: count += e.Vocabulary * e.Dimension; features = e.Dimension; break;
                case Fc fc: count += (features * fc.Units) + fc.Units; features = fc.Units; break;
                case Rnn r:
                    int width = Gates(r.Cell) * r.Units;
                    count += (features * width) + (r.Units * width) + (2 * width);
                    features = r.Units;
                    break;
            }
        }

        return count;
    }

    /// <summary>The twin: each sample through the layers in double precision. A sequence is rows of values; a padded step
    /// (from the network input) keeps the state, gives zeros where a sequence is returned, and the last state is the last real step's.</summary>
    private static double[] Forward(Case c, double[] p, double[] inputs, int batch)
    {
        var result = new List<double>();
        int size = c.Steps * c.Features;
        for (int b = 0; b < batch; b++)
        {
            double[] sample = inputs.Skip(b * size).Take(size).ToArray();
            bool[] keep = Enumerable.Range(0, c.Steps).Select(t => !IsPadding(c, inputs, (b * c.Steps) + t)).ToArray();
            double[][] rows = Enumerable.Range(0, c.Steps).Select(t => sample.Skip(t * c.Features).Take(c.Features).ToArray()).ToArray();
            int offset = 0;
            foreach (Layer layer in c.Layers)
            {
                switch (layer)
                {
                    case Embed e:
                        rows = rows.Select(r => Enumerable.Range(0, e.Dimension).Select(j => p[offset + ((int)r[0] * e.Dimension) + j]).ToArray()).ToArray();
                        offset += e.Vocabulary * e.Dimension;
                        break;
                    case Fc fc:
                        {
                            int n = rows[0].Length, m = fc.Units, at = offset;
                            rows = rows.Select(r =>
                            {
                                double[] y = Enumerable.Range(0, m).Select(j => p[at + (n * m) + j] + Enumerable.Range(0, n).Sum(i => r[i] * p[at + (i * m) + j])).ToArray();
                                ReferenceNetwork.Activate(y, fc.Activation);
                                return y;
                            }).ToArray();
                            offset += (n * m) + m;
                            break;
                        }

                    case Rnn rnn:
                        rows = Recurrent(rnn, p, ref offset, rows, keep);
                        break;
                }
            }

            foreach (double[] row in rows) result.AddRange(row);
        }

        return result.ToArray();
    }

    private static double[][] Recurrent(Rnn rnn, double[] p, ref int offset, double[][] rows, bool[] keep)
    {
        int features = rows[0].Length, units = rnn.Units, width = Gates(rnn.Cell) * units;
        int wih = offset, whh = wih + (features * width), bih = whh + (units * width), bhh = bih + width;
        offset = bhh + width;
        var h = new double[units];
        var cState = new double[units];
        var outputs = new List<double[]>();
        for (int t = 0; t < rows.Length; t++)
        {
            if (!keep[t])
            {
                outputs.Add(new double[units]);
                continue;
            }

            double[] x = rows[t];
            double[] gx = Enumerable.Range(0, width).Select(j => p[bih + j] + Enumerable.Range(0, features).Sum(i => x[i] * p[wih + (i * width) + j])).ToArray();
            double[] gh = Enumerable.Range(0, width).Select(j => p[bhh + j] + Enumerable.Range(0, units).Sum(k => h[k] * p[whh + (k * width) + j])).ToArray();
            Kernels.RecurrentCell cell = rnn.Cell switch { Cell.Lstm => Kernels.RecurrentCell.Lstm, Cell.Gru => Kernels.RecurrentCell.Gru, _ => Kernels.RecurrentCell.Elman };
            double[] next = ReferenceNetwork.RecurrentStep(cell, rnn.Cell == Cell.ElmanRelu, gx, gh, h, cState);
            h = next;
            outputs.Add(h);
        }

        return rnn.ReturnSequences ? outputs.ToArray() : new[] { h };
    }
}
