using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace Compiled.Benchmarks;

/// <summary>
/// What this machine can do, measured in the same run as the workloads so that every figure in docs/performance.md can
/// be given as a share of it: the peak of one core's fused multiply-adds with Vector256 and, where accelerated, Vector512
/// (ten independent chains, enough to cover the FMA latency on both AMD and Intel cores), and the read bandwidth of one
/// core from L2 (a 192 KB buffer read over and over) and from DRAM (256 MB, far past any cache). <see cref="Describe"/>
/// prints the lscpu-style line to put beside each table.
/// </summary>
[MemoryDiagnoser]
public class MachineLimits
{
    /// <summary>Iterations of the FMA loops: 16 M FLOP per call with Vector256, 32 M with Vector512.</summary>
    public const int FmaIterations = 100_000;

    /// <summary>Bytes of the buffer that stays in L2 (the smallest L2 here is 512 KB per core; L1 is 32-48 KB).</summary>
    public const int L2Bytes = 192 * 1024;

    /// <summary>Times the L2 buffer is read per call: 24 MB.</summary>
    public const int L2Passes = 128;

    /// <summary>Bytes of the buffer read from DRAM.</summary>
    public const int DramBytes = 256 * 1024 * 1024;

    private float[] _l2 = [];
    private float[] _dram = [];

    [GlobalSetup]
    public void Setup()
    {
        Console.WriteLine(Describe());
        _l2 = Enumerable.Range(0, L2Bytes / sizeof(float)).Select(i => (i % 7) * 0.125f).ToArray();
        _dram = new float[DramBytes / sizeof(float)];
        for (int i = 0; i < _dram.Length; i++)
        {
            _dram[i] = (i % 5) * 0.25f;
        }
    }

    /// <summary>16 M FLOP of Vector256 FMAs: divide by the time for GFLOP/s.</summary>
    [Benchmark(Baseline = true)]
    public float PeakFma256() => MachinePeak.Fma256(FmaIterations);

    /// <summary>32 M FLOP of Vector512 FMAs (0 where Vector512 is not accelerated: no row to read then).</summary>
    [Benchmark]
    public float PeakFma512() => Vector512.IsHardwareAccelerated ? MachinePeak.Fma512(FmaIterations) : 0f;

    /// <summary>Reads 24 MB from L2: divide by the time for GB/s.</summary>
    [Benchmark]
    public float ReadL2()
    {
        float sum = 0;
        for (int pass = 0; pass < L2Passes; pass++)
        {
            sum += Sum(_l2);
        }

        return sum;
    }

    /// <summary>Reads 256 MB from DRAM.</summary>
    [Benchmark]
    public float ReadDram() => Sum(_dram);

    /// <summary>The line to put beside a table: CPU model, its vector features, cores, and what the JIT uses.</summary>
    public static string Describe()
    {
        string model = "unknown CPU", flags = string.Empty;
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && model == "unknown CPU")
                {
                    model = line[(line.IndexOf(':') + 1)..].Trim();
                }
                else if (line.StartsWith("flags", StringComparison.Ordinal) && flags.Length == 0)
                {
                    flags = line;
                }
            }
        }

        string[] features = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string vector = string.Join(", ", new[] { "avx2", "fma", "avx512f", "avx512vl" }.Where(features.Contains));
        return $"{model}, {Environment.ProcessorCount} cores, flags {vector}; JIT: Vector256 {(Vector256.IsHardwareAccelerated ? "accelerated" : "not accelerated")}, Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}";
    }

    /// <summary>A sum with four independent accumulators of the widest accelerated vectors (a core may move 64 bytes a
    /// cycle from L2 only with 512-bit loads): the loads, not the adds, set the pace.</summary>
    private static float Sum(float[] values)
    {
        ref float start = ref values[0];
        int i = 0;
        float sum;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; i + 64 <= values.Length; i += 64)
            {
                s0 += Vector512.LoadUnsafe(ref start, (nuint)i);
                s1 += Vector512.LoadUnsafe(ref start, (nuint)(i + 16));
                s2 += Vector512.LoadUnsafe(ref start, (nuint)(i + 32));
                s3 += Vector512.LoadUnsafe(ref start, (nuint)(i + 48));
            }

            sum = Vector512.Sum(s0 + s1 + s2 + s3);
        }
        else
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; i + 32 <= values.Length; i += 32)
            {
                s0 += Vector256.LoadUnsafe(ref start, (nuint)i);
                s1 += Vector256.LoadUnsafe(ref start, (nuint)(i + 8));
                s2 += Vector256.LoadUnsafe(ref start, (nuint)(i + 16));
                s3 += Vector256.LoadUnsafe(ref start, (nuint)(i + 24));
            }

            sum = Vector256.Sum(s0 + s1 + s2 + s3);
        }

        for (; i < values.Length; i++)
        {
            sum += values[i];
        }

        return sum;
    }
}

