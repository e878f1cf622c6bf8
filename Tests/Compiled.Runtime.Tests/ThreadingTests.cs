using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Data-parallel TrainStep: the same step as one thread up to rounding, reproducible bit for bit at a given thread count.</summary>
public class ThreadingTests
{
    private static (float[] Inputs, int[] Labels) Images(int count, ulong seed)
    {
        var random = new Xoshiro(seed);
        return (Enumerable.Range(0, count * 784).Select(_ => random.NextSingle()).ToArray(), Enumerable.Range(0, count).Select(_ => random.NextInt32(10)).ToArray());
    }

    private static float[] Train(int threads, int steps, int batch)
    {
        var network = new SeedCnn(7) { Threads = threads };
        var adam = new Adam(1e-3f);
        for (int step = 0; step < steps; step++)
        {
            var (inputs, labels) = Images(batch, (ulong)step);
            network.TrainStep(inputs, labels, ref adam);
        }

        return network.Parameters.ToArray();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Recurrent_networks_train_on_several_threads_as_on_one_up_to_rounding(int threads)
    {
        // Padded token sequences into an LSTM with a label per step: each shard runs backpropagation through time on its
        // samples in a workspace of its own, and the summed gradient is the one-thread gradient.
        static float[] TrainTagger(int threads)
        {
            var network = new PaddedLstmTagger(5) { Threads = threads };
            var adam = new Adam(1e-2f);
            var random = new Xoshiro(3);
            for (int step = 0; step < 3; step++)
            {
                int[] ids = Enumerable.Range(0, 7 * PaddedLstmTagger.InputSize).Select(i => i % PaddedLstmTagger.InputSize > (i / PaddedLstmTagger.InputSize) ? 0 : 1 + random.NextInt32(4)).ToArray();
                int[] labels = ids.Select(id => id == 0 ? PaddedLstmTagger.IgnoreLabel : random.NextInt32(PaddedLstmTagger.Classes)).ToArray();
                network.TrainStep(ids, labels, ref adam);
            }

            return network.Parameters.ToArray();
        }

        float[] one = TrainTagger(1), many = TrainTagger(threads);
        Assert.Equal(many, TrainTagger(threads));
        for (int i = 0; i < one.Length; i++)
        {
            Assert.True(Math.Abs(one[i] - many[i]) <= 1e-5f * (1 + Math.Abs(one[i])), $"parameter {i}: one thread {one[i]}, {threads} threads {many[i]}");
        }
    }

    [Fact]
    public void One_thread_is_bitwise_reproducible()
    {
        Assert.Equal(Train(1, 3, 32), Train(1, 3, 32));
    }

    [Theory]
    [InlineData(2, 32)]
    [InlineData(3, 31)]
    [InlineData(4, 3)] // fewer samples than threads: three shards of one
    public void More_threads_give_the_one_thread_step_up_to_rounding_and_are_reproducible(int threads, int batch)
    {
        float[] one = Train(1, 3, batch), many = Train(threads, 3, batch);
        Assert.Equal(many, Train(threads, 3, batch));
        for (int i = 0; i < one.Length; i++)
        {
            Assert.True(Math.Abs(one[i] - many[i]) <= 1e-4f * (1 + Math.Abs(one[i])), $"parameter {i}: {one[i]} with one thread, {many[i]} with {threads}");
        }
    }

    [Theory]
    [InlineData(2, 32)]
    [InlineData(3, 31)]
    public void The_step_split_over_the_threads_gives_the_serial_steps_bits(int threads, int batch)
    {
        // Without clipping the sum of the shards' gradients and the optimizer's pass run split over the threads; a
        // clipping norm no gradient reaches (a factor of exactly 1) takes the serial sum and ApplyStep instead.
        static float[] Train<T>(T optimizer, int threads, int batch, bool serial)
            where T : struct, IOptimizer
        {
            var network = new SeedCnn(7) { Threads = threads, MaxGradientNorm = serial ? float.MaxValue : 0f };
            for (int step = 0; step < 3; step++)
            {
                var (inputs, labels) = Images(batch, (ulong)(50 + step));
                network.TrainStep(inputs, labels, ref optimizer);
            }

            Assert.True(SeedCnn.ParameterCount >= OptimizerStep.SplitFrom);
            return network.Parameters.ToArray();
        }

        static void Check<T>(Func<T> create, int threads, int batch)
            where T : struct, IOptimizer =>
            Assert.Equal(Train(create(), threads, batch, serial: true), Train(create(), threads, batch, serial: false));

        Check(() => new Adam(1e-3f), threads, batch);
        Check(() => new AdamW(1e-3f), threads, batch);
        Check(() => new RmsProp(1e-3f), threads, batch);
        Check(() => new Momentum(1e-2f, nesterov: true), threads, batch);
        Check(() => new Sgd(1e-2f), threads, batch);
    }

    [Fact]
    public void A_dense_network_with_plain_sgd_takes_the_sharded_path_and_matches_the_fused_one()
    {
        float[] Train(int threads)
        {
            var network = new Mlp(3) { Threads = threads };
            var sgd = new Sgd(0.05f);
            for (int step = 0; step < 4; step++)
            {
                var (inputs, labels) = Images(20, (ulong)(100 + step));
                network.TrainStep(inputs, labels, ref sgd);
            }

            return network.Parameters.ToArray();
        }

        float[] fused = Train(1), sharded = Train(2);
        Assert.Equal(fused, sharded, (a, b) => Math.Abs(a - b) <= 1e-5f * (1 + Math.Abs(a)));
    }

    [Fact]
    public void The_sharded_loss_and_gradient_are_the_batch_means()
    {
        var (inputs, labels) = Images(9, 99);
        var one = new SeedCnn(3);
        var two = new SeedCnn(3) { Threads = 2 };
        var sgd = new Momentum(1e-3f, 0f); // not plain Sgd: TrainStep leaves the gradients it computed in Gradients
        float lossOne = one.TrainStep(inputs, labels, ref sgd);
        float lossTwo = two.TrainStep(inputs, labels, ref sgd);
        Assert.Equal(lossOne, lossTwo, 5);
        Assert.Equal(one.Gradients.ToArray(), two.Gradients.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-5f * (1 + Math.Abs(a)));
    }

    [Fact]
    public void Dropout_and_float_targets_train_on_several_threads_reproducibly()
    {
        float[] Run()
        {
            var network = new DropoutCnn(5) { Threads = 2 };
            var random = new Xoshiro(6);
            float[] inputs = Enumerable.Range(0, 16 * DropoutCnn.InputSize).Select(_ => random.NextGaussian()).ToArray();
            float[] targets = Enumerable.Range(0, 16 * 3).Select(_ => random.NextGaussian()).ToArray();
            var adam = new Adam(1e-2f);
            float first = network.TrainStep(inputs, targets, ref adam), last = first;
            for (int i = 0; i < 30; i++)
            {
                last = network.TrainStep(inputs, targets, ref adam);
            }

            Assert.True(last < first, $"loss {first} -> {last}");
            return network.Parameters.ToArray();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Threads_is_checked_and_can_go_back_to_one()
    {
        var network = new SeedCnn(1);
        Assert.Equal(1, network.Threads);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => network.Threads = 0);
        Assert.Contains("Expected 1 to 64 threads, but got 0", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Threads = 65);
        network.Threads = 2;
        Assert.Equal(2, network.Threads);
        network.Threads = 1;
        Assert.Equal(1, network.Threads);
        Assert.Equal(Train(1, 1, 8), TrainOnce(network));

        static float[] TrainOnce(SeedCnn network)
        {
            network.InitializeParameters(7);
            var adam = new Adam(1e-3f);
            var (inputs, labels) = Images(8, 0);
            network.TrainStep(inputs, labels, ref adam);
            return network.Parameters.ToArray();
        }
    }

    [Fact]
    public void An_exception_in_a_shard_reaches_the_caller()
    {
        var runner = new ShardRunner(2);
        var error = Assert.Throws<InvalidOperationException>(() => runner.Run(new Throwing(), new float[4], new float[4], default, 4));
        Assert.Equal("shard 1", error.Message);
        Assert.Equal(2, runner.Run(new Quiet(), new float[4], new float[4], default, 4)); // usable again
    }

    [Fact]
    public void The_worker_allocation_count_sees_an_allocation_in_a_shard()
    {
        using var runner = new ShardRunner(2);
        var step = new Allocating();
        runner.Run(step, new float[4], new float[4], default, 2);
        long before = runner.WorkerAllocatedBytes;
        runner.Run(step, new float[4], new float[4], default, 2);
        Assert.InRange(runner.WorkerAllocatedBytes - before, 1000, 10_000);
        Assert.NotNull(step.Kept);
        runner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runner.Run(step, new float[4], new float[4], default, 2));
    }

    [Fact]
    public void Waiting_between_steps_allocates_nothing_on_the_worker_from_its_start()
    {
        // The worker's first wait that blocks comes whenever the caller is slow to start the next step; with
        // ManualResetEventSlim that wait created a lock object (24 bytes) on the worker, late in a run if the timing had
        // kept it from blocking before. The pauses make every wait here block, and the count runs from the worker's start.
        using var runner = new ShardRunner(2);
        var step = new Idle();
        for (int i = 0; i < 5; i++)
        {
            Thread.Sleep(20);
            runner.Run(step, new float[4], new float[4], default, 4);
        }

        Assert.Equal(0, runner.WorkerAllocatedBytes);
    }

    [Fact]
    public void An_idle_worker_spins_for_a_while_then_blocks()
    {
        // A runner left idle takes no CPU: its worker spins for its budget and then blocks, at its start and after a step.
        using var runner = new ShardRunner(2);
        WaitForBlockedWaits(runner, 1);
        runner.Run(new Idle(), new float[4], new float[4], default, 4);
        WaitForBlockedWaits(runner, 2);
    }

    private static void WaitForBlockedWaits(ShardRunner runner, long count)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (runner.WorkerBlockedWaits < count && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(5);
        }

        Assert.Equal(count, runner.WorkerBlockedWaits);
    }

