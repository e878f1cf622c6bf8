using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>
/// Networks beyond a chain (joins, a tensor read by several layers, layer norm, GELU, Dense per step on a sequence)
/// against central differences of a double-precision twin written here from PyTorch's definitions, for every parameter.
/// </summary>
public class GraphGradientCheckTests
{
    /// <summary>A twin layer; <see cref="Inputs"/> are earlier layers' indices, or -1 for the network input.</summary>
    private abstract record Layer(int[] Inputs);

    private sealed record Fc(int Input, int Units, Activation Activation) : Layer(new[] { Input });

    private sealed record Sum(params int[] Of) : Layer(Of);

    private sealed record Norm(int Input, double Epsilon) : Layer(new[] { Input });

    /// <summary>An embedding of the network input's ids (nn.Embedding: row id of a [vocabulary, dimension] weight).</summary>
    private sealed record Embed(int Vocabulary, int Dimension) : Layer(new[] { -1 });

    /// <summary>nn.MultiheadAttention(x, x, x) with GPT-2's [in, out] weights: c_attn, its bias, c_proj, its bias.</summary>
    private sealed record Attend(int Input, int Heads, bool Causal) : Layer(new[] { Input });

    /// <summary>A learned vector per position added to the input, from a weight of <paramref name="Positions"/> rows (0: the steps).</summary>
    private sealed record Position(int Input, int Positions = 0) : Layer(new[] { Input });

    /// <summary>A twin network: samples of <paramref name="Rows"/> rows of <paramref name="Features"/> (a vector is one row).</summary>
    private sealed record Case(Func<INetwork> Create, Loss Loss, int Rows, int Features, Layer[] Layers);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["ResidualMlp"] = new(() => new ResidualMlp(1), Loss.MeanSquaredError, 1, 5, new Layer[]
        {
            new Fc(-1, 6, Activation.Tanh), new Fc(0, 6, Activation.Relu), new Sum(0, 1), new Fc(2, 2, Activation.Identity),
        }),
        ["NormResidual"] = new(() => new NormResidual(2), Loss.SoftmaxCrossEntropy, 1, 5, new Layer[]
        {
            new Fc(-1, 6, Activation.Gelu), new Norm(0, 1e-5), new Fc(1, 12, Activation.Gelu), new Fc(2, 6, Activation.Identity),
            new Sum(0, 3), new Sum(4, 0, 3), new Norm(5, 1e-3), new Fc(6, 3, Activation.Identity),
        }),
        ["InsideGradient"] = new(() => new InsideGradient(4), Loss.MeanSquaredError, 1, 3, new Layer[]
        {
            new Fc(-1, 5, Activation.Tanh), new Fc(0, 16, Activation.Gelu), new Fc(1, 2, Activation.Identity),
        }),
        ["AttentionOneHead"] = new(() => new AttentionOneHead(5), Loss.MeanSquaredError, 5, 4, new Layer[]
        {
            new Attend(-1, 1, false), new Fc(0, 2, Activation.Identity),
        }),
        ["AttentionTwoHeadsCausal"] = new(() => new AttentionTwoHeadsCausal(6), Loss.MeanSquaredError, 5, 6, new Layer[]
        {
            new Fc(-1, 6, Activation.Tanh), new Position(0), new Attend(1, 2, true), new Sum(1, 2), new Fc(3, 3, Activation.Identity),
        }),
        ["AttentionThreeHeads"] = new(() => new AttentionThreeHeads(7), Loss.MeanSquaredError, 7, 9, new Layer[]
        {
            new Attend(-1, 3, false), new Fc(0, 2, Activation.Identity),
        }),
        ["AttentionThreeHeadsCausal"] = new(() => new AttentionThreeHeadsCausal(8), Loss.MeanSquaredError, 7, 9, new Layer[]
        {
            new Attend(-1, 3, true), new Fc(0, 2, Activation.Identity),
        }),
        ["SequenceBlock"] = new(() => new SequenceBlock(3), Loss.MeanSquaredError, 4, 3, new Layer[]
        {
            new Fc(-1, 5, Activation.Gelu), new Norm(0, 1e-5), new Fc(1, 5, Activation.Tanh), new Sum(0, 2), new Fc(3, 2, Activation.Identity),
        }),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_matches_central_differences(string name)
    {
        Case c = Cases[name];
        INetwork network = c.Create();
        var random = new Xoshiro(31);
        Span<float> parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.2f * random.NextGaussian(); // layer norm gains away from 1, biases away from 0
        }

