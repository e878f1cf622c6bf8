// The networks of the MnistMlp sample, in a file of their own so that Tests/Compiled.Samples.Tests compiles these
// same declarations (a top-level program cannot be referenced).
using Compiled;

/// <summary>The Keras MLP: 784 pixels, 64 ReLU units (dropout 0.2 in training), 10 logits.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(784)]
[Dense(64, Activation = Activation.Relu, Name = "hidden")]
[Dropout(0.2f)]
[Dense(10, Name = "output")]
public partial class MnistMlp;
