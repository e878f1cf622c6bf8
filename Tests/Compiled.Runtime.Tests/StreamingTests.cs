using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>
/// The streaming <c>Step</c> of recurrent networks against <c>Predict</c> over the whole sequence, bit for bit: each
/// step's output where the network returns one per step, the last step's where it returns the last state, alone and as
/// one row of a batch, with padded steps, and after <c>ResetState</c>.
/// </summary>
public class StreamingTests
{
    private static void AssertBitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{where}, value {i}: Predict {expected[i]:R}, Step {actual[i]:R}");
        }
    }

    private static float[] Randomized(Span<float> parameters, int seed)
    {
        var random = new Xoshiro((ulong)seed);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.3f * random.NextGaussian();
        }

        return parameters.ToArray();
    }

    [Fact]
    public void Stepping_a_per_step_network_gives_predicts_rows_bit_for_bit()
    {
        var elman = new ElmanSequence(1);
        Randomized(elman.Parameters, 2);
        CheckPerStep(elman.Predict, elman.Step, elman.ResetState, ElmanSequence.InputSize, ElmanSequence.StepInputSize, ElmanSequence.StepOutputSize, 4);

        var gru = new GruTagger(3);
        Randomized(gru.Parameters, 4);
        CheckPerStep(gru.Predict, gru.Step, gru.ResetState, GruTagger.InputSize, GruTagger.StepInputSize, GruTagger.StepOutputSize, 4);
    }

    [Fact]
    public void With_a_per_feature_standardizer_stepping_still_gives_predicts_rows_and_allocates_nothing()
    {
        // Statistics per feature of a step (the input's last axis): Predict standardizes every step of a sequence, Step its one step.
        var elman = new ElmanSequence(1) { InputStandardizer = new Compiled.Data.Standardizer([1f, -2f, 0.5f], [2f, 0.25f, 3f]) };
        Randomized(elman.Parameters, 2);
        CheckPerStep(elman.Predict, elman.Step, elman.ResetState, ElmanSequence.InputSize, ElmanSequence.StepInputSize, ElmanSequence.StepOutputSize, 4);

        var plain = new ElmanSequence(1);
        elman.Parameters.CopyTo(plain.Parameters);
        float[] raw = [3f, -1f, 2f];
        float[] standardized = [(3f - 1f) / 2f, (-1f + 2f) / 0.25f, (2f - 0.5f) / 3f];
        var fromRaw = new float[ElmanSequence.StepOutputSize];
        var fromStandardized = new float[ElmanSequence.StepOutputSize];
        elman.ResetState();
        plain.ResetState();
        elman.Step(raw, fromRaw);
        plain.Step(standardized, fromStandardized);
        Assert.Equal(fromStandardized, fromRaw);
        Assert.Equal(0, AllocationTests.Allocated(() => elman.Step(raw, fromRaw)));

        // Statistics for a whole sequence cannot standardize one step: Step says so rather than reading past them.
        var whole = new ElmanSequence(1) { InputStandardizer = Compiled.Data.Standardizer.Fit(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), ElmanSequence.InputSize) };
        Assert.Throws<ArgumentException>(() => whole.Step(raw, fromRaw));
    }

    private delegate void PredictFloats(ReadOnlySpan<float> inputs, Span<float> outputs);

    private delegate void StepFloats(ReadOnlySpan<float> input, Span<float> output);

    private static void CheckPerStep(PredictFloats predict, StepFloats step, Action reset, int inputSize, int stepInput, int stepOutput, int steps)
    {
        const int Batch = 3;
        var random = new Xoshiro(9);
        float[] inputs = Enumerable.Range(0, Batch * inputSize).Select(_ => random.NextGaussian()).ToArray();
        var batched = new float[Batch * steps * stepOutput];
        predict(inputs, batched);
        var output = new float[stepOutput];
        for (int b = 0; b < Batch; b++)
        {
            var alone = new float[steps * stepOutput];
            predict(inputs.AsSpan(b * inputSize, inputSize), alone);
            AssertBitwiseEqual(batched.AsSpan(b * steps * stepOutput, steps * stepOutput), alone, $"sample {b} alone and in a batch");
            reset();
            for (int t = 0; t < steps; t++)
            {
                step(inputs.AsSpan((b * inputSize) + (t * stepInput), stepInput), output);
                AssertBitwiseEqual(alone.AsSpan(t * stepOutput, stepOutput), output, $"sample {b}, step {t}");
            }
        }
    }

    [Fact]
    public void Stepping_to_the_end_gives_predict_of_the_last_state_bit_for_bit()
    {
        var lstm = new LstmStack(1);
        Randomized(lstm.Parameters, 5);
        CheckLast(lstm.Predict, lstm.Step, lstm.ResetState, LstmStack.InputSize, LstmStack.StepInputSize, LstmStack.OutputSize);

        var gru = new GruLast(2);
        Randomized(gru.Parameters, 6);
        CheckLast(gru.Predict, gru.Step, gru.ResetState, GruLast.InputSize, GruLast.StepInputSize, GruLast.OutputSize);

        var elman = new ElmanLast(3);
        Randomized(elman.Parameters, 7);
        CheckLast(elman.Predict, elman.Step, elman.ResetState, ElmanLast.InputSize, ElmanLast.StepInputSize, ElmanLast.OutputSize);
    }

    private static void CheckLast(PredictFloats predict, StepFloats step, Action reset, int inputSize, int stepInput, int outputSize)
    {
        var random = new Xoshiro(11);
        for (int sample = 0; sample < 3; sample++)
        {
            float[] input = Enumerable.Range(0, inputSize).Select(_ => random.NextGaussian()).ToArray();
            var expected = new float[outputSize];
            predict(input, expected);
            var output = new float[outputSize];
            reset();
            for (int t = 0; t < inputSize / stepInput; t++)
            {
                step(input.AsSpan(t * stepInput, stepInput), output);
            }

            AssertBitwiseEqual(expected, output, $"sample {sample}, last step");
        }
    }

    [Fact]
    public void Stepping_token_ids_with_padding_gives_predict_bit_for_bit()
    {
        // Per step: each step of a padded sequence; the last state: every prefix, padded to the full length.
        var tagger = new PaddedLstmTagger(1);
        Randomized(tagger.Parameters, 8);
        int[] ids = { 2, 4, 0, 1, 3, 0 };
        var expected = new float[PaddedLstmTagger.OutputSize];
        tagger.Predict(ids, expected);
        var output = new float[PaddedLstmTagger.StepOutputSize];
        tagger.ResetState();
        for (int t = 0; t < ids.Length; t++)
        {
            tagger.Step(ids[t], output);
            AssertBitwiseEqual(expected.AsSpan(t * PaddedLstmTagger.StepOutputSize, PaddedLstmTagger.StepOutputSize), output, $"step {t}");
        }

        var last = new PaddedStackLast(2);
        Randomized(last.Parameters, 9);
        int[] tokens = { 3, 1, 4, 1, 2, 2 };
        var step = new float[PaddedStackLast.StepOutputSize];
        last.ResetState();
        for (int t = 0; t < tokens.Length; t++)
        {
            last.Step(tokens[t], step);
            int[] prefix = tokens.Take(t + 1).Concat(Enumerable.Repeat(0, tokens.Length - t - 1)).ToArray();
            var whole = new float[PaddedStackLast.OutputSize];
            last.Predict(prefix, whole);
            AssertBitwiseEqual(whole, step, $"prefix of {t + 1}");
        }
    }

    [Fact]
    public void ResetState_starts_a_new_sequence_and_State_can_be_saved_and_restored()
    {
        var network = new GruTagger(5);
        float[] first = { 0.5f, -1f, 2f };
        float[] second = { 1f, 0.25f, -0.5f };
        var a = new float[GruTagger.StepOutputSize];
        var b = new float[GruTagger.StepOutputSize];
        network.Step(first, a);
        float[] saved = network.State.ToArray();
        Assert.Contains(saved, v => v != 0f);
        network.Step(second, b);

        network.State.Clear();
        saved.CopyTo(network.State);
        var again = new float[GruTagger.StepOutputSize];
        network.Step(second, again);
        Assert.Equal(b, again);

        network.ResetState();
        Assert.All(network.State.ToArray(), v => Assert.Equal(0f, v));
        network.Step(first, again);
        Assert.Equal(a, again);
    }

    [Fact]
    public void Step_refuses_wrong_sizes_and_token_ids()
    {
        var network = new GruTagger(1);
        var output = new float[GruTagger.StepOutputSize];
        ArgumentException tooLong = Assert.Throws<ArgumentException>(() => network.Step(new float[GruTagger.StepInputSize + 1], output));
        Assert.Contains("one step of 3 input value(s), but the input has 4", tooLong.Message);
        Assert.Throws<ArgumentException>(() => network.Step(new float[GruTagger.StepInputSize], new float[GruTagger.StepOutputSize - 1]));
        Assert.All(network.State.ToArray(), v => Assert.Equal(0f, v)); // nothing ran

        var tagger = new PaddedLstmTagger(1);
        var probabilities = new float[PaddedLstmTagger.StepOutputSize];
        ArgumentOutOfRangeException outside = Assert.Throws<ArgumentOutOfRangeException>(() => tagger.Step(PaddedLstmTagger.Vocabulary, probabilities));
        Assert.Contains("[0, 5)", outside.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tagger.Step(-1, probabilities));
    }
}
