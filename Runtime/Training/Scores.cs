using System;
using System.Globalization;
using System.Text;

namespace Compiled
{
    /// <summary>
    /// A classifier's predictions counted against the labels: <c>this[actual, predicted]</c>, and the scores derived from
    /// the counts as scikit-learn defines them (precision, recall and F1 per class, their macro and support-weighted
    /// averages; a score whose denominator is zero is 0, scikit-learn's <c>zero_division=0</c>).
    /// </summary>
    public sealed class ConfusionMatrix
    {
        private readonly long[] _counts;

        /// <summary>An empty matrix of <paramref name="classes"/> classes.</summary>
        public ConfusionMatrix(int classes)
        {
            if (classes < 1 || classes > 1 << 15)
            {
                throw new ArgumentOutOfRangeException(nameof(classes), classes, $"Expected between 1 and {1 << 15} classes, but got {classes}.");
            }

            Classes = classes;
            _counts = new long[classes * classes];
        }

        /// <summary>The number of classes.</summary>
        public int Classes { get; }

        /// <summary>The samples counted.</summary>
        public long Total { get; private set; }

        /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
        public long this[int actual, int predicted] => _counts[(CheckClass(actual, nameof(actual)) * Classes) + CheckClass(predicted, nameof(predicted))];

        /// <summary>The fraction of samples predicted as their label.</summary>
        public double Accuracy
        {
            get
            {
                long correct = 0;
                for (int c = 0; c < Classes; c++)
                {
                    correct += _counts[(c * Classes) + c];
                }

                return Total == 0 ? 0 : (double)correct / Total;
            }
        }

        /// <summary>The mean of the classes' precisions.</summary>
        public double MacroPrecision => Average(Precision, weighted: false);

        /// <summary>The mean of the classes' recalls.</summary>
        public double MacroRecall => Average(Recall, weighted: false);

        /// <summary>The mean of the classes' F1 scores.</summary>
        public double MacroF1 => Average(F1, weighted: false);

        /// <summary>The classes' F1 scores weighted by their support (how many samples have that label).</summary>
        public double WeightedF1 => Average(F1, weighted: true);

        /// <summary>Counts one sample.</summary>
        public void Add(int actual, int predicted)
        {
            _counts[(CheckClass(actual, nameof(actual)) * Classes) + CheckClass(predicted, nameof(predicted))]++;
            Total++;
        }

        /// <summary>
        /// Counts the largest output of each row of <paramref name="outputs"/> (probabilities or logits,
        /// <paramref name="classes"/> per row) against its label; a label of <c>-100</c> (a step that does not count) is skipped.
        /// </summary>
        public static ConfusionMatrix FromOutputs(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int classes)
        {
            var matrix = new ConfusionMatrix(classes);
            if (outputs.Length != (long)labels.Length * classes)
            {
                throw new ArgumentException($"Expected {(long)labels.Length * classes} outputs ({labels.Length} rows of {classes}), but got {outputs.Length}.", nameof(outputs));
            }

            for (int r = 0; r < labels.Length; r++)
            {
                if (labels[r] != Kernels.Losses.IgnoreIndex)
                {
                    matrix.Add(labels[r], Kernels.Metrics.ArgMax(outputs.Slice(r * classes, classes)));
                }
            }

            return matrix;
        }

        /// <summary>
        /// Predicts every sample of <paramref name="data"/> and counts the predictions: the largest output against the
        /// label for a dataset of class labels; for one output and 0/1 targets (binary cross-entropy), a probability of
        /// at least 0.5 as class 1.
        /// </summary>
        public static ConfusionMatrix Of(INetwork network, Data.Dataset data)
        {
            if (data.FeatureSize != network.InputSize)
            {
                throw new ArgumentException($"The network takes {network.InputSize} inputs per sample, but the dataset has {data.FeatureSize}.", nameof(data));
            }

            var outputs = new float[data.Count * network.OutputSize];
            network.Predict(data.Features, outputs);
            if (data.Labels is not null)
            {
                return FromOutputs(outputs, data.Labels, network.OutputSize);
            }

            float[] targets = data.Targets!;
            if (network.OutputSize != 1 || data.TargetSize != 1 || Array.Exists(targets, t => t is not (0f or 1f)))
            {
                throw new ArgumentException(
                    $"Expected class labels, or one output and targets of 0 or 1; the network has {network.OutputSize} output(s) and the dataset {data.TargetSize} target(s) per sample{(data.TargetSize == 1 ? ", not all 0 or 1" : string.Empty)}.", nameof(data));
            }

            var matrix = new ConfusionMatrix(2);
            for (int i = 0; i < targets.Length; i++)
            {
                matrix.Add((int)targets[i], outputs[i] >= 0.5f ? 1 : 0);
            }

            return matrix;
        }

        /// <summary>Samples whose label is <paramref name="c"/>.</summary>
        public long Support(int c)
        {
            CheckClass(c, nameof(c));
            long support = 0;
            for (int p = 0; p < Classes; p++)
            {
                support += _counts[(c * Classes) + p];
            }

            return support;
        }

