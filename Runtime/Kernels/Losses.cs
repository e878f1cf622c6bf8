using System;
using System.Numerics.Tensors;

namespace Compiled.Kernels
{
    /// <summary>
    /// Losses as means over the batch, each returning the loss and, unless <c>gradient</c> is empty, writing
    /// dL/d(output) there (already divided by the batch, so the backward pass needs no further scaling).
    /// The cross-entropies work on logits: they fold the sigmoid or softmax into the loss, which is both
    /// cheaper and numerically stable (log-sum-exp), as PyTorch's BCEWithLogits and CrossEntropyLoss do.
    /// </summary>
    public static class Losses
    {
        /// <summary>L = mean over all elements of (y - t)^2; dL/dy = 2 (y - t) / count.</summary>
        public static float MeanSquaredError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> gradient)
        {
            CheckLengths(outputs.Length, targets.Length, gradient, "targets");
            if (outputs.Length == 0)
            {
                return 0f;
            }

            double sum = 0;
            float scale = 2f / outputs.Length;
            for (int i = 0; i < outputs.Length; i++)
            {
                float difference = outputs[i] - targets[i];
                sum += difference * difference;
                if (!gradient.IsEmpty)
                {
                    gradient[i] = scale * difference;
                }
            }

            return (float)(sum / outputs.Length);
        }

