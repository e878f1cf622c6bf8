using System;
using System.Globalization;
using System.Linq;

namespace Compiled.Data
{
    /// <summary>
    /// Input standardisation: each feature x becomes (x - mean) / std, with the mean and standard deviation fitted on the
    /// training set (scikit-learn's <c>StandardScaler</c>: the population standard deviation, and 1 for a constant feature).
    /// Give it to a network's <c>InputStandardizer</c> and the network takes raw inputs everywhere (Predict, Forward,
    /// Evaluate, Backward, TrainStep) and saves the statistics with its parameters, so that a loaded model predicts from
    /// raw inputs the same way. Immutable, so one instance may serve several networks and threads.
    /// </summary>
    public sealed class Standardizer
    {
        private readonly float[] _mean;
        private readonly float[] _std;
        private readonly float[] _inverseStd;

        /// <summary>A standardizer of known statistics (for example read from elsewhere). Every mean must be finite and every
        /// standard deviation finite and positive.</summary>
        public Standardizer(ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
        {
            if (mean.Length == 0 || mean.Length != std.Length)
            {
                throw new ArgumentException($"Expected as many standard deviations as means (at least one), but got {mean.Length} means and {std.Length} standard deviations.", nameof(std));
            }

            for (int i = 0; i < mean.Length; i++)
            {
                if (!float.IsFinite(mean[i]) || !float.IsFinite(std[i]) || !(std[i] > 0f))
                {
                    throw new ArgumentException($"Expected a finite mean and a finite, positive standard deviation for every feature, but feature {i} has mean {mean[i]} and standard deviation {std[i]}.", nameof(std));
                }
            }

            _mean = mean.ToArray();
            _std = std.ToArray();
            _inverseStd = _std.Select(s => 1f / s).ToArray();
        }

        /// <summary>Values per sample.</summary>
        public int FeatureSize => _mean.Length;

        /// <summary>Each feature's mean.</summary>
        public ReadOnlySpan<float> Mean => _mean;

        /// <summary>Each feature's standard deviation.</summary>
        public ReadOnlySpan<float> Std => _std;

        /// <summary>1 / std per feature, the factor <see cref="Transform"/> multiplies by (an exported graph uses the same).</summary>
        internal ReadOnlySpan<float> InverseStd => _inverseStd;

        /// <summary>Fits the statistics of <paramref name="data"/>'s features (the training set's: fit on the data you train on).</summary>
        public static Standardizer Fit(Dataset data)
        {
            if (data is null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            return Fit(data.Features, data.FeatureSize);
        }

        /// <summary>Fits the statistics of <paramref name="features"/>, whole samples of <paramref name="featureSize"/> values.</summary>
        public static Standardizer Fit(ReadOnlySpan<float> features, int featureSize)
        {
            if (featureSize < 1 || features.Length == 0 || features.Length % featureSize != 0)
            {
                throw new ArgumentException($"Expected whole samples of {featureSize} features (at least one), but got {features.Length} values.", nameof(features));
            }

            int count = features.Length / featureSize;
            var sum = new double[featureSize];
            for (int i = 0; i < count; i++)
            {
                for (int j = 0; j < featureSize; j++)
                {
                    sum[j] += features[(i * featureSize) + j];
                }
            }

            // Two passes (the mean, then the squared deviations from it): one pass of x² loses the variance of features far
            // from zero to cancellation.
            var mean = new float[featureSize];
            var squares = new double[featureSize];
            for (int j = 0; j < featureSize; j++)
            {
                mean[j] = (float)(sum[j] / count);
            }

            for (int i = 0; i < count; i++)
            {
                for (int j = 0; j < featureSize; j++)
                {
                    double deviation = features[(i * featureSize) + j] - (sum[j] / count);
                    squares[j] += deviation * deviation;
                }
            }

            var std = new float[featureSize];
            for (int j = 0; j < featureSize; j++)
            {
                double variance = squares[j] / count;
                if (!double.IsFinite(variance) || !float.IsFinite(mean[j]))
                {
                    throw new ArgumentException($"Feature {j} has no finite mean or variance: the data holds NaN or infinity.", nameof(features));
                }

                std[j] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
            }

            return new Standardizer(mean, std);
        }

        /// <summary>Writes the standardised <paramref name="raw"/> samples to <paramref name="standardized"/> (the same length; may be the same span).</summary>
        public void Transform(ReadOnlySpan<float> raw, Span<float> standardized)
        {
            if (raw.Length % FeatureSize != 0 || standardized.Length != raw.Length)
            {
                throw new ArgumentException($"Expected whole samples of {FeatureSize} features in and a span of the same length out, but got {raw.Length} values in and {standardized.Length} out.", nameof(standardized));
            }

            for (int start = 0; start < raw.Length; start += FeatureSize)
            {
                ReadOnlySpan<float> x = raw.Slice(start, FeatureSize);
                Span<float> y = standardized.Slice(start, FeatureSize);
                for (int j = 0; j < x.Length; j++)
                {
                    y[j] = (x[j] - _mean[j]) * _inverseStd[j];
                }
            }
        }

        /// <summary>The standardised inputs, in <paramref name="scratch"/> (grown when too small, and only then allocated),
        /// or <paramref name="inputs"/> itself when there is no standardizer: what a network's entry points call first.</summary>
        public static ReadOnlySpan<float> Apply(Standardizer? standardizer, ReadOnlySpan<float> inputs, ref float[]? scratch)
        {
            if (standardizer is null)
            {
                return inputs;
            }

            if (scratch is null || scratch.Length < inputs.Length)
            {
                scratch = new float[inputs.Length];
            }

            Span<float> standardized = scratch.AsSpan(0, inputs.Length);
            standardizer.Transform(inputs, standardized);
            return standardized;
        }

        /// <summary>Turns a gradient with respect to the standardised inputs into one with respect to the raw inputs
        /// (d/dx = d/dz / std), in place; nothing without a standardizer.</summary>
        public static void ChainInputGradient(Standardizer? standardizer, Span<float> inputGradient)
        {
            if (standardizer is null)
            {
                return;
            }

            for (int start = 0; start + standardizer.FeatureSize <= inputGradient.Length; start += standardizer.FeatureSize)
            {
                Span<float> g = inputGradient.Slice(start, standardizer.FeatureSize);
                for (int j = 0; j < g.Length; j++)
                {
                    g[j] *= standardizer._inverseStd[j];
                }
            }
        }

        /// <summary>Checks that <paramref name="standardizer"/> fits a network whose samples are <paramref name="inputSize"/>
        /// values with <paramref name="lastAxis"/> on the last axis: statistics per input value (<paramref name="inputSize"/>),
        /// or per channel of an image or feature of a sequence step (<paramref name="lastAxis"/>, applied at every pixel or step).</summary>
        public static Standardizer? CheckFor(Standardizer? standardizer, int inputSize, int lastAxis, string network) =>
            standardizer is null || standardizer.FeatureSize == inputSize || standardizer.FeatureSize == lastAxis
                ? standardizer
                : throw new ArgumentException(
                    $"{network} takes {inputSize} inputs per sample ({lastAxis} on the last axis), but this standardizer has statistics for {standardizer.FeatureSize} features; " +
                    $"fit it on samples of {inputSize} values, or of {lastAxis} (one channel or step feature each).", nameof(standardizer));

        /// <summary>The statistics as text (round-trip floats, comma-separated), as a saved model's metadata keeps them.</summary>
        internal static string Format(ReadOnlySpan<float> values)
        {
            var parts = new string[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                parts[i] = values[i].ToString("R", CultureInfo.InvariantCulture);
            }

            return string.Join(",", parts);
        }

        /// <summary>Reads <see cref="Format"/>'s text back, or null when it is not <paramref name="count"/> finite numbers.</summary>
        internal static float[]? Parse(string text, int count)
        {
            string[] parts = text.Split(',');
            if (parts.Length != count)
            {
                return null;
            }

            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                {
                    return null;
                }
            }

            return values;
        }
    }
}
