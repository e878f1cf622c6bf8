// What the character-model samples (CharRnn, TinyGpt) share beyond the protocol: sampling.
using Compiled;

/// <summary>Drawing the next character.</summary>
public static class CharSampling
{
    /// <summary>A class drawn from the probabilities raised to 1 / temperature (1: as the model says; lower: more likely letters).</summary>
    public static int Draw(ReadOnlySpan<float> probabilities, float temperature, ref Xoshiro random)
    {
        Span<double> weights = stackalloc double[probabilities.Length];
        double total = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            weights[i] = Math.Pow(probabilities[i], 1.0 / temperature);
            total += weights[i];
        }

        double u = random.NextSingle() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }
}
