// The network of the MnistCnn sample, in a file of its own so that Tests/Compiled.Samples.Tests and the benchmarks
// compile this same declaration (a top-level program cannot be referenced).
using Compiled;

// pool2 halves 11x11 to 5x5 and never reads the last row and column, which the generator notes (CMP0019, an info).
// Keras' tutorial network does exactly that; this sample keeps it, so the note is silenced here.
#pragma warning disable CMP0019

/// <summary>
/// The CNN of TensorFlow's and Keras' MNIST tutorials, layer for layer: 28x28x1 -> conv 3x3x32 -> max pool 2 -> conv 3x3x64
/// -> max pool 2 -> conv 3x3x64 -> flatten -> 64 ReLU -> 10 logits; 93,322 parameters.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(28, 28, 1)]
[Conv2D(32, 3, Activation = Activation.Relu, Name = "conv1")]
[MaxPool2D(2, Name = "pool1")]
[Conv2D(64, 3, Activation = Activation.Relu, Name = "conv2")]
[MaxPool2D(2, Name = "pool2")]
[Conv2D(64, 3, Activation = Activation.Relu, Name = "conv3")]
[Flatten]
[Dense(64, Activation = Activation.Relu, Name = "dense1")]
[Dense(10, Name = "output")]
public partial class MnistCnn;
