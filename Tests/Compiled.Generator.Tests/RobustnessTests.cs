using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests;

/// <summary>The generator never throws, whatever half-typed code an editor hands it.</summary>
public class RobustnessTests
{
    public static TheoryData<string> HalfTyped => new()
    {
        "using Compiled; [Network] [Input(2)] [Dense(] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(4, Activation = )] public partial class Net;",
        "using Compiled; [Network(Loss = )] [Input(2)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network(Loss = (Loss)42)] [Input(2)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(4, Activation = (Activation)99)] public partial class Net;",
        "using Compiled; [Network] [Input(28,] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input()] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(null)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(\"ten\")] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dropout()] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dropout(float.NaN)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(1, Name = null)] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(1, Name = \"\")] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(int.MaxValue)] [Dense(int.MaxValue)] public partial class Net;",
        "using Compiled; [Network(MaxBatchSize = 65536)] [Input(1 << 20)] [Dense(1 << 20)] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(1)] public partial class",
        "using Compiled; [Network] [Input(2)] [Dense(1)] partial class Net : Undefined { }",
        "using Compiled; [Network] [Input(2)] [Dense(1)] [Unknown] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(1)] public partial record Net;",
        "using Compiled; [Network] [Input(2)] [Dense(1)] public partial struct Net;",
        "[Network] [Input(2)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(2)] [Dense(1)] public abstract partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(4)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(4, 3, Stride = )] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(4, 3, Padding = (Padding)5)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(4, 3, 3, 3)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(4, int.MaxValue)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(4, 3, Stride = int.MaxValue)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(4, 3, Stride = int.MaxValue, Padding = Padding.Same)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(int.MaxValue, 3)] [Conv2D(int.MaxValue, 3)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network(MaxBatchSize = 65536)] [Input(1 << 14, 1 << 14, 1)] [Conv2D(64, 3, Padding = Padding.Same)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(int.MaxValue, int.MaxValue, int.MaxValue)] [MaxPool2D(2)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [MaxPool2D()] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [MaxPool2D(2, Stride = -3)] [GlobalAveragePool2D(] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [AveragePool2D(0, 9)] [Flatten(Name = )] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [GlobalAveragePool2D] [GlobalAveragePool2D] [Flatten] public partial class Net;",
        "using Compiled; [Network] [Input] [Conv2D(4, 3)] public partial class Net;",
        "using Compiled; [Network] [Input(8)] [Reshape(] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8)] [Reshape(2, 2)] [UpSampling2D(2)] [Flatten] public partial class Net;",
        "using Compiled; [Network] [Input(8)] [Reshape(int.MaxValue, int.MaxValue, 2)] [UpSampling2D(2)] [Flatten] public partial class Net;",
        "using Compiled; [Network] [Input(8)] [Reshape(-2, -2, 2)] [UpSampling2D(2)] [Flatten] public partial class Net;",
        "using Compiled; [Network] [Input(4, Vocabulary = 5)] [Reshape(2, 2, 1)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [UpSampling2D(] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 8, 1)] [UpSampling2D(int.MaxValue)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network(MaxBatchSize = 65536)] [Input(1 << 10, 1 << 10, 1)] [UpSampling2D(1 << 15, 1 << 15)] [Flatten] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(3)] [UpSampling2D(2)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(3)] [Dense(2, Activation = Activation.LeakyRelu, NegativeSlope = float.NaN)] public partial class Net;",
        "using Compiled; [Network] [Input(3)] [Dense(2, Activation = Activation.LeakyRelu, NegativeSlope = float.PositiveInfinity)] public partial class Net;",
        "using Compiled; [Network] [Input(3)] [Dense(2, NegativeSlope = )] public partial class Net;",
        "using Compiled; [Network] [Input(8, 3)] [Lstm(] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 3)] [Gru(int.MaxValue)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(int.MaxValue, 3)] [SimpleRnn(4, ReturnSequences = true)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 3)] [SimpleRnn(4, Activation = (Activation)99)] [Dense(1)] public partial class Net;",
        "using Compiled; [Network] [Input(8, Vocabulary = 5, PaddingToken = )] [Embedding(2)] [Lstm(3)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 2, MaskValue = float.NaN)] [Gru(3)] public partial class Net;",
        "using Compiled; [Network] [Input(8, 2, MaskValue = 1f, PaddingToken = 3)] [Gru(3)] public partial class Net;",
    };