/// <summary>
/// One optimizer step on the 784-128-10 network's 101,770 parameters, alone (issue 9, part 4: each optimizer reads and
/// writes parameters, gradients and its moments once). Bytes moved per step: SGD reads p and g and writes p (12 B per
/// parameter); Momentum and RMSprop add one moment read and written (20 B); Adam and AdamW two (28 B). Divide by the time
/// and compare with <see cref="MachineLimits"/>' bandwidths: the arrays (0.8-2.8 MB) are past this core's L2.
/// </summary>
[MemoryDiagnoser]
public class OptimizerStepBenchmarks
{
    public const int Parameters = 101_770;

    private readonly float[] _parameters = new float[Parameters];
    private readonly float[] _gradients = new float[Parameters];
    private Sgd _sgd = new(0.01f);
    private Momentum _momentum = new(0.01f);
    private Adam _adam = new(1e-3f);
    private AdamW _adamW = new(1e-3f);
    private RmsProp _rmsProp = new(1e-3f);
    private Adam _adamClipped = new(1e-3f);
    private float _inPlaceScale = 0.5f;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Xoshiro(5);
        for (int i = 0; i < Parameters; i++)
        {
            _parameters[i] = random.NextGaussian() * 0.1f;
            _gradients[i] = random.NextGaussian() * 0.01f;
        }
    }

    [Benchmark(Baseline = true)]
    public void Sgd() => _sgd.Step(_parameters, _gradients);

    [Benchmark]
    public void Momentum() => _momentum.Step(_parameters, _gradients);

    [Benchmark]
    public void RmsProp() => _rmsProp.Step(_parameters, _gradients);

    [Benchmark]
    public void Adam() => _adam.Step(_parameters, _gradients);

    [Benchmark]
    public void AdamW() => _adamW.Step(_parameters, _gradients);

    /// <summary>Clipping as <c>TrainStep</c> did it before: the norm, a pass that scales the gradients in place (by 0.5
    /// and 2 in turn, so they stay as they are), then Adam's pass.</summary>
    [Benchmark]
    public void AdamClippedInPlace()
    {
        _ = System.Numerics.Tensors.TensorPrimitives.Norm(_gradients);
        System.Numerics.Tensors.TensorPrimitives.Multiply(_gradients, _inPlaceScale, _gradients);
        _inPlaceScale = 1f / _inPlaceScale;
        _adamClipped.Step(_parameters, _gradients);
    }

    /// <summary>Clipping as <c>TrainStep</c> does it: the norm, then Adam's one pass with the factor applied as it reads.</summary>
    [Benchmark]
    public void AdamClippedFused()
    {
        _ = Regularization.GlobalNormScale(_gradients, 1e9f);
        OptimizerStep.WithGradientScale(ref _adamClipped, _parameters, _gradients, 0.5f);
    }

    /// <summary>L1 and L2 penalties as the runtime computed them before: four passes (sum of squares, gradient, sum of
    /// magnitudes, a scalar sign loop).</summary>
    [Benchmark]
    public float PenaltiesInPasses()
    {
        float penalty = 1e-4f * System.Numerics.Tensors.TensorPrimitives.SumOfSquares(_parameters);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_parameters, 2e-4f, _gradients, _gradients);
        penalty += 1e-4f * System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes(_parameters);
        for (int i = 0; i < _parameters.Length; i++)
        {
            float w = _parameters[i];
            _gradients[i] += 1e-4f * (w > 0f ? 1f : w < 0f ? -1f : w == 0f ? 0f : float.NaN);
        }

        return penalty;
    }

    /// <summary><see cref="Regularization.AddPenalty"/>: the same in one pass.</summary>
    [Benchmark]
    public float PenaltiesInOnePass() => Regularization.AddPenalty(_parameters, _gradients, 1e-4f, 1e-4f);
}
