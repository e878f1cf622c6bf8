// A network of every layer kind and activation, and of every way a layer meets the graph's layouts, for OnnxExportTests:
// each is exported, run in ONNX Runtime and compared with Predict.
using Compiled;

namespace Compiled.Onnx.Tests.Networks;

// Every activation on Dense, unrolled (small) and on the kernels (wide); a sigmoid output (binary cross-entropy).
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 8)]
[Input(7)]
[Dense(5, Activation = Activation.Relu)]
[Dense(40, Activation = Activation.LeakyRelu, NegativeSlope = 0.2f)]
[Dense(33, Activation = Activation.Tanh)]
[Dropout(0.3f)]
[Dense(9, Activation = Activation.Sigmoid)]
[Dense(17, Activation = Activation.Gelu)]
[Dense(6, Activation = Activation.Softmax)]
[Dense(3)]
public partial class EveryActivation;

// Regression with no output link (mean squared error).
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5)]
[Dense(6, Activation = Activation.Tanh, Name = "stem")]
[Dense(6, Activation = Activation.Relu)]
[Add("stem", "dense1")]
[LayerNorm(Epsilon = 1e-3f)]
[Dense(2)]
public partial class ResidualRegression;

// Convolutions Valid and Same, with stride 2; max and average pools (Same pads, stride other than the window); a join of
// two channels-first images; Flatten before a Dense (the weights read height-width-channel order).
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(11, 10, 3)]
[Conv2D(4, 3, Activation = Activation.Relu, Name = "conv1")]
[Conv2D(4, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu, Name = "conv2")]
[Add("conv1", "conv2", Name = "join")]
[MaxPool2D(3, Stride = 2, Padding = Padding.Same)]
[Conv2D(5, 2, 3, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh, Name = "strided")]
[AveragePool2D(2, Stride = 1, Padding = Padding.Same, Name = "avg")]
[Flatten]
[Dense(4)]
public partial class ConvolutionKinds;

// A global average pool after a convolution; a Dense reading an image directly (implicit flatten) on the other path is
// not allowed to join, so a second network below covers it.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(9, 9, 2)]
[Conv2D(6, 3, Activation = Activation.Gelu)]
[GlobalAveragePool2D]
[Dense(3)]
public partial class GlobalPool;

// A Dense straight on the image input: read as one vector in this library's order.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(4, 3, 2)]
#pragma warning disable CMP0019 // the implicit flatten is what is tested
[Dense(5, Activation = Activation.Sigmoid)]
#pragma warning restore CMP0019
public partial class DenseOnImage;

// A generator: Dense -> Reshape into an image -> up-sampling (channels-last) -> convolution -> a channels-last image out;
// then a second up-sampling of a channels-first image.
[Network(Loss = Loss.None, MaxBatchSize = 8)]
[Input(6)]
[Dense(4 * 3 * 5, Activation = Activation.LeakyRelu, Name = "project")]
[Reshape(4, 3, 5)]
[UpSampling2D(2, Name = "up")]
[Conv2D(3, 3, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv")]
[UpSampling2D(2, 3, Name = "wide")]
[Conv2D(1, 5, Padding = Padding.Same, Activation = Activation.Tanh, Name = "image")]
public partial class ImageGenerator;

// Same padding of even kernels at stride 1 (no cell before the input, one after it), and a convolution without padding
// whose 32 filters read their patches where they lie in the input (on the Vector512 tiles).
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(8, 9, 2)]
[Conv2D(4, 2, Padding = Padding.Same, Activation = Activation.Relu, Name = "even")]
[Conv2D(32, 3, Activation = Activation.Relu, Name = "inPlace")]
[Conv2D(3, 2, 4, Padding = Padding.Same, Name = "evenWide")]
[Flatten]
[Dense(3)]
public partial class EvenKernels;

// A standardized input: the graph standardises raw values as Predict does.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(6)]
[Dense(8, Activation = Activation.Relu)]
[Dense(3)]
public partial class StandardizedInput;

// Recurrent cells, every step out and the last state out, stacked.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5, 3)]
[SimpleRnn(4, ReturnSequences = true)]
[SimpleRnn(6, Activation = Activation.Relu, ReturnSequences = true)]
[Lstm(5, ReturnSequences = true)]
[Gru(7)]
[Dense(2)]
public partial class RecurrentStack;

// Recurrent cells over a token input with a padding token (padded steps anywhere keep the state and output zeros).
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(6, Vocabulary = 5, PaddingToken = 4)]
[Embedding(3)]
[Lstm(4, ReturnSequences = true)]
[Gru(5, ReturnSequences = true)]
[SimpleRnn(3, ReturnSequences = true)]
[Dense(4)]
public partial class PaddedTokens;

// A masked float sequence (Keras' Masking): steps whose every feature is the mask value are padding; the last state out.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5, 2, MaskValue = -1f)]
[Gru(4)]
[Dense(1)]
public partial class MaskedValues;

// Attention with 1, 2 and 3 heads, causal and not, in a pre-norm block with learned positions, per-step labels.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(7, Vocabulary = 9)]
[Embedding(12, Name = "wte")]
[PositionalEmbedding(MaxSteps = 10, Name = "wpe")]
[LayerNorm(Name = "ln1")]
[SelfAttention(Heads = 3, Causal = true, Name = "attn1")]
[Add("wpe", "attn1", Name = "res1")]
[LayerNorm(Name = "ln2")]
[SelfAttention(Heads = 2, Name = "attn2")]
[Add("res1", "attn2", Name = "res2")]
[SelfAttention(Heads = 1, Causal = true, Dropout = 0.1f, Name = "attn3")]
[Dense(24, Activation = Activation.Gelu)]
[Dense(9)]
public partial class AttentionBlock;

// Attention over a float sequence, the last step's output flattened with the others.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(4, 6)]
[SelfAttention(Heads = 2)]
[Flatten]
[Dense(3)]
public partial class FloatAttention;

// Layouts mixed: a channels-first convolution output joined with a channels-last layer norm of it (one Transpose back,
// shared), a softmax over the channels of a channels-first image, a global pool of that.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5, 4, 3)]
[Conv2D(3, 1, Name = "a")]
[LayerNorm(Name = "norm")]
[Add("a", "norm", Name = "mixed")]
[Conv2D(4, 3, Padding = Padding.Same, Activation = Activation.Softmax)]
[GlobalAveragePool2D]
[Dense(2)]
public partial class MixedLayouts;

// A global pool straight on the (channels-last) input.
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5, 4, 3)]
[GlobalAveragePool2D]
[Dense(2, Activation = Activation.Tanh)]
public partial class PoolOnInput;
