using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Compiled.Kernels;

namespace Compiled.Benchmarks;

/// <summary>784-128-10 (ReLU, softmax cross-entropy): predict and train steps, against the hand-written baseline. The train
/// steps cycle through eight batches with random labels, as PeerBench's do (<see cref="TrainingBatches"/>).</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MedianColumn] // PeerBench reports medians: the ratios compare like with like
public class Mlp784Benchmarks
{
    private readonly Net784 _network = new(1);
    private readonly NaiveMlp _naive = new(784, 128, 10, 64, tanh: false, seed: 1);
    private readonly TrainingBatches _one = new(1, 784, 10, seed: 2);
    private readonly TrainingBatches _many = new(32, 784, 10, seed: 3);
    private float[] _inputs = null!;
    private readonly float[] _outputs = new float[64 * 10];
    private Sgd _sgd = new(0.01f);
    private Adam _adam = new(1e-3f);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Xoshiro(1);
        _inputs = Enumerable.Range(0, 64 * 784).Select(_ => random.NextSingle()).ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Predict1")]
    public void NaivePredict1() => _naive.Predict(_inputs.AsSpan(0, 784), _outputs.AsSpan(0, 10), 1);

    [Benchmark, BenchmarkCategory("Predict1")]
    public void Predict1() => _network.Predict(_inputs.AsSpan(0, 784), _outputs.AsSpan(0, 10));

    [Benchmark(Baseline = true), BenchmarkCategory("Predict64")]
    public void NaivePredict64() => _naive.Predict(_inputs, _outputs, 64);

    [Benchmark, BenchmarkCategory("Predict64")]
    public void Predict64() => _network.Predict(_inputs, _outputs);

    [Benchmark(Baseline = true), BenchmarkCategory("Train1Sgd")]
    public float NaiveTrain1Sgd()
    {
        var (inputs, _, oneHot) = _one.Next();
        return _naive.TrainStep(inputs, oneHot, 1, 0.01f);
    }

    [Benchmark, BenchmarkCategory("Train1Sgd")]
    public float Train1Sgd()
    {
        var (inputs, labels, _) = _one.Next();
        return _network.TrainStep(inputs, labels, ref _sgd);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Train32Sgd")]
    public float NaiveTrain32Sgd()
    {
        var (inputs, _, oneHot) = _many.Next();
        return _naive.TrainStep(inputs, oneHot, 32, 0.01f);
    }

    [Benchmark, BenchmarkCategory("Train32Sgd")]
    public float Train32Sgd()
    {
        var (inputs, labels, _) = _many.Next();
        return _network.TrainStep(inputs, labels, ref _sgd);
    }

    [Benchmark, BenchmarkCategory("Train32Sgd")]
    public float Train32Adam()
    {
        var (inputs, labels, _) = _many.Next();
        return _network.TrainStep(inputs, labels, ref _adam);
    }
}

/// <summary>2-8-1 (tanh, mean squared error): a train step on the four XOR samples and a one-sample predict.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Tiny281Benchmarks
{
    private readonly Net281 _network = new(1);
    private readonly NaiveMlp _naive = new(2, 8, 1, 4, tanh: true, seed: 1);
    private readonly float[] _inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
    private readonly float[] _targets = { 0, 1, 1, 0 };
    private readonly float[] _output = new float[4];
    private Sgd _sgd = new(0.1f);

    [Benchmark(Baseline = true), BenchmarkCategory("Train4")]
    public float NaiveTrain4() => _naive.TrainStep(_inputs, _targets, 4, 0.1f);

    [Benchmark, BenchmarkCategory("Train4")]
    public float Train4() => _network.TrainStep(_inputs, _targets, ref _sgd);

    [Benchmark(Baseline = true), BenchmarkCategory("Predict1")]
    public void NaivePredict1() => _naive.Predict(_inputs.AsSpan(0, 2), _output.AsSpan(0, 1), 1);

    [Benchmark, BenchmarkCategory("Predict1")]
    public void Predict1() => _network.Predict(_inputs.AsSpan(0, 2), _output.AsSpan(0, 1));
}

/// <summary>The seed CNN: a one-image predict and a batch-32 Adam train step, on one and two threads, against the hand-written baseline;
/// the train steps cycle through eight batches with random labels, as PeerBench's do (<see cref="TrainingBatches"/>).</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MedianColumn] // PeerBench reports medians: the ratios compare like with like
public class CnnBenchmarks
{
    private readonly SeedCnn _one = new(1);
    private readonly SeedCnn _two = new(1) { Threads = 2 };
    private readonly NaiveCnn _naive = new(32, seed: 1);
    private readonly TrainingBatches _batches = new(32, 784, 10, seed: 3);
    private float[] _inputs = null!;
    private readonly float[] _outputs = new float[32 * 10];
    private Adam _adamOne = new(1e-3f);
    private Adam _adamTwo = new(1e-3f);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Xoshiro(1);
        _inputs = Enumerable.Range(0, 784).Select(_ => random.NextSingle()).ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Predict1")]
    public void NaivePredict1() => _naive.Predict(_inputs, _outputs.AsSpan(0, 10), 1);

