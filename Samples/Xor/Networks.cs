// The networks of the Xor sample, in a file of their own so that Tests/Compiled.Samples.Tests compiles these
// same declarations (a top-level program cannot be referenced).
using Compiled;

/// <summary>Logistic regression: one linear unit on the two inputs.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(2)]
[Dense(1)]
public partial class LinearXor;

/// <summary>Two inputs, eight tanh units, one logit.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 4)]
[Input(2)]
[Dense(8, Activation = Activation.Tanh)]
[Dense(1)]
public partial class TanhXor;
