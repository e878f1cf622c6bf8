using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Gradients as an API: <c>Loss.None</c> networks trained from an outside gradient, input gradients,
/// <c>ApplyGradients</c> and frozen layers.</summary>
public class GradientApiTests
{
    private static (float[] X, float[] T) Regression(int samples, int seed)
    {
        var random = new Xoshiro((ulong)seed);
        float[] x = Enumerable.Range(0, samples * 3).Select(_ => random.NextGaussian()).ToArray();
        float[] t = new float[samples * 2];
        for (int i = 0; i < samples; i++)
        {
            t[2 * i] = MathF.Sin(2 * x[3 * i]) + (x[(3 * i) + 1] * x[(3 * i) + 2]);
            t[(2 * i) + 1] = x[(3 * i) + 2] - x[3 * i];
        }

        return (x, t);
    }

    /// <summary>dL/dy of the mean squared error, written the way the built-in loss writes it.</summary>
    private static float[] MeanSquaredErrorGradient(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets)
    {
        var gradient = new float[outputs.Length];
        float scale = 2f / outputs.Length;
        for (int i = 0; i < outputs.Length; i++)
        {
            gradient[i] = scale * (outputs[i] - targets[i]);
        }

        return gradient;
    }

    [Fact]
    public void An_outside_gradient_trains_exactly_as_the_built_in_loss()
    {
        // The same layers and seed, one with MSE built in, one fed MSE's gradient from outside: the same steps, bit for bit.
        (float[] x, float[] t) = Regression(64, 7);
        var inside = new InsideGradient(2);
        IGradientNetwork outside = new OutsideGradient(2);
        Assert.Equal(inside.Parameters.ToArray(), outside.Parameters.ToArray());
        var insideAdam = new Adam(0.01f);
        var outsideAdam = new Adam(0.01f);
        var outputs = new float[8 * 2];
        float first = inside.Evaluate(x, t).Loss;
        for (int epoch = 0; epoch < 40; epoch++)
        {
            for (int start = 0; start < 64; start += 8)
            {
                ReadOnlySpan<float> batch = x.AsSpan(start * 3, 24), targets = t.AsSpan(start * 2, 16);
                inside.TrainStep(batch, targets, ref insideAdam);

                outside.ZeroGradients();
                outside.Forward(batch, outputs);
                outside.Backward(batch, MeanSquaredErrorGradient(outputs, targets));
                outside.ApplyGradients(ref outsideAdam);
            }
        }

        Assert.Equal(inside.Parameters.ToArray(), outside.Parameters.ToArray());
        Assert.True(inside.Evaluate(x, t).Loss < first / 5, $"loss {first} -> {inside.Evaluate(x, t).Loss}");
    }

    [Fact]
    public void The_input_gradient_of_an_outside_gradient_is_the_built_in_loss_s()
    {
        (float[] x, float[] t) = Regression(5, 3);
        var inside = new InsideGradient(6);
        var outside = new OutsideGradient(6);
        var insideGradient = new float[x.Length];
        var outsideGradient = new float[x.Length];
        var outputs = new float[t.Length];
        inside.Backward(x, t, insideGradient);
        outside.Forward(x, outputs);
        outside.Backward(x, MeanSquaredErrorGradient(outputs, t), outsideGradient);
        Assert.Equal(insideGradient, outsideGradient);
        Assert.Equal(inside.Gradients.ToArray(), outside.Gradients.ToArray());
        Assert.Contains(insideGradient, g => g != 0f);
    }