    [Benchmark, BenchmarkCategory("Predict1")]
    public void Predict1() => _one.Predict(_inputs, _outputs.AsSpan(0, 10));

    [Benchmark(Baseline = true), BenchmarkCategory("Train32Adam")]
    public float NaiveTrain32Adam()
    {
        var (inputs, labels, _) = _batches.Next();
        return _naive.TrainStepAdam(inputs, labels, 32, 1e-3f);
    }

    [Benchmark, BenchmarkCategory("Train32Adam")]
    public float Train32Adam1Thread()
    {
        var (inputs, labels, _) = _batches.Next();
        return _one.TrainStep(inputs, labels, ref _adamOne);
    }

    [Benchmark, BenchmarkCategory("Train32Adam")]
    public float Train32Adam2Threads()
    {
        var (inputs, labels, _) = _batches.Next();
        return _two.TrainStep(inputs, labels, ref _adamTwo);
    }
}

/// <summary>The seed CNN's three convolutions on their own, forward and backward at batch 32: where a CNN step's time goes.</summary>
[MemoryDiagnoser]
public class ConvolutionBenchmarks
{
    private const int Batch = 32;
    private ConvolutionGeometry _geometry;
    private int _chunkRows;
    private float[] _x = null!, _w = null!, _b = null!, _y = null!, _dx = null!, _dw = null!, _db = null!, _scratch = null!;

    [Params("conv1 28x28x1->26x26x32", "conv2 13x13x32->11x11x64", "conv3 5x5x64->3x3x64")]
    public string Layer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (_geometry, _chunkRows) = Layer[4] switch
        {
            '1' => (new ConvolutionGeometry(28, 28, 1, 3, 3, 1, 1, 0, 0, 26, 26, 32), 2046),
            '2' => (new ConvolutionGeometry(13, 13, 32, 3, 3, 1, 1, 0, 0, 11, 11, 64), 108),
            _ => (new ConvolutionGeometry(5, 5, 64, 3, 3, 1, 1, 0, 0, 3, 3, 64), 54),
        };
        var random = new Xoshiro(1);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => random.NextGaussian()).ToArray();
        (_x, _w, _b) = (Values(Batch * _geometry.InputSize), Values(_geometry.WeightCount), Values(_geometry.OutputChannels));
        (_y, _dx, _dw, _db) = (new float[Batch * _geometry.OutputSize], new float[Batch * _geometry.InputSize], new float[_geometry.WeightCount], new float[_geometry.OutputChannels]);
        _scratch = new float[_geometry.ScratchSize(_chunkRows)];
    }

    [Benchmark]
    public void Forward() => Convolution.Forward(_geometry, _x, _w, _b, _y, _scratch, Batch, _chunkRows);

    /// <summary>The alternative: direct loops vectorized over the output channels (Benchmarks/DirectConvolution.cs).</summary>
    [Benchmark]
    public void ForwardDirect() => DirectConvolution.Forward(_geometry, _x, _w, _b, _y, Batch);

    [Benchmark]
    public void Backward() => Convolution.Backward(_geometry, _x, _w, _y, _dx, _dw, _db, _scratch, Batch, _chunkRows, accumulate: false);

    /// <summary>What the first layer of a network does: no input gradient.</summary>
    [Benchmark]
    public void BackwardFirstLayer() => Convolution.Backward(_geometry, _x, _w, _y, default, _dw, _db, _scratch, Batch, _chunkRows, accumulate: false);
}

