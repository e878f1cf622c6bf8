using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>
/// The generated Backward of convolutional networks against central differences of a double-precision twin written
/// here from the definitions (naive loops, no shared code with the runtime), for every parameter.
/// </summary>
public class CnnGradientCheckTests
{
    private abstract record Layer;

    private sealed record Conv(int Filters, int Kh, int Kw, int Stride, bool Same, Activation Activation, double Slope = 0.01) : Layer;

    private sealed record Pool(bool Max, int Wh, int Ww, int Stride, bool Same) : Layer;

    private sealed record GlobalPool : Layer;

    private sealed record Flat : Layer;

    private sealed record Up(int Fh, int Fw) : Layer;

    private sealed record Shape(int H, int W, int C) : Layer;

    private sealed record Fc(int Units, Activation Activation, double Slope = 0.01) : Layer;

    private sealed record Case(Func<INetwork> Create, Loss Loss, (int H, int W, int C) Input, Layer[] Layers);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["CnnValid"] = new(() => new CnnValid(1), Loss.SoftmaxCrossEntropy, (7, 8, 2), new Layer[]
        {
            new Conv(3, 3, 3, 1, false, Activation.Tanh), new Pool(true, 2, 2, 2, false), new Flat(), new Fc(3, Activation.Identity),
        }),
        ["CnnSameStride"] = new(() => new CnnSameStride(2), Loss.MeanSquaredError, (9, 7, 3), new Layer[]
        {
            new Conv(5, 3, 2, 2, true, Activation.Relu), new Pool(false, 2, 2, 2, true), new Conv(4, 1, 1, 1, false, Activation.Sigmoid),
            new GlobalPool(), new Fc(2, Activation.Identity),
        }),
        ["CnnDeep"] = new(() => new CnnDeep(3), Loss.SoftmaxCrossEntropy, (10, 10, 1), new Layer[]
        {
            new Conv(4, 3, 3, 1, false, Activation.Relu), new Pool(true, 2, 2, 2, false), new Conv(6, 3, 3, 1, true, Activation.LeakyRelu),
            new Pool(true, 3, 3, 1, false), new Flat(), new Fc(5, Activation.Relu), new Fc(3, Activation.Identity),
        }),
        ["CnnOutputConv"] = new(() => new CnnOutputConv(4), Loss.BinaryCrossEntropy, (5, 5, 2), new Layer[]
        {
            new Conv(2, 3, 3, 1, true, Activation.Tanh), new Conv(1, 3, 3, 1, false, Activation.Identity), new Flat(),
        }),
        ["CnnStrided"] = new(() => new CnnStrided(5), Loss.SoftmaxCrossEntropy, (12, 12, 3), new Layer[]
        {
            new Conv(8, 3, 3, 2, true, Activation.Relu), new Conv(8, 3, 3, 1, false, Activation.Relu), new Pool(false, 2, 2, 2, false),
            new Flat(), new Fc(4, Activation.Identity),
        }),
        ["CnnUpsampling"] = new(() => new CnnUpsampling(6), Loss.MeanSquaredError, (1, 1, 5), new Layer[]
        {
            new Fc(12, Activation.LeakyRelu, 0.2), new Shape(2, 3, 2), new Up(2, 3), new Conv(3, 3, 3, 1, true, Activation.LeakyRelu, 0.3), new Up(2, 2),
            new Conv(1, 3, 3, 1, true, Activation.Tanh), new Flat(),
        }),
        ["CnnPoolsInside"] = new(() => new CnnPoolsInside(8), Loss.SoftmaxCrossEntropy, (11, 11, 2), new Layer[]
        {
            new Conv(3, 2, 2, 1, false, Activation.Tanh), new Conv(4, 3, 3, 1, false, Activation.Identity), new Pool(true, 2, 2, 2, false),
            new Conv(5, 2, 2, 1, false, Activation.Relu), new Pool(true, 2, 2, 2, false), new Flat(), new Fc(3, Activation.Identity),
        }),
        ["CnnUpsamplingFirst"] = new(() => new CnnUpsamplingFirst(7), Loss.SoftmaxCrossEntropy, (3, 2, 2), new Layer[]
        {
            new Up(3, 2), new Conv(2, 2, 2, 1, false, Activation.Tanh), new Pool(true, 2, 2, 2, false), new Shape(1, 4, 2),
            new Conv(3, 1, 2, 1, false, Activation.Identity), new Flat(), new Fc(70, Activation.LeakyRelu, 0.25), new Fc(3, Activation.Identity),
        }),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_matches_central_differences(string name)
    {
        Case c = Cases[name];
        INetwork network = c.Create();
        var random = new Xoshiro(29);
        Span<float> parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.1f * random.NextGaussian();
        }

