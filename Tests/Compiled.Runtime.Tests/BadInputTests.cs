using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>
/// Every public entry of a generated network checks its inputs before it touches anything, and says what it expected
/// and what it got. A failed call leaves the parameters as they were.
/// </summary>
public class BadInputTests
{
    private static void AssertUnchanged(INetwork network, float[] before) => Assert.Equal(before, network.Parameters.ToArray());

    private static void AssertMessage(Exception error, params string[] parts)
    {
        foreach (string part in parts)
        {
            Assert.Contains(part, error.Message);
        }
    }

    [Fact]
    public void Predict_and_forward_check_span_lengths()
    {
        var network = new Mlp(1);
        AssertMessage(Assert.Throws<ArgumentException>(() => network.Predict(new float[783], new float[10])), "multiple of 784", "783");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.Predict(Array.Empty<float>(), Array.Empty<float>())), "784", "0 values");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.Predict(new float[784 * 2], new float[10])), "20 values", "has 10");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.Forward(new float[784], new float[11])), "10 values", "has 11");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.PredictClass(new float[785])), "784", "785");
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => network.Predict(new float[783], new float[10])).ParamName);
    }

    [Fact]
    public void A_cnn_checks_its_inputs_on_one_thread_and_on_two_and_changes_nothing()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            var network = new SeedCnn(1) { Threads = threads };
            float[] before = network.Parameters.ToArray();
            var adam = new Adam(1e-3f);
            AssertMessage(Assert.Throws<ArgumentException>(() => network.Predict(new float[783], new float[10])), "multiple of 784", "783");
            AssertMessage(Assert.Throws<ArgumentException>(() => network.TrainStep(new float[33 * 784], new int[33], ref adam)), "32", "33");
            AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainStep(new float[2 * 784], new[] { 3, 10 }, ref adam)), "10");
            AssertMessage(Assert.Throws<ArgumentException>(() => network.TrainStep(new float[3 * 784], new int[2], ref adam)), "2");
            AssertUnchanged(network, before);

            // A NaN input makes a NaN loss: refused before the optimizer step, on either path.
            float[] nan = new float[4 * 784];
            nan[5] = float.NaN;
            Assert.Throws<NonFiniteLossException>(() => network.TrainStep(nan, new int[4], ref adam));
            AssertUnchanged(network, before);
        }
    }

    [Fact]
    public void Predict_takes_more_samples_than_the_batch_capacity()
    {
        var network = new Mlp(1);
        var random = new Xoshiro(3);
        float[] inputs = Enumerable.Range(0, 70 * 784).Select(_ => random.NextSingle()).ToArray();
        var all = new float[70 * 10];
        network.Predict(inputs, all);
        var one = new float[10];
        network.Predict(inputs.AsSpan(69 * 784, 784), one);
        // The one-row and many-row kernels sum in different orders: equal up to rounding.
        Assert.Equal(one, all.AsSpan(69 * 10, 10).ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
        Assert.Equal(1f, all.AsSpan(0, 10).ToArray().Sum(), 5);
    }

    [Fact]
    public void Training_checks_batch_size_inputs_and_labels_and_changes_nothing_on_error()
    {
        var network = new Mlp(1);
        float[] before = network.Parameters.ToArray();
        var sgd = new Sgd(0.1f);

        AssertMessage(Assert.Throws<ArgumentException>(() => network.TrainStep(Array.Empty<float>(), Array.Empty<int>(), ref sgd)), "1 to 32", "has 0");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.TrainStep(new float[33 * 784], new int[33], ref sgd)), "1 to 32", "has 33", "MaxBatchSize");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.TrainStep(new float[784], new int[2], ref sgd)), "1568 values", "has 784");
        var low = Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainStep(new float[2 * 784], new[] { 3, -1 }, ref sgd));
        AssertMessage(low, "[0, 10)", "labels[1] is -1");
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => network.Backward(new float[784], new[] { 10 })), "[0, 10)", "is 10");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.TrainStep(new float[784], new float[9], ref sgd)), "whole rows of 10", "9");
        AssertUnchanged(network, before);
    }

    [Fact]
    public void Target_losses_check_rows_and_ranges()
    {
        var tiny = new Tiny(1);
        float[] before = tiny.Parameters.ToArray();
        var sgd = new Sgd(0.1f);
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => tiny.TrainStep(new float[4], new[] { 0f, 1.5f }, ref sgd)), "[0, 1]", "targets[1] is 1.5");
        Assert.Throws<ArgumentOutOfRangeException>(() => tiny.Backward(new float[2], new[] { float.NaN }));
        AssertMessage(Assert.Throws<ArgumentException>(() => tiny.TrainStep(new float[2 * 5], new float[5], ref sgd)), "1 to 4", "has 5");
        AssertMessage(Assert.Throws<ArgumentException>(() => tiny.Evaluate(new float[6], new float[2])), "3 values", "has 2");
        AssertUnchanged(tiny, before);

        var regressor = new Regressor(1);
        AssertMessage(Assert.Throws<ArgumentException>(() => regressor.Backward(new float[6], new float[3])), "whole rows of 2", "3 values");
        AssertMessage(Assert.Throws<ArgumentException>(() => regressor.Backward(new float[9], new float[4])), "6 values", "has 9");
    }

    [Fact]
    public void Softmax_targets_must_be_weights_of_at_least_zero()
    {
        // A probability row with a negative value was accepted and rewarded the wrong class.
        var network = new Mlp(1);
        float[] before = network.Parameters.ToArray();
        var adam = new Adam(1e-3f);
        float[] targets = new float[10];
        targets[3] = 1.5f;
        targets[4] = -0.5f;
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainStep(new float[784], targets, ref adam)), "targets[4] is -0.5");
        targets[4] = float.NaN;
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Backward(new float[784], targets));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Evaluate(new float[784], targets));
        AssertUnchanged(network, before);
        targets[4] = 0f;
        network.TrainStep(new float[784], targets, ref adam); // one-hot or probability weights of any sum are fine
    }

    [Fact]
    public void Evaluate_checks_its_inputs()
    {
        var network = new Mlp(1);
        AssertMessage(Assert.Throws<ArgumentException>(() => network.Evaluate(Array.Empty<float>(), Array.Empty<int>())), "at least one label");
        AssertMessage(Assert.Throws<ArgumentException>(() => network.Evaluate(new float[784], new int[2])), "1568", "784");
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Evaluate(new float[784], new[] { 11 }));
    }

    [Fact]
    public void Penalty_properties_reject_negative_and_infinite_values()
    {
        var network = new Mlp(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.L2 = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.L1 = float.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.MaxGradientNorm = float.PositiveInfinity);
        network.L2 = 0.5f;
        Assert.Equal(0.5f, network.L2);
    }

    [Fact]
    public void A_nan_loss_stops_the_step_and_keeps_the_parameters()
    {
        var network = new Tiny(1);
        float[] before = network.Parameters.ToArray();
        var adam = new Adam();
        var error = Assert.Throws<NonFiniteLossException>(() => network.TrainStep(new[] { float.NaN, 0f }, new[] { 1f }, ref adam));
        Assert.Contains("NaN", error.Message);
        Assert.Contains("not applied", error.Message);
        AssertUnchanged(network, before);
        Assert.Equal(0, adam.StepCount);
    }
}
