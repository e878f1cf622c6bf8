// The networks of the TinyGpt sample, in a file of its own so that Tests/Compiled.Samples.Tests and the benchmarks compile
// these same declarations (a top-level program cannot be referenced).
using Compiled;

/// <summary>
/// A GPT-2-style character model on the CharRnn protocol (token 0 ends a word, 1-26 are a-z, 27 pads a word to the 24
/// steps): token and position embeddings, four pre-norm blocks x += attn(ln_1(x)); x += mlp(ln_2(x)) with causal
/// self-attention of four heads of 16 and a GELU MLP of 256, a final layer norm and a head over the 27 classes. Width 64:
/// makemore's Transformer, 205 k parameters. The causal mask keeps the padded steps (which come last) from reaching the
/// real ones, and their labels are -100, so padding needs no mask of its own.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary)]
[Embedding(64, Name = "wte")]
[PositionalEmbedding(MaxSteps = CharWords.Steps, Name = "wpe")]
[LayerNorm(Name = "h0_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h0_attn")]
[Add("wpe", "h0_attn", Name = "h0_res")]
[LayerNorm(Name = "h0_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h0_mlp_c_fc")]
[Dense(64, Name = "h0_mlp_c_proj")]
[Add("h0_res", "h0_mlp_c_proj", Name = "h0")]
[LayerNorm(Name = "h1_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h1_attn")]
[Add("h0", "h1_attn", Name = "h1_res")]
[LayerNorm(Name = "h1_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h1_mlp_c_fc")]
[Dense(64, Name = "h1_mlp_c_proj")]
[Add("h1_res", "h1_mlp_c_proj", Name = "h1")]
[LayerNorm(Name = "h2_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h2_attn")]
[Add("h1", "h2_attn", Name = "h2_res")]
[LayerNorm(Name = "h2_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h2_mlp_c_fc")]
[Dense(64, Name = "h2_mlp_c_proj")]
[Add("h2_res", "h2_mlp_c_proj", Name = "h2")]
[LayerNorm(Name = "h3_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h3_attn")]
[Add("h2", "h3_attn", Name = "h3_res")]
[LayerNorm(Name = "h3_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h3_mlp_c_fc")]
[Dense(64, Name = "h3_mlp_c_proj")]
[Add("h3_res", "h3_mlp_c_proj", Name = "h3")]
[LayerNorm(Name = "ln_f")]
[Dense(CharWords.Classes, Name = "lm_head")]
public partial class TinyGpt;

/// <summary>
/// <see cref="TinyGpt"/> over the first 10 steps only: the same layers and, since the position embedding has rows for
/// <see cref="CharWords.Steps"/> positions whatever the steps, the same parameters, so the model trains a batch of words
/// of at most 9 letters here without computing the padding after them (causal attention makes the first steps' outputs
/// the same as the full network's).
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(10, Vocabulary = CharWords.Vocabulary)]
[Embedding(64, Name = "wte")]
[PositionalEmbedding(MaxSteps = CharWords.Steps, Name = "wpe")]
[LayerNorm(Name = "h0_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h0_attn")]
[Add("wpe", "h0_attn", Name = "h0_res")]
[LayerNorm(Name = "h0_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h0_mlp_c_fc")]
[Dense(64, Name = "h0_mlp_c_proj")]
[Add("h0_res", "h0_mlp_c_proj", Name = "h0")]
[LayerNorm(Name = "h1_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h1_attn")]
[Add("h0", "h1_attn", Name = "h1_res")]
[LayerNorm(Name = "h1_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h1_mlp_c_fc")]
[Dense(64, Name = "h1_mlp_c_proj")]
[Add("h1_res", "h1_mlp_c_proj", Name = "h1")]
[LayerNorm(Name = "h2_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h2_attn")]
[Add("h1", "h2_attn", Name = "h2_res")]
[LayerNorm(Name = "h2_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h2_mlp_c_fc")]
[Dense(64, Name = "h2_mlp_c_proj")]
[Add("h2_res", "h2_mlp_c_proj", Name = "h2")]
[LayerNorm(Name = "h3_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h3_attn")]
[Add("h2", "h3_attn", Name = "h3_res")]
[LayerNorm(Name = "h3_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h3_mlp_c_fc")]
[Dense(64, Name = "h3_mlp_c_proj")]
[Add("h3_res", "h3_mlp_c_proj", Name = "h3")]
[LayerNorm(Name = "ln_f")]
[Dense(CharWords.Classes, Name = "lm_head")]
public partial class TinyGpt10;

