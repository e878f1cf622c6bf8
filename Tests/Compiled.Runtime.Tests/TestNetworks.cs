namespace Compiled.Runtime.Tests.Networks;

/// <summary>The MNIST MLP shape, for allocation and bad-input tests.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 32)]
[Input(784)]
[Dense(64, Activation = Activation.Relu)]
[Dense(10)]
public partial class Mlp;

/// <summary>The MLP with dropout.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 32)]
[Input(20)]
[Dense(16, Activation = Activation.Relu)]
[Dropout(0.5f)]
[Dense(4)]
public partial class DropoutMlp;

/// <summary>A fully unrolled network.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 4)]
[Input(2)]
[Dense(8, Activation = Activation.Tanh)]
[Dense(1)]
public partial class Tiny;

/// <summary>Regression with two outputs.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 16)]
[Input(3)]
[Dense(24, Activation = Activation.Sigmoid)]
[Dense(2)]
public partial class Regressor;

/// <summary>The seed CNN (the MnistCnn sample's network), for the allocation and threading tests.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 32)]
[Input(28, 28, 1)]
[Conv2D(32, 3, Activation = Activation.Relu)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.Relu)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.Relu)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dense(10)]
public partial class SeedCnn;

/// <summary>A small CNN with dropout and float targets, for the threading tests.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 16)]
[Input(8, 8, 2)]
[Conv2D(4, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[AveragePool2D(2)]
[Dropout(0.25f)]
[Flatten]
[Dense(3)]
public partial class DropoutCnn;

/// <summary>More than 2^29 parameters (537,567,200: 2.15 GB of floats), for the big-model save and load test.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 1)]
[Input(23170)]
[Dense(23200)]
public partial class Huge;
