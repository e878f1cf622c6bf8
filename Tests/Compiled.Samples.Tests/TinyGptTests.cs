namespace Compiled.Samples.Tests;

/// <summary>The TinyGpt sample's model: its shorter networks compute what the full one does on short words (what the
/// sample's training relies on), and it learns.</summary>
public class TinyGptTests
{
    private static CharWords Words() => CharWords.Load(Path.Combine(AppContext.BaseDirectory, "data", "words", "american-english"));

    [Fact]
    public void The_12_step_network_gives_the_full_networks_outputs_loss_and_gradients_on_short_words()
    {
        string[] words = Words().Train.Where(w => w.Length <= 11).Take(9).ToArray();
        var full = new TinyGpt(3);
        var short12 = new TinyGpt12(7);
        Assert.Equal(full.Tensors.Select(t => (t.Name, string.Join(",", t.Shape), t.Offset)), short12.Tensors.Select(t => (t.Name, string.Join(",", t.Shape), t.Offset)));
        full.Parameters.CopyTo(short12.Parameters);

        var inputs = new int[words.Length * CharWords.Steps];
        var labels = new int[words.Length * CharWords.Steps];
        CharWords.Encode(words, inputs, labels);
        var shortInputs = new int[words.Length * 12];
        var shortLabels = new int[words.Length * 12];
        CharWords.Encode(words, shortInputs, shortLabels, 12);
        for (int w = 0; w < words.Length; w++)
        {
            Assert.Equal(inputs.AsSpan(w * CharWords.Steps, 12).ToArray(), shortInputs.AsSpan(w * 12, 12).ToArray());
            Assert.Equal(labels.AsSpan(w * CharWords.Steps, 12).ToArray(), shortLabels.AsSpan(w * 12, 12).ToArray());
            Assert.All(labels.AsSpan((w * CharWords.Steps) + 12, CharWords.Steps - 12).ToArray(), label => Assert.Equal(-100, label));
        }

        var fullOutputs = new float[words.Length * TinyGpt.OutputSize];
        var shortOutputs = new float[words.Length * TinyGpt12.OutputSize];
        full.Predict(inputs, fullOutputs);
        short12.Predict(shortInputs, shortOutputs);
        for (int w = 0; w < words.Length; w++)
        {
            for (int i = 0; i < TinyGpt12.OutputSize; i++)
            {
                float expected = fullOutputs[(w * TinyGpt.OutputSize) + i];
                Assert.True(Math.Abs(shortOutputs[(w * TinyGpt12.OutputSize) + i] - expected) <= 1e-5f * (1 + Math.Abs(expected)), $"word {w}, value {i}");
            }
        }

        full.ZeroGradients();
        short12.ZeroGradients();
        float fullLoss = full.Backward(inputs, labels), shortLoss = short12.Backward(shortInputs, shortLabels);
        Assert.Equal(fullLoss, shortLoss, 5);
        float[] fullGradients = full.Gradients.ToArray(), shortGradients = short12.Gradients.ToArray();
        float largest = fullGradients.Max(Math.Abs);
        for (int i = 0; i < fullGradients.Length; i++)
        {
            Assert.True(Math.Abs(shortGradients[i] - fullGradients[i]) <= 1e-5f * largest, $"gradient {i}: {shortGradients[i]} vs {fullGradients[i]}");
        }
    }

    [Fact]
    public void It_learns_to_spell_short_words_in_one_epoch()
    {
        // Words of up to 11 letters (84 % of them) through the 12-step network, one epoch: a uniform guess is
        // log2(27) = 4.75 bits per character and the unigram frequencies about 4.1.
        CharWords words = Words();
        string[] train = words.Train.Where(w => w.Length <= 11).ToArray(), test = words.Test.Where(w => w.Length <= 11).ToArray();
        var network = new TinyGpt12(1) { Threads = 2, MaxGradientNorm = 1f };
        var adam = new AdamW(2e-3f);
        var inputs = new int[32 * CharWords.Steps];
        var labels = new int[32 * CharWords.Steps];
        var random = new Xoshiro(1);
        foreach (string[] batch in CharWords.Batches(train, 32, ref random))
        {
            CharWords.Encode(batch, inputs, labels, 12);
            network.TrainStep(inputs.AsSpan(0, batch.Length * 12), labels.AsSpan(0, batch.Length * 12), ref adam);
        }

        var testInputs = new int[test.Length * 12];
        var testLabels = new int[test.Length * 12];
        CharWords.Encode(test, testInputs, testLabels, 12);
        double bits = network.Evaluate(testInputs, testLabels).Loss / Math.Log(2);
        Assert.True(bits < 3.1, $"test bits per char {bits:F3}");
    }
}
