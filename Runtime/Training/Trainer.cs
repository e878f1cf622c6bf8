using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Compiled.Data;

namespace Compiled
{
    /// <summary>How <see cref="Trainer.Fit"/> trains. Each setting is checked where it is set; what depends on the network
    /// (a batch size past its MaxBatchSize) or the data (early stopping without a validation set) is checked by Fit.</summary>
    public sealed record TrainingOptions
    {
        private readonly int _epochs = 10;
        private readonly int _batchSize = 32;
        private readonly int _patience;
        private readonly string? _checkpointPath;
        private readonly int _checkpointEvery = 1;
        private readonly double _validationSplit;

        /// <summary>Passes over the training set, at least 1. Default 10.</summary>
        public int Epochs
        {
            get => _epochs;
            init => _epochs = AtLeast(value, 1, nameof(Epochs), "epoch");
        }

        /// <summary>Samples per step, at least 1 and at most the network's MaxBatchSize. Default 32.</summary>
        public int BatchSize
        {
            get => _batchSize;
            init => _batchSize = AtLeast(value, 1, nameof(BatchSize), "sample per step");
        }

        /// <summary>Seed of the per-epoch shuffle, so that a run is reproducible. Default 0.</summary>
        public int ShuffleSeed { get; init; }

        /// <summary>Shuffle the training set every epoch. Default true.</summary>
        public bool Shuffle { get; init; } = true;

        /// <summary>When set, the optimizer's learning rate for each epoch (numbered from 1), e.g. a step decay;
        /// it is applied before the epoch's first step. Default null: the optimizer's own rate throughout.</summary>
        public Func<int, float>? LearningRateSchedule { get; init; }

        /// <summary>Stop after this many epochs without a better validation loss, and restore the best parameters.
        /// 0 (the default) turns early stopping off.</summary>
        public int Patience
        {
            get => _patience;
            init => _patience = AtLeast(value, 0, nameof(Patience), "epoch (0 turns early stopping off)");
        }

        /// <summary>When set, a checkpoint (<see cref="Checkpoint"/>: parameters, optimizer state, random state and the loop's
        /// own state) is written here atomically every <see cref="CheckpointEvery"/> epochs and after the last; and if the file
        /// exists when <see cref="Trainer.Fit"/> starts, training resumes from it, so that a run killed and started again ends
        /// with the same parameters, bit for bit, as one that was never interrupted (with the same data, options and
        /// <c>Threads</c>). Default null: no checkpoints.</summary>
        public string? CheckpointPath
        {
            get => _checkpointPath;
            init => _checkpointPath = value is null || value.Trim().Length > 0
                ? value
                : throw new ArgumentException($"Expected a file path for CheckpointPath (or null for no checkpoints), but it is '{value}'.", nameof(CheckpointPath));
        }

        /// <summary>When above 0 and no validation set is given to <see cref="Trainer.Fit"/>, this fraction of the training set
        /// (its last samples, taken before any shuffle, as Keras' <c>validation_split</c>) is held out and validated on after
        /// each epoch. In [0, 1); default 0. Shuffle the dataset first (<see cref="Dataset.Shuffled"/>) if it is sorted.</summary>
        public double ValidationSplit
        {
            get => _validationSplit;
            init => _validationSplit = value >= 0 && value < 1
                ? value
                : throw new ArgumentOutOfRangeException(nameof(ValidationSplit), value, $"Expected ValidationSplit in [0, 1) (the fraction of the training set held out), but it is {value}.");
        }

        /// <summary>Epochs between checkpoints when <see cref="CheckpointPath"/> is set, at least 1. Default 1.</summary>
        public int CheckpointEvery
        {
            get => _checkpointEvery;
            init => _checkpointEvery = AtLeast(value, 1, nameof(CheckpointEvery), "epoch between checkpoints");
        }

        private static int AtLeast(int value, int minimum, string name, string unit) =>
            value >= minimum ? value : throw new ArgumentOutOfRangeException(name, value, $"Expected {name} to be at least {minimum} ({unit}), but it is {value}.");
    }