/// <summary>The elementwise passes of a CNN step at the size of the seed network's first layer (32 x 26 x 26 x 32 values,
/// half of them zero after ReLU).</summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private readonly float[] _y = new float[32 * 26 * 26 * 32];
    private readonly float[] _dy = new float[32 * 26 * 26 * 32];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Xoshiro(1);
        for (int i = 0; i < _y.Length; i++)
        {
            _y[i] = random.NextGaussian();
            _dy[i] = random.NextGaussian();
        }

        Kernels.Activations.Relu(_y);
    }

    [Benchmark]
    public void ReluBackward() => Kernels.Activations.ReluBackward(_y, _dy);

    [Benchmark]
    public void LeakyReluBackward() => Kernels.Activations.LeakyReluBackward(_y, _dy);

    [Benchmark]
    public void Relu() => Kernels.Activations.Relu(_dy);
}

/// <summary>The seed CNN's two max pools at batch 32, forward and backward; the plain scatter the backward pass used to
/// be is the baseline.</summary>
[MemoryDiagnoser]
public class PoolingBenchmarks
{
    private const int Batch = 32;
    private PoolGeometry _geometry;
    private float[] _x = null!, _y = null!, _dx = null!;
    private int[] _argmax = null!;

    [Params("pool1 26x26x32->13x13x32", "pool2 11x11x64->5x5x64")]
    public string Layer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _geometry = Layer[4] == '1' ? new PoolGeometry(26, 26, 32, 2, 2, 2, 2, 0, 0, 13, 13) : new PoolGeometry(11, 11, 64, 2, 2, 2, 2, 0, 0, 5, 5);
        var random = new Xoshiro(1);
        _x = Enumerable.Range(0, Batch * _geometry.InputSize).Select(_ => random.NextGaussian()).ToArray();
        (_y, _argmax, _dx) = (new float[Batch * _geometry.OutputSize], new int[Batch * _geometry.OutputSize], new float[Batch * _geometry.InputSize]);
        Pooling.MaxForward(_geometry, _x, _y, _argmax, Batch);
    }

    [Benchmark]
    public void MaxForward() => Pooling.MaxForward(_geometry, _x, _y, _argmax, Batch);

    [Benchmark(Baseline = true)]
    public void MaxBackwardScatter()
    {
        Span<float> dx = _dx;
        dx.Clear();
        for (int i = 0; i < _argmax.Length; i++)
        {
            dx[_argmax[i]] += _y[i];
        }
    }

    [Benchmark]
    public void MaxBackward() => Pooling.MaxBackward(_geometry, _y, _argmax, _dx, Batch);
}