        /// <summary>
        /// L = mean over all elements of max(z, 0) - z t + log(1 + e^-|z|), the cross-entropy of sigmoid(z)
        /// against t; dL/dz = (sigmoid(z) - t) / count.
        /// </summary>
        public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient)
        {
            CheckLengths(logits.Length, targets.Length, gradient, "targets");
            if (logits.Length == 0)
            {
                return 0f;
            }

            double sum = 0;
            float scale = 1f / logits.Length;
            for (int i = 0; i < logits.Length; i++)
            {
                float z = logits[i];
                float t = targets[i];
                sum += MathF.Max(z, 0f) - (z * t) + MathF.Log(1f + MathF.Exp(-MathF.Abs(z)));
                if (!gradient.IsEmpty)
                {
                    gradient[i] = scale * ((1f / (1f + MathF.Exp(-z))) - t);
                }
            }

            return (float)(sum / logits.Length);
        }

        /// <summary>
        /// L = mean over rows of -log softmax(z)[label]; dL/dz = (softmax(z) - onehot(label)) / rows.
        /// Labels are class indices in [0, classes).
        /// </summary>
        public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, int classes) =>
            SoftmaxCrossEntropy(logits, labels, gradient, classes, labels.Length, allowIgnored: false);

        /// <summary>The label of a step that counts neither in the loss nor in the accuracy: PyTorch's default <c>ignore_index</c>.</summary>
        public const int IgnoreIndex = -100;

        /// <summary>How many labels are not <see cref="IgnoreIndex"/>: the divisor of a mean over labelled rows.</summary>
        public static int LabelledRows(ReadOnlySpan<int> labels)
        {
            int count = 0;
            foreach (int label in labels)
            {
                if (label != IgnoreIndex)
                {
                    count++;
                }
            }

            return count;
        }

        /// <summary>
        /// Softmax cross-entropy over rows whose label may be <see cref="IgnoreIndex"/>, as PyTorch's
        /// <c>CrossEntropyLoss(ignore_index=-100)</c> over flattened steps: returns sum over labelled rows of
        /// -log softmax(z)[label], divided by <paramref name="divisor"/>, and writes dL/dz = (softmax(z) - onehot(label)) / divisor
        /// on labelled rows and 0 on ignored ones. The divisor is the number of labelled rows of the whole batch (a shard of
        /// it passes the batch's count, so the shards' losses and gradients sum to the batch mean); a divisor of 0 (every row
        /// ignored) gives loss 0 and a zero gradient, where PyTorch gives NaN.
        /// </summary>
        public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, int classes, int divisor)
        {
            if (divisor < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "Expected the number of labelled rows, zero or more.");
            }

            return SoftmaxCrossEntropy(logits, labels, gradient, classes, divisor, allowIgnored: true);
        }

        /// <summary>Both label forms: the sum over labelled rows of -log softmax(z)[label] divided by <paramref name="divisor"/>,
        /// and that gradient; rows labelled <see cref="IgnoreIndex"/> count for nothing when <paramref name="allowIgnored"/>.</summary>
        private static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, int classes, int divisor, bool allowIgnored)
        {
            int rows = labels.Length;
            if (classes < 1 || logits.Length != (long)rows * classes)
            {
                throw new ArgumentException($"Expected {rows} rows of {classes} logits ({(long)rows * classes} values), but got {logits.Length}.", nameof(logits));
            }

            CheckLengths(logits.Length, logits.Length, gradient, "logits");
            double sum = 0;
            float scale = divisor == 0 ? 0f : 1f / divisor;
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = logits.Slice(r * classes, classes);
                int label = labels[r];
                if (allowIgnored && label == IgnoreIndex)
                {
                    if (!gradient.IsEmpty)
                    {
                        gradient.Slice(r * classes, classes).Clear();
                    }

                    continue;
                }

                if ((uint)label >= (uint)classes)
                {
                    throw new ArgumentOutOfRangeException(nameof(labels), allowIgnored
                        ? $"Label {r} is {label}, but labels must be class indices in [0, {classes}) or {IgnoreIndex}."
                        : $"Label {r} is {label}, but labels must be class indices in [0, {classes}).");
                }

                float max = TensorPrimitives.Max(row), labelLogit = row[label];
                if (gradient.IsEmpty)
                {
                    float sumExp = 0f;
                    for (int j = 0; j < classes; j++)
                    {
                        sumExp += MathF.Exp(row[j] - max);
                    }

                    sum += max + MathF.Log(sumExp) - labelLogit;
                }
                else
                {
                    // exp(z - max) once, vectorized, into the gradient's row, then scaled by 1 / sum there: softmax as PyTorch
                    // computes it, with half the exponentials of exp(z - logsumexp) (the row may be the logits' own).
                    Span<float> g = gradient.Slice(r * classes, classes);
                    TensorPrimitives.Subtract(row, max, g);
                    TensorPrimitives.Exp(g, g);
                    float sumExp = TensorPrimitives.Sum(g);
                    sum += max + MathF.Log(sumExp) - labelLogit;
                    TensorPrimitives.Multiply(g, scale / sumExp, g);
                    g[label] -= scale;
                }
            }

            return divisor == 0 ? 0f : (float)(sum / divisor);
        }

        /// <summary>
        /// L = mean over rows of -sum_j t_j log softmax(z)_j, for one-hot or probability rows t;
        /// dL/dz = (softmax(z) * sum(t) - t) / rows.
        /// </summary>
        public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, int classes)
        {
            CheckLengths(logits.Length, targets.Length, gradient, "targets");
            if (classes < 1 || logits.Length % classes != 0)
            {
                throw new ArgumentException($"Expected whole rows of {classes} logits, but got {logits.Length} values.", nameof(logits));
            }

            int rows = logits.Length / classes;
            double sum = 0;
            float scale = rows == 0 ? 0f : 1f / rows;
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = logits.Slice(r * classes, classes);
                ReadOnlySpan<float> t = targets.Slice(r * classes, classes);
                float max = TensorPrimitives.Max(row);
                float sumExp = 0f;
                for (int j = 0; j < classes; j++)
                {
                    sumExp += MathF.Exp(row[j] - max);
                }

                float logSumExp = max + MathF.Log(sumExp);
                float targetSum = 0f;
                for (int j = 0; j < classes; j++)
                {
                    sum += t[j] * (logSumExp - row[j]);
                    targetSum += t[j];
                }

                if (!gradient.IsEmpty)
                {
                    Span<float> g = gradient.Slice(r * classes, classes);
                    for (int j = 0; j < classes; j++)
                    {
                        g[j] = scale * ((MathF.Exp(row[j] - logSumExp) * targetSum) - t[j]);
                    }
                }
            }

            return rows == 0 ? 0f : (float)(sum / rows);
        }

        private static void CheckLengths(int outputs, int targets, Span<float> gradient, string targetName)
        {
            if (targets != outputs)
            {
                throw new ArgumentException($"Expected {outputs} target values, one per output, but got {targets}.", targetName);
            }

            if (!gradient.IsEmpty && gradient.Length != outputs)
            {
                throw new ArgumentException($"Expected a gradient span of {outputs} values, or an empty one, but got {gradient.Length}.", nameof(gradient));
            }
        }
    }
}
