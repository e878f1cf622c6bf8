// Small convolutional networks for the gradient checks: every new layer kind, with and without padding and stride,
// rectangular windows, and convolutions as the first, a middle and the last layer. Each has its double-precision twin in
// CnnGradientCheckTests.
namespace Compiled.Runtime.Tests.Networks;

// 7x8x2 -> 5x6x3 -> 2x3x3 (the pool drops a row) -> 18 -> 3
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(7, 8, 2)]
[Conv2D(3, 3, Activation = Activation.Tanh)]
[MaxPool2D(2)]
[Flatten]
[Dense(3)]
public partial class CnnValid;

// 9x7x3 -> 5x4x5 (3x2 kernel, stride 2, same) -> 3x2x5 (average, same) -> 3x2x4 (1x1) -> 4 -> 2
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(9, 7, 3)]
[Conv2D(5, 3, 2, Stride = 2, Padding = Padding.Same, Activation = Activation.Relu)]
[AveragePool2D(2, Padding = Padding.Same)]
[Conv2D(4, 1, Activation = Activation.Sigmoid)]
[GlobalAveragePool2D]
[Dense(2)]
public partial class CnnSameStride;

// 10x10x1 -> 8x8x4 -> 4x4x4 -> 4x4x6 (same) -> 2x2x6 (3x3 windows, stride 1: overlapping) -> 24 -> 5 -> 3
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(10, 10, 1)]
[Conv2D(4, 3, Activation = Activation.Relu)]
[MaxPool2D(2)]
[Conv2D(6, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu)]
[MaxPool2D(3, Stride = 1)]
[Flatten]
[Dense(5, Activation = Activation.Relu)]
[Dense(3)]
public partial class CnnDeep;

// 5x5x2 -> 5x5x2 (same) -> 3x3x1 -> 9 outputs: a convolution is the output layer, Flatten the last layer.
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 8)]
[Input(5, 5, 2)]
[Conv2D(2, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[Conv2D(1, 3)]
[Flatten]
public partial class CnnOutputConv;

// The seed network's layer sequence at a small size, with average pooling and a stride-2 convolution instead of pools.
// 12x12x3 -> 6x6x8 (stride 2, same) -> 4x4x8 -> 2x2x8 (average) -> 32 -> 4
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(12, 12, 3)]
[Conv2D(8, 3, Stride = 2, Padding = Padding.Same, Activation = Activation.Relu)]
[Conv2D(8, 3, Activation = Activation.Relu)]
[AveragePool2D(2)]
[Flatten]
[Dense(4)]
public partial class CnnStrided;

// A generator's way up: a vector -> Dense (unrolled, leaky ReLU of slope 0.2) -> reshaped to 2x3x2 -> upsampled 2x3
// to 4x9x2 -> a convolution (same, leaky ReLU of slope 0.3) to 4x9x3 -> upsampled 2x2 to 8x18x3 -> a 3x3 convolution to
// one channel (tanh).
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 8)]
[Input(5)]
[Dense(12, Activation = Activation.LeakyRelu, NegativeSlope = 0.2f)]
[Reshape(2, 3, 2)]
[UpSampling2D(2, 3)]
[Conv2D(3, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu, NegativeSlope = 0.3f)]
[UpSampling2D(2)]
[Conv2D(1, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[Flatten]
public partial class CnnUpsampling;

// Upsampling as the first layer (its input gradient is the network's), then pooling back down, a reshape of an image
// into another image, and a dense layer on the kernels with a leaky ReLU of slope 0.25.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(3, 2, 2)]
[UpSampling2D(3, 2)]
[Conv2D(2, 2, Activation = Activation.Tanh)]
[MaxPool2D(2)]
[Reshape(1, 4, 2)]
[Conv2D(3, 1, 2)]
[Flatten]
[Dense(70, Activation = Activation.LeakyRelu, NegativeSlope = 0.25f)]
[Dense(3)]
public partial class CnnUpsamplingFirst;

// Max pools run inside the convolutions before them, past the first layer (so with dx): after a convolution without an
// activation, and after a ReLU one whose pool drops a row and a column and whose five filters are no whole vector.
// 11x11x2 -> 10x10x3 -> 8x8x4 -> 4x4x4 -> 3x3x5 -> 1x1x5 -> 5 -> 3
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(11, 11, 2)]
[Conv2D(3, 2, Activation = Activation.Tanh)]
[Conv2D(4, 3)]
[MaxPool2D(2)]
[Conv2D(5, 2, Activation = Activation.Relu)]
[MaxPool2D(2)]
[Flatten]
[Dense(3)]
public partial class CnnPoolsInside;
