namespace Compiled.Benchmarks;

/// <summary>The 2-8-1 network of the reference figures.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 4)]
[Input(2)]
[Dense(8, Activation = Activation.Tanh)]
[Dense(1)]
public partial class Net281;

/// <summary>The 784-128-10 network of the reference figures.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(784)]
[Dense(128, Activation = Activation.Relu)]
[Dense(10)]
public partial class Net784;

/// <summary>The seed CNN of the reference figures (the MnistCnn sample's network).</summary>
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

/// <summary>The RNN workload of the libtorch reference: nn.RNN(27, 128, tanh) over 16 one-hot steps, Linear(128, 27) per step.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 16)]
[Input(16, 27)]
[SimpleRnn(128, ReturnSequences = true)]
[Dense(27)]
public partial class ElmanChars;

/// <summary>RTNeural's streaming figure: an LSTM of 64 units on one input feature, one step at a time.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 1)]
[Input(8, 1)]
[Lstm(64, ReturnSequences = true)]
public partial class Lstm64;