/// <summary>
/// The RNN workload of the libtorch reference (nn.RNN(27, 128, tanh) over 16 one-hot steps, Linear(128, 27) per step,
/// cross-entropy, SGD lr 0.01): train steps at batch 1 and 16 and the predict of one sequence, against the hand-written
/// baseline; and a streaming step of an LSTM of 64 units on one feature (RTNeural's figure).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RecurrentBenchmarks
{
    private readonly ElmanChars _network = new(1);
    private readonly NaiveRnn _naive = new(16, 27, 128, 27, 16, seed: 1);
    private readonly Lstm64 _lstm = new(1);
    private readonly float[] _inputs = new float[16 * 16 * 27];
    private readonly int[] _labels = new int[16 * 16];
    private readonly float[] _outputs = new float[16 * 16 * 27];
    private readonly float[] _state = new float[64];
    private readonly float[] _feature = { 0.5f };
    private Sgd _sgd = new(0.01f);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Xoshiro(1);
        for (int row = 0; row < 16 * 16; row++)
        {
            _inputs[(row * 27) + random.NextInt32(27)] = 1f;
            _labels[row] = random.NextInt32(27);
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Train1")]
    public float NaiveTrain1() => _naive.TrainStep(_inputs.AsSpan(0, 16 * 27), _labels.AsSpan(0, 16), 1, 0.01f);

    [Benchmark, BenchmarkCategory("Train1")]
    public float Train1() => _network.TrainStep(_inputs.AsSpan(0, 16 * 27), _labels.AsSpan(0, 16), ref _sgd);

    [Benchmark(Baseline = true), BenchmarkCategory("Train16")]
    public float NaiveTrain16() => _naive.TrainStep(_inputs, _labels, 16, 0.01f);

    [Benchmark, BenchmarkCategory("Train16")]
    public float Train16() => _network.TrainStep(_inputs, _labels, ref _sgd);

    [Benchmark(Baseline = true), BenchmarkCategory("Predict1")]
    public void NaivePredict1() => _naive.Forward(_inputs.AsSpan(0, 16 * 27), _outputs, 1);

    [Benchmark, BenchmarkCategory("Predict1")]
    public void Predict1() => _network.Predict(_inputs.AsSpan(0, 16 * 27), _outputs.AsSpan(0, 16 * 27));

    [Benchmark, BenchmarkCategory("LstmStep")]
    public void LstmStep() => _lstm.Step(_feature, _state);
}

/// <summary>
/// The TinyGpt sample's model (4 blocks, width 80, 4 heads, 318 k parameters) on one thread: a training step of 32 words
/// over the full 24 steps and over the 12-step network the sample uses for words of up to 11 letters, and one prediction
/// of a 24-step prefix, what generating a character costs. The baseline is this core's peak (<see cref="MachinePeak.Fma"/>,
/// on the widest accelerated vectors), so each row's ratio to it is its share of the peak once scaled by FLOP
/// (<see cref="PeakFlop"/>, <see cref="TrainFlop"/>): docs/attention.md has the table.
/// </summary>
[MemoryDiagnoser]
public class GptBenchmarks
{
    /// <summary>FLOP in one <see cref="PeakFma"/> call.</summary>
    public const double PeakFlop = MachinePeak.FlopPerIteration * PeakIterations;

    /// <summary>FLOP per position of a forward pass, counting the products needed: per block c_attn, c_proj, the MLP's two
    /// layers (2 x 80 x (240 + 80 + 320 + 320)), the scores and A v of four heads of 20 over 24 steps (2 x 2 x 24 x 80;
    /// causal attention needs about half of that, the kernels skip the masked half), and the head (2 x 80 x 27). A
    /// training step is three times that (forward, dx and dW).</summary>
    public const double ForwardFlopPerPosition = (4 * ((2.0 * 80 * (240 + 80 + 320 + 320)) + (2.0 * 2 * 24 * 80))) + (2.0 * 80 * 27);

    /// <summary>FLOP of <see cref="Train32"/>: 32 words of 24 steps.</summary>
    public const double TrainFlop = 3 * ForwardFlopPerPosition * 32 * 24;

    private const int PeakIterations = 100_000;

    private readonly TinyGpt _gpt = new(1) { MaxGradientNorm = 1f };
    private readonly TinyGpt12 _gpt12 = new(1) { MaxGradientNorm = 1f };
    private readonly int[] _inputs = new int[32 * CharWords.Steps];
    private readonly int[] _labels = new int[32 * CharWords.Steps];
    private readonly int[] _inputs12 = new int[32 * 12];
    private readonly int[] _labels12 = new int[32 * 12];
    private readonly float[] _probabilities = new float[TinyGpt.OutputSize];
    private AdamW _adam = new(1e-3f);
    private AdamW _adam12 = new(1e-3f);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Xoshiro(1);
        string[] words = Enumerable.Range(0, 32).Select(i => new string(Enumerable.Range(0, 4 + (i % 8)).Select(_ => (char)('a' + random.NextInt32(26))).ToArray())).ToArray();
        CharWords.Encode(words, _inputs, _labels);
        CharWords.Encode(words, _inputs12, _labels12, 12);
    }

    [Benchmark(Baseline = true)]
    public float PeakFma() => MachinePeak.Fma(PeakIterations);

    [Benchmark]
    public float Train32() => _gpt.TrainStep(_inputs, _labels, ref _adam);

    [Benchmark]
    public float Train32Steps12() => _gpt12.TrainStep(_inputs12, _labels12, ref _adam12);

    [Benchmark]
    public void PredictOneSequence() => _gpt.Predict(_inputs.AsSpan(0, CharWords.Steps), _probabilities.AsSpan(0, TinyGpt.OutputSize));
}

/// <summary>This core's peak: independent FMAs in 10 chains (enough to cover the FMA latency on the machines here), 2 FLOP
/// per lane. A benchmark's ratio to <see cref="Fma"/>, scaled by FLOP, is its share of the peak.</summary>
public static class MachinePeak
{
    /// <summary>FLOP in one iteration of <see cref="Fma"/> and <see cref="Fma256"/>.</summary>
    public const double FlopPerIteration = 10.0 * 8 * 2;

