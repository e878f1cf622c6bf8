using System;

namespace Compiled.Kernels
{
    /// <summary>Counts of correct predictions, for <c>Evaluate</c>.</summary>
    public static class Metrics
    {
        /// <summary>Index of the largest value (the first one on ties).</summary>
        public static int ArgMax(ReadOnlySpan<float> values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] > values[best])
                {
                    best = i;
                }
            }

            return best;
        }

        private static void CheckRows(int logits, long expected, int classes)
        {
            if (classes < 1 || logits != expected || logits % classes != 0)
            {
                throw new ArgumentException($"Expected {expected} logits in whole rows of {classes}, but got {logits}.", nameof(logits));
            }
        }

        /// <summary>Rows whose largest logit is at the label.</summary>
        public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
        {
            CheckRows(logits.Length, (long)labels.Length * classes, classes);
            int correct = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                if (ArgMax(logits.Slice(r * classes, classes)) == labels[r])
                {
                    correct++;
                }
            }

            return correct;
        }

        /// <summary>Labelled rows (label not <see cref="Losses.IgnoreIndex"/>) whose largest logit is at the label.</summary>
        public static int CountCorrectLabelled(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
        {
            CheckRows(logits.Length, (long)labels.Length * classes, classes);
            int correct = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                if (labels[r] != Losses.IgnoreIndex && ArgMax(logits.Slice(r * classes, classes)) == labels[r])
                {
                    correct++;
                }
            }

            return correct;
        }

        /// <summary>Rows whose largest logit is at the target row's largest value (one-hot or probability targets).</summary>
        public static int CountCorrectArgMax(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classes)
        {
            CheckRows(logits.Length, targets.Length, classes);
            int correct = 0;
            for (int start = 0; start < logits.Length; start += classes)
            {
                if (ArgMax(logits.Slice(start, classes)) == ArgMax(targets.Slice(start, classes)))
                {
                    correct++;
                }
            }

            return correct;
        }

        /// <summary>Outputs whose logit sign (probability above 0.5) agrees with the target being above 0.5.</summary>
        public static int CountCorrectBinary(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets)
        {
            CheckRows(logits.Length, targets.Length, 1);
            int correct = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                if ((logits[i] > 0f) == (targets[i] > 0.5f))
                {
                    correct++;
                }
            }

            return correct;
        }
    }
}

namespace Compiled
{
    /// <summary>The result of <c>Evaluate</c>: mean loss, accuracy (NaN for a regression loss) and how many samples.</summary>
    /// <param name="Loss">The mean loss over the samples.</param>
    /// <param name="Accuracy">The fraction classified correctly; NaN for mean squared error.</param>
    /// <param name="Count">How many samples were evaluated.</param>
    public readonly record struct Evaluation(float Loss, float Accuracy, int Count);
}