    [Fact]
    public void A_generator_trained_through_a_discriminator_s_input_gradient_gets_the_gradient_of_the_two_as_one_network()
    {
        // A GAN's generator step: D's input gradient at G(z), fed to G's Backward, gives G the gradients of the network
        // G-then-D with the same parameters, and D its own; D's parameters do not move.
        var generator = new MiniGenerator(3);
        var discriminator = new MiniDiscriminator(4);
        var whole = new MiniGeneratorThenDiscriminator(5);
        generator.Parameters.CopyTo(whole.Parameters);
        discriminator.Parameters.CopyTo(whole.Parameters[MiniGenerator.ParameterCount..]);
        float[] discriminatorBefore = discriminator.Parameters.ToArray();
        var random = new Xoshiro(11);
        float[] noise = Enumerable.Range(0, 6 * MiniGenerator.InputSize).Select(_ => random.NextGaussian()).ToArray();
        float[] real = Enumerable.Repeat(1f, 6).ToArray();

        var generated = new float[6 * MiniGenerator.OutputSize];
        var generatedGradient = new float[generated.Length];
        generator.Forward(noise, generated);
        float loss = discriminator.Backward(generated, real, generatedGradient);
        generator.Backward(noise, generatedGradient);
        float wholeLoss = whole.Backward(noise, real);

        Assert.Equal(wholeLoss, loss, 6);
        float[] expected = whole.Gradients.ToArray();
        float[] actual = [.. generator.Gradients.ToArray(), .. discriminator.Gradients.ToArray()];
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-6f + (1e-5f * MathF.Abs(expected[i])), $"gradient {i}: {actual[i]}, the whole network's {expected[i]}");
        }

        Assert.Contains(generator.Gradients.ToArray(), g => g != 0f);
        Assert.Equal(discriminatorBefore, discriminator.Parameters.ToArray());
    }

    [Fact]
    public void Outside_gradients_and_input_gradients_are_checked()
    {
        var network = new OutsideGradient(1);
        float[] before = network.Parameters.ToArray();
        var inputs = new float[6];
        Assert.Contains("whole rows of 2", Assert.Throws<ArgumentException>(() => network.Backward(inputs, new float[3])).Message);
        Assert.Contains("inputs to have 9 values", Assert.Throws<ArgumentException>(() => network.Backward(inputs, new float[6])).Message);
        Assert.Contains("one value per input value, 6", Assert.Throws<ArgumentException>(() => network.Backward(inputs, new float[4], new float[5])).Message);
        Assert.Contains("1 to 8", Assert.Throws<ArgumentException>(() => network.Backward(new float[27], new float[18])).Message);
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.All(network.Gradients.ToArray(), g => Assert.Equal(0f, g));

        var labelled = new NormResidual(1);
        Assert.Throws<ArgumentException>(() => labelled.Backward(new float[10], new[] { 0, 1 }, new float[9]));
    }

    [Fact]
    public void ApplyGradients_refuses_a_non_finite_gradient_and_keeps_the_parameters()
    {
        var network = new OutsideGradient(1);
        var adam = new Adam(0.01f);
        network.Backward(new float[] { 1, 2, 3 }, new float[] { float.NaN, 0f });
        float[] before = network.Parameters.ToArray();
        Assert.Throws<NonFiniteLossException>(() => network.ApplyGradients(ref adam));
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void A_frozen_layer_stays_put_under_every_optimizer_while_the_layers_before_it_train()
    {
        (float[] x, float[] t) = Regression(8, 9);
        var network = new InsideGradient(3);
        network.Freeze("dense1");
        Assert.True(network.IsFrozen("dense1"));
        Assert.False(network.IsFrozen("dense0"));
        TensorInfo frozen = network.Tensors.Single(tensor => tensor.Name == "dense1.weight");
        TensorInfo frozenBias = network.Tensors.Single(tensor => tensor.Name == "dense1.bias");
        float[] Frozen() => network.Parameters.Slice(frozen.Offset, frozen.Length + frozenBias.Length).ToArray();
        float[] before = Frozen();
        float[] first = network.Dense0Weight.ToArray();

        var sgd = new Sgd(0.05f);
        var momentum = new Momentum(0.05f, 0.9f);
        var adamW = new AdamW(0.01f, weightDecay: 0.1f);
        network.L2 = 1e-3f;
        network.MaxGradientNorm = 1f;
        for (int i = 0; i < 5; i++)
        {
            network.TrainStep(x, t, ref sgd);
            network.TrainStep(x, t, ref momentum);
            network.TrainStep(x, t, ref adamW);
        }

        Assert.Equal(before, Frozen());
        Assert.NotEqual(first, network.Dense0Weight.ToArray()); // dense0 trains through the frozen layer's input gradient

        // Plain SGD without penalties takes the fused path when nothing is frozen; frozen, it must not.
        network.L2 = 0f;
        network.MaxGradientNorm = 0f;
        network.TrainStep(x, t, ref sgd);
        Assert.Equal(before, Frozen());

        network.Freeze("dense1", frozen: false);
        network.TrainStep(x, t, ref sgd);
        Assert.NotEqual(before, Frozen());

        var error = Assert.Throws<ArgumentException>(() => network.Freeze("dense9"));
        Assert.Contains("dense0, dense1, dense2", error.Message);
    }

    [Fact]
    public void Two_threads_train_a_frozen_network_and_predict_an_outside_gradient_one()
    {
        (float[] x, float[] t) = Regression(8, 11);
        var one = new InsideGradient(5);
        var two = new InsideGradient(5) { Threads = 2 };
        one.Freeze("dense0");
        two.Freeze("dense0");
        var adamOne = new Adam(0.01f);
        var adamTwo = new Adam(0.01f);
        for (int i = 0; i < 10; i++)
        {
            one.TrainStep(x, t, ref adamOne);
            two.TrainStep(x, t, ref adamTwo);
        }

        Assert.Equal(one.Dense0Weight.ToArray(), two.Dense0Weight.ToArray());
        Assert.Equal(new InsideGradient(5).Dense0Weight.ToArray(), two.Dense0Weight.ToArray());
        float[] a = one.Dense2Weight.ToArray(), b = two.Dense2Weight.ToArray();
        Assert.All(a.Zip(b), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 1e-4f));

        var outside = new OutsideGradient(2);
        var threaded = new OutsideGradient(2) { Threads = 2 };
        var expected = new float[16];
        var actual = new float[16];
        outside.Predict(x, expected);
        threaded.Predict(x, actual);
        Assert.All(expected.Zip(actual), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 1e-5f));
        threaded.Backward(x, expected); // runs on the calling thread
        Assert.Contains(threaded.Gradients.ToArray(), g => g != 0f);
    }
}

