using System;

namespace Compiled
{
    /// <summary>Seeded weight initialisers. Biases start at zero.</summary>
    public static class Initializers
    {
        /// <summary>He (Kaiming) normal: N(0, 2 / fanIn), for layers followed by ReLU, which halves the variance.</summary>
        public static void HeNormal(Span<float> weights, int fanIn, ref Xoshiro random)
        {
            CheckFan(fanIn, nameof(fanIn));
            float std = MathF.Sqrt(2f / fanIn);
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = std * random.NextGaussian();
            }
        }

        /// <summary>Glorot (Xavier) uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)), which keeps the variance of
        /// activations and gradients alike through tanh, sigmoid and linear layers.</summary>
        public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, ref Xoshiro random)
        {
            CheckFan(fanIn, nameof(fanIn));
            CheckFan(fanOut, nameof(fanOut));
            float limit = MathF.Sqrt(6f / (fanIn + fanOut));
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = limit * ((2f * random.NextSingle()) - 1f);
            }
        }

        /// <summary>N(0, std^2): PyTorch's initialiser for <c>nn.Embedding</c> (std 1).</summary>
        public static void Normal(Span<float> weights, float std, ref Xoshiro random)
        {
            if (!(std > 0f) || float.IsInfinity(std))
            {
                throw new ArgumentOutOfRangeException(nameof(std), std, $"Expected a positive finite standard deviation, but it is {std}.");
            }

            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = std * random.NextGaussian();
            }
        }

        /// <summary>U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's initialiser for every weight and bias of <c>nn.RNN</c>,
        /// <c>nn.LSTM</c> and <c>nn.GRU</c>, with fanIn the state's size.</summary>
        public static void UniformInverseSqrt(Span<float> weights, int fanIn, ref Xoshiro random)
        {
            CheckFan(fanIn, nameof(fanIn));
            float limit = 1f / MathF.Sqrt(fanIn);
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = limit * ((2f * random.NextSingle()) - 1f);
            }
        }

        private static void CheckFan(int fan, string name)
        {
            if (fan < 1)
            {
                throw new ArgumentOutOfRangeException(name, fan, $"Expected {name} to be at least 1, but it is {fan}.");
            }
        }
    }
}