    /// <summary>
    /// <paramref name="iterations"/> x 160 FLOP on the widest vectors the JIT accelerates: Vector512 at half the iterations
    /// where it is accelerated, else Vector256. Zen 4 splits a 512-bit FMA in two and Zen 5 does not, so there the
    /// Vector512 peak is twice the Vector256 one and a share of the narrower peak would read twice too high.
    /// </summary>
    public static float Fma(int iterations) => Vector512.IsHardwareAccelerated ? Fma512(iterations / 2) : Fma256(iterations);

    /// <summary><paramref name="iterations"/> x 160 FLOP of Vector256 FMAs in ten independent chains.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Fma256(int iterations)
    {
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        Vector256<float> m = Vector256.Create(0.999999f), c = Vector256.Create(1e-7f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9).ToScalar();
    }

    /// <summary><paramref name="iterations"/> x 320 FLOP of Vector512 FMAs in ten independent chains.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Fma512(int iterations)
    {
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        Vector512<float> m = Vector512.Create(0.999999f), c = Vector512.Create(1e-7f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9).ToScalar();
    }
}

/// <summary>
/// The MnistGan sample's step (32 real and 32 generated digits, the discriminator on one thread here) and its parts:
/// the generator's forward pass, its backward pass from an outside gradient, the discriminator's training step on 128
/// images, and its backward pass with the input gradient. The baseline is this core's peak (<see cref="MachinePeak"/>);
/// <see cref="StepFlop"/> counts the products a step needs. docs/gan.md has the table.
/// </summary>
[MemoryDiagnoser]
public class GanBenchmarks
{
    /// <summary>FLOP in one <see cref="PeakFma"/> call.</summary>
    public const double PeakFlop = MachinePeak.FlopPerIteration * PeakIterations;

    /// <summary>Multiply-adds of the generator's forward pass per image: 64 x 256, 256 x 512, 512 x 3136, and the 5x5
    /// convolution to one channel at 28x28 (784 pixels x 400).</summary>
    public const double GeneratorMacs = (64.0 * 256) + (256.0 * 512) + (512.0 * 3136) + (784.0 * 400);

    /// <summary>The generator's first layer, whose input (the noise) needs no gradient.</summary>
    public const double GeneratorFirstMacs = 64.0 * 256;

    /// <summary>Multiply-adds of the discriminator's forward pass per image: 784 x 512, 512 x 256, 256 x 1.</summary>
    public const double DiscriminatorMacs = (784.0 * 512) + (512.0 * 256) + 256;

    /// <summary>The discriminator's first layer: its dx is needed in the generator's half only.</summary>
    public const double DiscriminatorFirstMacs = 784.0 * 512;

    /// <summary>FLOP a step needs, at 2 per multiply-add, for B = <see cref="GanTraining.BatchSize"/>: the generator
    /// forward (B images); the discriminator's training step (2B: forward, dW, dx but the first layer's); its forward and
    /// dx for the generator's half (B; its dW there is computed but not needed, so not counted); the generator's backward
    /// (B: forward again, dW, dx but the first layer's).</summary>
    public const double StepFlop = 2 * GanTraining.BatchSize * (
        GeneratorMacs
        + (2 * ((3 * DiscriminatorMacs) - DiscriminatorFirstMacs))
        + (2 * DiscriminatorMacs)
        + ((3 * GeneratorMacs) - GeneratorFirstMacs));

    private const int PeakIterations = 100_000;

    private readonly DigitGenerator _generator = new(1);
    private readonly DigitDiscriminator _discriminator = new(2);
    private readonly float[] _real = new float[GanTraining.BatchSize * GanTraining.Pixels];
    private readonly float[] _noise = new float[GanTraining.BatchSize * DigitGenerator.InputSize];
    private readonly float[] _images = new float[GanTraining.BatchSize * GanTraining.Pixels];
    private readonly float[] _both = new float[2 * GanTraining.BatchSize * GanTraining.Pixels];
    private readonly float[] _targets = new float[2 * GanTraining.BatchSize];
    private readonly float[] _fooled = Enumerable.Repeat(1f, GanTraining.BatchSize).ToArray();
    private readonly float[] _imageGradient = new float[GanTraining.BatchSize * GanTraining.Pixels];
    private GanTraining _gan = null!;
    private Adam _adam = new(2e-4f, beta1: 0.5f);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Xoshiro(3);
        for (int i = 0; i < _real.Length; i++)
        {
            _real[i] = random.NextSingle() < 0.8f ? -1f : (2f * random.NextSingle()) - 1f; // mostly black, as digits are
        }

