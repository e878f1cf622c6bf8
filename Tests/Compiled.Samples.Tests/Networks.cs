namespace Compiled.Samples.Tests;

// The samples' declarations (the snapshot tests read the samples' files and check these same shapes).

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(2)]
[Dense(1)]
public partial class LinearXor;

[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 4)]
[Input(2)]
[Dense(8, Activation = Activation.Tanh)]
[Dense(1)]
public partial class TanhXor;

[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 16)]
[Input(1)]
[Dense(1)]
public partial class Line;

[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 32)]
[Input(10)]
[Dense(1)]
public partial class Diabetes;

[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 16)]
[Input(30)]
[Dense(16, Activation = Activation.Relu)]
[Dense(1)]
public partial class BreastCancer;

[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(784)]
[Dense(64, Activation = Activation.Relu, Name = "hidden")]
[Dropout(0.2f)]
[Dense(10, Name = "output")]
public partial class MnistMlp;
