using Compiled.Kernels;

namespace Compiled.Benchmarks;

/// <summary>
/// Eight distinct batches of uniform [0, 1) inputs with uniformly drawn labels, taken in turn, a step at a time: the data of
/// PeerBench's training workloads (eight synthetic batches cycled through), so that the ratios against libtorch compare
/// the same work. One batch stepped on over and over, as these benchmarks did up to round 15, is another workload (its
/// loss reaches 0 within a second, docs/performance.md).
/// </summary>
internal sealed class TrainingBatches
{
    /// <summary>Batches in the cycle, as PeerBench's <c>Pool</c>.</summary>
    public const int Count = 8;

    private readonly float[][] _inputs;
    private readonly int[][] _labels;
    private readonly float[][] _oneHot;
    private int _next;

    public TrainingBatches(int batch, int inputSize, int classes, ulong seed)
    {
        var random = new Xoshiro(seed);
        _inputs = new float[Count][];
        _labels = new int[Count][];
        _oneHot = new float[Count][];
        for (int b = 0; b < Count; b++)
        {
            _inputs[b] = Enumerable.Range(0, batch * inputSize).Select(_ => random.NextSingle()).ToArray();
            _labels[b] = Enumerable.Range(0, batch).Select(_ => random.NextInt32(classes)).ToArray();
            _oneHot[b] = new float[batch * classes];
            for (int i = 0; i < batch; i++)
            {
                _oneHot[b][(i * classes) + _labels[b][i]] = 1f;
            }
        }
    }

    /// <summary>The next batch of the cycle: its inputs, labels, and labels as one-hot rows (for the naive baselines).</summary>
    public (float[] Inputs, int[] Labels, float[] OneHot) Next()
    {
        int b = _next++ & (Count - 1);
        return (_inputs[b], _labels[b], _oneHot[b]);
    }
}
