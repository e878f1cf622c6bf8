using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>The training loop: reproducibility, validation, early stopping, schedules, progress and NaN handling.</summary>
public class TrainerTests
{
    private static Dataset Blobs(int count, int seed) => Compiled.Tests.Blobs.Make(count, seed, separation: 2f);

    [Fact]
    public void The_same_seeds_give_the_same_parameters()
    {
        Dataset data = Blobs(200, 1);
        float[] Train()
        {
            var network = new DropoutMlp(3);
            var adam = new Adam(0.01f);
            Trainer.Fit(network, data, null, new TrainingOptions { Epochs = 3, BatchSize = 16, ShuffleSeed = 9 }, ref adam);
            return network.Parameters.ToArray();
        }

        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void Training_learns_and_reports_every_epoch()
    {
        Dataset train = Blobs(400, 1), validation = Blobs(100, 2);
        var network = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        var reports = new List<EpochReport>();
        TrainingResult result = Trainer.Fit(network, train, validation, new TrainingOptions { Epochs = 5, BatchSize = 32 }, ref adam, [new Collect(reports)]);

        Assert.Equal(5, result.Epochs);
        Assert.Equal(Enumerable.Range(1, 5), reports.Select(r => r.Epoch));
        Assert.True(reports[^1].TrainLoss < reports[0].TrainLoss);
        Assert.True(reports[^1].ValidationAccuracy > 0.9f, $"validation accuracy {reports[^1].ValidationAccuracy}");
        Assert.Equal(reports[^1].ValidationLoss, Trainer.Evaluate(network, validation).Loss, 5);
    }

    [Fact]
    public void Early_stopping_restores_the_best_parameters()
    {
        // Learning rate far too high: validation loss gets worse after the first epochs.
        Dataset train = Blobs(200, 1), validation = Blobs(100, 2);
        var network = new Mlp(1);
        var features = new float[200 * 784];
        for (int i = 0; i < 200; i++) Array.Copy(train.Features, i * 20, features, i * 784, 20);
        var wide = Dataset.WithLabels(features, 784, train.Labels!);
        var validationFeatures = new float[100 * 784];
        for (int i = 0; i < 100; i++) Array.Copy(validation.Features, i * 20, validationFeatures, i * 784, 20);
        var wideValidation = Dataset.WithLabels(validationFeatures, 784, validation.Labels!);

        var reports = new List<EpochReport>();
        var sgd = new Sgd(0.05f);
        TrainingResult result = Trainer.Fit(network, wide, wideValidation,
            new TrainingOptions { Epochs = 40, BatchSize = 8, Patience = 2, LearningRateSchedule = epoch => epoch <= 3 ? 0.05f : 3f }, ref sgd, [new Collect(reports)]);

        Assert.True(result.StoppedEarly);
        Assert.True(result.Epochs < 40);
        EpochReport best = reports.MinBy(r => r.ValidationLoss);
        Assert.Equal(best.Epoch, result.BestEpoch);
        Assert.Equal(best.ValidationLoss, Trainer.Evaluate(network, wideValidation).Loss, 4);
        Assert.Equal(3f, sgd.LearningRate); // the schedule was applied
    }

    [Fact]
    public void A_nan_loss_stops_training_with_a_clear_error_and_the_last_good_parameters()
    {
        Dataset data = Blobs(64, 1);
        data.Features[40 * 20] = float.NaN; // sample 40 is in the second batch of 32 without shuffling
        var network = new DropoutMlp(1);
        var sgd = new Sgd(0.01f);
        var error = Assert.Throws<NonFiniteLossException>(() =>
            Trainer.Fit(network, data, null, new TrainingOptions { Epochs = 2, BatchSize = 32, Shuffle = false }, ref sgd));
        Assert.Contains("epoch 1 at step 2", error.Message);
        Assert.True(network.Parameters.ToArray().All(float.IsFinite));
    }

    [Fact]
    public void Fit_checks_its_arguments()
    {
        var network = new DropoutMlp(1);
        var sgd = new Sgd(0.01f);
        Dataset data = Blobs(10, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(network, data, null, new TrainingOptions { BatchSize = 33 }, ref sgd));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(network, data, null, new TrainingOptions { Epochs = 0 }, ref sgd));
        Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, null, new TrainingOptions { Patience = 2 }, ref sgd));
        Assert.Contains("takes 20 inputs", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, Dataset.WithLabels(new float[10], 5, new int[2]), null, new TrainingOptions(), ref sgd)).Message);
        Assert.Contains("float targets", Assert.Throws<ArgumentException>(() => Trainer.Fit(new Tiny(1), Dataset.WithLabels(new float[4], 2, new int[2]), null, new TrainingOptions { BatchSize = 2 }, ref sgd)).Message);
        // A column of class indices passed as float targets to a classifier: the message names the method meant.
        Assert.Contains("Dataset.WithLabels", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(network, Dataset.WithTargets(new float[40], 20, [0f, 3f]), null, new TrainingOptions { BatchSize = 2 }, ref sgd)).Message);
        Assert.Throws<ArgumentException>(() => Dataset.WithLabels(new float[10], 3, new int[3]));
        Assert.Throws<ArgumentException>(() => Dataset.WithTargets(new float[6], 3, new float[3], 2));
    }

    private sealed class Collect(List<EpochReport> reports) : ITrainingCallback
    {
        public TrainingDecision OnEpochEnd(EpochReport epoch)
        {
            reports.Add(epoch);
            return TrainingDecision.Continue;
        }
    }
}