/// <summary>
/// <see cref="TinyGpt"/> over the first 12 steps only: the same layers and, since the position embedding has rows for
/// <see cref="CharWords.Steps"/> positions whatever the steps, the same parameters, so the model trains a batch of words
/// of at most 11 letters here without computing the padding after them (causal attention makes the first steps' outputs
/// the same as the full network's).
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(12, Vocabulary = CharWords.Vocabulary)]
[Embedding(64, Name = "wte")]
[PositionalEmbedding(MaxSteps = CharWords.Steps, Name = "wpe")]
[LayerNorm(Name = "h0_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h0_attn")]
[Add("wpe", "h0_attn", Name = "h0_res")]
[LayerNorm(Name = "h0_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h0_mlp_c_fc")]
[Dense(64, Name = "h0_mlp_c_proj")]
[Add("h0_res", "h0_mlp_c_proj", Name = "h0")]
[LayerNorm(Name = "h1_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h1_attn")]
[Add("h0", "h1_attn", Name = "h1_res")]
[LayerNorm(Name = "h1_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h1_mlp_c_fc")]
[Dense(64, Name = "h1_mlp_c_proj")]
[Add("h1_res", "h1_mlp_c_proj", Name = "h1")]
[LayerNorm(Name = "h2_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h2_attn")]
[Add("h1", "h2_attn", Name = "h2_res")]
[LayerNorm(Name = "h2_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h2_mlp_c_fc")]
[Dense(64, Name = "h2_mlp_c_proj")]
[Add("h2_res", "h2_mlp_c_proj", Name = "h2")]
[LayerNorm(Name = "h3_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h3_attn")]
[Add("h2", "h3_attn", Name = "h3_res")]
[LayerNorm(Name = "h3_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h3_mlp_c_fc")]
[Dense(64, Name = "h3_mlp_c_proj")]
[Add("h3_res", "h3_mlp_c_proj", Name = "h3")]
[LayerNorm(Name = "ln_f")]
[Dense(CharWords.Classes, Name = "lm_head")]
public partial class TinyGpt12;

/// <summary>
/// <see cref="TinyGpt"/> over the first 16 steps only: the same layers and, since the position embedding has rows for
/// <see cref="CharWords.Steps"/> positions whatever the steps, the same parameters, so the model trains a batch of words
/// of at most 15 letters here without computing the padding after them (causal attention makes the first steps' outputs
/// the same as the full network's).
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(16, Vocabulary = CharWords.Vocabulary)]
[Embedding(64, Name = "wte")]
[PositionalEmbedding(MaxSteps = CharWords.Steps, Name = "wpe")]
[LayerNorm(Name = "h0_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h0_attn")]
[Add("wpe", "h0_attn", Name = "h0_res")]
[LayerNorm(Name = "h0_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h0_mlp_c_fc")]
[Dense(64, Name = "h0_mlp_c_proj")]
[Add("h0_res", "h0_mlp_c_proj", Name = "h0")]
[LayerNorm(Name = "h1_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h1_attn")]
[Add("h0", "h1_attn", Name = "h1_res")]
[LayerNorm(Name = "h1_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h1_mlp_c_fc")]
[Dense(64, Name = "h1_mlp_c_proj")]
[Add("h1_res", "h1_mlp_c_proj", Name = "h1")]
[LayerNorm(Name = "h2_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h2_attn")]
[Add("h1", "h2_attn", Name = "h2_res")]
[LayerNorm(Name = "h2_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h2_mlp_c_fc")]
[Dense(64, Name = "h2_mlp_c_proj")]
[Add("h2_res", "h2_mlp_c_proj", Name = "h2")]
[LayerNorm(Name = "h3_ln_1")]
[SelfAttention(Heads = 4, Causal = true, Name = "h3_attn")]
[Add("h2", "h3_attn", Name = "h3_res")]
[LayerNorm(Name = "h3_ln_2")]
[Dense(256, Activation = Activation.Gelu, Name = "h3_mlp_c_fc")]
[Dense(64, Name = "h3_mlp_c_proj")]
[Add("h3_res", "h3_mlp_c_proj", Name = "h3")]
[LayerNorm(Name = "ln_f")]
[Dense(CharWords.Classes, Name = "lm_head")]
public partial class TinyGpt16;