        const int Batch = 3;
        int outputs = network.OutputSize;
        float[] inputs = Enumerable.Range(0, Batch * network.InputSize).Select(_ => random.NextGaussian()).ToArray();
        float[] targets = Enumerable.Range(0, Batch * outputs).Select(_ => random.NextGaussian()).ToArray();
        int[]? labels = c.Loss == Compiled.Loss.SoftmaxCrossEntropy ? Enumerable.Range(0, Batch).Select(_ => random.NextInt32(outputs)).ToArray() : null;

        network.ZeroGradients();
        float analyticLoss = labels is not null ? ((ILabelNetwork)network).Backward(inputs, labels) : ((ITargetNetwork)network).Backward(inputs, targets);
        float[] analytic = network.Gradients.ToArray();

        double[] p = network.Parameters.ToArray().Select(v => (double)v).ToArray();
        double[] x = inputs.Select(v => (double)v).ToArray();
        double Loss() => ReferenceNetwork.Loss(c.Loss, Forward(c, p, x, Batch), targets, labels, outputs);
        double referenceLoss = Loss();
        Assert.True(Math.Abs(analyticLoss - referenceLoss) <= 1e-5 + (1e-4 * Math.Abs(referenceLoss)), $"loss {analyticLoss} vs reference {referenceLoss}");

        var logits = new float[Batch * outputs];
        network.Forward(inputs, logits);
        double[] expected = Forward(c, p, x, Batch);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(logits[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"output {i}: {logits[i]} vs {expected[i]}");
        }

        CentralDifferences.Check(p, analytic, Loss, i => CentralDifferences.Parameter(network.Tensors, i));

        // dL/d(inputs) through Backward's input-gradient overload: the same loss and parameter gradients, and the input's.
        network.ZeroGradients();
        var inputGradient = new float[inputs.Length];
        float withInputGradient = labels is not null
            ? ((ILabelNetwork)network).Backward(inputs, labels, inputGradient)
            : ((ITargetNetwork)network).Backward(inputs, targets, inputGradient);
        Assert.Equal(analyticLoss, withInputGradient);
        Assert.Equal(analytic, network.Gradients.ToArray());
        CentralDifferences.Check(x, inputGradient, Loss, i => $"input {i}");

