// The networks of the MnistGan sample, in a file of its own so that Tests/Compiled.Samples.Tests and the benchmarks
// compile this same declaration (a top-level program cannot be referenced).
using Compiled;

/// <summary>
/// The generator, DCGAN's shape with upsampling in place of transposed convolutions: 64 Gaussian noise values -> 7x7x64
/// -> upsampled to 14x14 -> two 3x3 convolutions -> upsampled to 28x28 -> a 5x5 convolution to one channel in [-1, 1]
/// (tanh), a digit. It has no loss of its own: its gradient comes from the discriminator's input gradient
/// (<c>Backward(inputs, outputGradient)</c>).
/// </summary>
[Network(Loss = Loss.None, MaxBatchSize = 64)]
[Input(64)]
[Dense(7 * 7 * 64, Activation = Activation.LeakyRelu, Name = "project")]
[Reshape(7, 7, 64)]
[UpSampling2D(2, Name = "up1")]
[Conv2D(64, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu, Name = "conv1")]
[Conv2D(32, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu, Name = "conv2")]
[UpSampling2D(2, Name = "up2")]
[Conv2D(1, 5, Padding = Padding.Same, Activation = Activation.Tanh, Name = "image")]
public partial class DigitGenerator;

/// <summary>
/// The discriminator: a 28x28 image in [-1, 1] -> two stride-2 convolutions (14x14x32, 7x7x64) -> one logit, "real"
/// against "generated", binary cross-entropy on the logit. A batch holds the real and the generated images of one
/// step, so 128 rows.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 128)]
[Input(28, 28, 1)]
[Conv2D(32, 3, Stride = 2, Padding = Padding.Same, Activation = Activation.LeakyRelu, Name = "conv1")]
[Dropout(0.3f)]
[Conv2D(64, 3, Stride = 2, Padding = Padding.Same, Activation = Activation.LeakyRelu, Name = "conv2")]
[Dropout(0.3f)]
[Flatten]
[Dense(1, Name = "logit")]
public partial class DigitDiscriminator;
