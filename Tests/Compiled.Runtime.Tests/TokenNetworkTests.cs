using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Networks of token ids (<c>[Input(steps, Vocabulary = n)]</c>, <c>[Embedding]</c>) with a label per step.</summary>
public class TokenNetworkTests
{
    private static (int[] Ids, int[] Labels) Tagging(int samples, int seed)
    {
        // Each step's label is a fixed function of its token, so a per-step model can learn it exactly.
        int[] tagOf = { 3, 0, 6, 1, 5, 2, 4 };
        var random = new Xoshiro((ulong)seed);
        int[] ids = Enumerable.Range(0, samples * TokenTagger.InputSize).Select(_ => random.NextInt32(TokenTagger.Vocabulary)).ToArray();
        return (ids, ids.Select(id => tagOf[id]).ToArray());
    }

    [Fact]
    public void The_sizes_say_what_a_token_model_takes()
    {
        Assert.Equal(5, TokenTagger.InputSize);
        Assert.Equal(7, TokenTagger.Vocabulary);
        Assert.Equal(5 * 7, TokenTagger.OutputSize);
        Assert.Equal(5, TokenTagger.LabelsPerSample);
        Assert.Equal(7, TokenTagger.Classes);
        Assert.Equal(-100, TokenTagger.IgnoreLabel);
        ITokenNetwork network = new TokenTagger();
        Assert.Equal(7, network.Vocabulary);
        Assert.Equal(new[] { 7, 4 }, network.Tensors[0].Shape);
        Assert.Equal("embed.weight", network.Tensors[0].Name);
    }

    [Fact]
    public void The_embedding_starts_standard_normal_and_looks_up_rows()
    {
        var network = new TokenTagger(3);
        float[] weight = network.EmbedWeight.ToArray();
        double mean = weight.Average(v => (double)v);
        double std = Math.Sqrt(weight.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(std, 0.6, 1.5); // 28 draws of N(0, 1)

        // Predict applies a softmax per step: each step's 7 probabilities sum to 1.
        var outputs = new float[2 * TokenTagger.OutputSize];
        network.Predict(new[] { 0, 1, 2, 3, 4, 6, 6, 6, 6, 6 }, outputs);
        for (int row = 0; row < 10; row++)
        {
            Assert.Equal(1f, outputs.AsSpan(row * 7, 7).ToArray().Sum(), 1e-5f);
        }

        // The same id gives the same row at every step.
        Assert.Equal(outputs.AsSpan(5 * 7, 7).ToArray(), outputs.AsSpan(9 * 7, 7).ToArray());
    }

    [Fact]
    public void Ids_out_of_range_throw_before_anything_changes()
    {
        var network = new TokenTagger(1);
        float[] before = network.Parameters.ToArray();
        var sgd = new Sgd(0.1f);
        int[] labels = new int[5];
        var outputs = new float[TokenTagger.OutputSize];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainStep(new[] { 0, 1, 7, 2, 3 }, labels, ref sgd));
        Assert.Contains("[0, 7)", error.Message);
        Assert.Contains("inputs[2] is 7", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Predict(new[] { 0, -1, 0, 0, 0 }, outputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Backward(new[] { 0, 0, 0, 0, int.MaxValue }, labels));
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void Per_step_labels_are_checked()
    {
        var network = new TokenTagger(1);
        var sgd = new Sgd(0.1f);
        int[] ids = new int[10];
        Assert.Contains("whole samples of 5 labels", Assert.Throws<ArgumentException>(() => network.Backward(ids, new int[7])).Message);
        Assert.Contains("2 sample(s)", Assert.Throws<ArgumentException>(() => network.Backward(ids.AsSpan(0, 5), new int[10])).Message);
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainStep(ids, new[] { 0, 0, 0, 0, 0, 0, 0, 7, 0, 0 }, ref sgd));
        Assert.Contains("[0, 7) or -100", outOfRange.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Evaluate(ids, new[] { 0, 0, 0, 0, 0, 0, 0, -1, 0, 0 }));
    }

    [Fact]
    public void Ignored_steps_count_for_nothing()
    {
        // A sample whose second step is ignored has the loss of the mean over its four other steps, whatever that step's label.
        var network = new TokenTagger(4);
        int[] ids = { 1, 2, 3, 4, 5 };
        network.ZeroGradients();
        float ignored = network.Backward(ids, new[] { 0, TokenTagger.IgnoreLabel, 2, 3, 4 });
        float[] gradients = network.Gradients.ToArray();

        var logits = new float[TokenTagger.OutputSize];
        network.Forward(ids, logits);
        double expected = 0;
        foreach ((int step, int label) in new[] { (0, 0), (2, 2), (3, 3), (4, 4) })
        {
            ReadOnlySpan<float> row = logits.AsSpan(step * 7, 7);
            double max = row.ToArray().Max();
            double logSumExp = max + Math.Log(row.ToArray().Sum(v => Math.Exp(v - max)));
            expected += (logSumExp - row[label]) / 4;
        }

        Assert.Equal(expected, ignored, 1e-5);

        // Every step ignored: loss 0 and no gradient (PyTorch gives NaN), so a padded-out sample cannot poison a step.
        network.ZeroGradients();
        Assert.Equal(0f, network.Backward(ids, Enumerable.Repeat(TokenTagger.IgnoreLabel, 5).ToArray()));
        Assert.All(network.Gradients.ToArray(), g => Assert.Equal(0f, g));
        Assert.NotEqual(0f, gradients.Select(Math.Abs).Max());
    }

    [Fact]
    public void A_token_model_learns_to_tag_and_two_threads_agree()
    {
        (int[] ids, int[] labels) = Tagging(64, 5);
        var network = new TokenTagger(3);
        var threaded = new TokenTagger(3) { Threads = 2 };
        var adam = new Adam(0.02f);
        var threadedAdam = new Adam(0.02f);
        float first = network.Evaluate(ids, labels).Loss;
        for (int epoch = 0; epoch < 60; epoch++)
        {
            for (int start = 0; start < 64; start += 8)
            {
                ReadOnlySpan<int> x = ids.AsSpan(start * 5, 40), y = labels.AsSpan(start * 5, 40);
                float loss = network.TrainStep(x, y, ref adam);
                float threadedLoss = threaded.TrainStep(x, y, ref threadedAdam);
                Assert.True(Math.Abs(loss - threadedLoss) <= 1e-3f * (1 + loss), $"one thread {loss}, two threads {threadedLoss}");
            }
        }

        Evaluation result = network.Evaluate(ids, labels);
        Assert.True(result.Loss < first / 10, $"loss {first} -> {result.Loss}");
        Assert.Equal(1f, result.Accuracy);
        Assert.Equal(64, result.Count);
        Assert.Equal(1f, threaded.Evaluate(ids, labels).Accuracy);

        // Evaluate counts only labelled steps: one wrong label among the ignored makes no difference.
        int[] masked = labels.Select((label, i) => i % 2 == 0 ? TokenTagger.IgnoreLabel : label).ToArray();
        Assert.Equal(1f, network.Evaluate(ids, masked).Accuracy);
        masked[1] = (masked[1] + 1) % 7;
        Assert.Equal(1f - (1f / 160), network.Evaluate(ids, masked).Accuracy, 1e-6f);
    }
}