        Assert.Equal(network.Parameters.Length, CountParameters(c));
    }

    /// <summary>Token models with a label per step: the twin's features are 1 (an id per step).</summary>
    private static readonly Dictionary<string, (Func<ITokenLabelNetwork> Create, int Steps, int Classes, Layer[] Layers)> TokenCases = new()
    {
        // Embedding, a residual GELU layer per step and a per-step head.
        ["TokenTagger"] = (() => new TokenTagger(2), 5, 7, new Layer[]
        {
            new Embed(7, 4), new Fc(0, 4, Activation.Gelu), new Sum(0, 1), new Fc(2, 7, Activation.Identity),
        }),

        // GPT-2's blocks: x += attn(ln1(x)); x += mlp(ln2(x)), twice; a final norm and the head.
        ["TwoBlockGpt"] = (() => new TwoBlockGpt(3), 6, 7, new Layer[]
        {
            new Embed(7, 8), new Position(0, 9),
            new Norm(1, 1e-5), new Attend(2, 2, true), new Sum(1, 3), new Norm(4, 1e-5), new Fc(5, 12, Activation.Gelu), new Fc(6, 8, Activation.Identity), new Sum(4, 7),
            new Norm(8, 1e-5), new Attend(9, 2, true), new Sum(8, 10), new Norm(11, 1e-5), new Fc(12, 12, Activation.Gelu), new Fc(13, 8, Activation.Identity), new Sum(11, 14),
            new Norm(15, 1e-5), new Fc(16, 7, Activation.Identity),
        }),
    };

    public static TheoryData<string> TokenNames => new(TokenCases.Keys);

    [Theory]
    [MemberData(nameof(TokenNames))]
    public void A_token_model_with_per_step_labels_matches_central_differences(string name)
    {
        (Func<ITokenLabelNetwork> create, int steps, int classes, Layer[] layers) = TokenCases[name];
        var twin = new Case(() => throw new NotSupportedException(), Compiled.Loss.SoftmaxCrossEntropy, steps, 1, layers);
        ITokenLabelNetwork network = create();
        var random = new Xoshiro(17);
        Span<float> parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.2f * random.NextGaussian();
        }

        // Labels per step, two of them ignored (-100).
        const int Batch = 3;
        int[] ids = Enumerable.Range(0, Batch * network.InputSize).Select(_ => random.NextInt32(network.Vocabulary)).ToArray();
        int[] labels = Enumerable.Range(0, Batch * steps).Select(_ => random.NextInt32(classes)).ToArray();
        labels[1] = labels[9] = -100;
        double[] idValues = ids.Select(id => (double)id).ToArray();

        network.ZeroGradients();
        float analyticLoss = network.Backward(ids, labels);
        float[] analytic = network.Gradients.ToArray();

        double[] p = network.Parameters.ToArray().Select(v => (double)v).ToArray();
        double Loss() => ReferenceNetwork.StepLoss(Forward(twin, p, idValues, Batch), labels, classes);
        double referenceLoss = Loss();
        Assert.True(Math.Abs(analyticLoss - referenceLoss) <= 1e-5 + (1e-4 * Math.Abs(referenceLoss)), $"loss {analyticLoss} vs reference {referenceLoss}");

        var logits = new float[Batch * network.OutputSize];
        network.Forward(ids, logits);
        double[] expected = Forward(twin, p, idValues, Batch);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(logits[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"output {i}: {logits[i]} vs {expected[i]}");
        }

        CentralDifferences.Check(p, analytic, Loss, i => CentralDifferences.Parameter(network.Tensors, i));

        Assert.Equal(network.Parameters.Length, CountParameters(twin));
    }

    [Fact]
    public void A_network_without_a_loss_matches_central_differences_of_an_outside_loss()
    {
        // Loss.None: the caller's loss is L = sum c * y for fixed c, so dL/dy = c comes from outside; Backward must give the
        // twin's dL/dp and, with an input gradient, dL/dx.
        Case twin = Cases["InsideGradient"];
        var network = new OutsideGradient(4);
        var random = new Xoshiro(23);
        Span<float> parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.2f * random.NextGaussian();
        }

        const int Batch = 3;
        float[] inputs = Enumerable.Range(0, Batch * OutsideGradient.InputSize).Select(_ => random.NextGaussian()).ToArray();
        float[] c = Enumerable.Range(0, Batch * OutsideGradient.OutputSize).Select(_ => random.NextGaussian()).ToArray();
        var inputGradient = new float[inputs.Length];
        network.ZeroGradients();
        network.Backward(inputs, c, inputGradient);
        float[] analytic = network.Gradients.ToArray();

        double[] p = network.Parameters.ToArray().Select(v => (double)v).ToArray();
        double[] x = inputs.Select(v => (double)v).ToArray();
        double Loss() => Forward(twin, p, x, Batch).Zip(c, (y, weight) => y * weight).Sum();
        CentralDifferences.Check(p, analytic, Loss, i => CentralDifferences.Parameter(network.Tensors, i));
        CentralDifferences.Check(x, inputGradient, Loss, i => $"input {i}");
    }

    /// <summary>The twins read parameters in the generated layout (layer by layer, weight then bias); they must read them all.</summary>
    private static int CountParameters(Case c)
    {
        var features = new int[c.Layers.Length];
        int count = 0;
        for (int l = 0; l < c.Layers.Length; l++)
        {
            int input = c.Layers[l].Inputs[0] < 0 ? c.Features : features[c.Layers[l].Inputs[0]];
            (features[l], count) = c.Layers[l] switch
            {
                Fc fc => (fc.Units, count + (input * fc.Units) + fc.Units),
                Norm => (input, count + (2 * input)),
                Embed e => (e.Dimension, count + (e.Vocabulary * e.Dimension)),
                Attend => (input, count + (4 * input * input) + (4 * input)),
                Position position => (input, count + ((position.Positions == 0 ? c.Rows : position.Positions) * input)),
                _ => (input, count),
            };
        }

        return count;
    }

    /// <summary>The twin: each sample through the graph in double precision; a layer acts on each row (step) of its input.</summary>
    private static double[] Forward(Case c, double[] p, double[] inputs, int batch)
    {
        var result = new List<double>();
        int inputSize = c.Rows * c.Features;
        for (int b = 0; b < batch; b++)
        {
            double[] x = inputs.Skip(b * inputSize).Take(inputSize).ToArray();
            var nodes = new double[c.Layers.Length][];
            int offset = 0;
            double[] Node(int index) => index < 0 ? x : nodes[index];
            for (int l = 0; l < c.Layers.Length; l++)
            {
                double[] a = Node(c.Layers[l].Inputs[0]);
                int n = a.Length / c.Rows;
                switch (c.Layers[l])
                {
                    case Embed e:
                        {
                            var y = new double[c.Rows * e.Dimension];
                            for (int r = 0; r < c.Rows; r++)
                            {
                                for (int j = 0; j < e.Dimension; j++) y[(r * e.Dimension) + j] = p[offset + ((int)a[r] * e.Dimension) + j];
                            }

                            offset += e.Vocabulary * e.Dimension;
                            nodes[l] = y;
                            break;
                        }

                    case Fc fc:
                        {
                            int m = fc.Units, bias = offset + (n * m);
                            var y = new double[c.Rows * m];
                            for (int r = 0; r < c.Rows; r++)
                            {
                                for (int j = 0; j < m; j++)
                                {
                                    double z = p[bias + j];
                                    for (int i = 0; i < n; i++) z += a[(r * n) + i] * p[offset + (i * m) + j];
                                    y[(r * m) + j] = z;
                                }

                                ReferenceNetwork.Activate(y.AsSpan(r * m, m), fc.Activation);
                            }

                            offset = bias + m;
                            nodes[l] = y;
                            break;
                        }

                    case Attend attend:
                        {
                            double[] Take(int count)
                            {
                                double[] tensor = p.AsSpan(offset, count).ToArray();
                                offset += count;
                                return tensor;
                            }

                            nodes[l] = ReferenceNetwork.Attention(a, c.Rows, n, attend.Heads, attend.Causal, Take(3 * n * n), Take(3 * n), Take(n * n), Take(n), default);
                            break;
                        }

                    case Position position:
                        nodes[l] = new double[a.Length];
                        for (int i = 0; i < a.Length; i++) nodes[l][i] = a[i] + p[offset + i];
                        offset += (position.Positions == 0 ? c.Rows : position.Positions) * n;
                        break;

                    case Sum sum:
                        nodes[l] = new double[a.Length];
                        foreach (int input in sum.Of)
                        {
                            for (int i = 0; i < a.Length; i++) nodes[l][i] += Node(input)[i];
                        }

                        break;

                    case Norm norm:
                        {
                            // PyTorch's LayerNorm: biased variance, eps inside the square root, weight then bias.
                            var y = new double[a.Length];
                            for (int r = 0; r < c.Rows; r++)
                            {
                                double mean = 0, variance = 0;
                                for (int i = 0; i < n; i++) mean += a[(r * n) + i] / n;
                                for (int i = 0; i < n; i++) variance += (a[(r * n) + i] - mean) * (a[(r * n) + i] - mean) / n;
                                for (int i = 0; i < n; i++)
                                {
                                    y[(r * n) + i] = ((a[(r * n) + i] - mean) / Math.Sqrt(variance + norm.Epsilon) * p[offset + i]) + p[offset + n + i];
                                }
                            }

                            offset += 2 * n;
                            nodes[l] = y;
                            break;
                        }
                }
            }

            result.AddRange(nodes[^1]);
        }

        return result.ToArray();
    }
}