        const int Batch = 3;
        int outputs = network.OutputSize;
        float[] inputs = Enumerable.Range(0, Batch * network.InputSize).Select(_ => random.NextGaussian()).ToArray();
        float[] targets = Enumerable.Range(0, Batch * outputs).Select(_ => c.Loss == Compiled.Loss.MeanSquaredError ? random.NextGaussian() : random.NextSingle()).ToArray();
        int[]? labels = c.Loss == Compiled.Loss.SoftmaxCrossEntropy ? Enumerable.Range(0, Batch).Select(_ => random.NextInt32(outputs)).ToArray() : null;

        network.ZeroGradients();
        float analyticLoss = labels is not null ? ((ILabelNetwork)network).Backward(inputs, labels) : ((ITargetNetwork)network).Backward(inputs, targets);
        float[] analytic = network.Gradients.ToArray();

        double[] p = network.Parameters.ToArray().Select(v => (double)v).ToArray();
        double[] x = inputs.Select(v => (double)v).ToArray();
        double Loss() => ReferenceNetwork.Loss(c.Loss, Forward(c, p, x, Batch), targets, labels, outputs);
        double referenceLoss = Loss();
        Assert.True(Math.Abs(analyticLoss - referenceLoss) <= 1e-5 + (1e-4 * Math.Abs(referenceLoss)), $"loss {analyticLoss} vs reference {referenceLoss}");

        // The forward pass agrees too (Forward writes the logits).
        var logits = new float[Batch * outputs];
        network.Forward(inputs, logits);
        double[] expected = Forward(c, p, x, Batch);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(logits[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"logit {i}: {logits[i]} vs {expected[i]}");
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
    }

    [Fact]
    public void Every_parameter_is_checked_by_some_case()
    {
        // The twins read parameters in the generated layout; a size mismatch would leave some unread.
        foreach (Case c in Cases.Values)
        {
            INetwork network = c.Create();
            int count = 0;
            (int h, int w, int ch) = c.Input;
            int size = h * w * ch;
            foreach (Layer layer in c.Layers)
            {
                (h, w, ch, size, int parameters) = Next(layer, h, w, ch, size);
                count += parameters;
            }

            Assert.Equal(network.Parameters.Length, count);
            Assert.Equal(network.OutputSize, size);
        }
    }

    private static (int H, int W, int C, int Size, int Parameters) Next(Layer layer, int h, int w, int c, int size)
    {
        switch (layer)
        {
            case Conv conv:
                (int oh, _) = Resolve(h, conv.Kh, conv.Stride, conv.Same);
                (int ow, _) = Resolve(w, conv.Kw, conv.Stride, conv.Same);
                return (oh, ow, conv.Filters, oh * ow * conv.Filters, (conv.Kh * conv.Kw * c * conv.Filters) + conv.Filters);
            case Pool pool:
                (int ph, _) = Resolve(h, pool.Wh, pool.Stride, pool.Same);
                (int pw, _) = Resolve(w, pool.Ww, pool.Stride, pool.Same);
                return (ph, pw, c, ph * pw * c, 0);
            case GlobalPool:
                return (1, 1, c, c, 0);
            case Flat:
                return (1, 1, size, size, 0);
            case Up up:
                return (h * up.Fh, w * up.Fw, c, size * up.Fh * up.Fw, 0);
            case Shape shape:
                return (shape.H, shape.W, shape.C, size, 0);
            default:
                var fc = (Fc)layer;
                return (1, 1, fc.Units, fc.Units, (size * fc.Units) + fc.Units);
        }
    }

    private static (int Output, int Pad) Resolve(int input, int window, int stride, bool same)
    {
        if (!same)
        {
            return (((input - window) / stride) + 1, 0);
        }

        int output = (input + stride - 1) / stride;
        return (output, Math.Max(((output - 1) * stride) + window - input, 0) / 2);
    }

