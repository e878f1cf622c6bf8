// The networks of the MnistGan sample, in a file of its own so that Tests/Compiled.Samples.Tests and the benchmarks
// compile this same declaration (a top-level program cannot be referenced).
using Compiled;

/// <summary>
/// The generator: 64 Gaussian noise values -> 256 -> 512 -> 14x14x16 -> upsampled to 28x28x16 -> a 5x5 convolution to
/// one channel in [-1, 1] (tanh), a digit. The dense layers shape the digit; the last convolution draws it smooth,
/// without the speckle a dense output layer leaves. Leaky ReLUs of slope 0.2, as DCGAN's. It has no loss of its own:
/// its gradient comes from the discriminator's input gradient (<c>Backward(inputs, outputGradient)</c>).
/// </summary>
[Network(Loss = Loss.None, MaxBatchSize = 32)]
[Input(64)]
[Dense(256, Activation = Activation.LeakyRelu, NegativeSlope = 0.2f, Name = "hidden1")]
[Dense(512, Activation = Activation.LeakyRelu, NegativeSlope = 0.2f, Name = "hidden2")]
[Dense(14 * 14 * 16, Activation = Activation.LeakyRelu, NegativeSlope = 0.2f, Name = "project")]
[Reshape(14, 14, 16)]
[UpSampling2D(2, Name = "up")]
[Conv2D(1, 5, Padding = Padding.Same, Activation = Activation.Tanh, Name = "image")]
public partial class DigitGenerator;

/// <summary>
/// The discriminator: a 28x28 image in [-1, 1] -> 512 -> 256 -> one logit, "real" against "generated", binary
/// cross-entropy on the logit, with dropout 0.3 (as the PyTorch and Keras tutorials' dense GANs). A batch holds the real
/// and the generated images of one step, so twice the generator's rows.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 64)]
[Input(784)]
[Dense(512, Activation = Activation.LeakyRelu, NegativeSlope = 0.2f, Name = "hidden1")]
[Dropout(0.3f)]
[Dense(256, Activation = Activation.LeakyRelu, NegativeSlope = 0.2f, Name = "hidden2")]
[Dropout(0.3f)]
[Dense(1, Name = "logit")]
public partial class DigitDiscriminator;
