// Networks beyond a chain, for the graph gradient checks: joins, layer norm, GELU (unrolled and on the kernels), and
// Dense acting per step on a sequence. Each has its double-precision twin in GraphGradientCheckTests.
namespace Compiled.Runtime.Tests.Networks;

// A residual MLP: stem, an inner layer, their sum, a head.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5)]
[Dense(6, Activation = Activation.Tanh, Name = "stem")]
[Dense(6, Activation = Activation.Relu)]
[Add("stem", "dense1")]
[Dense(2)]
public partial class ResidualMlp;

// A pre-norm residual block with GELU on both paths (stem and inner unrolled, the wide layer on the kernels), the stem
// read three times (the norm, the sum and a second sum), and a three-way join.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(5)]
[Dense(6, Activation = Activation.Gelu, Name = "stem")]
[LayerNorm]
[Dense(12, Activation = Activation.Gelu)]
[Dense(6, Name = "mlp")]
[Add("stem", "mlp", Name = "res")]
[Add("res", "stem", "mlp")]
[LayerNorm(Epsilon = 1e-3f, Name = "final_norm")]
[Dense(3)]
public partial class NormResidual;

// A sequence: Dense per step (GELU), layer norm per step, a residual over the steps, a per-step head.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(4, 3)]
[Dense(5, Activation = Activation.Gelu, Name = "embed")]
[LayerNorm]
[Dense(5, Activation = Activation.Tanh)]
[Add("embed", "dense1")]
[Dense(2)]
public partial class SequenceBlock;

// A token model: ids -> embedding -> a residual Dense per step -> a per-step head with a label per step.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(5, Vocabulary = 7)]
[Embedding(4, Name = "embed")]
[Dense(4, Activation = Activation.Gelu)]
[Add("embed", "dense0")]
[Dense(7)]
public partial class TokenTagger;

// No built-in loss: trained from a gradient that comes from outside (a GAN's generator, a loss of one's own).
[Network(Loss = Loss.None, MaxBatchSize = 8)]
[Input(3)]
[Dense(5, Activation = Activation.Tanh)]
[Dense(16, Activation = Activation.Gelu)]
[Dense(2)]
public partial class OutsideGradient;

// The same layers with a built-in loss, to compare against.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(3)]
[Dense(5, Activation = Activation.Tanh)]
[Dense(16, Activation = Activation.Gelu)]
[Dense(2)]
public partial class InsideGradient;

// Self-attention with one head on the network input (its dx only in the input-gradient pass), then a per-step head.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5, 4)]
[SelfAttention]
[Dense(2)]
public partial class AttentionOneHead;

// A positional embedding, then causal attention with two heads read by a residual sum.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5, 6)]
[Dense(6, Activation = Activation.Tanh, Name = "embed")]
[PositionalEmbedding]
[SelfAttention(Heads = 2, Causal = true)]
[Add("positional0", "attention0")]
[Dense(3)]
public partial class AttentionTwoHeadsCausal;

// Three heads of three on seven steps, not causal, and the same causal: odd sizes everywhere.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(7, 9)]
[SelfAttention(Heads = 3)]
[Dense(2)]
public partial class AttentionThreeHeads;

[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(7, 9)]
[SelfAttention(Heads = 3, Causal = true)]
[Dense(2)]
public partial class AttentionThreeHeadsCausal;

// A whole two-block GPT (pre-norm, GPT-2's order) over token ids with a label per step; its position embedding has rows
// for three positions more than the steps (whose gradient must be 0).
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(6, Vocabulary = 7)]
[Embedding(8, Name = "wte")]
[PositionalEmbedding(MaxSteps = 9, Name = "wpe")]
[LayerNorm(Name = "ln1_0")]
[SelfAttention(Heads = 2, Causal = true, Name = "attn0")]
[Add("wpe", "attn0", Name = "res0")]
[LayerNorm(Name = "ln2_0")]
[Dense(12, Activation = Activation.Gelu, Name = "fc0")]
[Dense(8, Name = "proj0")]
[Add("res0", "proj0", Name = "block0")]
[LayerNorm(Name = "ln1_1")]
[SelfAttention(Heads = 2, Causal = true, Name = "attn1")]
[Add("block0", "attn1", Name = "res1")]
[LayerNorm(Name = "ln2_1")]
[Dense(12, Activation = Activation.Gelu, Name = "fc1")]
[Dense(8, Name = "proj1")]
[Add("res1", "proj1", Name = "block1")]
[LayerNorm(Name = "ln_f")]
[Dense(7, Name = "head")]
public partial class TwoBlockGpt;

// Attention dropout (training only): the network carries random state for it.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5, 4)]
[SelfAttention(Heads = 2, Causal = true, Dropout = 0.25f)]
[Dense(2)]
public partial class DroppedAttention;

// A GAN in miniature: a generator without a loss, a discriminator, and the two as one network, for the chain rule
// through the discriminator's input gradient.
[Network(Loss = Loss.None, MaxBatchSize = 8)]
[Input(3)]
[Dense(6, Activation = Activation.LeakyRelu)]
[Dense(5, Activation = Activation.Tanh)]
public partial class MiniGenerator;

[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 8)]
[Input(5)]
[Dense(7, Activation = Activation.LeakyRelu)]
[Dense(1)]
public partial class MiniDiscriminator;

[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 8)]
[Input(3)]
[Dense(6, Activation = Activation.LeakyRelu)]
[Dense(5, Activation = Activation.Tanh)]
[Dense(7, Activation = Activation.LeakyRelu)]
[Dense(1)]
public partial class MiniGeneratorThenDiscriminator;
