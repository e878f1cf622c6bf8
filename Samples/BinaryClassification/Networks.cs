// The networks of the BinaryClassification sample, in a file of their own so that Tests/Compiled.Samples.Tests compiles these
// same declarations (a top-level program cannot be referenced).
using Compiled;

/// <summary>Logistic regression on one input.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 32)]
[Input(1)]
[Dense(1)]
public partial class Step;

/// <summary>30 measurements, 16 ReLU units, one logit (malignant = 0, benign = 1 in scikit-learn's coding).</summary>
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 16)]
[Input(30)]
[Dense(16, Activation = Activation.Relu)]
[Dense(1)]
public partial class BreastCancer;