        /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that are.</summary>
        public double Precision(int c)
        {
            CheckClass(c, nameof(c));
            long predicted = 0;
            for (int a = 0; a < Classes; a++)
            {
                predicted += _counts[(a * Classes) + c];
            }

            return predicted == 0 ? 0 : (double)_counts[(c * Classes) + c] / predicted;
        }

        /// <summary>Of the samples that are <paramref name="c"/>, the fraction predicted as such.</summary>
        public double Recall(int c)
        {
            long support = Support(c);
            return support == 0 ? 0 : (double)_counts[(c * Classes) + c] / support;
        }

        /// <summary>The harmonic mean of <see cref="Precision"/> and <see cref="Recall"/>.</summary>
        public double F1(int c)
        {
            double precision = Precision(c), recall = Recall(c);
            return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        }

        /// <summary>The counts (rows: labels, columns: predictions) and each class's precision, recall, F1 and support.</summary>
        public override string ToString()
        {
            var text = new StringBuilder();
            int width = Math.Max(5, Total.ToString(CultureInfo.InvariantCulture).Length + 1);
            text.Append("label \\ predicted");
            for (int p = 0; p < Classes; p++)
            {
                text.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(width));
            }

            text.AppendLine("   precision  recall      F1  support");
            for (int a = 0; a < Classes; a++)
            {
                text.Append(a.ToString(CultureInfo.InvariantCulture).PadLeft(17));
                for (int p = 0; p < Classes; p++)
                {
                    text.Append(_counts[(a * Classes) + p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
                }

                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"   {Precision(a),9:F4} {Recall(a),7:F4} {F1(a),7:F4} {Support(a),8}"));
            }

            text.Append(string.Create(CultureInfo.InvariantCulture, $"accuracy {Accuracy:F4}, macro F1 {MacroF1:F4}, weighted F1 {WeightedF1:F4}, {Total} samples"));
            return text.ToString();
        }

        private double Average(Func<int, double> score, bool weighted)
        {
            double sum = 0;
            for (int c = 0; c < Classes; c++)
            {
                sum += score(c) * (weighted ? Support(c) : 1);
            }

            return weighted ? (Total == 0 ? 0 : sum / Total) : sum / Classes;
        }

        private int CheckClass(int c, string name) =>
            (uint)c < (uint)Classes ? c : throw new ArgumentOutOfRangeException(name, c, $"Expected a class in [0, {Classes}), but got {c}.");
    }

    /// <summary>A regression's errors, as scikit-learn defines them.</summary>
    /// <param name="MeanAbsoluteError">The mean of |prediction - target| over every value.</param>
    /// <param name="MeanSquaredError">The mean of (prediction - target)^2 over every value.</param>
    /// <param name="RSquared">1 - SS_res / SS_tot per output, averaged over the outputs (<c>r2_score</c>'s uniform
    /// average): 1 is perfect, 0 predicts no better than the mean. An output whose targets are all equal scores 1 when
    /// predicted exactly and 0 otherwise, as scikit-learn does.</param>
    /// <param name="Count">Samples scored.</param>
    public readonly record struct RegressionScores(double MeanAbsoluteError, double MeanSquaredError, double RSquared, int Count)
    {
        /// <summary>Scores predictions against targets, both rows of <paramref name="outputs"/> values.</summary>
        public static RegressionScores Of(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputs = 1)
        {
            if (outputs < 1 || predictions.Length != targets.Length || predictions.Length % outputs != 0 || predictions.Length == 0)
            {
                throw new ArgumentException(
                    $"Expected as many predictions as targets, a positive whole number of rows of {outputs}, but got {predictions.Length} predictions and {targets.Length} targets.", nameof(predictions));
            }

            int rows = predictions.Length / outputs;
            double absolute = 0, squared = 0, r2 = 0;
            for (int j = 0; j < outputs; j++)
            {
                double mean = 0;
                for (int r = 0; r < rows; r++) mean += targets[(r * outputs) + j];
                mean /= rows;
                double residual = 0, total = 0;
                for (int r = 0; r < rows; r++)
                {
                    double target = targets[(r * outputs) + j], error = predictions[(r * outputs) + j] - target;
                    absolute += Math.Abs(error);
                    residual += error * error;
                    total += (target - mean) * (target - mean);
                }

                squared += residual;
                r2 += total == 0 ? (residual == 0 ? 1 : 0) : 1 - (residual / total);
            }

            return new RegressionScores(absolute / predictions.Length, squared / predictions.Length, r2 / outputs, rows);
        }

        /// <summary>Predicts every sample of a target dataset and scores the predictions.</summary>
        public static RegressionScores Of(INetwork network, Data.Dataset data)
        {
            if (data.Targets is null || data.TargetSize != network.OutputSize || data.FeatureSize != network.InputSize)
            {
                throw new ArgumentException(
                    $"Expected a dataset of {network.InputSize} features and {network.OutputSize} target(s) per sample, but it has {data.FeatureSize} features and {(data.Targets is null ? "class labels" : $"{data.TargetSize} target(s)")}.", nameof(data));
            }

            var predictions = new float[data.Count * network.OutputSize];
            network.Predict(data.Features, predictions);
            return Of(predictions, data.Targets, network.OutputSize);
        }
    }
}