        _gan = new GanTraining(new DigitGenerator(1), new DigitDiscriminator(2), seed: 4);
        _gan.DrawNoise(_noise);
        _generator.Forward(_noise, _images);
        _real.CopyTo(_both, 0);
        _images.CopyTo(_both, _real.Length);
        _targets.AsSpan(0, GanTraining.BatchSize).Fill(0.9f);
    }

    [Benchmark(Baseline = true)]
    public float PeakFma() => MachinePeak.Fma(PeakIterations);

    [Benchmark]
    public float Step() => _gan.Step(_real).Discriminator;

    [Benchmark]
    public void GeneratorForward() => _generator.Forward(_noise, _images);

    [Benchmark]
    public void GeneratorBackward() => _generator.Backward(_noise, _imageGradient);

    [Benchmark]
    public float DiscriminatorTrainStep() => _discriminator.TrainStep(_both, _targets, ref _adam);

    [Benchmark]
    public float DiscriminatorInputGradient() => _discriminator.Backward(_images, _fooled, _imageGradient);
}

/// <summary>
/// The matrix products of the seed networks, one core, against this core's FMA peak in the same run (issue 9, part 2):
/// the MLP's forward product at batch 32 and 64, its weight gradient (A^T B) and its input gradient through the turned
/// weights (dy W^T as dy times W^T stored); the seed CNN's convolutions as the im2col products it runs (in chunks of
/// rows: 108 for conv2, 2,046 for conv1), and conv2's weight gradient over a whole batch of 32 in one product, as a
/// deep product. FLOP = 2 m k n; the baseline is <see cref="MachinePeak.Fma"/>'s 16 M FLOP on the widest accelerated vectors. The operands start on cache lines,
/// as a network's do.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private AlignedFloats _a, _b, _c;
    private int _m, _k, _n;
    private bool _transposedA;

    [Params("mlp forward 32x784x128", "mlp forward 64x784x128", "mlp dW 784x32x128 (A^T B)", "mlp dx 32x128x784",
        "conv2 forward 108x288x64", "conv2 dW 288x108x64 (A^T B)", "conv1 dW 9x2046x32 (A^T B)", "conv2 deep dW 288x3872x64 (A^T B)")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string[] sizes = Shape.Split(' ').First(part => part.Contains('x', StringComparison.Ordinal) && char.IsDigit(part[0])).Split('x');
        (_m, _k, _n) = (int.Parse(sizes[0]), int.Parse(sizes[1]), int.Parse(sizes[2]));
        _transposedA = Shape.Contains("A^T", StringComparison.Ordinal);
        var random = new Xoshiro(3);
        // On cache lines, as a network's parameters and workspace are (AlignedFloats): a plain array's offset from a line
        // differs from run to run, and the 256-bit tiles with it.
        AlignedFloats Values(int count)
        {
            var values = new AlignedFloats(count);
            foreach (ref float value in values.Span)
            {
                value = random.NextGaussian();
            }

            return values;
        }

        (_a, _b, _c) = (Values(_m * _k), Values(_k * _n), new AlignedFloats(_m * _n));
        Console.WriteLine($"{Shape}: {2.0 * _m * _k * _n / 1e6:F2} MFLOP per product; {MachineLimits.Describe()}");
    }

    /// <summary>16 M FLOP of FMAs on the widest accelerated vectors: this core's peak, in the same run.</summary>
    [Benchmark(Baseline = true)]
    public float Peak() => MachinePeak.Fma(MachineLimits.FmaIterations);

    [Benchmark]
    public void Product()
    {
        if (_transposedA)
        {
            Gemm.MultiplyTransposedA(_a, _b, _c, _m, _k, _n, accumulate: false);
        }
        else
        {
            Gemm.Multiply(_a, _b, _c, _m, _k, _n);
        }
    }
}
