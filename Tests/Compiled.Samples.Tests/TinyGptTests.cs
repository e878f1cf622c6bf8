namespace Compiled.Samples.Tests;

/// <summary>The TinyGpt sample's model: its shorter networks compute what the full one does on short words (what the
/// sample's training relies on), and it learns.</summary>
public class TinyGptTests
{
    private static CharWords Words() => CharWords.Load(Path.Combine(AppContext.BaseDirectory, "data", "words", "american-english"));

    [Fact]
    public void The_12_step_network_gives_the_full_networks_outputs_and_loss_on_short_words()
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

        // The loss in inference (dropout off), and the gradients below on twins without the dropout: training draws its
        // masks over 12 steps in one network and 24 in the other, so only the twins can be compared value for value.
        Assert.Equal(full.Evaluate(inputs, labels).Loss, short12.Evaluate(shortInputs, shortLabels).Loss, 5);
    }

    [Fact]
    public void Without_dropout_the_12_step_network_gives_the_full_networks_loss_and_gradients_on_short_words()
    {
        string[] words = Words().Train.Where(w => w.Length <= 11).Take(9).ToArray();
        var full = new GptTwin(3);
        var short12 = new GptTwin12(7);
        full.Parameters.CopyTo(short12.Parameters);
        var inputs = new int[words.Length * CharWords.Steps];
        var labels = new int[words.Length * CharWords.Steps];
        CharWords.Encode(words, inputs, labels);
        var shortInputs = new int[words.Length * 12];
        var shortLabels = new int[words.Length * 12];
        CharWords.Encode(words, shortInputs, shortLabels, 12);

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

/// <summary>Two of <see cref="TinyGpt"/>'s blocks without its dropout, over 24 steps: what the training of a batch on
/// the shorter network relies on, checked where training is deterministic.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 16)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary)]
[Embedding(80, Name = "wte")]
[PositionalEmbedding(MaxSteps = CharWords.Steps, Name = "wpe")]
[LayerNorm(Name = "h0_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h0_attn")]
[Add("wpe", "h0_attn", Name = "h0_res")]
[LayerNorm(Name = "h0_ln_2")]
[Dense(320, Activation = Activation.Gelu, Name = "h0_mlp_c_fc")]
[Dense(80, Name = "h0_mlp_c_proj")]
[Add("h0_res", "h0_mlp_c_proj", Name = "h0")]
[LayerNorm(Name = "h1_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h1_attn")]
[Add("h0", "h1_attn", Name = "h1_res")]
[LayerNorm(Name = "h1_ln_2")]
[Dense(320, Activation = Activation.Gelu, Name = "h1_mlp_c_fc")]
[Dense(80, Name = "h1_mlp_c_proj")]
[Add("h1_res", "h1_mlp_c_proj", Name = "h1")]
[LayerNorm(Name = "ln_f")]
[Dense(CharWords.Classes, Name = "lm_head")]
public partial class GptTwin;

/// <summary><see cref="GptTwin"/> over the first 12 steps.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 16)]
[Input(12, Vocabulary = CharWords.Vocabulary)]
[Embedding(80, Name = "wte")]
[PositionalEmbedding(MaxSteps = CharWords.Steps, Name = "wpe")]
[LayerNorm(Name = "h0_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h0_attn")]
[Add("wpe", "h0_attn", Name = "h0_res")]
[LayerNorm(Name = "h0_ln_2")]
[Dense(320, Activation = Activation.Gelu, Name = "h0_mlp_c_fc")]
[Dense(80, Name = "h0_mlp_c_proj")]
[Add("h0_res", "h0_mlp_c_proj", Name = "h0")]
[LayerNorm(Name = "h1_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h1_attn")]
[Add("h0", "h1_attn", Name = "h1_res")]
[LayerNorm(Name = "h1_ln_2")]
[Dense(320, Activation = Activation.Gelu, Name = "h1_mlp_c_fc")]
[Dense(80, Name = "h1_mlp_c_proj")]
[Add("h1_res", "h1_mlp_c_proj", Name = "h1")]
[LayerNorm(Name = "ln_f")]
[Dense(CharWords.Classes, Name = "lm_head")]
public partial class GptTwin12;