    /// <summary>What happened in one epoch: given to <see cref="ITrainingCallback.OnEpochEnd"/> and kept, one per epoch,
    /// in <see cref="TrainingResult.History"/>.</summary>
    /// <param name="Epoch">The epoch, from 1.</param>
    /// <param name="TrainLoss">Mean loss of the epoch's steps.</param>
    /// <param name="ValidationLoss">Loss on the validation set, or NaN without one.</param>
    /// <param name="ValidationAccuracy">Accuracy on the validation set, or NaN.</param>
    /// <param name="Elapsed">Time since training started.</param>
    public readonly record struct EpochReport(int Epoch, float TrainLoss, float ValidationLoss, float ValidationAccuracy, TimeSpan Elapsed)
    {
        /// <summary>The time this epoch took, its validation included.</summary>
        public TimeSpan EpochTime { get; init; }

        /// <summary>The optimizer's learning rate during this epoch.</summary>
        public float LearningRate { get; init; } = float.NaN;

        /// <inheritdoc/>
        public override string ToString() => ConsoleReporter.Line(this, 0);
    }

    /// <summary>How training ended.</summary>
    /// <param name="Epochs">Epochs run.</param>
    /// <param name="BestEpoch">The epoch whose parameters the network holds (the last, unless early stopping restored an earlier one).</param>
    /// <param name="StoppedEarly">Whether early stopping ended the run.</param>
    /// <param name="Last">The last epoch's report.</param>
    public readonly record struct TrainingResult(int Epochs, int BestEpoch, bool StoppedEarly, EpochReport Last)
    {
        /// <summary>The epoch of the checkpoint this run resumed from (<see cref="TrainingOptions.CheckpointPath"/>), or 0 if it
        /// started from the beginning.</summary>
        public int ResumedFromEpoch { get; init; }

        /// <summary>Whether a callback's <see cref="TrainingDecision.Stop"/> ended the run.</summary>
        public bool StoppedByCallback { get; init; }

        /// <summary>Every epoch's report, in order, from epoch 1 (a resumed run's earlier epochs come from its checkpoint):
        /// the loss and accuracy curves.</summary>
        public IReadOnlyList<EpochReport> History { get; init; } = Array.Empty<EpochReport>();
    }

    /// <summary>
    /// The training loop: epochs of shuffled minibatches, validation after each epoch, early stopping that restores
    /// the best parameters, and a clear stop on a NaN or infinite loss. Allocates its buffers once per call.
    /// </summary>
    public static class Trainer
    {
        /// <summary>Trains <paramref name="network"/> on <paramref name="train"/>, validating on <paramref name="validation"/> if given.</summary>
        /// <exception cref="NonFiniteLossException">A step's loss was NaN or infinite; the network keeps the parameters from before that step.</exception>
        /// <exception cref="InvalidDataException">The checkpoint at <see cref="TrainingOptions.CheckpointPath"/> is malformed or
        /// was written by another network, optimizer, data set or options; nothing was changed.</exception>
        /// <exception cref="NotSupportedException">A checkpoint path is set, but the optimizer does not implement
        /// <see cref="IOptimizer.ExportState"/>.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; it is checked before
        /// each step, so the network holds the parameters after the last finished step (and the last checkpoint, if any, is
        /// where a new call resumes).</exception>
        /// <param name="network">The network to train.</param>
        /// <param name="train">The training set: labels for a network with a class-index loss, float targets otherwise.</param>
        /// <param name="validation">A set evaluated after each epoch (its loss and accuracy in the reports, and the measure
        /// early stopping watches), or null.</param>
        /// <param name="options">Epochs, batch size, shuffling, schedule, early stopping, checkpoints.</param>
        /// <param name="optimizer">The optimizer, updated in place (its step count and moments).</param>
        /// <param name="callbacks">Called in order, synchronously: <see cref="ConsoleReporter"/> prints progress;
        /// <see cref="TrainingCallback.StopWhen"/> ends training on a condition.</param>
        /// <param name="cancellationToken">Stops training between two steps with <see cref="OperationCanceledException"/>.</param>
        /// <returns>How training ended, with every epoch's report in <see cref="TrainingResult.History"/>.</returns>
        public static TrainingResult Fit<TOptimizer>(
            INetwork network,
            Dataset train,
            Dataset? validation,
            TrainingOptions options,
            ref TOptimizer optimizer,
            IReadOnlyList<ITrainingCallback>? callbacks = null,
            CancellationToken cancellationToken = default)
            where TOptimizer : struct, IOptimizer
        {
            if (network is null)
            {
                throw new ArgumentNullException(nameof(network));
            }

            CheckDataset(network, train ?? throw new ArgumentNullException(nameof(train)), nameof(train));
            if (validation is not null)
            {
                CheckDataset(network, validation, nameof(validation));
            }

            options ??= new TrainingOptions();
            if (options.ValidationSplit > 0)
            {
                if (validation is not null)
                {
                    throw new ArgumentException($"Give either a validation set or TrainingOptions.ValidationSplit ({options.ValidationSplit}), not both.", nameof(validation));
                }

                (train, validation) = train.Split(1 - options.ValidationSplit);
            }

            if (options.BatchSize > network.MaxBatchSize)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"Expected a BatchSize from 1 to the network's MaxBatchSize ({network.MaxBatchSize}), but it is {options.BatchSize}.");
            }

