using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Optimizer state, checkpoints and resumed training: what is restored continues exactly as if never interrupted,
/// and a file that does not fit is refused before anything changes.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    public static TheoryData<string> Optimizers => new() { "Sgd", "Momentum", "Nesterov", "Adam", "AdamW", "RmsProp" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void An_exported_state_continues_exactly_like_the_optimizer_it_came_from(string kind)
    {
        switch (kind)
        {
            case "Sgd": Continues(new Sgd(0.1f), new Sgd(0.5f)); break;
            case "Momentum": Continues(new Momentum(0.1f, 0.8f), new Momentum(0.3f, 0.8f)); break;
            case "Nesterov": Continues(new Momentum(0.1f, 0.7f, nesterov: true), new Momentum(0.1f, 0.7f, nesterov: true)); break;
            case "Adam": Continues(new Adam(0.01f, 0.8f), new Adam(0.2f, 0.8f)); break;
            case "AdamW": Continues(new AdamW(0.01f, 0.1f), new AdamW(0.01f, 0.1f)); break;
            default: Continues(new RmsProp(0.01f, 0.95f), new RmsProp(0.01f, 0.95f)); break;
        }
    }

    private static void Continues<TOptimizer>(TOptimizer original, TOptimizer fresh)
        where TOptimizer : struct, IOptimizer
    {
        const int count = 37; // not a multiple of any vector width
        var random = new Xoshiro(3);
        float[] parameters = Enumerable.Range(0, count).Select(_ => random.NextGaussian()).ToArray();
        float[][] gradients = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, count).Select(_ => random.NextGaussian()).ToArray()).ToArray();
        for (int step = 0; step < 3; step++)
        {
            original.Step(parameters, gradients[step]);
        }

        OptimizerState state = original.ExportState();
        fresh.ImportState(state);
        Assert.Equal(original.LearningRate, fresh.LearningRate);
        float[] copy = parameters.ToArray();
        for (int step = 3; step < 6; step++)
        {
            original.Step(parameters, gradients[step]);
            fresh.Step(copy, gradients[step]);
        }

        Assert.Equal(parameters, copy);

        // The snapshot is a copy: stepping on did not change it.
        OptimizerState later = original.ExportState();
        foreach ((string name, float[] values) in state.Tensors)
        {
            Assert.NotEqual(later.Tensors[name], values);
        }
    }

    [Fact]
    public void A_state_of_other_settings_or_another_kind_is_refused_and_changes_nothing()
    {
        var adam = new Adam(0.01f, beta1: 0.8f);
        adam.Step(new float[5], [1, 2, 3, 4, 5]);
        OptimizerState state = adam.ExportState();

        var other = new Adam(0.02f, beta1: 0.9f);
        var error = Assert.Throws<ArgumentException>(() => other.ImportState(state));
        Assert.Contains("beta1", error.Message);
        Assert.Equal(0.02f, other.LearningRate);
        Assert.Equal(0, other.StepCount);

        var adamW = new AdamW(0.01f, 0f, beta1: 0.8f);
        Assert.Contains("AdamW", Assert.Throws<ArgumentException>(() => adamW.ImportState(state)).Message);
        var rms = new RmsProp();
        Assert.Throws<ArgumentException>(() => rms.ImportState(state));

        // A state whose tensors do not agree with each other.
        var broken = new OptimizerState("Adam", 0.01f, state.Settings, 1, new Dictionary<string, float[]> { ["m"] = new float[5], ["v"] = new float[4] });
        Assert.Throws<ArgumentException>(() => adam.ImportState(broken));
        var noV = new OptimizerState("Adam", 0.01f, state.Settings, 1, new Dictionary<string, float[]> { ["m"] = new float[5] });
        Assert.Throws<ArgumentException>(() => adam.ImportState(noV));
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void An_optimizer_of_ones_own_without_state_cannot_be_checkpointed_and_fails_before_training()
    {
        var network = new DropoutMlp(3);
        float[] before = network.Parameters.ToArray();
        var own = new HalfStep();
        var error = Assert.Throws<NotSupportedException>(() =>
            Trainer.Fit(network, Blobs(64, 1), null, new TrainingOptions { Epochs = 1, CheckpointPath = PathOf("own.safetensors") }, ref own));
        Assert.Contains("HalfStep", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.False(File.Exists(PathOf("own.safetensors")));
    }

    [Fact]
    public void A_saved_checkpoint_continues_training_exactly()
    {
        Dataset data = Blobs(96, 1);
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        Steps(network, data, 0, 3, ref adam);
        string path = PathOf("run.safetensors");
        Checkpoint.Save(path, network, ref adam);
        float[] atSave = network.Parameters.ToArray();
        Steps(network, data, 3, 6, ref adam);

        var resumed = new DropoutMlp(99);
        var fresh = new Adam(0.5f);
        Checkpoint.Load(path, resumed, ref fresh);
        Steps(resumed, data, 3, 6, ref fresh);
        Assert.Equal(network.Parameters.ToArray(), resumed.Parameters.ToArray());

        // The network's tensors keep their names: the file is also a parameters file.
        var plain = new DropoutMlp(5);
        plain.LoadParameters(path);
        Assert.Equal(atSave, plain.Parameters.ToArray());
    }

    [Fact]
    public void A_checkpoint_that_does_not_fit_is_refused_and_changes_nothing()
    {
        Dataset data = Blobs(64, 1);
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        Steps(network, data, 0, 2, ref adam);
        string path = PathOf("adam.safetensors");
        Checkpoint.Save(path, network, ref adam);

        var target = new DropoutMlp(11);
        float[] before = target.Parameters.ToArray();
        ulong[] random = target.RandomState;
        void Unchanged()
        {
            Assert.Equal(before, target.Parameters.ToArray());
            Assert.Equal(random, target.RandomState);
        }

        var momentum = new Momentum(0.1f);
        Assert.Contains("Adam optimizer, but the optimizer given is a Momentum", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target, ref momentum)).Message);
        Unchanged();

        var otherBetas = new Adam(0.01f, beta2: 0.99f);
        Assert.Contains("beta2", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target, ref otherBetas)).Message);
        Assert.Equal(0, otherBetas.StepCount);
        Unchanged();

        target.Threads = 2;
        var same = new Adam(0.01f);
        Assert.Contains("Threads = 1", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target, ref same)).Message);
        Assert.Equal(0, same.StepCount);
        target.Threads = 1;
        Unchanged();

        // Another network's checkpoint, a plain parameters file, a cut file.
        var otherNetwork = new Mlp(1);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, otherNetwork, ref same));
        string parametersOnly = PathOf("parameters.safetensors");
        target.SaveParameters(parametersOnly);
        Assert.Contains("not a checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(parametersOnly, target, ref same)).Message);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(PathOf("cut.safetensors"), bytes[..^4]);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(PathOf("cut.safetensors"), target, ref same));
        Unchanged();
        Assert.Equal(0, same.StepCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Training_stopped_after_any_epoch_and_resumed_ends_bit_for_bit_where_an_uninterrupted_run_ends(int threads)
    {
        Dataset train = Blobs(300, 1), validation = Blobs(60, 2);
        TrainingOptions Options(int epochs, string? checkpoint) => new()
        {
            Epochs = epochs,
            BatchSize = 16,
            ShuffleSeed = 4,
            Patience = 20,
            LearningRateSchedule = epoch => 0.01f / epoch,
            CheckpointPath = checkpoint,
        };

        var reference = new DropoutMlp(3) { Threads = threads };
        var referenceAdam = new Adam(0.01f);
        TrainingResult expected = Trainer.Fit(reference, train, validation, Options(6, null), ref referenceAdam);

        string path = PathOf($"fit{threads}.safetensors");
        var first = new DropoutMlp(3) { Threads = threads };
        var firstAdam = new Adam(0.01f);
        Assert.Equal(0, Trainer.Fit(first, train, validation, Options(2, path), ref firstAdam).ResumedFromEpoch);

        var second = new DropoutMlp(8) { Threads = threads };
        var secondAdam = new Adam(0.01f);
        TrainingResult result = Trainer.Fit(second, train, validation, Options(6, path), ref secondAdam);
        Assert.Equal(2, result.ResumedFromEpoch);
        Assert.Equal(expected.Epochs, result.Epochs);
        Assert.Equal(expected.BestEpoch, result.BestEpoch);
        Assert.Equal(expected.Last.TrainLoss, result.Last.TrainLoss);
        Assert.Equal(expected.Last.ValidationLoss, result.Last.ValidationLoss);
        Assert.Equal(reference.Parameters.ToArray(), second.Parameters.ToArray());
        Assert.Equal(referenceAdam.StepCount, secondAdam.StepCount);

        // Run again, the run is complete: nothing trains, the same result comes back.
        var third = new DropoutMlp(9) { Threads = threads };
        var thirdAdam = new Adam(0.01f);
        TrainingResult again = Trainer.Fit(third, train, validation, Options(6, path), ref thirdAdam);
        Assert.Equal(6, again.ResumedFromEpoch);
        Assert.Equal(expected.BestEpoch, again.BestEpoch);
        Assert.Equal(reference.Parameters.ToArray(), third.Parameters.ToArray());
    }

    [Fact]
    public void Early_stopping_state_survives_a_resume()
    {
        Dataset train = Blobs(200, 1), validation = Blobs(40, 2);
        TrainingOptions Options(int epochs, string? checkpoint) => new()
        {
            Epochs = epochs,
            BatchSize = 8,
            Patience = 2,
            CheckpointPath = checkpoint,
        };

        // A learning rate high enough that validation loss stops improving within a few epochs.
        var reference = new DropoutMlp(3);
        var referenceSgd = new Momentum(0.2f);
        TrainingResult expected = Trainer.Fit(reference, train, validation, Options(30, null), ref referenceSgd);
        Assert.True(expected.StoppedEarly, $"the reference run went all {expected.Epochs} epochs");

        string path = PathOf("early.safetensors");
        int cut = Math.Max(1, expected.BestEpoch);
        var first = new DropoutMlp(3);
        var firstSgd = new Momentum(0.2f);
        Trainer.Fit(first, train, validation, Options(cut, path), ref firstSgd);
        var second = new DropoutMlp(3);
        var secondSgd = new Momentum(0.2f);
        TrainingResult result = Trainer.Fit(second, train, validation, Options(30, path), ref secondSgd);
        Assert.Equal((expected.Epochs, expected.BestEpoch, true), (result.Epochs, result.BestEpoch, result.StoppedEarly));
        Assert.Equal(reference.Parameters.ToArray(), second.Parameters.ToArray());
    }

    [Fact]
    public void A_resume_with_other_data_or_options_is_refused_and_changes_nothing()
    {
        Dataset train = Blobs(100, 1);
        string path = PathOf("options.safetensors");
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        Trainer.Fit(network, train, null, new TrainingOptions { Epochs = 2, BatchSize = 10, CheckpointPath = path }, ref adam);

        var target = new DropoutMlp(4);
        float[] before = target.Parameters.ToArray();
        var fresh = new Adam(0.01f);
        Assert.Contains("batch size 10", Assert.Throws<InvalidDataException>(() =>
            Trainer.Fit(target, train, null, new TrainingOptions { Epochs = 4, BatchSize = 20, CheckpointPath = path }, ref fresh)).Message);
        Assert.Contains("samples 100", Assert.Throws<InvalidDataException>(() =>
            Trainer.Fit(target, Blobs(120, 1), null, new TrainingOptions { Epochs = 4, BatchSize = 10, CheckpointPath = path }, ref fresh)).Message);
        Assert.Contains("past the 1 epochs", Assert.Throws<InvalidDataException>(() =>
            Trainer.Fit(target, train, null, new TrainingOptions { Epochs = 1, BatchSize = 10, CheckpointPath = path }, ref fresh)).Message);
        Assert.Contains("Patience", Assert.Throws<InvalidDataException>(() =>
            Trainer.Fit(target, train, Blobs(20, 2), new TrainingOptions { Epochs = 4, BatchSize = 10, Patience = 1, CheckpointPath = path }, ref fresh)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Trainer.Fit(target, train, null, new TrainingOptions { Epochs = 4, BatchSize = 10, CheckpointPath = path, CheckpointEvery = 0 }, ref fresh));
        Assert.Equal(before, target.Parameters.ToArray());
        Assert.Equal(0, fresh.StepCount);
    }

    [Fact]
    public void Checkpoints_are_written_every_n_epochs_and_after_the_last()
    {
        Dataset train = Blobs(64, 1);
        string path = PathOf("every.safetensors");
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        var epochs = new List<int>();
        Trainer.Fit(network, train, null, new TrainingOptions { Epochs = 5, BatchSize = 16, CheckpointPath = path, CheckpointEvery = 2 }, ref adam, [new OnEpoch(_ =>
            epochs.Add(File.Exists(path) ? EpochIn(path) : 0))]);

        // Each report comes before that epoch's checkpoint: what is on disk during epoch e's report is the last multiple of 2 before it.
        Assert.Equal([0, 0, 2, 2, 4], epochs);
        Assert.Equal(5, EpochIn(path));
    }

    private static int EpochIn(string path)
    {
        var probe = new DropoutMlp(1);
        var adam = new Adam(0.01f);
        Checkpoint.Load(path, probe, ref adam);
        return adam.StepCount / 4; // 64 samples in batches of 16
    }

    private static void Steps<TOptimizer>(DropoutMlp network, Dataset data, int from, int to, ref TOptimizer optimizer)
        where TOptimizer : struct, IOptimizer
    {
        for (int step = from; step < to; step++)
        {
            int start = step * 16 % data.Count;
            network.TrainStep(data.Features.AsSpan(start * 20, 16 * 20), data.Labels.AsSpan(start, 16), ref optimizer);
        }
    }

    private static Dataset Blobs(int count, int seed) => Compiled.Tests.Blobs.Make(count, seed, separation: 1.5f);

    private struct HalfStep : IOptimizer
    {
        public float LearningRate { get; set; }

        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) =>
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(gradients, -0.5f, parameters, parameters);
    }

    private sealed class OnEpoch(Action<EpochReport> action) : ITrainingCallback
    {
        public TrainingDecision OnEpochEnd(EpochReport epoch)
        {
            action(epoch);
            return TrainingDecision.Continue;
        }
    }
}