    [Fact]
    public void Waiting_threads_spin_only_while_each_has_a_core()
    {
        using var fits = new ShardRunner(Environment.ProcessorCount);
        using var crowded = new ShardRunner(Environment.ProcessorCount + 1);

        Assert.Equal(System.Diagnostics.Stopwatch.Frequency / 1000, fits.SpinTicks);
        Assert.Equal(0, crowded.SpinTicks);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 77)] // more than MaxBatchSize per shard: each shard works in chunks
    public void Predict_and_evaluate_on_several_threads_match_one_thread(int threads, int count)
    {
        var (inputs, labels) = Images(count, 5);
        var one = new SeedCnn(9);
        var many = new SeedCnn(9) { Threads = threads };
        float[] expected = new float[count * 10], actual = new float[count * 10];
        one.Predict(inputs, expected);
        many.Predict(inputs, actual);
        Assert.Equal(expected, actual, (a, b) => Math.Abs(a - b) <= 1e-5f);

        Evaluation single = one.Evaluate(inputs, labels), split = many.Evaluate(inputs, labels);
        Assert.Equal(single.Count, split.Count);
        Assert.Equal(single.Accuracy, split.Accuracy);
        Assert.Equal(single.Loss, split.Loss, 4);

        float[] oneHot = new float[count * 10];
        for (int i = 0; i < count; i++) oneHot[(i * 10) + labels[i]] = 1f;
        Assert.Equal(single.Loss, many.Evaluate(inputs, oneHot).Loss, 4);
        Assert.Equal(single.Accuracy, many.Evaluate(inputs, oneHot).Accuracy);
    }

    [Fact]
    public void Float_target_evaluation_is_split_too()
    {
        var random = new Xoshiro(8);
        float[] inputs = Enumerable.Range(0, 40 * DropoutCnn.InputSize).Select(_ => random.NextGaussian()).ToArray();
        float[] targets = Enumerable.Range(0, 40 * 3).Select(_ => random.NextGaussian()).ToArray();
        Evaluation one = new DropoutCnn(2).Evaluate(inputs, targets), two = new DropoutCnn(2) { Threads = 2 }.Evaluate(inputs, targets);
        Assert.Equal(one.Loss, two.Loss, 4);
        Assert.True(float.IsNaN(two.Accuracy));
    }

    [Fact]
    public void Default_shard_arguments_are_refused_clearly()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ((IShardedStep)new SeedCnn(1)).RunShard(0, default));
        Assert.Contains("these arguments have 0 shard(s)", error.Message);
    }

    private sealed class Allocating : IShardedStep
    {
        public object? Kept;

        public void RunShard(int shard, in ShardArguments arguments)
        {
            if (shard == 1)
            {
                Kept = new byte[1000];
            }
        }
    }

    private sealed class Throwing : IShardedStep
    {
        public void RunShard(int shard, in ShardArguments arguments)
        {
            if (shard == 1)
            {
                throw new InvalidOperationException("shard 1");
            }
        }
    }

    private sealed class Idle : IShardedStep
    {
        public void RunShard(int shard, in ShardArguments arguments)
        {
        }
    }

    private sealed class Quiet : IShardedStep
    {
        public void RunShard(int shard, in ShardArguments arguments) => Assert.Equal(2, arguments.Rows(shard).Count);
    }
}
