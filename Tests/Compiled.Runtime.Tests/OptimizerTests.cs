using Compiled.Kernels;

namespace Compiled.Runtime.Tests;

/// <summary>Each optimizer against steps computed by hand from its formula, on a span longer than a vector with a tail.</summary>
public class OptimizerTests
{
    private const int Length = 19; // a vector of 16 (or two of 8) and a tail of 3

    private static float[] Parameters() => Enumerable.Range(0, Length).Select(i => (i * 0.37f) - 3f).ToArray();

    private static float[] Gradients(int step) => Enumerable.Range(0, Length).Select(i => MathF.Sin(i + step) * (i % 3 == 0 ? 0.01f : 1f)).ToArray();

    private static void Run<T>(ref T optimizer, float[] parameters, int steps)
        where T : struct, IOptimizer
    {
        for (int s = 1; s <= steps; s++)
        {
            optimizer.Step(parameters, Gradients(s));
        }
    }

    [Fact]
    public void Sgd()
    {
        float[] p = Parameters();
        var sgd = new Sgd(0.1f);
        Run(ref sgd, p, 2);
        float[] expected = Parameters();
        for (int i = 0; i < Length; i++) expected[i] -= 0.1f * (Gradients(1)[i] + Gradients(2)[i]);
        Assert.Equal(expected, p, (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Momentum_and_nesterov(bool nesterov)
    {
        float[] p = Parameters();
        var momentum = new Momentum(0.1f, 0.9f, nesterov);
        Run(ref momentum, p, 3);

        double[] expected = Parameters().Select(v => (double)v).ToArray();
        var v = new double[Length];
        for (int s = 1; s <= 3; s++)
        {
            float[] g = Gradients(s);
            for (int i = 0; i < Length; i++)
            {
                v[i] = (0.9 * v[i]) + g[i];
                expected[i] -= 0.1 * (nesterov ? g[i] + (0.9 * v[i]) : v[i]);
            }
        }

        for (int i = 0; i < Length; i++) Assert.Equal(expected[i], p[i], 4);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void Adam_and_adamw(float weightDecay)
    {
        float[] p = Parameters();
        if (weightDecay == 0f)
        {
            var adam = new Adam(0.01f, 0.9f, 0.999f, 1e-7f);
            Run(ref adam, p, 3);
            Assert.Equal(3, adam.StepCount);
        }
        else
        {
            var adamw = new AdamW(0.01f, weightDecay, 0.9f, 0.999f, 1e-7f);
            Run(ref adamw, p, 3);
        }

        // Adam as written in the paper, with AdamW's decoupled decay p -= lr * wd * p first.
        double[] expected = Parameters().Select(v => (double)v).ToArray();
        var m = new double[Length];
        var v = new double[Length];
        for (int t = 1; t <= 3; t++)
        {
            float[] g = Gradients(t);
            for (int i = 0; i < Length; i++)
            {
                expected[i] -= 0.01 * weightDecay * expected[i];
                m[i] = (0.9 * m[i]) + (0.1 * g[i]);
                v[i] = (0.999 * v[i]) + (0.001 * g[i] * g[i]);
                double mHat = m[i] / (1 - Math.Pow(0.9, t));
                double vHat = v[i] / (1 - Math.Pow(0.999, t));
                expected[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-7);
            }
        }

        for (int i = 0; i < Length; i++) Assert.Equal(expected[i], p[i], 4);
    }

    [Fact]
    public void RmsProp()
    {
        float[] p = Parameters();
        var rms = new RmsProp(0.01f, 0.9f, 1e-7f);
        Run(ref rms, p, 3);

        double[] expected = Parameters().Select(v => (double)v).ToArray();
        var s = new double[Length];
        for (int t = 1; t <= 3; t++)
        {
            float[] g = Gradients(t);
            for (int i = 0; i < Length; i++)
            {
                s[i] = (0.9 * s[i]) + (0.1 * g[i] * g[i]);
                expected[i] -= 0.01 * g[i] / (Math.Sqrt(s[i]) + 1e-7);
            }
        }

        for (int i = 0; i < Length; i++) Assert.Equal(expected[i], p[i], 4);
    }

    [Fact]
    public void Optimizers_check_their_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(1e-3f, beta2: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(1e-3f, weightDecay: -1f));

        // default(T) has every setting zero; it must refuse to step rather than write NaN or do nothing.
        var unconstructed = default(Adam);
        Assert.Contains("new Adam()", Assert.Throws<InvalidOperationException>(() => unconstructed.Step(new float[2], new float[2])).Message);
        var unset = default(Sgd);
        Assert.Throws<InvalidOperationException>(() => unset.Step(new float[2], new float[2]));
        Assert.Equal(1e-3f, new Adam().LearningRate);
        Assert.Equal(0.01f, new AdamW().WeightDecay);
        Assert.Equal(0.9f, new Momentum().Coefficient);
        var sgd = new Sgd(0.1f);
        var error = Assert.Throws<ArgumentException>(() => sgd.Step(new float[3], new float[4]));
        Assert.Contains("(3)", error.Message);
        Assert.Contains("4", error.Message);

        var adam = new Adam();
        adam.Step(new float[3], new float[3]);
        Assert.Throws<InvalidOperationException>(() => adam.Step(new float[5], new float[5]));
    }

    [Fact]
    public void Penalties_and_clipping()
    {
        float[] w = { 1f, -2f, 0f, 3f };
        var g = new float[4];
        float penalty = Regularization.AddPenalty(w, g, l1: 0.1f, l2: 0.01f);
        Assert.Equal((0.1f * 6f) + (0.01f * 14f), penalty, 5);
        Assert.Equal(new[] { 0.1f + 0.02f, -0.1f - 0.04f, 0f, 0.1f + 0.06f }, g, (a, b) => Math.Abs(a - b) < 1e-6f);

        float[] grads = { 3f, 4f };
        Assert.Equal(5f, Regularization.ClipByGlobalNorm(grads, 1f));
        Assert.Equal(new[] { 0.6f, 0.8f }, grads, (a, b) => Math.Abs(a - b) < 1e-6f);
        float[] small = { 0.3f, 0.4f };
        Regularization.ClipByGlobalNorm(small, 1f);
        Assert.Equal(new[] { 0.3f, 0.4f }, small);
    }

    [Theory]
    [InlineData(0f, 0.01f)]
    [InlineData(0.1f, 0f)]
    [InlineData(0.1f, 0.01f)]
    public void The_penalty_pass_matches_a_naive_loop_on_odd_sizes(float l1, float l2)
    {
        foreach (int length in new[] { 1, 7, 19, 1000, 1037 })
        {
            float[] w = Enumerable.Range(0, length).Select(i => i % 11 == 0 ? 0f : MathF.Sin(i * 1.3f) * 2f).ToArray();
            float[] g = Enumerable.Range(0, length).Select(i => MathF.Cos(i)).ToArray();
            double expectedPenalty = 0;
            var expected = new double[length];
            for (int i = 0; i < length; i++)
            {
                expectedPenalty += (l1 * Math.Abs(w[i])) + (l2 * w[i] * (double)w[i]);
                expected[i] = g[i] + (2.0 * l2 * w[i]) + (l1 * Math.Sign(w[i]));
            }

            float penalty = Regularization.AddPenalty(w, g, l1, l2);
            Assert.True(Math.Abs(penalty - expectedPenalty) <= 1e-5 * (1 + expectedPenalty), $"{length}: penalty {penalty}, expected {expectedPenalty}");
            for (int i = 0; i < length; i++)
            {
                Assert.True(Math.Abs(g[i] - expected[i]) <= 1e-6 * (1 + Math.Abs(expected[i])), $"{length}: gradient {i}");
            }
        }

        // A NaN weight gives a NaN penalty and a NaN gradient (the step's guard reports it), in the vector body and the tail.
        float[] bad = Enumerable.Repeat(0.5f, 19).ToArray();
        bad[3] = float.NaN;
        bad[18] = float.NaN;
        var badGradients = new float[19];
        Assert.True(float.IsNaN(Regularization.AddPenalty(bad, badGradients, 0.1f, 0.01f)));
        Assert.True(float.IsNaN(badGradients[3]) && float.IsNaN(badGradients[18]) && !float.IsNaN(badGradients[4]));
    }

    [Fact]
    public void The_clipping_factor_is_max_norm_over_norm_above_it_and_1_below()
    {
        Assert.Equal(0.2f, Regularization.GlobalNormScale(new[] { 3f, 4f }, 1f), 6);
        Assert.Equal(1f, Regularization.GlobalNormScale(new[] { 0.3f, 0.4f }, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.GlobalNormScale(new[] { 1f }, 0f));
    }

    [Fact]
    public void A_scaled_step_equals_the_step_on_gradients_scaled_first_bit_for_bit()
    {
        // Built-in optimizers fold the factor into their pass and leave the gradients as they came; any other optimizer gets
        // them scaled in place. Three steps, so that moments carry the factor too.
        static void Check<T>(T fused, T reference)
            where T : struct, IOptimizer
        {
            float[] fusedParameters = Parameters(), referenceParameters = Parameters();
            foreach (float scale in new[] { 0.37f, 1f, 0.05f })
            {
                float[] gradients = Gradients(7), scaledFirst = Gradients(7);
                OptimizerStep.WithGradientScale(ref fused, fusedParameters, gradients, scale);
                System.Numerics.Tensors.TensorPrimitives.Multiply(scaledFirst, scale, scaledFirst);
                reference.Step(referenceParameters, scaledFirst);
                Assert.Equal(referenceParameters, fusedParameters);
                Assert.Equal(Gradients(7), gradients);
            }
        }

        Check(new Sgd(0.1f), new Sgd(0.1f));
        Check(new Momentum(0.1f), new Momentum(0.1f));
        Check(new Momentum(0.1f, nesterov: true), new Momentum(0.1f, nesterov: true));
        Check(new Adam(0.01f), new Adam(0.01f));
        Check(new AdamW(0.01f, weightDecay: 0.1f), new AdamW(0.01f, weightDecay: 0.1f));
        Check(new RmsProp(0.01f), new RmsProp(0.01f));

        // Sgd's scaled step works in chunks of the stack: a span longer than one chunk.
        var sgd = new Sgd(0.1f);
        var plain = new Sgd(0.1f);
        float[] many = Enumerable.Range(0, 2500).Select(i => MathF.Sin(i)).ToArray(), manyReference = (float[])many.Clone();
        float[] manyGradients = Enumerable.Range(0, 2500).Select(i => MathF.Cos(i)).ToArray();
        OptimizerStep.WithGradientScale(ref sgd, many, (float[])manyGradients.Clone(), 0.3f);
        System.Numerics.Tensors.TensorPrimitives.Multiply(manyGradients, 0.3f, manyGradients);
        plain.Step(manyReference, manyGradients);
        Assert.Equal(manyReference, many);

        var halving = new HalvingOptimizer();
        float[] own = { 1f, 2f }, ownGradients = { 4f, 8f };
        OptimizerStep.WithGradientScale(ref halving, own, ownGradients, 0.5f);
        Assert.Equal(new[] { 2f, 4f }, ownGradients); // scaled in place for an optimizer of one's own
        Assert.Equal(new[] { 0f, 0f }, own);
    }

    [Fact]
    public void The_vector_body_and_the_scalar_tail_take_the_same_steps_bit_for_bit()
    {
        // 67 values (64 in the vector body on 128-, 256- and 512-bit vectors, 3 in the tail) stepped together, and each
        // stepped alone (a span of one, all tail): both loops must compute each formula in the same order.
        const int count = 67;
        static float[] Values(int seed) => Enumerable.Range(0, count).Select(i => MathF.Sin((i * 1.7f) + seed) * (i % 5 == 0 ? 0.01f : 1f)).ToArray();
        static void Check<T>(Func<T> create)
            where T : struct, IOptimizer
        {
            T together = create();
            T[] alone = Enumerable.Range(0, count).Select(_ => create()).ToArray();
            float[] parameters = Values(100), single = Values(100);
            for (int step = 1; step <= 4; step++)
            {
                float[] gradients = Values(step);
                OptimizerStep.WithGradientScale(ref together, parameters, gradients, 0.7f);
                for (int i = 0; i < count; i++)
                {
                    OptimizerStep.WithGradientScale(ref alone[i], single.AsSpan(i, 1), gradients.AsSpan(i, 1), 0.7f);
                    Assert.Equal(BitConverter.SingleToInt32Bits(single[i]), BitConverter.SingleToInt32Bits(parameters[i]));
                }
            }
        }

        Check(() => new Sgd(0.1f));
        Check(() => new Momentum(0.1f));
        Check(() => new Momentum(0.1f, nesterov: true));
        Check(() => new Adam(0.01f));
        Check(() => new AdamW(0.01f, weightDecay: 0.1f));
        Check(() => new RmsProp(0.01f));
    }

    private static float SubnormalGradient(int i, int step) => step > 3 && i % 2 == 0 ? 0f : (i % 4) switch
    {
        0 => 1e-18f * (1 + (i % 7)), // (1 - beta2) g^2 subnormal
        1 => 3e-22f, // rounds to 0 or the smallest subnormal
        2 => 5e-38f, // (1 - beta1) g subnormal
        _ => MathF.Sin(i) * 0.1f,
    };

    private static bool IsSubnormal(float value) => value != 0 && MathF.Abs(value) < 1.17549435E-38f;

    /// <summary>Moments that decay into the subnormal range (gradients of 0 after a few, tiny ones) or land there
    /// (gradients around 1e-18) are stored as 0 where epsilon (after the bias correction) is 2^-38 or more, and the
    /// parameters take the steps of the formula with the moments kept, bit for bit: with the default epsilon and one just
    /// above 2^-38 at the first step (Adam's 1.2e-10 times sqrt(1 - 0.999) = 3.79e-12). With an epsilon far below, the
    /// moments are kept as they are. The vector body and the scalar tail (each value stepped alone) agree throughout.</summary>
    [Fact]
    public void Subnormal_moments_are_stored_as_zero_and_the_steps_keep_their_bits()
    {
        const int count = 67, steps = 40;
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f;
        foreach (float epsilon in new[] { 1e-7f, 1.2e-10f, 1e-20f })
        {
            var adam = new Adam(lr, b1, b2, epsilon);
            var alone = Enumerable.Range(0, count).Select(_ => new Adam(lr, b1, b2, epsilon)).ToArray();
            float[] parameters = Enumerable.Range(0, count).Select(i => (i * 0.01f) - 0.335f).ToArray(), single = (float[])parameters.Clone(), expected = (float[])parameters.Clone();
            float[] m = new float[count], v = new float[count];
            for (int t = 1; t <= steps; t++)
            {
                float[] gradients = Enumerable.Range(0, count).Select(i => SubnormalGradient(i, t)).ToArray();
                adam.Step(parameters, gradients);
                float c2 = MathF.Sqrt(1f - MathF.Pow(b2, t)), stepSize = lr * c2 / (1f - MathF.Pow(b1, t)), epsHat = epsilon * c2;
                for (int i = 0; i < count; i++)
                {
                    float g = gradients[i] * 1f;
                    m[i] = (m[i] * b1) + (g * (1f - b1));
                    v[i] = (v[i] * b2) + (g * g * (1f - b2));
                    expected[i] = (expected[i] * 1f) - (stepSize * m[i] / (MathF.Sqrt(v[i]) + epsHat));
                    alone[i].Step(single.AsSpan(i, 1), gradients.AsSpan(i, 1));
                    Assert.True(
                        BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(parameters[i]) && BitConverter.SingleToInt32Bits(single[i]) == BitConverter.SingleToInt32Bits(parameters[i]),
                        $"epsilon {epsilon}, step {t}, value {i}: {parameters[i]:R} in the vector body, {single[i]:R} alone, {expected[i]:R} by the formula");
                }
            }

            OptimizerState state = adam.ExportState();
            Assert.Contains(m, IsSubnormal); // the formula's moments did reach the range
            Assert.Contains(v, IsSubnormal);
            bool flushed = epsilon >= 1e-10f;
            Assert.Equal(!flushed, state.Tensors["m"].Any(IsSubnormal));
            Assert.Equal(!flushed, state.Tensors["v"].Any(IsSubnormal));
        }

        // RMSprop's mean square decays by rho = 0.9 a step, into the subnormal range within the steps run.
        foreach (float epsilon in new[] { 1e-7f, 3.7e-12f, 1e-20f })
        {
            var rms = new RmsProp(lr, 0.9f, epsilon);
            float[] parameters = Enumerable.Range(0, count).Select(i => (i * 0.01f) - 0.335f).ToArray(), expected = (float[])parameters.Clone();
            float[] s = new float[count];
            for (int t = 1; t <= 200; t++)
            {
                float[] gradients = Enumerable.Range(0, count).Select(i => SubnormalGradient(i, t)).ToArray();
                rms.Step(parameters, gradients);
                for (int i = 0; i < count; i++)
                {
                    float g = gradients[i] * 1f;
                    s[i] = (s[i] * 0.9f) + ((1f - 0.9f) * g * g);
                    expected[i] -= lr * g / (MathF.Sqrt(s[i]) + epsilon);
                    Assert.True(
                        BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(parameters[i]),
                        $"RMSprop epsilon {epsilon}, step {t}, value {i}: {parameters[i]:R}, {expected[i]:R} by the formula");
                }
            }

            Assert.Contains(s, IsSubnormal);
            Assert.Equal(epsilon < 1e-12f, rms.ExportState().Tensors["square"].Any(IsSubnormal));
        }
    }

    [Fact]
    public void Moments_start_on_a_cache_line_and_their_snapshots_are_copies()
    {
        // The one-pass steps read parameters, gradients and moments at the same offsets; the network's buffers start on a
        // line (AlignedFloats), and so do the moments, also when restored from a snapshot.
        var adam = new Adam(0.01f);
        adam.Step(Parameters(), Gradients(1));
        OptimizerState state = adam.ExportState();
        float[] m = state.Tensors["m"];
        m[0] = 1234f; // the snapshot is a copy: changing it changes neither the optimizer nor a second snapshot
        Assert.NotEqual(1234f, adam.ExportState().Tensors["m"][0]);

        var resumed = new Adam(0.01f);
        resumed.ImportState(adam.ExportState());
        state.Tensors["v"][0] = 99f;
        float[] p = Parameters(), q = Parameters();
        adam.Step(p, Gradients(2));
        resumed.Step(q, Gradients(2));
        Assert.Equal(p, q);

        foreach (var moments in new[] { adam, resumed })
        {
            foreach (string name in new[] { "m", "v" })
            {
                var field = typeof(Adam).GetField("_" + name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
                var buffer = (Compiled.Kernels.AlignedFloats?)field.GetValue(moments);
                unsafe
                {
                    fixed (float* first = buffer!.Value.Span)
                    {
                        Assert.Equal(0, (long)first % Compiled.Kernels.AlignedFloats.Alignment);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(3, 0)]
    public void The_split_sum_and_step_gives_the_serial_bits(int threads, int others)
    {
        // 40,009 values: past the split threshold, not a whole number of cache lines or vectors, so the last thread's
        // range ends in a scalar tail. Four steps, so that moments and Adam's step count carry over between them.
        const int count = 40_009;
        Assert.True(count >= OptimizerStep.SplitFrom);
        static AlignedFloats Buffer(int seed)
        {
            var buffer = new AlignedFloats(count);
            for (int i = 0; i < count; i++)
            {
                buffer.Span[i] = MathF.Sin((i * 0.37f) + seed) * (i % 11 == 0 ? 1e-3f : 1f);
            }

            return buffer;
        }

        void Check<T>(Func<T> create)
            where T : struct, IOptimizer
        {
            using var runner = new ShardRunner(threads);
            T split = create(), serial = create();
            AlignedFloats splitParameters = Buffer(0), serialParameters = Buffer(0);
            for (int step = 1; step <= 4; step++)
            {
                AlignedFloats splitGradients = Buffer(step), serialGradients = Buffer(step);
                AlignedFloats[] shards = Enumerable.Range(0, others).Select(i => Buffer((10 * step) + i)).ToArray();
                OptimizerStep.SumAndStep(ref split, runner, splitParameters, splitGradients, shards, others);
                ShardRunner.SumInto(serialGradients.Span, shards, others);
                serial.Step(serialParameters.Span, serialGradients.Span);
                Assert.Equal(serialGradients.Span.ToArray(), splitGradients.Span.ToArray()); // summed in place, as SumInto does
                Assert.Equal(serialParameters.Span.ToArray(), splitParameters.Span.ToArray());
            }

            Assert.Equal(serial.ExportState().StepCount, split.ExportState().StepCount);
        }

        Check(() => new Sgd(0.1f));
        Check(() => new Momentum(0.1f));
        Check(() => new Momentum(0.1f, nesterov: true));
        Check(() => new Adam(0.01f));
        Check(() => new AdamW(0.01f, weightDecay: 0.1f));
        Check(() => new RmsProp(0.01f));

        // An optimizer of one's own steps on the calling thread, after the sum.
        using var ownRunner = new ShardRunner(threads);
        var halving = new HalvingOptimizer();
        AlignedFloats parameters = Buffer(0), gradients = Buffer(1), expected = Buffer(0);
        AlignedFloats[] summands = Enumerable.Range(0, others).Select(i => Buffer(20 + i)).ToArray();
        OptimizerStep.SumAndStep(ref halving, ownRunner, parameters, gradients, summands, others);
        AlignedFloats sum = Buffer(1);
        ShardRunner.SumInto(sum.Span, summands, others);
        new HalvingOptimizer().Step(expected.Span, sum.Span);
        Assert.Equal(expected.Span.ToArray(), parameters.Span.ToArray());
    }

    [Fact]
    public void The_split_sum_and_step_checks_its_arguments()
    {
        using var runner = new ShardRunner(2);
        var adam = new Adam(0.01f);
        var parameters = new AlignedFloats(40_000);
        var gradients = new AlignedFloats(40_000);
        var others = new[] { new AlignedFloats(40_000) };
        Assert.Throws<ArgumentNullException>(() => OptimizerStep.SumAndStep(ref adam, null!, parameters, gradients, others, 1));
        Assert.Throws<ArgumentException>(() => OptimizerStep.SumAndStep(ref adam, runner, parameters, new AlignedFloats(39_999), others, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerStep.SumAndStep(ref adam, runner, parameters, gradients, others, 2));
        Assert.Throws<ArgumentException>(() => OptimizerStep.SumAndStep(ref adam, runner, parameters, gradients, new[] { new AlignedFloats(16) }, 1));
        Assert.Equal(0, adam.StepCount); // nothing was stepped

        // Used with another network's parameters after a step: refused before the step is counted or anything is written.
        OptimizerStep.SumAndStep(ref adam, runner, parameters, gradients, others, 1);
        var other = new AlignedFloats(40_016);
        Assert.Throws<InvalidOperationException>(() => OptimizerStep.SumAndStep(ref adam, runner, other, new AlignedFloats(40_016), [], 0));
        Assert.Equal(1, adam.StepCount);
        Assert.All(other.Span.ToArray(), value => Assert.Equal(0f, value));
    }

    private struct HalvingOptimizer : IOptimizer
    {
        public float LearningRate { get; set; }

        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= gradients[i] / 2f;
            }
        }
    }

    [Fact]
    public void A_learning_rate_is_checked_where_it_is_set()
    {
        // A NaN rate once turned every parameter into NaN with no exception; now the setter refuses it, for every optimizer.
        Assert.Contains("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(1e-3f) { LearningRate = float.NaN }).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f) { LearningRate = float.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1f) { LearningRate = -1f });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(0.1f) { LearningRate = float.PositiveInfinity });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(0.1f) { LearningRate = float.NaN });

        // Zero is a step that changes nothing (a schedule may end there), not "default(Sgd)".
        var sgd = new Sgd(0.1f) { LearningRate = 0f };
        float[] parameters = { 1f, 2f };
        sgd.Step(parameters, new[] { 3f, 4f });
        Assert.Equal(new[] { 1f, 2f }, parameters);
        var unset = default(Sgd);
        Assert.Contains("default(Sgd)", Assert.Throws<InvalidOperationException>(() => unset.Step(parameters, new[] { 3f, 4f })).Message);
    }
}
