// How the MnistGan sample measures its digits: what a classifier trained on real ones makes of them.
using System.Numerics.Tensors;
using Compiled;

/// <summary>What a classifier of real digits makes of generated ones.</summary>
/// <param name="Confident">The share of the images it gives one class a probability of at least the threshold.</param>
/// <param name="ClassShares">Of those confident images, the share of each digit 0-9.</param>
public sealed record DigitJudgement(double Confident, double[] ClassShares)
{
    /// <summary>The probability a classification needs to count as confident.</summary>
    public const float Threshold = 0.9f;

    /// <summary>The smallest share of a digit among the confident images (0 when none is confident).</summary>
    public double SmallestShare => ClassShares.Min();

    /// <summary>Judges <paramref name="count"/> images the generator makes from noise drawn with <paramref name="seed"/>;
    /// <paramref name="images"/> receives them, pixels in [0, 1].</summary>
    public static DigitJudgement Of(DigitGenerator generator, MnistCnn classifier, int count, int seed, out float[] images)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Xoshiro((ulong)seed);
        var noise = new float[count * DigitGenerator.InputSize];
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = random.NextGaussian();
        }

        images = new float[count * DigitGenerator.OutputSize];
        generator.Predict(noise, images);
        GanTraining.ToUnitRange(images);
        var probabilities = new float[count * MnistCnn.OutputSize];
        classifier.Predict(images, probabilities);

        int confident = 0;
        var perClass = new int[MnistCnn.OutputSize];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> row = probabilities.AsSpan(i * MnistCnn.OutputSize, MnistCnn.OutputSize);
            int best = TensorPrimitives.IndexOfMax(row);
            if (row[best] >= Threshold)
            {
                confident++;
                perClass[best]++;
            }
        }

        double[] shares = perClass.Select(n => confident == 0 ? 0.0 : (double)n / confident).ToArray();
        return new DigitJudgement((double)confident / count, shares);
    }

    /// <summary>"confident 0.853, smallest digit share 0.071 (7)".</summary>
    public override string ToString()
    {
        int smallest = Array.IndexOf(ClassShares, SmallestShare);
        return $"confident {Confident:F3}, smallest digit share {SmallestShare:F3} ({smallest})";
    }
}
