using System;

namespace Compiled.Data
{
    /// <summary>
    /// Samples in one row-major array with either class-index labels or float target rows. Holds references to the
    /// arrays it is given; it does not copy them.
    /// </summary>
    public sealed class Dataset
    {
        private Dataset(float[] features, int featureSize, int[]? labels, float[]? targets, int targetSize)
        {
            if (featureSize < 1 || features.Length % featureSize != 0)
            {
                throw new ArgumentException($"Expected features to hold whole samples of {featureSize} values, but it has {features.Length}.", nameof(features));
            }

            Features = features;
            FeatureSize = featureSize;
            Count = features.Length / featureSize;
            Labels = labels;
            Targets = targets;
            TargetSize = targetSize;
            if (labels is not null && labels.Length != Count)
            {
                throw new ArgumentException($"Expected one label per sample ({Count}), but got {labels.Length}.", nameof(labels));
            }

            if (targets is not null && (targetSize < 1 || targets.Length != (long)Count * targetSize))
            {
                throw new ArgumentException($"Expected {Count} target rows of {targetSize} values ({(long)Count * targetSize}), but got {targets.Length}.", nameof(targets));
            }
        }

        /// <summary>The samples, row-major.</summary>
        public float[] Features { get; }

        /// <summary>Values per sample.</summary>
        public int FeatureSize { get; }

        /// <summary>The number of samples.</summary>
        public int Count { get; }

        /// <summary>Class indices, one per sample; null for a target dataset.</summary>
        public int[]? Labels { get; }

        /// <summary>Target rows, row-major; null for a label dataset.</summary>
        public float[]? Targets { get; }

        /// <summary>Values per target row (0 for a label dataset).</summary>
        public int TargetSize { get; }

        /// <summary>A dataset of samples with class-index labels.</summary>
        public static Dataset WithLabels(float[] features, int featureSize, int[] labels) =>
            new(features ?? throw new ArgumentNullException(nameof(features)), featureSize, labels ?? throw new ArgumentNullException(nameof(labels)), null, 0);

        /// <summary>A dataset of samples with float target rows.</summary>
        public static Dataset WithTargets(float[] features, int featureSize, float[] targets, int targetSize = 1) =>
            new(features ?? throw new ArgumentNullException(nameof(features)), featureSize, null, targets ?? throw new ArgumentNullException(nameof(targets)), targetSize);

        /// <summary>Samples [start, start + count) as a new dataset (copies).</summary>
        public Dataset Slice(int start, int count)
        {
            if (start < 0 || count < 1 || start + count > Count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), $"Expected a range within the {Count} samples, but got [{start}, {start + count}).");
            }

            float[] features = Features.AsSpan(start * FeatureSize, count * FeatureSize).ToArray();
            return Labels is not null
                ? WithLabels(features, FeatureSize, Labels.AsSpan(start, count).ToArray())
                : WithTargets(features, FeatureSize, Targets!.AsSpan(start * TargetSize, count * TargetSize).ToArray(), TargetSize);
        }

        /// <summary>A copy with the samples in a seeded random order (for a split of data that is sorted by class).</summary>
        public Dataset Shuffled(int seed)
        {
            int[] order = Permutation(Count, seed);
            var features = new float[Features.Length];
            for (int i = 0; i < Count; i++)
            {
                Array.Copy(Features, order[i] * FeatureSize, features, i * FeatureSize, FeatureSize);
            }

            if (Labels is not null)
            {
                var labels = new int[Count];
                for (int i = 0; i < Count; i++)
                {
                    labels[i] = Labels[order[i]];
                }

                return WithLabels(features, FeatureSize, labels);
            }

            var targets = new float[Targets!.Length];
            for (int i = 0; i < Count; i++)
            {
                Array.Copy(Targets, order[i] * TargetSize, targets, i * TargetSize, TargetSize);
            }

            return WithTargets(features, FeatureSize, targets, TargetSize);
        }

        /// <summary>Splits into the first <paramref name="trainFraction"/> of samples and the rest.</summary>
        public (Dataset Train, Dataset Test) Split(double trainFraction)
        {
            if (!(trainFraction > 0 && trainFraction < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, $"Expected a fraction in (0, 1), but got {trainFraction}.");
            }

            int train = Math.Max(1, Math.Min(Count - 1, (int)Math.Round(Count * trainFraction)));
            return (Slice(0, train), Slice(train, Count - train));
        }

        /// <summary>Shuffles with <paramref name="seed"/>, then splits into the first <paramref name="trainFraction"/> of
        /// samples and the rest: a random train/validation (or train/test) split that is the same for the same seed.</summary>
        public (Dataset Train, Dataset Test) Split(double trainFraction, int seed) => Shuffled(seed).Split(trainFraction);

        /// <summary>Per-feature mean and population standard deviation (1 for a constant feature), for <see cref="Standardize"/>;
        /// the same statistics as <see cref="Standardizer.Fit(Dataset)"/>, which a network can keep and save instead.</summary>
        public (float[] Mean, float[] Std) FeatureStatistics()
        {
            Standardizer statistics = Standardizer.Fit(this);
            return (statistics.Mean.ToArray(), statistics.Std.ToArray());
        }

        /// <summary>In place: every feature x becomes (x - mean) / std. Use the training set's statistics for every split.</summary>
        public void Standardize(float[] mean, float[] std)
        {
            if (mean.Length != FeatureSize || std.Length != FeatureSize)
            {
                throw new ArgumentException($"Expected {FeatureSize} means and standard deviations, but got {mean.Length} and {std.Length}.");
            }

            for (int i = 0; i < Count; i++)
            {
                for (int j = 0; j < FeatureSize; j++)
                {
                    ref float x = ref Features[(i * FeatureSize) + j];
                    x = (x - mean[j]) / std[j];
                }
            }
        }

        internal static int[] Permutation(int count, int seed)
        {
            var order = new int[count];
            for (int i = 0; i < count; i++)
            {
                order[i] = i;
            }

            var random = new Xoshiro((ulong)(uint)seed);
            Shuffle(order, ref random);
            return order;
        }

        internal static void Shuffle(int[] order, ref Xoshiro random)
        {
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = random.NextInt32(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
    }
}
