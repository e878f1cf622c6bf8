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
    };

    [Theory]
    [MemberData(nameof(HalfTyped))]
    public void Half_typed_code_gives_diagnostics_not_exceptions(string source)
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run(source).Result;

        GeneratorRunResult run = Assert.Single(result.Results);
        Assert.Null(run.Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "CMP0099");
    }

    [Theory]
    [InlineData("[Network] [Input(3)] [Dropout(0.5f)]")]
    [InlineData("[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(3)] [Dense(4)] [Dropout(0.5f)]")]
    [InlineData("[Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 1)] [Input(1)] [Dense(1, Activation = Activation.Softmax)] [Dense(1)]")]
    [InlineData("[Network] [Input(2, 3)] [Dropout(0f)] [Dense(65)] [Dense(1, Activation = Activation.LeakyRelu)]")]
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
