// One GAN step, shared by the sample, its tests and the benchmarks.
using System.Numerics.Tensors;
using Compiled;

/// <summary>
/// Trains <see cref="DigitGenerator"/> against <see cref="DigitDiscriminator"/> as Goodfellow et al. (2014) with the
/// non-saturating generator loss and the DCGAN paper's Adam (beta1 0.5; the rates default to its 2e-4, the sample takes
/// 3e-4); real targets are smoothed to 0.9 (one-sided label smoothing, Salimans et al. 2016). Allocation-free after
/// construction.
/// </summary>
public sealed class GanTraining
{
    /// <summary>Real images per step; each step also makes as many generated ones.</summary>
    public const int BatchSize = DigitGenerator.MaxBatchSize;

    /// <summary>The pixels of one image.</summary>
    public const int Pixels = DigitGenerator.OutputSize;

    private const float RealTarget = 0.9f;

    private readonly float[] _noise = new float[BatchSize * DigitGenerator.InputSize];
    private readonly float[] _generated = new float[BatchSize * Pixels];
    private readonly float[] _generatedGradient = new float[BatchSize * Pixels];
    private readonly float[] _discriminatorInputs = new float[2 * BatchSize * Pixels];
    private readonly float[] _discriminatorTargets = new float[2 * BatchSize];
    private readonly float[] _fooled = new float[BatchSize];
    private Adam _generatorAdam;
    private Adam _discriminatorAdam;
    private Xoshiro _random;

    /// <summary>Sets up training of the two networks, whose parameters it changes; <paramref name="seed"/> draws the noise.
    /// Each network has its own rate (Heusel et al.'s two time-scale rule gives the discriminator the larger one).</summary>
    public GanTraining(DigitGenerator generator, DigitDiscriminator discriminator, int seed, float generatorRate = 2e-4f, float discriminatorRate = 2e-4f)
    {
        Generator = generator ?? throw new ArgumentNullException(nameof(generator));
        Discriminator = discriminator ?? throw new ArgumentNullException(nameof(discriminator));
        _generatorAdam = new Adam(generatorRate, beta1: 0.5f);
        _discriminatorAdam = new Adam(discriminatorRate, beta1: 0.5f);
        _random = new Xoshiro((ulong)seed);
        _discriminatorTargets.AsSpan(0, BatchSize).Fill(RealTarget); // the first BatchSize rows real, the rest generated (target 0)
        _fooled.AsSpan().Fill(1f);
    }

    /// <summary>The generator's learning rate (a schedule sets it between steps).</summary>
    public float GeneratorRate
    {
        get => _generatorAdam.LearningRate;
        set => _generatorAdam.LearningRate = value;
    }

    /// <summary>The discriminator's learning rate.</summary>
    public float DiscriminatorRate
    {
        get => _discriminatorAdam.LearningRate;
        set => _discriminatorAdam.LearningRate = value;
    }

    /// <summary>The generator being trained.</summary>
    public DigitGenerator Generator { get; }

    /// <summary>The discriminator being trained.</summary>
    public DigitDiscriminator Discriminator { get; }

    /// <summary>
    /// One step of each network on <see cref="BatchSize"/> real images (pixels in [-1, 1], row after row): the
    /// discriminator learns to tell them from as many generated images, then the generator learns to make the
    /// discriminator call its images real, through the discriminator's input gradient; the discriminator's parameters
    /// stay as they are for that half. Returns both losses (the generator's is -log D(G(z)), averaged).
    /// </summary>
    public (float Discriminator, float Generator) Step(ReadOnlySpan<float> realImages)
    {
        if (realImages.Length != BatchSize * Pixels)
        {
            throw new ArgumentException($"Expected {BatchSize} images of {Pixels} pixels ({BatchSize * Pixels} values), but got {realImages.Length} values.", nameof(realImages));
        }

        DrawNoise(_noise);
        Generator.Forward(_noise, _generated);
        realImages.CopyTo(_discriminatorInputs);
        _generated.CopyTo(_discriminatorInputs.AsSpan(BatchSize * Pixels));
        float discriminatorLoss = Discriminator.TrainStep(_discriminatorInputs, _discriminatorTargets, ref _discriminatorAdam);

        // The generator's half: the discriminator's own gradients from this pass are never applied (its next TrainStep
        // overwrites them), only the gradient with respect to its input travels on into the generator.
        float generatorLoss = Discriminator.Backward(_generated, _fooled, _generatedGradient);
        Generator.ZeroGradients();
        Generator.Backward(_noise, _generatedGradient);
        Generator.ApplyGradients(ref _generatorAdam);
        return (discriminatorLoss, generatorLoss);
    }

    /// <summary>Fills <paramref name="noise"/> with standard normal values.</summary>
    public void DrawNoise(Span<float> noise)
    {
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = _random.NextGaussian();
        }
    }

    /// <summary>Maps pixels in [0, 1] (as <see cref="Compiled.Data.Idx"/> reads them) to the generator's [-1, 1].</summary>
    public static float[] ToTanhRange(ReadOnlySpan<float> pixels)
    {
        var result = new float[pixels.Length];
        TensorPrimitives.Multiply(pixels, 2f, result);
        TensorPrimitives.Add(result, -1f, result);
        return result;
    }

    /// <summary>Maps the generator's pixels in [-1, 1] back to [0, 1], in place.</summary>
    public static void ToUnitRange(Span<float> pixels)
    {
        TensorPrimitives.Multiply(pixels, 0.5f, pixels);
        TensorPrimitives.Add(pixels, 0.5f, pixels);
        TensorPrimitives.Clamp(pixels, 0f, 1f, pixels);
    }
}
