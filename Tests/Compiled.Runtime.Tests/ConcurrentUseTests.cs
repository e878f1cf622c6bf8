using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>One instance used from two threads at once throws on the second instead of sharing the workspace.</summary>
public class ConcurrentUseTests
{
    [Fact]
    public void A_second_thread_entering_while_the_first_is_inside_throws_and_changes_nothing()
    {
        var network = new Tiny(1);
        float[] inputs = [0f, 1f, 1f, 0f], targets = [1f, 1f];
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var blocking = new Blocking(inside, release);
        var training = new Thread(() => network.TrainStep(inputs, targets, ref blocking));
        training.Start();
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)), "the training thread did not reach the optimizer step");

        // Thread 1 is inside TrainStep (in its optimizer's step); every entry from here refuses.
        float[] parameters = network.Parameters.ToArray();
        var outputs = new float[2];
        var error = Assert.Throws<InvalidOperationException>(() => network.Predict(inputs, outputs));
        Assert.Contains("one instance per thread", error.Message);
        Assert.Contains(nameof(Tiny), error.Message);
        var sgd = new Sgd(0.1f);
        Assert.Throws<InvalidOperationException>(() => network.TrainStep(inputs, targets, ref sgd));
        Assert.Throws<InvalidOperationException>(() => network.Backward(inputs, targets));
        Assert.Throws<InvalidOperationException>(() => network.Evaluate(inputs, targets));
        Assert.Throws<InvalidOperationException>(() => network.PredictClass(inputs.AsSpan(0, 2)));
        Assert.Throws<InvalidOperationException>(() => network.ApplyGradients(ref sgd));
        Assert.Throws<InvalidOperationException>(() => network.ZeroGradients());
        Assert.Throws<InvalidOperationException>(() => network.InitializeParameters(5));
        Assert.Equal(parameters, network.Parameters.ToArray());
        Assert.Equal(new float[2], outputs);

        release.Set();
        Assert.True(training.Join(TimeSpan.FromSeconds(30)));

        // Free again, for any thread, also after an entry that threw on its arguments.
        Assert.Throws<ArgumentException>(() => network.Predict(inputs.AsSpan(0, 3), outputs));
        var other = new Thread(() => network.Predict(inputs, outputs));
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(30)));
        network.Predict(inputs, outputs);
        Assert.True(outputs[0] > 0f);
    }

    [Fact]
    public void Two_threads_hammering_one_instance_are_told_and_one_at_a_time_is_fine()
    {
        var network = new Mlp(1);
        var inputs = new float[8 * 784];
        int refused = 0;
        void Predict()
        {
            var outputs = new float[8 * 10];
            for (int i = 0; i < 2_000; i++)
            {
                try
                {
                    network.Predict(inputs, outputs);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        }

        using var start = new Barrier(2);
        Thread[] threads = [new(() => { start.SignalAndWait(); Predict(); }), new(() => { start.SignalAndWait(); Predict(); })];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(1)));
        }

        Assert.True(refused > 0, "two threads predicted 2,000 times each on one instance and no call was refused");

        refused = 0;
        Predict();
        Assert.Equal(0, refused);
    }

    /// <summary>An optimizer whose step waits, so that a test can hold a thread inside TrainStep.</summary>
    private readonly struct Blocking(ManualResetEventSlim inside, ManualResetEventSlim release) : IOptimizer
    {
        public float LearningRate { get => 0.1f; set { } }

        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        }
    }
}
