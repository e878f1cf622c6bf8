using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Fit's feedback: callbacks in order on the training thread, the history, stopping, cancellation, the reporter.</summary>
public sealed class TrainingCallbackTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-callbacks-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Dataset Blobs(int count, int seed) => Compiled.Tests.Blobs.Make(count, seed, separation: 2f);

    [Fact]
    public void Callbacks_run_in_order_on_the_training_thread_and_the_history_holds_every_epoch()
    {
        Dataset train = Blobs(100, 1), validation = Blobs(40, 2);
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        var recorder = new Recorder();
        TrainingResult result = Trainer.Fit(network, train, validation,
            new TrainingOptions { Epochs = 3, BatchSize = 32, LearningRateSchedule = epoch => 0.01f / epoch }, ref adam, [recorder]);

        // 100 samples at 32: steps of 32, 32, 32 and 4.
        string[] expected = ["begin 3 epochs from 1, 4 steps, 100 samples, validation True",
            .. Enumerable.Range(1, 3).SelectMany(e => Enumerable.Range(1, 4).Select(s => $"batch {e}.{s}/4").Append($"epoch {e}")),
            "end 3"];
        Assert.Equal(expected, recorder.Events);
        Assert.All(recorder.Threads, id => Assert.Equal(Environment.CurrentManagedThreadId, id));

        Assert.Equal(recorder.Epochs, result.History);
        Assert.Equal([1, 2, 3], result.History.Select(r => r.Epoch));
        Assert.Equal([0.01f, 0.005f, 0.01f / 3], result.History.Select(r => r.LearningRate));
        Assert.Equal(result.Last, result.History[^1]);
        Assert.All(result.History, r => Assert.True(r.EpochTime > TimeSpan.Zero && r.EpochTime <= r.Elapsed));
        Assert.True(result.History[^1].Elapsed >= result.History[0].Elapsed + result.History[1].EpochTime + result.History[2].EpochTime);
        Assert.Equal(result.History[^1].ValidationLoss, Trainer.Evaluate(network, validation).Loss, 5);

        // A batch's mean loss is the mean of the epoch's step losses so far; the epoch's train loss is the last of them.
        Assert.Equal(recorder.MeanOfLastEpoch, result.Last.TrainLoss, 5);
    }

    [Fact]
    public void A_callback_stops_training_after_the_epoch_it_says_so()
    {
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        var recorder = new Recorder();
        TrainingResult result = Trainer.Fit(network, Blobs(64, 1), null, new TrainingOptions { Epochs = 10, BatchSize = 16 }, ref adam,
            [TrainingCallback.StopWhen(epoch => epoch.Epoch == 3), recorder]);

        Assert.True(result.StoppedByCallback);
        Assert.False(result.StoppedEarly);
        Assert.Equal(3, result.Epochs);
        Assert.Equal(3, result.History.Count);
        Assert.Equal(3 * 4, adam.StepCount);
        Assert.Equal("epoch 3", recorder.Events.Last(e => e.StartsWith("epoch", StringComparison.Ordinal))); // later callbacks still see the epoch
        Assert.Equal("end 3", recorder.Events[^1]);
    }

    [Fact]
    public void Cancellation_stops_between_steps_with_the_parameters_of_the_last_finished_step()
    {
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        using var cancellation = new CancellationTokenSource();
        float[]? afterSixth = null;
        var cancelAtSixth = new Recorder
        {
            OnBatch = batch =>
            {
                if (batch.Epoch == 2 && batch.Step == 2)
                {
                    afterSixth = network.Parameters.ToArray();
                    cancellation.Cancel();
                }
            },
        };

        Assert.Throws<OperationCanceledException>(() =>
            Trainer.Fit(network, Blobs(64, 1), null, new TrainingOptions { Epochs = 5, BatchSize = 16 }, ref adam, [cancelAtSixth], cancellation.Token));
        Assert.Equal(6, adam.StepCount);
        Assert.Equal(afterSixth, network.Parameters.ToArray());
        Assert.DoesNotContain(cancelAtSixth.Events, e => e.StartsWith("end", StringComparison.Ordinal));

        // Cancelled before it starts: no step at all.
        var untouched = new DropoutMlp(3);
        float[] before = untouched.Parameters.ToArray();
        var fresh = new Adam(0.01f);
        Assert.Throws<OperationCanceledException>(() =>
            Trainer.Fit(untouched, Blobs(64, 1), null, new TrainingOptions { Epochs = 1 }, ref fresh, cancellationToken: cancellation.Token));
        Assert.Equal(before, untouched.Parameters.ToArray());
    }

    [Fact]
    public void A_resumed_run_returns_the_whole_history_from_its_checkpoint()
    {
        Dataset train = Blobs(64, 1);
        string path = Path.Combine(_directory, "history.safetensors");
        var first = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        TrainingResult three = Trainer.Fit(first, train, null, new TrainingOptions { Epochs = 3, BatchSize = 16, CheckpointPath = path }, ref adam);

        var second = new DropoutMlp(3);
        var resumedAdam = new Adam(0.01f);
        var recorder = new Recorder();
        TrainingResult five = Trainer.Fit(second, train, null, new TrainingOptions { Epochs = 5, BatchSize = 16, CheckpointPath = path }, ref resumedAdam, [recorder]);

        Assert.Equal(3, five.ResumedFromEpoch);
        Assert.Equal([1, 2, 3, 4, 5], five.History.Select(r => r.Epoch));
        Assert.Equal(three.History, five.History.Take(3));
        Assert.StartsWith("begin 5 epochs from 4", recorder.Events[0]);
        Assert.Equal(2, recorder.Epochs.Count);
    }

    [Fact]
    public void The_history_line_of_a_checkpoint_is_checked()
    {
        Dataset train = Blobs(64, 1);
        string path = Path.Combine(_directory, "bad-history.safetensors");
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        Trainer.Fit(network, train, null, new TrainingOptions { Epochs = 2, BatchSize = 16, CheckpointPath = path }, ref adam);
        using (var reader = new SafetensorsReader(path))
        {
            Assert.Contains("trainer.history", reader.Metadata.Keys);
        }

        // Two epochs of history at epoch 2 is consistent; claiming epoch 2 with a one-line history is refused at resume.
        Checkpoint.Load(path, new DropoutMlp(3), ref adam);
        string tampered = SafetensorsMetadata.WithValue(path, path + ".tampered.safetensors", "trainer.history", text => text[..(text.IndexOf('\n') + 1)]);
        var again = new Adam(0.01f);
        var error = Assert.Throws<InvalidDataException>(() =>
            Trainer.Fit(new DropoutMlp(3), train, null, new TrainingOptions { Epochs = 3, BatchSize = 16, CheckpointPath = tampered }, ref again));
        Assert.Contains("history", error.Message);
    }

    [Fact]
    public void The_console_reporter_writes_one_line_per_epoch_when_redirected_and_a_progress_line_on_a_terminal()
    {
        Dataset train = Blobs(96, 1), validation = Blobs(32, 2);
        var plain = new StringWriter();
        var adam = new Adam(0.01f);
        Trainer.Fit(new DropoutMlp(3), train, validation, new TrainingOptions { Epochs = 2, BatchSize = 16 }, ref adam, [new ConsoleReporter(plain, progress: false)]);
        string[] lines = plain.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("training: 96 samples, 6 steps per epoch, 2 epochs, validating after each epoch", lines[0]);
        Assert.Matches(@"^epoch 1/2  loss \d\.\d{4}  validation loss \d\.\d{4}  accuracy \d\.\d{4}  rate 0\.01  \d+\.\d s \(\d+\.\d s\)$", lines[1]);
        Assert.StartsWith("epoch 2/2  loss ", lines[2]);
        Assert.Matches(@"^trained 2 epochs in \d+\.\d s$", lines[3]);
        Assert.DoesNotContain('\r', plain.ToString());

        var terminal = new StringWriter();
        adam = new Adam(0.01f);
        Trainer.Fit(new DropoutMlp(3), train, null, new TrainingOptions { Epochs = 2, BatchSize = 16 }, ref adam,
            [new ConsoleReporter(terminal, progress: true) { ProgressInterval = TimeSpan.Zero }]);
        string text = terminal.ToString();
        Assert.Contains("\repoch 1/2 [====>", text);
        Assert.Contains("] 6/6  loss ", text);
        // The epoch line starts at the beginning of a cleared line, not after the progress bar.
        Assert.Matches(@"\r +\repoch 2/2  loss \d\.\d{4}  rate 0\.01", text);
        Assert.DoesNotContain("validation", text);
    }

    [Fact]
    public void Null_callbacks_are_refused_before_anything_is_trained()
    {
        var network = new DropoutMlp(3);
        float[] before = network.Parameters.ToArray();
        var adam = new Adam(0.01f);
        var error = Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(network, Blobs(32, 1), null, new TrainingOptions { Epochs = 1 }, ref adam, [new Recorder(), null!]));
        Assert.Contains("index 1 is null", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.Throws<ArgumentNullException>(() => TrainingCallback.StopWhen(null!));
        Assert.Throws<ArgumentNullException>(() => TrainingCallback.OnEpoch(null!));
    }

    private sealed class Recorder : ITrainingCallback
    {
        private double _lossSum;
        private int _steps;

        public List<string> Events { get; } = [];

        public List<int> Threads { get; } = [];

        public List<EpochReport> Epochs { get; } = [];

        public float MeanOfLastEpoch { get; private set; }

        public Action<BatchReport>? OnBatch { get; init; }

        public void OnTrainingBegin(TrainingStart start) => Record($"begin {start.Epochs} epochs from {start.FirstEpoch}, {start.StepsPerEpoch} steps, {start.Samples} samples, validation {start.HasValidation}");

        public void OnBatchEnd(in BatchReport batch)
        {
            if (batch.Step == 1)
            {
                (_lossSum, _steps) = (0, 0);
            }

            _lossSum += batch.Loss;
            _steps++;
            Assert.Equal((float)(_lossSum / _steps), batch.MeanLoss, 5);
            MeanOfLastEpoch = batch.MeanLoss;
            Record($"batch {batch.Epoch}.{batch.Step}/{batch.StepsPerEpoch}");
            OnBatch?.Invoke(batch);
        }

        public TrainingDecision OnEpochEnd(EpochReport epoch)
        {
            Epochs.Add(epoch);
            Record($"epoch {epoch.Epoch}");
            return TrainingDecision.Continue;
        }

        public void OnTrainingEnd(TrainingResult result) => Record($"end {result.Epochs}");

        private void Record(string text)
        {
            Events.Add(text);
            Threads.Add(Environment.CurrentManagedThreadId);
        }
    }
}
