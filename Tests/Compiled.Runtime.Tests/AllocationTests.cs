using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Zero bytes allocated in the steady state of Predict, Forward, Backward, TrainStep and Evaluate.</summary>
public class AllocationTests
{
    private static long Allocated(Action action)
    {
        for (int i = 0; i < 3; i++)
        {
            action(); // warm up: JIT tiers, optimizer state on its first step
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Mlp_predict_forward_backward_trainstep_and_evaluate_allocate_nothing()
    {
        var network = new Mlp(1);
        var random = new Xoshiro(1);
        float[] inputs = Enumerable.Range(0, 32 * 784).Select(_ => random.NextSingle()).ToArray();
        int[] labels = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        var outputs = new float[32 * 10];
        var sgd = new Sgd(0.01f);
        var adam = new Adam(1e-3f);
        var momentum = new Momentum(0.01f, 0.9f, nesterov: true);

        Assert.Equal(0, Allocated(() => network.Predict(inputs.AsSpan(0, 784), outputs.AsSpan(0, 10))));
        Assert.Equal(0, Allocated(() => network.Predict(inputs, outputs)));
        Assert.Equal(0, Allocated(() => network.Forward(inputs, outputs)));
        Assert.Equal(0, Allocated(() => network.PredictClass(inputs.AsSpan(0, 784))));
        Assert.Equal(0, Allocated(() => network.Backward(inputs, labels)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs.AsSpan(0, 784), labels.AsSpan(0, 1), ref sgd)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, labels, ref sgd)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, labels, ref adam)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, labels, ref momentum)));
        Assert.Equal(0, Allocated(() => network.Evaluate(inputs, labels)));
    }

    [Fact]
    public void Cnn_predict_forward_backward_and_trainstep_allocate_nothing()
    {
        var network = new SeedCnn(1);
        var random = new Xoshiro(3);
        float[] inputs = Enumerable.Range(0, 32 * 784).Select(_ => random.NextSingle()).ToArray();
        int[] labels = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        var outputs = new float[32 * 10];
        var sgd = new Sgd(0.01f);
        var adam = new Adam(1e-3f);

        Assert.Equal(0, Allocated(() => network.Predict(inputs.AsSpan(0, 784), outputs.AsSpan(0, 10))));
        Assert.Equal(0, Allocated(() => network.Predict(inputs, outputs)));
        Assert.Equal(0, Allocated(() => network.Forward(inputs, outputs)));
        Assert.Equal(0, Allocated(() => network.Backward(inputs, labels)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, labels, ref sgd)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, labels, ref adam)));
        Assert.Equal(0, Allocated(() => network.Evaluate(inputs, labels)));
    }

    [Fact]
    public void Penalties_clipping_and_dropout_allocate_nothing()
    {
        var network = new DropoutMlp(1) { L1 = 1e-4f, L2 = 1e-3f, MaxGradientNorm = 1f };
        var random = new Xoshiro(2);
        float[] inputs = Enumerable.Range(0, 8 * 20).Select(_ => random.NextSingle()).ToArray();
        int[] labels = Enumerable.Range(0, 8).Select(i => i % 4).ToArray();
        var adamw = new AdamW();
        var rms = new RmsProp();

        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, labels, ref adamw)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, labels, ref rms)));
    }

    [Fact]
    public void Unrolled_network_allocates_nothing()
    {
        var network = new Tiny(1);
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
        float[] targets = { 0, 1, 1, 0 };
        var outputs = new float[4];
        var adam = new Adam(0.05f);

        Assert.Equal(0, Allocated(() => network.Predict(inputs.AsSpan(0, 2), outputs.AsSpan(0, 1))));
        Assert.Equal(0, Allocated(() => network.Backward(inputs, targets)));
        Assert.Equal(0, Allocated(() => network.TrainStep(inputs, targets, ref adam)));
    }
}

/// <summary>The data-parallel step, on the calling thread and on the worker thread; run alone so that its timing is its own.</summary>
[Collection(nameof(SequentialCollection))]
public class ThreadedAllocationTests
{
    [Fact]
    public void A_two_thread_cnn_trainstep_allocates_nothing_on_any_thread()
    {
        var network = new SeedCnn(1) { Threads = 2 };
        var random = new Xoshiro(4);
        float[] inputs = Enumerable.Range(0, 32 * 784).Select(_ => random.NextSingle()).ToArray();
        int[] labels = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        var adam = new Adam(1e-3f);
        for (int i = 0; i < 60; i++)
        {
            network.TrainStep(inputs, labels, ref adam); // past the JIT's tier-up
        }

        // The calling thread runs shard 0; the worker runs shard 1 and counts its own allocations (a process-wide count
        // would also see the test host's threads).
        var runner = (ShardRunner)typeof(SeedCnn).GetField("_runner", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(network)!;
        long workerBefore = runner.WorkerAllocatedBytes; // from here on: training, then 60 warm-up and 20 measured predictions
        long callerBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            network.TrainStep(inputs, labels, ref adam);
        }

        long callerAllocated = GC.GetAllocatedBytesForCurrentThread() - callerBefore;

        // Predict and Evaluate split over the threads too.
        var outputs = new float[32 * 10];
        for (int i = 0; i < 60; i++)
        {
            network.Predict(inputs, outputs);
            network.Evaluate(inputs, labels);
        }

        long predictBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            network.Predict(inputs, outputs);
            network.Evaluate(inputs, labels);
        }

        long predictAllocated = GC.GetAllocatedBytesForCurrentThread() - predictBefore;
        Assert.Equal(0, callerAllocated);
        Assert.Equal(0, predictAllocated);
        Assert.Equal(0, runner.WorkerAllocatedBytes - workerBefore);
    }
}

/// <summary>Tests in this collection run alone, not in parallel with any other.</summary>
[CollectionDefinition(nameof(SequentialCollection), DisableParallelization = true)]
public class SequentialCollection
{
}
