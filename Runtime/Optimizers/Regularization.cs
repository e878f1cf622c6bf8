using System;
using System.Numerics.Tensors;

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

            float penalty = 0f;
            if (l2 != 0f)
            {
                penalty += l2 * TensorPrimitives.SumOfSquares(weights);
                TensorPrimitives.MultiplyAdd(weights, 2f * l2, gradients, gradients);
            }

            if (l1 != 0f)
            {
                penalty += l1 * TensorPrimitives.SumOfMagnitudes(weights);
                for (int i = 0; i < weights.Length; i++)
                {
                    // Not MathF.Sign, which throws on NaN: a NaN weight (loaded with allowNonFinite) gives a NaN loss, which the
                    // step's guard reports.
                    float w = weights[i];
                    gradients[i] += l1 * (w > 0f ? 1f : w < 0f ? -1f : w == 0f ? 0f : float.NaN);
                }
            }

            return penalty;
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
