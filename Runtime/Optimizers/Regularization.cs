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
                    gradients[i] += l1 * MathF.Sign(weights[i]);
                }
            }

            return penalty;
        }

        /// <summary>Scales <paramref name="gradients"/> so that their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
        public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
        {
            if (!(maxNorm > 0f))
            {
                throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"Expected a positive maximum norm, but got {maxNorm}.");
            }

            float norm = TensorPrimitives.Norm(gradients);
            if (norm > maxNorm)
            {
                TensorPrimitives.Multiply(gradients, maxNorm / norm, gradients);
            }

            return norm;
        }
    }
}
