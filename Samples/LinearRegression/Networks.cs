// The networks of the LinearRegression sample, in a file of their own so that Tests/Compiled.Samples.Tests compiles these
// same declarations (a top-level program cannot be referenced).
using Compiled;

/// <summary>y = w x + b.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 16)]
[Input(1)]
[Dense(1)]
public partial class Line;

/// <summary>Linear regression on the 10 diabetes measurements.</summary>
[Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 32)]
[Input(10)]
[Dense(1)]
public partial class Diabetes;