    /// <summary>The twin: each sample through the layers in double precision, parameters read in order (weight, then bias).</summary>
    private static double[] Forward(Case c, double[] p, double[] inputs, int batch)
    {
        var result = new List<double>();
        int inputSize = c.Input.H * c.Input.W * c.Input.C;
        for (int b = 0; b < batch; b++)
        {
            double[] a = inputs.Skip(b * inputSize).Take(inputSize).ToArray();
            (int h, int w, int ch) = c.Input;
            int offset = 0;
            foreach (Layer layer in c.Layers)
            {
                switch (layer)
                {
                    case Conv conv:
                        {
                            (int oh, int pt) = Resolve(h, conv.Kh, conv.Stride, conv.Same);
                            (int ow, int pl) = Resolve(w, conv.Kw, conv.Stride, conv.Same);
                            int f = conv.Filters, weights = offset, bias = offset + (conv.Kh * conv.Kw * ch * f);
                            var y = new double[oh * ow * f];
                            for (int oy = 0; oy < oh; oy++)
                                for (int ox = 0; ox < ow; ox++)
                                    for (int o = 0; o < f; o++)
                                    {
                                        double sum = p[bias + o];
                                        for (int ky = 0; ky < conv.Kh; ky++)
                                            for (int kx = 0; kx < conv.Kw; kx++)
                                            {
                                                int iy = (oy * conv.Stride) - pt + ky, ix = (ox * conv.Stride) - pl + kx;
                                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                                for (int i = 0; i < ch; i++)
                                                    sum += a[(((iy * w) + ix) * ch) + i] * p[weights + (((((ky * conv.Kw) + kx) * ch) + i) * f) + o];
                                            }

                                        y[(((oy * ow) + ox) * f) + o] = sum;
                                    }

                            for (int pixel = 0; pixel < oh * ow; pixel++) ReferenceNetwork.Activate(y.AsSpan(pixel * f, f), conv.Activation, conv.Slope);
                            offset = bias + f;
                            (a, h, w, ch) = (y, oh, ow, f);
                            break;
                        }

                    case Pool pool:
                        {
                            (int oh, int pt) = Resolve(h, pool.Wh, pool.Stride, pool.Same);
                            (int ow, int pl) = Resolve(w, pool.Ww, pool.Stride, pool.Same);
                            var y = new double[oh * ow * ch];
                            for (int oy = 0; oy < oh; oy++)
                                for (int ox = 0; ox < ow; ox++)
                                    for (int i = 0; i < ch; i++)
                                    {
                                        double best = double.NegativeInfinity, sum = 0;
                                        int cells = 0;
                                        for (int iy = Math.Max((oy * pool.Stride) - pt, 0); iy < Math.Min((oy * pool.Stride) - pt + pool.Wh, h); iy++)
                                            for (int ix = Math.Max((ox * pool.Stride) - pl, 0); ix < Math.Min((ox * pool.Stride) - pl + pool.Ww, w); ix++)
                                            {
                                                double v = a[(((iy * w) + ix) * ch) + i];
                                                best = Math.Max(best, v);
                                                sum += v;
                                                cells++;
                                            }

                                        y[(((oy * ow) + ox) * ch) + i] = pool.Max ? best : sum / cells;
                                    }

                            (a, h, w) = (y, oh, ow);
                            break;
                        }

                    case GlobalPool:
                        {
                            var y = new double[ch];
                            for (int pixel = 0; pixel < h * w; pixel++)
                                for (int i = 0; i < ch; i++) y[i] += a[(pixel * ch) + i] / (h * w);
                            (a, h, w) = (y, 1, 1);
                            break;
                        }

                    case Flat:
                        (h, w, ch) = (1, 1, a.Length);
                        break;

                    case Up up:
                        {
                            var y = new double[h * up.Fh * w * up.Fw * ch];
                            for (int oy = 0; oy < h * up.Fh; oy++)
                                for (int ox = 0; ox < w * up.Fw; ox++)
                                    for (int i = 0; i < ch; i++) y[(((oy * w * up.Fw) + ox) * ch) + i] = a[((((oy / up.Fh) * w) + (ox / up.Fw)) * ch) + i];
                            (a, h, w) = (y, h * up.Fh, w * up.Fw);
                            break;
                        }

                    case Shape shape:
                        Assert.Equal(a.Length, shape.H * shape.W * shape.C);
                        (h, w, ch) = (shape.H, shape.W, shape.C);
                        break;

                    case Fc fc:
                        {
                            int n = a.Length, m = fc.Units, bias = offset + (n * m);
                            var y = new double[m];
                            for (int j = 0; j < m; j++)
                            {
                                double sum = p[bias + j];
                                for (int i = 0; i < n; i++) sum += a[i] * p[offset + (i * m) + j];
                                y[j] = sum;
                            }

                            ReferenceNetwork.Activate(y, fc.Activation, fc.Slope);
                            offset = bias + m;
                            (a, h, w, ch) = (y, 1, 1, m);
                            break;
                        }
                }
            }

            result.AddRange(a);
        }

        return result.ToArray();
    }
}
