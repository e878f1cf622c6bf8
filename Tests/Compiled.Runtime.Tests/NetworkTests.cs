using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Behaviour of generated networks beyond the gradients: steps, dropout modes, views, seeds.</summary>
public class NetworkTests
{
    private static (float[] Inputs, int[] Labels) Batch(int count, int inputs, int classes, ulong seed)
    {
        var random = new Xoshiro(seed);
        return (Enumerable.Range(0, count * inputs).Select(_ => random.NextGaussian()).ToArray(),
                Enumerable.Range(0, count).Select(_ => random.NextInt32(classes)).ToArray());
    }

    [Fact]
    public void TrainStep_is_backward_from_zero_then_the_optimizer_even_with_stale_gradients()
    {
        var (inputs, labels) = Batch(6, 784, 10, 1);
        var expected = new Mlp(3);
        expected.ZeroGradients();
        expected.Backward(inputs, labels);
        float[] gradient = expected.Gradients.ToArray();
        float[] before = expected.Parameters.ToArray();

        var stepped = new Mlp(3);
        stepped.Gradients.Fill(123f); // stale values from an earlier Backward must not leak in
        var sgd = new Sgd(0.1f);
        stepped.TrainStep(inputs, labels, ref sgd);

        float[] after = stepped.Parameters.ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            Assert.True(Math.Abs(before[i] - (0.1f * gradient[i]) - after[i]) < 1e-6f, $"parameter {i}");
        }

