using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Compiled
{
    /// <summary>Penalties and gradient clipping, applied by <c>TrainStep</c> between the backward pass and the optimizer.</summary>
    public static class Regularization
    {
        /// <summary>
        /// Adds l1 * sum|w| + l2 * sum w^2 to the loss (returned) and its gradient l1 * sign(w) + 2 l2 w to
        /// <paramref name="gradients"/>. Applied to weights only, not biases, as Keras' kernel_regularizer does.
        /// </summary>
        public static float AddPenalty(ReadOnlySpan<float> weights, Span<float> gradients, float l1, float l2)
        {
            if (weights.Length != gradients.Length)
            {
                throw new ArgumentException($"Expected as many gradients as weights ({weights.Length}), but got {gradients.Length}.", nameof(gradients));
            }

            OptimizerChecks.NonNegative(l1, nameof(l1));
            OptimizerChecks.NonNegative(l2, nameof(l2));

            // One pass: each weight and gradient is read once and each gradient written once, whichever penalties apply.
            int i = 0;
            double sumOfSquares = 0, sumOfMagnitudes = 0;
            if (Vector.IsHardwareAccelerated && weights.Length >= Vector<float>.Count)
            {
                ReadOnlySpan<Vector<float>> wv = MemoryMarshal.Cast<float, Vector<float>>(weights);
                Span<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Vector<float> squares = Vector<float>.Zero, magnitudes = Vector<float>.Zero, one = Vector<float>.One;
                Vector<float> twiceL2 = new(2f * l2), l1v = new(l1), nan = new(float.NaN);
                for (int j = 0; j < wv.Length; j++)
                {
                    Vector<float> w = wv[j], g = gv[j];
                    if (l2 != 0f)
                    {
                        squares += w * w;
                        g += twiceL2 * w;
                    }

                    if (l1 != 0f)
                    {
                        magnitudes += Vector.Abs(w);
                        Vector<float> sign = Vector.ConditionalSelect(Vector.GreaterThan(w, Vector<float>.Zero), one, Vector<float>.Zero)
                            - Vector.ConditionalSelect(Vector.LessThan(w, Vector<float>.Zero), one, Vector<float>.Zero);
                        g += l1v * Vector.ConditionalSelect(Vector.Equals(w, w), sign, nan);
                    }

                    gv[j] = g;
                }

                sumOfSquares = Vector.Sum(squares);
                sumOfMagnitudes = Vector.Sum(magnitudes);
                i = wv.Length * Vector<float>.Count;
            }

            for (; i < weights.Length; i++)
            {
                // Not MathF.Sign, which throws on NaN: a NaN weight (loaded with allowNonFinite) gives a NaN loss, which the
                // step's guard reports.
                float w = weights[i];
                if (l2 != 0f)
                {
                    sumOfSquares += w * w;
                    gradients[i] += 2f * l2 * w;
                }

                if (l1 != 0f)
                {
                    sumOfMagnitudes += MathF.Abs(w);
                    gradients[i] += l1 * (w > 0f ? 1f : w < 0f ? -1f : w == 0f ? 0f : float.NaN);
                }
            }

            return (float)((l2 * sumOfSquares) + (l1 * sumOfMagnitudes));
        }

        /// <summary>The factor that brings <paramref name="gradients"/> to a global L2 norm of at most
        /// <paramref name="maxNorm"/>: maxNorm / norm when the norm is above it, else 1. <c>TrainStep</c> passes it to
        /// <see cref="OptimizerStep.WithGradientScale"/>, so the gradients are read once here and once by the step.</summary>
        public static float GlobalNormScale(ReadOnlySpan<float> gradients, float maxNorm)
        {
            OptimizerChecks.Positive(maxNorm, nameof(maxNorm));
            float norm = TensorPrimitives.Norm(gradients);
            return norm > maxNorm ? maxNorm / norm : 1f;
        }

        /// <summary>Scales <paramref name="gradients"/> so that their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
        public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
        {
            OptimizerChecks.Positive(maxNorm, nameof(maxNorm));

            float norm = TensorPrimitives.Norm(gradients);
            if (norm > maxNorm)
            {
                TensorPrimitives.Multiply(gradients, maxNorm / norm, gradients);
            }

            return norm;
        }
    }
}
