using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>
/// Every activation with every loss: the generated Backward's gradients against central differences of a
/// double-precision reference of the same network. Each network has a layer on the runtime kernels (9 x 11) and an
/// unrolled one (11 x 4), both with the activation under test, so both code paths are checked.
/// </summary>
public class GradientCheckTests
{
    public static TheoryData<string> Names => new(GradientNetworks.All().Select(n => n.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_matches_central_differences(string name)
    {
        var (_, create, activation, loss) = GradientNetworks.All().Single(n => n.Name == name);
        INetwork network = create(1);
        var random = new Xoshiro(17);

        // Non-zero biases so that nothing sits on a ReLU kink by construction.
        Span<float> parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.1f * random.NextGaussian();
        }

        const int Batch = 5;
        int classes = network.OutputSize;
        float[] inputs = Enumerable.Range(0, Batch * network.InputSize).Select(_ => random.NextGaussian()).ToArray();
        float[] targets = Enumerable.Range(0, Batch * classes).Select(_ => loss == Loss.MeanSquaredError ? random.NextGaussian() : random.NextSingle()).ToArray();
        int[] labels = Enumerable.Range(0, Batch).Select(_ => random.NextInt32(classes)).ToArray();
        if (loss == Loss.SoftmaxCrossEntropy)
        {
            // Probability rows for the target overload.
            for (int r = 0; r < Batch; r++)
            {
                float sum = targets.AsSpan(r * classes, classes).ToArray().Sum();
                for (int j = 0; j < classes; j++) targets[(r * classes) + j] /= sum;
            }

            Check(network, activation, loss, inputs, null, labels, Batch);
        }

        Check(network, activation, loss, inputs, targets, null, Batch);
    }

    private static void Check(INetwork network, Activation activation, Loss loss, float[] inputs, float[]? targets, int[]? labels, int batch)
    {
        network.ZeroGradients();
        float analyticLoss = labels is not null
            ? ((ILabelNetwork)network).Backward(inputs, labels)
            : ((ITargetNetwork)network).Backward(inputs, targets);
        float[] analytic = network.Gradients.ToArray();

        var reference = new ReferenceNetwork(network, activation);
        double[] p = network.Parameters.ToArray().Select(v => (double)v).ToArray();
        double Loss() => ReferenceNetwork.Loss(loss, reference.Forward(p, inputs, batch), targets ?? Array.Empty<float>(), labels, network.OutputSize);

        double referenceLoss = Loss();
        Assert.True(Math.Abs(analyticLoss - referenceLoss) <= 1e-5 + (1e-4 * Math.Abs(referenceLoss)), $"loss {analyticLoss} vs reference {referenceLoss}");

        CentralDifferences.Check(p, analytic, Loss, i => CentralDifferences.Parameter(network.Tensors, i));
    }
}