        Assert.All(stepped.Gradients.ToArray(), g => Assert.Equal(123f, g)); // fused: the gradient is never stored
    }

    [Fact]
    public void The_fused_sgd_step_equals_the_general_path()
    {
        // Momentum with coefficient 0 is SGD, but goes through Backward + optimizer.Step instead of the fused path.
        void Compare<T>(Func<T> create, Func<T, Sgd, float> sgdStep, Func<T, Momentum, float> momentumStep)
            where T : INetwork
        {
            T fused = create(), general = create();
            var sgd = new Sgd(0.05f);
            var momentum = new Momentum(0.05f, 0f);
            for (int step = 0; step < 3; step++)
            {
                Assert.Equal(momentumStep(general, momentum), sgdStep(fused, sgd), 5);
            }

            Assert.Equal(general.Parameters.ToArray(), fused.Parameters.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);
        }

        var (inputs, labels) = Batch(7, 784, 10, 8);
        Compare(() => new Mlp(2), (n, o) => n.TrainStep(inputs, labels, ref o), (n, o) => n.TrainStep(inputs, labels, ref o));
        var (small, smallLabels) = Batch(5, 20, 4, 9);
        Compare(() => new DropoutMlp(2), (n, o) => n.TrainStep(small, smallLabels, ref o), (n, o) => n.TrainStep(small, smallLabels, ref o));
        float[] xor = { 0, 0, 0, 1, 1, 0, 1, 1 }, targets = { 0, 1, 1, 0 };
        Compare(() => new Tiny(2), (n, o) => n.TrainStep(xor, targets, ref o), (n, o) => n.TrainStep(xor, targets, ref o));
        var (regression, _) = Batch(4, 3, 1, 10);
        float[] values = { 0.5f, -1f, 2f, 0f, 1f, 1f, -0.5f, 3f };
        Compare(() => new Regressor(2), (n, o) => n.TrainStep(regression, values, ref o), (n, o) => n.TrainStep(regression, values, ref o));
        var (images, imageLabels) = Batch(6, 100, 3, 11);
        Compare(() => new Networks.CnnDeep(2), (n, o) => n.TrainStep(images, imageLabels, ref o), (n, o) => n.TrainStep(images, imageLabels, ref o));
        var (strided, stridedLabels) = Batch(5, 12 * 12 * 3, 4, 12);
        Compare(() => new Networks.CnnStrided(2), (n, o) => n.TrainStep(strided, stridedLabels, ref o), (n, o) => n.TrainStep(strided, stridedLabels, ref o));

        // Joins (accumulated input gradients), layer norm and GELU on the fused path too.
        var (graph, graphLabels) = Batch(6, 5, 3, 13);
        Compare(() => new Networks.NormResidual(2), (n, o) => n.TrainStep(graph, graphLabels, ref o), (n, o) => n.TrainStep(graph, graphLabels, ref o));
    }

    [Fact]
    public void A_residual_mlp_learns()
    {
        // y = sin(3 x0) + x1 x2 - x3 on 64 fixed samples: the residual network's error falls by more than 10x.
        var random = new Xoshiro(5);
        float[] x = Enumerable.Range(0, 64 * 5).Select(_ => random.NextGaussian()).ToArray();
        float[] y = new float[64 * 2];
        for (int i = 0; i < 64; i++)
        {
            y[2 * i] = MathF.Sin(3 * x[5 * i]) + (x[(5 * i) + 1] * x[(5 * i) + 2]) - x[(5 * i) + 3];
            y[(2 * i) + 1] = x[(5 * i) + 4];
        }

        var network = new Networks.ResidualMlp(3);
        var adam = new Adam(0.01f);
        float first = network.Evaluate(x, y).Loss;
        for (int epoch = 0; epoch < 400; epoch++)
        {
            for (int start = 0; start < 64; start += 8)
            {
                network.TrainStep(x.AsSpan(start * 5, 40), y.AsSpan(start * 2, 16), ref adam);
            }
        }

        Assert.True(network.Evaluate(x, y).Loss < first / 10, $"loss {first} -> {network.Evaluate(x, y).Loss}");
    }

    [Fact]
    public void Backward_accumulates()
    {
        var (inputs, labels) = Batch(4, 2, 1, 2);
        float[] targets = labels.Select(l => (float)(l % 2)).ToArray();
        var network = new Tiny(1);
        network.ZeroGradients();
        network.Backward(inputs, targets);
        float[] once = network.Gradients.ToArray();
        network.Backward(inputs, targets);
        Assert.Equal(once.Select(g => 2 * g), network.Gradients.ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void Dropout_is_random_in_training_and_off_in_inference()
    {
        var (inputs, labels) = Batch(8, 20, 4, 3);
        var network = new DropoutMlp(1);
        Assert.NotEqual(network.Backward(inputs, labels), network.Backward(inputs, labels));

        var first = new float[8 * 4];
        var second = new float[8 * 4];
        network.Predict(inputs, first);
        network.Predict(inputs, second);
        Assert.Equal(first, second);
        Assert.Equal(network.Evaluate(inputs, labels), network.Evaluate(inputs, labels));
    }

    [Fact]
    public void Seeds_views_and_tensors_describe_the_parameters()
    {
        Assert.Equal(new Mlp(5).Parameters.ToArray(), new Mlp(5).Parameters.ToArray());
        Assert.NotEqual(new Mlp(5).Parameters.ToArray(), new Mlp(6).Parameters.ToArray());
        Assert.Equal(new Mlp().Parameters.ToArray(), new Mlp(Mlp.DefaultSeed).Parameters.ToArray());

        var network = new Mlp(1);
        Assert.Equal(Mlp.ParameterCount, network.Parameters.Length);
        Assert.Equal((784 * 64) + 64 + (64 * 10) + 10, Mlp.ParameterCount);
        Assert.Equal(new[] { "dense0.weight", "dense0.bias", "dense1.weight", "dense1.bias" }, network.Tensors.Select(t => t.Name));
        Assert.Equal(Mlp.ParameterCount, network.Tensors.Sum(t => t.Length));
        network.Dense1Bias[3] = 42f;
        Assert.Equal(42f, network.Parameters[network.Tensors[3].Offset + 3]);
        Assert.All(network.Dense0Bias.ToArray(), b => Assert.Equal(0f, b));

        // He for the ReLU layer: std close to sqrt(2 / 784).
        double std = Math.Sqrt(network.Dense0Weight.ToArray().Select(w => (double)w * w).Average());
        Assert.InRange(std, 0.95 * Math.Sqrt(2.0 / 784), 1.05 * Math.Sqrt(2.0 / 784));
    }

    [Fact]
    public void Predict_returns_probabilities_and_forward_logits()
    {
        var (inputs, _) = Batch(3, 784, 10, 4);
        var network = new Mlp(1);
        var probabilities = new float[30];
        var logits = new float[30];
        network.Predict(inputs, probabilities);
        network.Forward(inputs, logits);
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(1f, probabilities.AsSpan(r * 10, 10).ToArray().Sum(), 5);
            Assert.Equal(Kernels.Metrics.ArgMax(logits.AsSpan(r * 10, 10)), Kernels.Metrics.ArgMax(probabilities.AsSpan(r * 10, 10)));
        }

        Assert.Equal(Kernels.Metrics.ArgMax(logits.AsSpan(0, 10)), network.PredictClass(inputs.AsSpan(0, 784)));
    }

    [Fact]
    public void Penalties_are_added_to_the_loss_and_the_gradient()
    {
        var (inputs, labels) = Batch(4, 784, 10, 5);
        var plain = new Mlp(1);
        var penalised = new Mlp(1) { L2 = 0.01f };
        var sgdA = new Sgd(0.1f);
        var sgdB = new Sgd(0.1f);
        float lossA = plain.TrainStep(inputs, labels, ref sgdA);
        float[] weights = new Mlp(1).Parameters.ToArray();
        float lossB = penalised.TrainStep(inputs, labels, ref sgdB);
        double sumSquares = weights.Take(784 * 64).Concat(weights.Skip((784 * 64) + 64).Take(640)).Sum(w => (double)w * w);
        Assert.Equal(lossA + (0.01 * sumSquares), lossB, 3);
    }
}