            if (options.Patience > 0 && validation is null)
            {
                throw new ArgumentException("Early stopping (Patience > 0) needs a validation set.", nameof(validation));
            }

            // An optimizer that cannot be checkpointed fails now, not after the first epoch; a resume compares against this.
            OptimizerState? startState = options.CheckpointPath is null ? null : optimizer.ExportState();

            var hooks = new CallbackList(callbacks);
            int batchSize = options.BatchSize;
            int inputSize = network.InputSize;
            int targetSize = train.TargetSize;
            var batchFeatures = new float[batchSize * inputSize];
            var batchLabels = new int[batchSize];
            var batchTargets = new float[batchSize * Math.Max(targetSize, 1)];
            int[] order = new int[train.Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            var random = new Xoshiro((ulong)(uint)options.ShuffleSeed);
            float[]? best = options.Patience > 0 ? network.Parameters.ToArray() : null;
            float bestLoss = float.PositiveInfinity;
            int bestEpoch = 0, sinceBest = 0;
            var clock = Stopwatch.StartNew();
            TimeSpan elapsedBefore = TimeSpan.Zero;
            EpochReport report = default;
            int epoch = 0;
            bool stoppedEarly = false, stoppedByCallback = false;
            var history = new List<EpochReport>(options.Epochs);
            if (options.CheckpointPath is not null && File.Exists(options.CheckpointPath))
            {
                CheckpointContents checkpoint = Checkpoint.Read(options.CheckpointPath, network, startState!, expectBest: best is not null);
                var loop = new LoopState(checkpoint);
                loop.CheckSame(train.Count, options);
                checkpoint.Restore(network, ref optimizer);
                checkpoint.Best?.CopyTo(best!, 0);
                (epoch, bestLoss, bestEpoch, sinceBest, stoppedEarly, stoppedByCallback, elapsedBefore, report) =
                    (loop.Epoch, loop.BestLoss, loop.BestEpoch, loop.SinceBest, loop.StoppedEarly, loop.StoppedByCallback, loop.Elapsed, loop.Last);
                history.AddRange(loop.History);
                for (int replayed = 0; options.Shuffle && replayed < epoch; replayed++)
                {
                    Dataset.Shuffle(order, ref random); // the shuffles of the epochs already run, so the next one is the same
                }
            }

            int resumedFrom = epoch;
            int stepsPerEpoch = (train.Count + batchSize - 1) / batchSize;
            hooks.TrainingBegin(new TrainingStart(options.Epochs, epoch + 1, stepsPerEpoch, train.Count, validation is not null));
            while (!stoppedEarly && !stoppedByCallback && epoch < options.Epochs)
            {
                epoch++;
                TimeSpan epochStart = elapsedBefore + clock.Elapsed;
                if (options.LearningRateSchedule is not null)
                {
                    // Checked here, before the epoch's first step, so that the message names the schedule and the epoch.
                    float rate = options.LearningRateSchedule(epoch);
                    if (!(rate >= 0f) || float.IsInfinity(rate))
                    {
                        throw new ArgumentOutOfRangeException(nameof(options), rate, $"The learning-rate schedule gave {rate} for epoch {epoch}; expected zero or a positive, finite rate. The parameters are those after epoch {epoch - 1}.");
                    }

                    optimizer.LearningRate = rate;
                }

                if (options.Shuffle)
                {
                    Dataset.Shuffle(order, ref random);
                }

                double lossSum = 0;
                int steps = 0;
                for (int start = 0; start < train.Count; start += batchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int n = Math.Min(batchSize, train.Count - start);
                    for (int i = 0; i < n; i++)
                    {
                        int sample = order[start + i];
                        Array.Copy(train.Features, sample * inputSize, batchFeatures, i * inputSize, inputSize);
                        if (train.Labels is not null)
                        {
                            batchLabels[i] = train.Labels[sample];
                        }
                        else
                        {
                            Array.Copy(train.Targets!, sample * targetSize, batchTargets, i * targetSize, targetSize);
                        }
                    }

                    float loss;
                    try
                    {
                        loss = train.Labels is not null
                            ? ((ILabelNetwork)network).TrainStep(batchFeatures.AsSpan(0, n * inputSize), batchLabels.AsSpan(0, n), ref optimizer)
                            : ((ITargetNetwork)network).TrainStep(batchFeatures.AsSpan(0, n * inputSize), batchTargets.AsSpan(0, n * targetSize), ref optimizer);
                    }
                    catch (NonFiniteLossException exception)
                    {
                        throw new NonFiniteLossException(
                            $"Training stopped in epoch {epoch} at step {steps + 1}: {exception.Message} Try a smaller learning rate, gradient clipping, or check the data for NaN.");
                    }

                    lossSum += loss;
                    steps++;
                    hooks.BatchEnd(new BatchReport(epoch, steps, stepsPerEpoch, loss, (float)(lossSum / steps), elapsedBefore + clock.Elapsed));
                }

                float validationLoss = float.NaN, validationAccuracy = float.NaN;
                if (validation is not null)
                {
                    Evaluation evaluation = Evaluate(network, validation);
                    validationLoss = evaluation.Loss;
                    validationAccuracy = evaluation.Accuracy;
                }

                TimeSpan epochEnd = elapsedBefore + clock.Elapsed;
                report = new EpochReport(epoch, (float)(lossSum / steps), validationLoss, validationAccuracy, epochEnd)
                {
                    EpochTime = epochEnd - epochStart,
                    LearningRate = optimizer.LearningRate,
                };
                history.Add(report);
                stoppedByCallback = hooks.EpochEndSaysStop(report);

                if (best is null)
                {
                    bestEpoch = epoch;
                }
                else if (validationLoss < bestLoss)
                {
                    bestLoss = validationLoss;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    network.Parameters.CopyTo(best);
                }
                else if (++sinceBest >= options.Patience)
                {
                    stoppedEarly = true;
                }

                if (options.CheckpointPath is not null && (epoch % options.CheckpointEvery == 0 || epoch == options.Epochs || stoppedEarly || stoppedByCallback))
                {
                    var loop = new LoopState(epoch, bestLoss, bestEpoch, sinceBest, stoppedEarly, stoppedByCallback, report.Elapsed, report, history);
                    Checkpoint.Write(options.CheckpointPath, network, optimizer.ExportState(), loop.ToMetadata(train.Count, options), best);
                }
            }

            if (best is not null && bestEpoch > 0)
            {
                best.CopyTo(network.Parameters);
            }

            var result = new TrainingResult(epoch, bestEpoch, stoppedEarly, report)
            {
                ResumedFromEpoch = resumedFrom,
                StoppedByCallback = stoppedByCallback,
                History = history.ToArray(),
            };
            hooks.TrainingEnd(result);
            return result;
        }

