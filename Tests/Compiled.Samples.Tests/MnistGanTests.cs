using Compiled.Data;

namespace Compiled.Samples.Tests;

/// <summary>The MnistGan sample's networks and step: the step is checked and allocation-free, and a short run moves the
/// generator's pixels from noise toward the digits'.</summary>
public class MnistGanTests
{
    private static float[] RealDigits(out int count) =>
        GanTraining.ToTanhRange(Idx.ReadImages(Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k", "train-images-idx3-ubyte.gz"), out count, out _));

    [Fact]
    public void A_step_takes_one_batch_of_real_images_and_allocates_nothing_once_warm()
    {
        var gan = new GanTraining(new DigitGenerator(1), new DigitDiscriminator(2), seed: 3);
        float[] real = RealDigits(out _).AsSpan(0, GanTraining.BatchSize * GanTraining.Pixels).ToArray();
        Assert.Equal(
            $"Expected {GanTraining.BatchSize} images of 784 pixels ({GanTraining.BatchSize * 784} values), but got 785 values. (Parameter 'realImages')",
            Assert.Throws<ArgumentException>(() => gan.Step(real.AsSpan(0, 785))).Message);

        for (int i = 0; i < 3; i++)
        {
            gan.Step(real); // warm up: JIT tiers, the optimizers' moments, the training workspaces
        }

        // The fewest bytes over three windows, as the runtime's allocation tests count them.
        long fewest = long.MaxValue;
        for (int window = 0; window < 3 && fewest != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++)
            {
                (float discriminator, float generator) = gan.Step(real);
                Assert.True(float.IsFinite(discriminator) && float.IsFinite(generator));
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
    }

    [Fact]
    public void Four_hundred_steps_take_the_generator_s_pixels_toward_the_digits_and_leave_the_discriminator_undecided()
    {
        float[] real = RealDigits(out int count);
        var generator = new DigitGenerator(1);
        var gan = new GanTraining(generator, new DigitDiscriminator(2) { Threads = 2 }, seed: 3);

        // The distance between the pixel values of 128 generated and 128 real digits as distributions (the mean gap
        // between their sorted values, the 1-D Wasserstein distance): real digits are mostly black with white strokes.
        float[] realPixels = real.AsSpan(0, 128 * GanTraining.Pixels).ToArray();
        Array.Sort(realPixels);
        double Distance()
        {
            var noise = new float[128 * DigitGenerator.InputSize];
            var images = new float[128 * GanTraining.Pixels];
            gan.DrawNoise(noise);
            generator.Predict(noise, images);
            Array.Sort(images);
            return images.Zip(realPixels, (g, r) => Math.Abs(g - r)).Average();
        }

        double start = Distance();
        var batch = new float[GanTraining.BatchSize * GanTraining.Pixels];
        var random = new Xoshiro(4);
        double lastDiscriminatorLosses = 0;
        for (int step = 0; step < 400; step++)
        {
            for (int row = 0; row < GanTraining.BatchSize; row++)
            {
                real.AsSpan(random.NextInt32(count) * GanTraining.Pixels, GanTraining.Pixels).CopyTo(batch.AsSpan(row * GanTraining.Pixels));
            }

            (float d, _) = gan.Step(batch);
            lastDiscriminatorLosses += step >= 300 ? d / 100 : 0;
        }

        double end = Distance();
        Assert.True(end < Math.Min(0.2, start / 4), $"pixel distance to the digits {start:F3} -> {end:F3}");

        // Neither side has won: a discriminator that always separates the two would have a loss near that of the smoothed
        // targets alone (0.33), one that is fooled every time a loss far above log 2.
        Assert.InRange(lastDiscriminatorLosses, 0.36, 1.0);
    }
}
