using Compiled.Data;

namespace Compiled.Tests;

/// <summary>Four Gaussian blobs in 20 dimensions, labelled 0-3 in turn: separable, so training makes steady progress.
/// Shared by the runtime tests and the crash child (linked into both).</summary>
public static class Blobs
{
    public static Dataset Make(int count, int seed, float separation)
    {
        var random = new Xoshiro((ulong)seed);
        var features = new float[count * 20];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 4;
            for (int j = 0; j < 20; j++)
            {
                features[(i * 20) + j] = random.NextGaussian() + (j % 4 == labels[i] ? separation : 0f);
            }
        }

        return Dataset.WithLabels(features, 20, labels);
    }
}
