using Compiled.Data;

namespace Compiled.Samples.Tests;

/// <summary>The MnistGan sample's networks and step: the step is checked and allocation-free, and a short run moves the
/// generator from noise toward digits.</summary>
public class MnistGanTests
{
    private static float[] RealDigits(out int count) =>
        GanTraining.ToTanhRange(Idx.ReadImages(Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k", "train-images-idx3-ubyte.gz"), out count, out _));

    [Fact]
    public void A_step_takes_one_batch_of_real_images_and_allocates_nothing_once_warm()
    {
        var gan = new GanTraining(new DigitGenerator(1), new DigitDiscriminator(2) { Threads = 2 }, seed: 3);
        float[] real = RealDigits(out _).AsSpan(0, GanTraining.BatchSize * GanTraining.Pixels).ToArray();
        Assert.Contains("Expected 64 images of 784 pixels (50176 values), but got 784", Assert.Throws<ArgumentException>(() => gan.Step(real.AsSpan(0, 784))).Message);

        gan.Step(real);
        gan.Step(real);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        (float discriminator, float generator) = gan.Step(real);
        Assert.Equal(0, GC.GetTotalAllocatedBytes(precise: true) - before);
        Assert.True(float.IsFinite(discriminator) && float.IsFinite(generator));
    }

    [Fact]
    public void Two_hundred_steps_take_the_generator_from_noise_toward_the_digits_brightness_and_the_discriminator_stays_undecided()
    {
        float[] real = RealDigits(out int count);
        var generator = new DigitGenerator(1);
        var discriminator = new DigitDiscriminator(2) { Threads = 2 };
        var gan = new GanTraining(generator, discriminator, seed: 3);

        // Real digits are mostly black: about 13 % of full brightness on average, four in five pixels below 0.1.
        double realMean = real.Average(p => (p + 1) / 2);
        double realDark = real.Count(p => p < -0.8f) / (double)real.Length;
        (double mean, double dark) Generated()
        {
            var images = new float[256 * GanTraining.Pixels];
            var noise = new float[256 * DigitGenerator.InputSize];
            gan.DrawNoise(noise);
            generator.Predict(noise, images);
            GanTraining.ToUnitRange(images);
            return (images.Average(), images.Count(p => p < 0.1f) / (double)images.Length);
        }

        (double startMean, double startDark) = Generated();
        Assert.True(Math.Abs(startMean - realMean) > 0.2, $"an untrained generator's mean brightness {startMean:F3} against the digits' {realMean:F3}");

        var batch = new float[GanTraining.BatchSize * GanTraining.Pixels];
        var random = new Xoshiro(4);
        double lastDiscriminatorLosses = 0;
        for (int step = 0; step < 200; step++)
        {
            for (int row = 0; row < GanTraining.BatchSize; row++)
            {
                real.AsSpan(random.NextInt32(count) * GanTraining.Pixels, GanTraining.Pixels).CopyTo(batch.AsSpan(row * GanTraining.Pixels));
            }

            (float d, _) = gan.Step(batch);
            lastDiscriminatorLosses += step >= 150 ? d / 50 : 0;
        }

        (double mean, double dark) = Generated();
        Assert.True(Math.Abs(mean - realMean) < 0.05, $"mean brightness {mean:F3} (from {startMean:F3}) against the digits' {realMean:F3}");
        Assert.True(Math.Abs(dark - realDark) < 0.1, $"dark pixels {dark:F3} (from {startDark:F3}) against the digits' {realDark:F3}");

        // Neither side has won: a discriminator that always separates the two would have a loss near that of the smoothed
        // targets alone (0.33), one that is fooled every time a loss far above log 2.
        Assert.InRange(lastDiscriminatorLosses, 0.36, 1.0);
    }
}
