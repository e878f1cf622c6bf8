using System;
using System.Collections.Generic;

namespace Compiled
{
    /// <summary>What <see cref="Trainer.Fit"/> is about to do, given to <see cref="ITrainingCallback.OnTrainingBegin"/>.</summary>
    /// <param name="Epochs">The epochs asked for (<see cref="TrainingOptions.Epochs"/>).</param>
    /// <param name="FirstEpoch">The epoch that runs first: 1, or the one after a resumed checkpoint's.</param>
    /// <param name="StepsPerEpoch">Minibatches in an epoch.</param>
    /// <param name="Samples">Samples in the training set.</param>
    /// <param name="HasValidation">Whether each epoch ends with a validation pass.</param>
    public readonly record struct TrainingStart(int Epochs, int FirstEpoch, int StepsPerEpoch, int Samples, bool HasValidation);

    /// <summary>One finished minibatch, given to <see cref="ITrainingCallback.OnBatchEnd"/> after every step.</summary>
    /// <param name="Epoch">The epoch, from 1.</param>
    /// <param name="Step">The step within the epoch, from 1.</param>
    /// <param name="StepsPerEpoch">Steps in the epoch.</param>
    /// <param name="Loss">This step's loss.</param>
    /// <param name="MeanLoss">Mean loss of the epoch's steps so far.</param>
    /// <param name="Elapsed">Time since training started (including the runs a checkpoint resumed).</param>
    public readonly record struct BatchReport(int Epoch, int Step, int StepsPerEpoch, float Loss, float MeanLoss, TimeSpan Elapsed);

    /// <summary>What a callback wants after an epoch.</summary>
    public enum TrainingDecision
    {
        /// <summary>Go on with the next epoch.</summary>
        Continue,

        /// <summary>End training after this epoch; <see cref="TrainingResult.StoppedByCallback"/> says so.</summary>
        Stop,
    }

    /// <summary>
    /// Hooks into <see cref="Trainer.Fit"/>. Every method is called synchronously on the training thread, in order, so what a
    /// callback prints appears when it happens (unlike <see cref="Progress{T}"/>, which posts to the thread pool). Each method
    /// has an empty default: implement the ones you need. <see cref="OnBatchEnd"/> runs after every step; keep it cheap.
    /// </summary>
    public interface ITrainingCallback
    {
        /// <summary>Before the first epoch (of this call: after a resume, the one after the checkpoint's).</summary>
        void OnTrainingBegin(TrainingStart start)
        {
        }

        /// <summary>After each minibatch's step.</summary>
        void OnBatchEnd(in BatchReport batch)
        {
        }

        /// <summary>After each epoch and its validation; return <see cref="TrainingDecision.Stop"/> to end training.</summary>
        TrainingDecision OnEpochEnd(EpochReport epoch) => TrainingDecision.Continue;

        /// <summary>After the last epoch, with what <see cref="Trainer.Fit"/> is about to return (not called when training
        /// ends with an exception or is cancelled).</summary>
        void OnTrainingEnd(TrainingResult result)
        {
        }
    }

    /// <summary>Callbacks made from delegates, for the cases that need no class of their own.</summary>
    public static class TrainingCallback
    {
        /// <summary>Calls <paramref name="action"/> after each epoch.</summary>
        public static ITrainingCallback OnEpoch(Action<EpochReport> action) =>
            new EpochCallback(action is null ? throw new ArgumentNullException(nameof(action)) : report =>
            {
                action(report);
                return TrainingDecision.Continue;
            });

        /// <summary>Stops training after the first epoch for which <paramref name="stop"/> is true (for example a validation
        /// accuracy reached, or a time budget spent).</summary>
        public static ITrainingCallback StopWhen(Func<EpochReport, bool> stop) =>
            new EpochCallback(stop is null ? throw new ArgumentNullException(nameof(stop)) : report => stop(report) ? TrainingDecision.Stop : TrainingDecision.Continue);

        private sealed class EpochCallback(Func<EpochReport, TrainingDecision> onEpoch) : ITrainingCallback
        {
            public TrainingDecision OnEpochEnd(EpochReport epoch) => onEpoch(epoch);
        }
    }

    /// <summary>Calls a list of callbacks in order without allocating per call.</summary>
    internal readonly struct CallbackList(IReadOnlyList<ITrainingCallback>? callbacks)
    {
        private readonly IReadOnlyList<ITrainingCallback> _callbacks = Checked(callbacks);

        public void TrainingBegin(TrainingStart start)
        {
            for (int i = 0; i < _callbacks.Count; i++)
            {
                _callbacks[i].OnTrainingBegin(start);
            }
        }

        public void BatchEnd(in BatchReport batch)
        {
            for (int i = 0; i < _callbacks.Count; i++)
            {
                _callbacks[i].OnBatchEnd(batch);
            }
        }

        /// <summary>Every callback sees the epoch, even after one has asked to stop.</summary>
        public bool EpochEndSaysStop(EpochReport epoch)
        {
            bool stop = false;
            for (int i = 0; i < _callbacks.Count; i++)
            {
                stop |= _callbacks[i].OnEpochEnd(epoch) == TrainingDecision.Stop;
            }

            return stop;
        }

        public void TrainingEnd(TrainingResult result)
        {
            for (int i = 0; i < _callbacks.Count; i++)
            {
                _callbacks[i].OnTrainingEnd(result);
            }
        }

        private static IReadOnlyList<ITrainingCallback> Checked(IReadOnlyList<ITrainingCallback>? callbacks)
        {
            if (callbacks is null)
            {
                return Array.Empty<ITrainingCallback>();
            }

            var copy = new ITrainingCallback[callbacks.Count];
            for (int i = 0; i < copy.Length; i++)
            {
                copy[i] = callbacks[i] ?? throw new ArgumentException($"Expected callbacks, but the one at index {i} is null.", nameof(callbacks));
            }

            return copy;
        }
    }
}
