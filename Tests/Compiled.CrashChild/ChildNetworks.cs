namespace Compiled.CrashChild;

/// <summary>Trained in the child with Adam, dropout, validation and a schedule: every kind of state a checkpoint keeps.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 32)]
[Input(20)]
[Dense(256, Activation = Activation.Relu)]
[Dropout(0.3f)]
[Dense(4)]
public partial class CrashMlp;

/// <summary>Saved in a loop by the child: 4 M parameters, so a save takes long enough to be killed in the middle.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 1)]
[Input(2000)]
[Dense(2000)]
public partial class CrashWide;

/// <summary>What both sides of the crash tests share: the data and options of the training run.</summary>
public static class CrashRun
{
    public const int Epochs = 10;

    public static Compiled.Data.Dataset Blobs(int count, int seed) => Compiled.Tests.Blobs.Make(count, seed, separation: 1f);

    public static TrainingOptions Options(string? checkpoint) => new()
    {
        Epochs = Epochs,
        BatchSize = 32,
        ShuffleSeed = 5,
        Patience = 50,
        LearningRateSchedule = epoch => 0.003f / epoch,
        CheckpointPath = checkpoint,
        CheckpointEvery = 1,
    };
}