        /// <summary>Evaluates on a whole dataset, through the network's label or target <c>Evaluate</c>.</summary>
        public static Evaluation Evaluate(INetwork network, Dataset data)
        {
            CheckDataset(network, data, nameof(data));
            return data.Labels is not null
                ? ((ILabelNetwork)network).Evaluate(data.Features, data.Labels)
                : ((ITargetNetwork)network).Evaluate(data.Features, data.Targets);
        }

        private static void CheckDataset(INetwork network, Dataset data, string name)
        {
            if (data.FeatureSize != network.InputSize)
            {
                throw new ArgumentException($"The network takes {network.InputSize} inputs per sample, but {name} has {data.FeatureSize}.", name);
            }

            if (network is not ILabelNetwork and not ITargetNetwork)
            {
                throw new ArgumentException($"This network has no built-in loss (Loss.None), so Fit cannot train it; call its Backward(inputs, outputGradient) with the gradient of your loss, then ApplyGradients.", nameof(network));
            }

            if (data.Labels is not null && network is not ILabelNetwork)
            {
                throw new ArgumentException($"{name} has class-index labels, but this network's loss takes float targets; use Dataset.WithTargets.", name);
            }

            if (data.Labels is null && network is not ITargetNetwork)
            {
                throw new ArgumentException($"{name} has float targets, but this network's loss takes class-index labels; use Dataset.WithLabels.", name);
            }

            if (data.Labels is null && data.TargetSize != network.OutputSize)
            {
                // The usual cause: a column of class indices given as float targets to a classifier.
                string hint = data.TargetSize == 1 && network is ILabelNetwork
                    ? " If that one column holds class indices, make the dataset with Dataset.WithLabels (float target rows are probability rows, one value per class)."
                    : string.Empty;
                throw new ArgumentException($"The network has {network.OutputSize} outputs, but {name} has target rows of {data.TargetSize}.{hint}", name);
            }
        }
    }
    /// <summary>What <see cref="Trainer.Fit"/> keeps in a checkpoint besides the network and optimizer: where the loop is, the
    /// early-stopping bookkeeping, and the settings that must be the same for a resumed run to continue the same run.</summary>
    internal readonly record struct LoopState(int Epoch, float BestLoss, int BestEpoch, int SinceBest, bool StoppedEarly, bool StoppedByCallback, TimeSpan Elapsed, EpochReport Last, IReadOnlyList<EpochReport> History)
    {
        public LoopState(CheckpointContents checkpoint)
            : this(0, 0f, 0, 0, false, false, TimeSpan.Zero, default, Array.Empty<EpochReport>())
        {
            _checkpoint = checkpoint;
            Epoch = Whole("epoch");
            BestLoss = Number("best_loss");
            BestEpoch = Whole("best_epoch");
            SinceBest = Whole("since_best");
            StoppedEarly = Text("stopped_early") switch
            {
                "true" => true,
                "false" => false,
                string other => throw checkpoint.Invalid($"its 'trainer.stopped_early' is '{other}', not true or false"),
            };
            // Absent from checkpoints written before callbacks could stop training or the history was kept.
            StoppedByCallback = checkpoint.Trainer.TryGetValue("stopped_by_callback", out string? byCallback) && byCallback == "true";
            Elapsed = TimeSpan.FromTicks(long.TryParse(Text("elapsed_ticks"), NumberStyles.None, CultureInfo.InvariantCulture, out long ticks) ? ticks : throw checkpoint.Invalid("its 'trainer.elapsed_ticks' is not a whole number"));
            Last = new EpochReport(Epoch, Number("train_loss"), Number("validation_loss"), Number("validation_accuracy"), Elapsed);
            History = checkpoint.Trainer.TryGetValue("history", out string? history) ? ParseHistory(checkpoint, history, Epoch) : Array.Empty<EpochReport>();
            if (Epoch < 1 || BestEpoch > Epoch || SinceBest > Epoch)
            {
                throw checkpoint.Invalid($"its loop state is inconsistent (epoch {Epoch}, best epoch {BestEpoch}, {SinceBest} epochs since the best)");
            }
        }

        private readonly CheckpointContents? _checkpoint;

        /// <summary>Refuses to resume a run with other data or options, which would silently continue a different run.</summary>
        public void CheckSame(int samples, TrainingOptions options)
        {
            Same("samples", samples);
            Same("batch_size", options.BatchSize);
            Same("shuffle", options.Shuffle ? 1 : 0);
            Same("shuffle_seed", options.ShuffleSeed);
            Same("patience", options.Patience);
            if (Epoch > options.Epochs)
            {
                throw _checkpoint!.Invalid($"it is at epoch {Epoch}, past the {options.Epochs} epochs asked for");
            }
        }

        public Dictionary<string, string> ToMetadata(int samples, TrainingOptions options) => new(StringComparer.Ordinal)
        {
            ["epoch"] = Format(Epoch),
            ["best_loss"] = Checkpoint.Text(BestLoss),
            ["best_epoch"] = Format(BestEpoch),
            ["since_best"] = Format(SinceBest),
            ["stopped_early"] = StoppedEarly ? "true" : "false",
            ["stopped_by_callback"] = StoppedByCallback ? "true" : "false",
            ["history"] = FormatHistory(History),
            ["elapsed_ticks"] = Elapsed.Ticks.ToString(CultureInfo.InvariantCulture),
            ["train_loss"] = Checkpoint.Text(Last.TrainLoss),
            ["validation_loss"] = Checkpoint.Text(Last.ValidationLoss),
            ["validation_accuracy"] = Checkpoint.Text(Last.ValidationAccuracy),
            ["samples"] = Format(samples),
            ["batch_size"] = Format(options.BatchSize),
            ["shuffle"] = Format(options.Shuffle ? 1 : 0),
            ["shuffle_seed"] = Format(options.ShuffleSeed),
            ["patience"] = Format(options.Patience),
        };

        private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>One epoch per line: epoch, train loss, validation loss, validation accuracy, elapsed and epoch ticks, rate.</summary>
        private static string FormatHistory(IReadOnlyList<EpochReport> history)
        {
            var text = new StringBuilder();
            foreach (EpochReport e in history)
            {
                text.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{Checkpoint.Text(e.TrainLoss)},{Checkpoint.Text(e.ValidationLoss)},{Checkpoint.Text(e.ValidationAccuracy)},{e.Elapsed.Ticks},{e.EpochTime.Ticks},{Checkpoint.Text(e.LearningRate)}\n");
            }

            return text.ToString();
        }

        private static EpochReport[] ParseHistory(CheckpointContents checkpoint, string text, int epochs)
        {
            string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length != epochs)
            {
                throw checkpoint.Invalid($"its 'trainer.history' has {lines.Length} epochs, but the checkpoint is at epoch {epochs}");
            }

            var history = new EpochReport[lines.Length];
            for (int i = 0; i < lines.Length; i++)
            {
                string[] cells = lines[i].Split(',');
                if (cells.Length != 7
                    || !int.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch) || epoch != i + 1
                    || !float.TryParse(cells[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float trainLoss)
                    || !float.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out float validationLoss)
                    || !float.TryParse(cells[3], NumberStyles.Float, CultureInfo.InvariantCulture, out float validationAccuracy)
                    || !long.TryParse(cells[4], NumberStyles.None, CultureInfo.InvariantCulture, out long elapsed)
                    || !long.TryParse(cells[5], NumberStyles.None, CultureInfo.InvariantCulture, out long epochTime)
                    || !float.TryParse(cells[6], NumberStyles.Float, CultureInfo.InvariantCulture, out float rate))
                {
                    throw checkpoint.Invalid($"line {i + 1} of its 'trainer.history' ('{lines[i]}') is not epoch {i + 1}'s seven figures");
                }

                history[i] = new EpochReport(epoch, trainLoss, validationLoss, validationAccuracy, TimeSpan.FromTicks(elapsed))
                {
                    EpochTime = TimeSpan.FromTicks(epochTime),
                    LearningRate = rate,
                };
            }

            return history;
        }

        private void Same(string name, int value)
        {
            int saved = Signed(name);
            if (saved != value)
            {
                throw _checkpoint!.Invalid($"it was written by a run with {name.Replace('_', ' ')} {saved}, but this run has {value}; resume with the same data and options, or delete the checkpoint to start again");
            }
        }

        private string Text(string name) =>
            _checkpoint!.Trainer.TryGetValue(name, out string? text) ? text : throw _checkpoint.Invalid($"it has no 'trainer.{name}' (it was written by Checkpoint.Save, not by Trainer.Fit)");

        private int Whole(string name) =>
            int.TryParse(Text(name), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : throw _checkpoint!.Invalid($"its 'trainer.{name}' is '{Text(name)}', not a whole number");

        private int Signed(string name) =>
            int.TryParse(Text(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) ? value : throw _checkpoint!.Invalid($"its 'trainer.{name}' is '{Text(name)}', not a number");

        private float Number(string name) =>
            float.TryParse(Text(name), NumberStyles.Float, CultureInfo.InvariantCulture, out float value) ? value : throw _checkpoint!.Invalid($"its 'trainer.{name}' is '{Text(name)}', not a number");
    }
}
