using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Zero bytes allocated in the steady state of Predict, Forward, Backward, TrainStep and Evaluate.</summary>
public class AllocationTests
{
    /// <summary>
    /// Bytes the calling thread allocates in 20 calls of <paramref name="action"/> once warmed up: the fewest of up to
    /// three such windows. Under load, with other tests running at once, the runtime has charged a window once with about
    /// 8 KB (the unused rest of the thread's allocation buffer, it seems; no gen-0 collection in that call); a real
    /// allocation in the steady state shows in every window.
    /// </summary>
    internal static long Allocated(Action action)
    {
        for (int i = 0; i < 3; i++)
        {
            action(); // warm up: JIT tiers, optimizer state on its first step
        }

        long fewest = long.MaxValue;
        for (int window = 0; window < 3 && fewest != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                action();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }

    [Fact]
    public void The_probe_sees_an_allocation_in_every_call()
    {
        object? kept = null;
        Assert.Equal(20 * (24 + 16), Allocated(() => kept = new byte[16])); // 24-byte array header on 64-bit
        Assert.NotNull(kept);
    }

    [Fact]
    public void Recurrent_networks_allocate_nothing_to_predict_train_and_step()
    {
        var lstm = new PaddedLstmTagger(1);
        int[] ids = Enumerable.Range(0, 8 * PaddedLstmTagger.InputSize).Select(i => i % PaddedLstmTagger.Vocabulary).ToArray();
        int[] labels = Enumerable.Range(0, 8 * PaddedLstmTagger.LabelsPerSample).Select(i => ids[i] == 0 ? PaddedLstmTagger.IgnoreLabel : (i * 3) % PaddedLstmTagger.Classes).ToArray();
        var outputs = new float[8 * PaddedLstmTagger.OutputSize];
        var step = new float[PaddedLstmTagger.StepOutputSize];
        var adam = new Adam(1e-3f);
        var sgd = new Sgd(0.01f);
        Assert.Equal(0, Allocated(() => lstm.Predict(ids, outputs)));
        Assert.Equal(0, Allocated(() => lstm.TrainStep(ids, labels, ref adam)));
        Assert.Equal(0, Allocated(() => lstm.TrainStep(ids, labels, ref sgd)));
        Assert.Equal(0, Allocated(() => lstm.Evaluate(ids, labels)));
        Assert.Equal(0, Allocated(() => lstm.Step(3, step)));
        Assert.Equal(0, Allocated(lstm.ResetState));

        var gru = new GruTagger(2);
        var random = new Xoshiro(3);
        float[] inputs = Enumerable.Range(0, 8 * GruTagger.InputSize).Select(_ => random.NextGaussian()).ToArray();
        int[] steps = Enumerable.Range(0, 8 * GruTagger.LabelsPerSample).Select(i => i % GruTagger.Classes).ToArray();
        var gradient = new float[inputs.Length];
        var probabilities = new float[GruTagger.StepOutputSize];
        Assert.Equal(0, Allocated(() => gru.Backward(inputs, steps, gradient)));
        var gruAdam = new Adam(1e-3f);
        Assert.Equal(0, Allocated(() => gru.TrainStep(inputs, steps, ref gruAdam)));
        Assert.Equal(0, Allocated(() => gru.Step(inputs.AsSpan(0, GruTagger.StepInputSize), probabilities)));

        var elman = new ElmanLast(3);
        float[] targets = new float[8 * ElmanLast.OutputSize];
        var last = new float[ElmanLast.StepOutputSize];
        Assert.Equal(0, Allocated(() => elman.TrainStep(inputs.AsSpan(0, 8 * ElmanLast.InputSize), targets, ref sgd)));
        Assert.Equal(0, Allocated(() => elman.Step(inputs.AsSpan(0, ElmanLast.StepInputSize), last)));
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

    [Fact]
    public void Attention_networks_allocate_nothing()
    {
        // A two-block GPT over token ids, a label per step (two ignored).
        var gpt = new TwoBlockGpt(1);
        int[] ids = Enumerable.Range(0, 8 * TwoBlockGpt.InputSize).Select(i => (i * 5) % TwoBlockGpt.Vocabulary).ToArray();
        int[] labels = Enumerable.Range(0, 8 * TwoBlockGpt.LabelsPerSample).Select(i => i == 4 || i == 30 ? TwoBlockGpt.IgnoreLabel : (i * 3) % TwoBlockGpt.Classes).ToArray();
        var outputs = new float[8 * TwoBlockGpt.OutputSize];
        var adam = new AdamW(1e-3f);
        var sgd = new Sgd(0.01f);
        Assert.Equal(0, Allocated(() => gpt.Predict(ids, outputs)));
        Assert.Equal(0, Allocated(() => gpt.Backward(ids, labels)));
        Assert.Equal(0, Allocated(() => gpt.TrainStep(ids, labels, ref adam)));
        Assert.Equal(0, Allocated(() => gpt.TrainStep(ids, labels, ref sgd)));
        Assert.Equal(0, Allocated(() => gpt.Evaluate(ids, labels)));

        // Attention dropout draws its masks without allocating.
        var dropped = new DroppedAttention(1);
        float[] x = Enumerable.Range(0, 8 * DroppedAttention.InputSize).Select(i => (float)Math.Sin(i)).ToArray();
        var targets = new float[8 * DroppedAttention.OutputSize];
        var droppedAdam = new Adam(1e-3f);
        Assert.Equal(0, Allocated(() => dropped.Predict(x, targets)));
        Assert.Equal(0, Allocated(() => dropped.TrainStep(x, targets, ref droppedAdam)));
    }

    [Fact]
    public void Graph_networks_allocate_nothing()
    {
        // Joins, layer norm and GELU (NormResidual), and Dense per step on a sequence (SequenceBlock).
        var residual = new NormResidual(1);
        float[] inputs = Enumerable.Range(0, 8 * 5).Select(i => (float)Math.Sin(i)).ToArray();
        int[] labels = Enumerable.Range(0, 8).Select(i => i % 3).ToArray();
        var outputs = new float[8 * 3];
        var adam = new Adam(1e-3f);
        var sgd = new Sgd(0.01f);
        Assert.Equal(0, Allocated(() => residual.Predict(inputs, outputs)));
        Assert.Equal(0, Allocated(() => residual.Backward(inputs, labels)));
        Assert.Equal(0, Allocated(() => residual.TrainStep(inputs, labels, ref adam)));
        Assert.Equal(0, Allocated(() => residual.TrainStep(inputs, labels, ref sgd)));

        var sequence = new SequenceBlock(1);
        float[] steps = Enumerable.Range(0, 8 * 12).Select(i => (float)Math.Cos(i)).ToArray();
        float[] targets = new float[8 * 8];
        var sequenceOutputs = new float[8 * 8];
        Assert.Equal(0, Allocated(() => sequence.Predict(steps, sequenceOutputs)));
        Assert.Equal(0, Allocated(() => sequence.Backward(steps, targets)));
        var sequenceAdam = new Adam(1e-3f); // an optimizer's state belongs to one network's parameters
        Assert.Equal(0, Allocated(() => sequence.TrainStep(steps, targets, ref sequenceAdam)));

        // Gradients from outside, input gradients, ApplyGradients, a frozen layer.
        var outside = new OutsideGradient(1);
        float[] x = Enumerable.Range(0, 8 * 3).Select(i => (float)Math.Sin(i)).ToArray();
        float[] outputGradient = Enumerable.Range(0, 8 * 2).Select(i => 0.01f * i).ToArray();
        var inputGradient = new float[x.Length];
        var outsideAdam = new Adam(1e-3f);
        var outsideOutputs = new float[8 * 2];
        Assert.Equal(0, Allocated(() => outside.Predict(x, outsideOutputs)));
        Assert.Equal(0, Allocated(() => outside.Backward(x, outputGradient)));
        Assert.Equal(0, Allocated(() => outside.Backward(x, outputGradient, inputGradient)));
        Assert.Equal(0, Allocated(() => outside.ApplyGradients(ref outsideAdam)));
        var residualInputGradient = new float[inputs.Length];
        Assert.Equal(0, Allocated(() => residual.Backward(inputs, labels, residualInputGradient)));
        residual.Freeze("mlp");
        Assert.Equal(0, Allocated(() => residual.TrainStep(inputs, labels, ref adam)));
        Assert.Equal(0, Allocated(() => residual.TrainStep(inputs, labels, ref sgd)));

        // Token ids in, a label per step (two ignored), through the int entries.
        var tagger = new TokenTagger(1);
        int[] ids = Enumerable.Range(0, 8 * 5).Select(i => i % 7).ToArray();
        int[] stepLabels = Enumerable.Range(0, 8 * 5).Select(i => i == 3 || i == 17 ? TokenTagger.IgnoreLabel : (i * 3) % 7).ToArray();
        var taggerOutputs = new float[8 * TokenTagger.OutputSize];
        var taggerAdam = new Adam(1e-3f);
        Assert.Equal(0, Allocated(() => tagger.Predict(ids, taggerOutputs)));
        Assert.Equal(0, Allocated(() => tagger.Backward(ids, stepLabels)));
        Assert.Equal(0, Allocated(() => tagger.TrainStep(ids, stepLabels, ref taggerAdam)));
        Assert.Equal(0, Allocated(() => tagger.TrainStep(ids, stepLabels, ref sgd)));
        Assert.Equal(0, Allocated(() => tagger.Evaluate(ids, stepLabels)));
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
        // would also see the test host's threads). Up to three windows, as in AllocationTests.Allocated.
        var runner = (ShardRunner)typeof(SeedCnn).GetField("_runner", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(network)!;
        var outputs = new float[32 * 10];
        for (int i = 0; i < 60; i++)
        {
            network.Predict(inputs, outputs); // Predict and Evaluate split over the threads too
            network.Evaluate(inputs, labels);
        }

        (long Caller, long Worker) measured = default;
        for (int window = 0; window < 3; window++)
        {
            long workerBefore = runner.WorkerAllocatedBytes;
            long callerBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                network.TrainStep(inputs, labels, ref adam);
                network.Predict(inputs, outputs);
                network.Evaluate(inputs, labels);
            }

            measured = (GC.GetAllocatedBytesForCurrentThread() - callerBefore, runner.WorkerAllocatedBytes - workerBefore);
            if (measured == (0, 0))
            {
                break;
            }
        }

        Assert.Equal(0, measured.Caller);
        Assert.Equal(0, measured.Worker);
    }
}

/// <summary>Worker threads end when their network goes: on Threads = 1, on Dispose, or by the finalizer. Counts the
/// process's worker threads, so it runs alone.</summary>
[Collection(nameof(SequentialCollection))]
public class WorkerThreadTests
{
    [Fact]
    public void Worker_threads_end_when_threads_go_back_to_one_and_when_the_network_is_collected()
    {
        // Networks of earlier tests that are garbage by now end their workers first: a fixed pause was a guess that a
        // loaded machine could beat, so wait for the count to hold still.
        int before = SettledWorkerCount();

        var network = new SeedCnn(1) { Threads = 3 };
        Assert.Equal(before + 2, ShardRunner.LiveWorkerThreads);
        network.Threads = 2; // a new runner; the old one's two workers end
        network.Threads = 1;
        Assert.Equal(before, WaitForWorkers(before));

        CreateAndDrop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(before, WaitForWorkers(before));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CreateAndDrop()
    {
        var network = new SeedCnn(1) { Threads = 4 };
        var random = new Xoshiro(1);
        float[] inputs = Enumerable.Range(0, 8 * 784).Select(_ => random.NextSingle()).ToArray();
        var adam = new Adam(1e-3f);
        network.TrainStep(inputs, new int[8], ref adam);
    }

    /// <summary>Collects garbage until the live worker count has not changed for 300 ms (at most ten seconds); returns it.</summary>
    private static int SettledWorkerCount()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int count = -1, unchanged = 0;
        while (unchanged < 3 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            int now = ShardRunner.LiveWorkerThreads;
            unchanged = now == count ? unchanged + 1 : 0;
            count = now;
            Thread.Sleep(100);
        }

        return count;
    }

    /// <summary>Waits up to five seconds for the live worker count to come down to <paramref name="target"/>; returns the count.</summary>
    private static int WaitForWorkers(int target)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ShardRunner.LiveWorkerThreads > target && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(10);
        }

        return ShardRunner.LiveWorkerThreads;
    }
}

/// <summary>Tests in this collection run alone, not in parallel with any other.</summary>
[CollectionDefinition(nameof(SequentialCollection), DisableParallelization = true)]
public class SequentialCollection
{
}
