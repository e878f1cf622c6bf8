using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Compiled
{
    /// <summary>
    /// A snapshot of an optimizer: its kind, settings, learning rate, step count and per-parameter tensors (moments), as
    /// <see cref="IOptimizer.ExportState"/> takes it and <see cref="IOptimizer.ImportState"/> restores it; what a checkpoint
    /// stores so that resumed training takes exactly the steps an uninterrupted run would. The tensors are copies.
    /// </summary>
    public sealed class OptimizerState
    {
        /// <summary>Creates a snapshot; the dictionaries and arrays are copied.</summary>
        public OptimizerState(string kind, float learningRate, IReadOnlyDictionary<string, float> settings, int stepCount, IReadOnlyDictionary<string, float[]> tensors)
        {
            Kind = kind ?? throw new ArgumentNullException(nameof(kind));
            LearningRate = learningRate;
            Settings = new SortedDictionary<string, float>((settings ?? throw new ArgumentNullException(nameof(settings))).ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
            StepCount = stepCount >= 0 ? stepCount : throw new ArgumentOutOfRangeException(nameof(stepCount), stepCount, $"Expected a step count of 0 or more, but got {stepCount}.");
            Tensors = new SortedDictionary<string, float[]>(
                (tensors ?? throw new ArgumentNullException(nameof(tensors))).ToDictionary(p => p.Key, p => (p.Value ?? throw new ArgumentException($"Tensor '{p.Key}' is null.", nameof(tensors))).ToArray()),
                StringComparer.Ordinal);
        }

        /// <summary>The optimizer type, e.g. <c>Adam</c>; a state is imported only into an optimizer of the same kind.</summary>
        public string Kind { get; }

        /// <summary>The learning rate when the snapshot was taken; restored on import.</summary>
        public float LearningRate { get; }

        /// <summary>The fixed settings (betas, epsilon, momentum, weight decay), by name; an import checks they are equal.</summary>
        public IReadOnlyDictionary<string, float> Settings { get; }

        /// <summary>Steps taken (Adam's bias correction depends on it); 0 for optimizers that do not count.</summary>
        public int StepCount { get; }

        /// <summary>The per-parameter state by name (e.g. <c>m</c> and <c>v</c> for Adam), each as long as the parameters;
        /// empty before the first step.</summary>
        public IReadOnlyDictionary<string, float[]> Tensors { get; }

        /// <inheritdoc/>
        public override string ToString() =>
            $"{Kind} (learning rate {LearningRate.ToString(CultureInfo.InvariantCulture)}, {string.Join(", ", Settings.Select(s => s.Key + " " + s.Value.ToString(CultureInfo.InvariantCulture)))}, step {StepCount})";

        /// <summary>Checks that this state can be imported into an optimizer of <paramref name="kind"/> with these settings and
        /// state tensors; returns the tensors (the state's own arrays, which the caller copies) in the order of
        /// <paramref name="tensorNames"/>, or null before the first step.</summary>
        internal float[][]? Match(string kind, IReadOnlyList<(string Name, float Value)> settings, IReadOnlyList<string> tensorNames)
        {
            if (Kind != kind)
            {
                throw new ArgumentException($"Expected the state of a {kind} optimizer, but this is the state of {Kind}.", "state");
            }

            foreach ((string name, float value) in settings)
            {
                if (!Settings.TryGetValue(name, out float saved) || !saved.Equals(value))
                {
                    throw new ArgumentException(
                        $"This {kind} has {name} = {value.ToString(CultureInfo.InvariantCulture)}, but the state was taken with {(Settings.TryGetValue(name, out saved) ? saved.ToString(CultureInfo.InvariantCulture) : "no such setting")}; create the optimizer with the settings it was saved with.",
                        "state");
                }
            }

            if (Settings.Count != settings.Count)
            {
                string extra = Settings.Keys.First(k => !settings.Any(s => s.Name == k));
                throw new ArgumentException($"The state has a setting '{extra}' that a {kind} does not have.", "state");
            }

            OptimizerChecks.LearningRate(LearningRate);
            if (Tensors.Count == 0)
            {
                return null;
            }

            var result = new float[tensorNames.Count][];
            for (int i = 0; i < tensorNames.Count; i++)
            {
                if (!Tensors.TryGetValue(tensorNames[i], out float[]? tensor))
                {
                    throw new ArgumentException($"The {kind} state has no tensor '{tensorNames[i]}' (it has {string.Join(", ", Tensors.Keys)}).", "state");
                }

                if (i > 0 && tensor.Length != result[0].Length)
                {
                    throw new ArgumentException($"The {kind} state's tensor '{tensorNames[i]}' has {tensor.Length} values, but '{tensorNames[0]}' has {result[0].Length}.", "state");
                }

                result[i] = tensor; // the state's own arrays: each optimizer copies them onto cache lines (OptimizerChecks.Aligned)
            }

            if (Tensors.Count != tensorNames.Count)
            {
                throw new ArgumentException($"The state has tensors {string.Join(", ", Tensors.Keys)}, but a {kind} has {string.Join(", ", tensorNames)}.", "state");
            }

            return result;
        }
    }
}
