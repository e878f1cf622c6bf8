using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Every setting is checked where it is set, and the message names the setting and the value given.</summary>
public class SettingsTests
{
    public static TheoryData<float> NotFinite => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity };

    [Theory]
    [MemberData(nameof(NotFinite))]
    [InlineData(-0.5f)]
    public void Optimizer_settings_refuse_a_value_that_is_not_finite_or_negative(float bad)
    {
        string text = bad.ToString();
        void Refused(Action set, string name)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(set);
            Assert.Contains(name, error.Message);
            Assert.Contains(text, error.Message);
        }

        Refused(() => new Sgd(bad), "learningRate");
        Refused(() => new Sgd(0.1f) { LearningRate = bad }, "LearningRate");
        Refused(() => new Momentum(bad), "learningRate");
        Refused(() => new Momentum(0.1f, momentum: bad), "momentum");
        Refused(() => new Momentum(0.1f) { LearningRate = bad }, "LearningRate");
        Refused(() => new Adam(bad), "learningRate");
        Refused(() => new Adam(1e-3f, beta1: bad), "beta1");
        Refused(() => new Adam(1e-3f, beta2: bad), "beta2");
        Refused(() => new Adam(1e-3f, epsilon: bad), "epsilon");
        Refused(() => new Adam(1e-3f) { LearningRate = bad }, "LearningRate");
        Refused(() => new AdamW(1e-3f, weightDecay: bad), "weightDecay");
        Refused(() => new AdamW(1e-3f, beta1: bad), "beta1");
        Refused(() => new AdamW(1e-3f) { LearningRate = bad }, "LearningRate");
        Refused(() => new RmsProp(bad), "learningRate");
        Refused(() => new RmsProp(1e-3f, rho: bad), "rho");
        Refused(() => new RmsProp(1e-3f, epsilon: bad), "epsilon");
        Refused(() => new RmsProp(1e-3f) { LearningRate = bad }, "LearningRate");

        var network = new DropoutMlp(1);
        Refused(() => network.L1 = bad, "L1");
        Refused(() => network.L2 = bad, "L2");
        Refused(() => network.MaxGradientNorm = bad, "MaxGradientNorm");
        Refused(() => Regularization.AddPenalty(new float[2], new float[2], bad, 0f), "l1");
        Refused(() => Regularization.AddPenalty(new float[2], new float[2], 0f, bad), "l2");
        Refused(() => Regularization.ClipByGlobalNorm(new float[2], bad), "maxNorm");
        Assert.Equal(0f, network.L1);
    }

    [Fact]
    public void Settings_with_a_range_refuse_its_ends()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1f, momentum: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(1e-3f, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(1e-3f, epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(1e-3f, rho: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.ClipByGlobalNorm(new float[2], 0f));

        var network = new DropoutMlp(1);
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => network.Threads = 0).Message);
        Assert.Contains("got 65", Assert.Throws<ArgumentOutOfRangeException>(() => network.Threads = 65).Message);
        Assert.Equal(1, network.Threads);
    }

    [Fact]
    public void Training_options_are_checked_where_they_are_set()
    {
        Assert.Contains("Epochs to be at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { Epochs = 0 }).Message);
        Assert.Contains("but it is -3", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { BatchSize = -3 }).Message);
        Assert.Contains("Patience", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { Patience = -1 }).Message);
        Assert.Contains("CheckpointEvery", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { CheckpointEvery = 0 }).Message);
        Assert.Contains("CheckpointPath", Assert.Throws<ArgumentException>(() => new TrainingOptions { CheckpointPath = " " }).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions() with { Epochs = -1 });
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-0.01f)]
    [InlineData(float.PositiveInfinity)]
    public void A_schedule_that_gives_a_bad_rate_stops_before_the_step_with_the_parameters_of_the_epoch_before(float bad)
    {
        var network = new DropoutMlp(2);
        var adam = new Adam(0.01f);
        Dataset data = Dataset.WithLabels(Enumerable.Range(0, 16 * 20).Select(i => (i % 7) * 0.1f).ToArray(), 20, Enumerable.Range(0, 16).Select(i => i % 4).ToArray());
        float[]? afterFirst = null;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(
            network, data, null, new TrainingOptions { Epochs = 3, BatchSize = 8, LearningRateSchedule = epoch => epoch == 1 ? 0.01f : bad }, ref adam, [new AfterEpoch(() => afterFirst ??= network.Parameters.ToArray())]));
        Assert.Contains("for epoch 2", error.Message);
        Assert.Contains(bad.ToString(), error.Message);
        Assert.Equal(afterFirst, network.Parameters.ToArray());
        Assert.Equal(2, adam.StepCount);
        Assert.Equal(0.01f, adam.LearningRate);
    }

    [Fact]
    public void A_schedule_may_end_at_zero()
    {
        var network = new DropoutMlp(2);
        var sgd = new Sgd(0.1f);
        Dataset data = Dataset.WithLabels(new float[8 * 20], 20, new int[8]);
        Trainer.Fit(network, data, null, new TrainingOptions { Epochs = 2, BatchSize = 8, LearningRateSchedule = epoch => 0.1f * (2 - epoch) }, ref sgd);
        Assert.Equal(0f, sgd.LearningRate);
    }

    private sealed class AfterEpoch(Action action) : ITrainingCallback
    {
        public TrainingDecision OnEpochEnd(EpochReport epoch)
        {
            action();
            return TrainingDecision.Continue;
        }
    }
}