    [Theory]
    [MemberData(nameof(HalfTyped))]
    public void Half_typed_code_gives_diagnostics_not_exceptions(string source)
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run(source).Result;

        GeneratorRunResult run = Assert.Single(result.Results);
        Assert.Null(run.Exception);
        Diagnostic? failure = result.Diagnostics.FirstOrDefault(d => d.Id == "CMP0099");
        Assert.True(failure is null, failure?.GetMessage());
    }

    [Theory]
    [InlineData("[Network] [Input(3)] [Dropout(0.5f)]")]
    [InlineData("[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(3)] [Dense(4)] [Dropout(0.5f)]")]
    [InlineData("[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 1)] [Input(1)] [Dense(1, Activation = Activation.Softmax)] [Dense(1)]")]
    [InlineData("[Network] [Input(2, 3)] [Dropout(0f)] [Dense(65)] [Dense(1, Activation = Activation.LeakyRelu)]")]
    [InlineData("[Network] [Input(4, 4, 3)] [Flatten]")]
    [InlineData("[Network] [Input(4, 4, 3)] [Flatten] [Flatten] [Dropout(0.5f)] [Dense(2)] [Flatten]")]
    [InlineData("[Network] [Input(4, 4, 3)] [GlobalAveragePool2D]")]
    [InlineData("[Network] [Input(1, 1, 1)] [Conv2D(1, 1)] [MaxPool2D(1)] [AveragePool2D(1, Stride = 5)] [Flatten]")]
    [InlineData("[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(5, 5, 2)] [Dropout(0.1f)] [Conv2D(3, 5, 1, Padding = Padding.Same, Activation = Activation.Softmax)] [Dropout(0.2f)] [MaxPool2D(2, 3, Padding = Padding.Same)] [Flatten]")]
    [InlineData("[Network] [Input(3, 3, 1)] [Conv2D(2, 7, Padding = Padding.Same, Stride = 4)] [Flatten] [Dense(1)]")]
    [InlineData("[Network] [Input(1, 1)] [Lstm(1)]")]
    [InlineData("[Network] [Input(1, 1, 1)] [UpSampling2D(1)] [Reshape(1, 1, 1)] [Flatten]")]
    [InlineData("[Network] [Input(3)] [Dense(2, Activation = Activation.LeakyRelu, NegativeSlope = 0f)] [Dense(70, Activation = Activation.LeakyRelu, NegativeSlope = 1e-30f)] [Dense(1, NegativeSlope = 5f)]")]
    [InlineData("[Network(Loss = Loss.None)] [Input(6)] [Reshape(1, 2, 3)] [Dropout(0.5f)] [UpSampling2D(3, 1)] [Conv2D(1, 2)] [Reshape(2, 1, 1)]")]
    [InlineData("[Network(Loss = Loss.MeanSquaredError)] [Input(2, 2, 3)] [Reshape(3, 4, 1)] [UpSampling2D(2, Name = \"up\")] [Add(\"up\", \"up\")] [Flatten]")]
    [InlineData("[Network(Loss = Loss.None, MaxBatchSize = 1)] [Input(3, 2, MaskValue = -1f)] [Gru(2, ReturnSequences = true)] [LayerNorm] [SimpleRnn(1)]")]
    [InlineData("[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4, Vocabulary = 3, PaddingToken = 2)] [Embedding(2)] [Dropout(0.5f)] [Lstm(9, ReturnSequences = true)] [Flatten] [Dense(1)]")]
    public void Unusual_but_valid_networks_generate_code_that_compiles(string attributes)
    {
        var (result, output, _) = GeneratorHarness.Run($"using Compiled; {attributes} public partial class Net;");
        Assert.Single(result.GeneratedTrees);
        Assert.DoesNotContain(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
    }

    [Fact]
    public void A_network_too_large_for_int_sizes_is_an_error_not_a_crash()
    {
        var diagnostics = GeneratorHarness.Run("using Compiled; [Network(MaxBatchSize = 65536)] [Input(1 << 20)] [Dense(1 << 20)] public partial class Net;").Result.Diagnostics;
        Assert.Contains(diagnostics, d => d.Id == "CMP0004" && d.GetMessage().Contains("at most 2^30"));
    }
}