/// <summary>The inference plan: an instance that only predicts allocates the packed workspace, not the training one.</summary>
public class WorkspacePlanTests
{
    private static int WorkspaceLength(object network) =>
        ((Compiled.Kernels.AlignedFloats)network.GetType().GetField("_workspace", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(network)!).Length;

    private static int Constant(Type type, string name) =>
        (int)type.GetField(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;

    [Fact]
    public void A_network_that_only_predicts_carries_the_inference_workspace()
    {
        var network = new SeedCnn(1);
        int inference = Constant(typeof(SeedCnn), "InferenceWorkspaceSize"), training = Constant(typeof(SeedCnn), "WorkspaceSize");
        // No gradient buffers, outputs packed by lifetime: well under two thirds of the training plan for the seed CNN.
        Assert.True(inference * 3 < training * 2, $"inference {inference} floats, training {training}");

        var random = new Xoshiro(8);
        float[] images = Enumerable.Range(0, 40 * 784).Select(_ => random.NextSingle()).ToArray();
        var before = new float[40 * 10];
        network.Predict(images, before);
        Assert.Equal(0.0, before.Sum() - 40, 3);
        Assert.Equal(inference, WorkspaceLength(network));

        // The first training call brings the training workspace; prediction reads the same values from either. Its forward
        // pass keeps the max pools' argmax for the backward pass, the inference plan's pools the values alone: the same
        // logits, so the same loss to the bit.
        int[] labels = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        var logits = new float[32 * 10];
        network.Forward(images.AsSpan(0, 32 * 784), logits);
        float predictedLoss = Compiled.Kernels.Losses.SoftmaxCrossEntropy(logits, labels, new float[32 * 10], 10);
        Assert.Equal(predictedLoss, network.Backward(images.AsSpan(0, 32 * 784), labels)); // parameters unchanged
        Assert.Equal(training, WorkspaceLength(network));
        var after = new float[40 * 10];
        network.Predict(images, after);
        Assert.Equal(before, after);
        Assert.All(before.Zip(Predict(new SeedCnn(1) { Threads = 2 }, images)), pair => Assert.Equal(pair.First, pair.Second, 1e-5f)); // the shards' workspaces too
    }

    private static float[] Predict(SeedCnn network, float[] images)
    {
        var outputs = new float[images.Length / 784 * 10];
        network.Predict(images, outputs);
        return outputs;
    }
}
