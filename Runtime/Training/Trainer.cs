using System;
using System.Diagnostics;
using Compiled.Data;

namespace Compiled
{
    /// <summary>How <see cref="Trainer.Fit"/> trains.</summary>
    public sealed record TrainingOptions
    {
        /// <summary>Passes over the training set. Default 10.</summary>
        public int Epochs { get; init; } = 10;

        /// <summary>Samples per step; at most the network's MaxBatchSize. Default 32.</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>Seed of the per-epoch shuffle, so that a run is reproducible. Default 0.</summary>
        public int ShuffleSeed { get; init; }

        /// <summary>Shuffle the training set every epoch. Default true.</summary>
        public bool Shuffle { get; init; } = true;

        /// <summary>When set, the optimizer's learning rate for each epoch (numbered from 1), e.g. a step decay;
        /// it is applied before the epoch's first step. Default null: the optimizer's own rate throughout.</summary>
        public Func<int, float>? LearningRateSchedule { get; init; }

        /// <summary>Stop after this many epochs without a better validation loss, and restore the best parameters.
        /// 0 (the default) turns early stopping off.</summary>
        public int Patience { get; init; }
    }

    /// <summary>What happened in one epoch, reported through <see cref="IProgress{T}"/>.</summary>
    /// <param name="Epoch">The epoch, from 1.</param>
    /// <param name="TrainLoss">Mean loss of the epoch's steps.</param>
    /// <param name="ValidationLoss">Loss on the validation set, or NaN without one.</param>
    /// <param name="ValidationAccuracy">Accuracy on the validation set, or NaN.</param>
    /// <param name="Elapsed">Time since training started.</param>
    public readonly record struct EpochReport(int Epoch, float TrainLoss, float ValidationLoss, float ValidationAccuracy, TimeSpan Elapsed)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            float.IsNaN(ValidationLoss)
                ? $"epoch {Epoch}: loss {TrainLoss:F4} ({Elapsed.TotalSeconds:F1} s)"
                : $"epoch {Epoch}: loss {TrainLoss:F4}, validation loss {ValidationLoss:F4}, validation accuracy {ValidationAccuracy:F4} ({Elapsed.TotalSeconds:F1} s)";
    }

    /// <summary>How training ended.</summary>
    /// <param name="Epochs">Epochs run.</param>
    /// <param name="BestEpoch">The epoch whose parameters the network holds (the last, unless early stopping restored an earlier one).</param>
    /// <param name="StoppedEarly">Whether early stopping ended the run.</param>
    /// <param name="Last">The last epoch's report.</param>
    public readonly record struct TrainingResult(int Epochs, int BestEpoch, bool StoppedEarly, EpochReport Last);

    /// <summary>
    /// The training loop: epochs of shuffled minibatches, validation after each epoch, early stopping that restores
    /// the best parameters, and a clear stop on a NaN or infinite loss. Allocates its buffers once per call.
    /// </summary>
    public static class Trainer
    {
        /// <summary>Trains <paramref name="network"/> on <paramref name="train"/>, validating on <paramref name="validation"/> if given.</summary>
        /// <exception cref="NonFiniteLossException">A step's loss was NaN or infinite; the network keeps the parameters from before that step.</exception>
        public static TrainingResult Fit<TOptimizer>(
            INetwork network,
            Dataset train,
            Dataset? validation,
            TrainingOptions options,
            ref TOptimizer optimizer,
            IProgress<EpochReport>? progress = null)
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
            if (options.Epochs < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"Expected at least 1 epoch, but Epochs is {options.Epochs}.");
            }

            if (options.BatchSize < 1 || options.BatchSize > network.MaxBatchSize)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"Expected a BatchSize from 1 to the network's MaxBatchSize ({network.MaxBatchSize}), but it is {options.BatchSize}.");
            }

            if (options.Patience < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"Expected Patience >= 0, but it is {options.Patience}.");
            }

            if (options.Patience > 0 && validation is null)
            {
                throw new ArgumentException("Early stopping (Patience > 0) needs a validation set.", nameof(validation));
            }

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
            EpochReport report = default;
            int epoch = 0;
            bool stoppedEarly = false;
            while (epoch < options.Epochs)
            {
                epoch++;
                if (options.LearningRateSchedule is not null)
                {
                    float rate = options.LearningRateSchedule(epoch);
                    if (!(rate > 0f) || float.IsInfinity(rate))
                    {
                        throw new ArgumentOutOfRangeException(nameof(options), $"The learning-rate schedule gave {rate} for epoch {epoch}; expected a positive, finite rate.");
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
                }

                float validationLoss = float.NaN, validationAccuracy = float.NaN;
                if (validation is not null)
                {
                    Evaluation result = Evaluate(network, validation);
                    validationLoss = result.Loss;
                    validationAccuracy = result.Accuracy;
                }

                report = new EpochReport(epoch, (float)(lossSum / steps), validationLoss, validationAccuracy, clock.Elapsed);
                progress?.Report(report);

                if (best is null)
                {
                    bestEpoch = epoch;
                    continue;
                }

                if (validationLoss < bestLoss)
                {
                    bestLoss = validationLoss;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    network.Parameters.CopyTo(best);
                }
                else if (++sinceBest >= options.Patience)
                {
                    stoppedEarly = true;
                    break;
                }
            }

            if (best is not null && bestEpoch > 0)
            {
                best.CopyTo(network.Parameters);
            }

            return new TrainingResult(epoch, bestEpoch, stoppedEarly, report);
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
                throw new ArgumentException($"The network has {network.OutputSize} outputs, but {name} has target rows of {data.TargetSize}.", name);
            }
        }
    }
}
