using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Compiled.Generator.Tests;

/// <summary>Weights compiled into the assembly: the build's text form of a weights file (Runtime/build/Compiled.targets
/// writes it) checked against the network, Pretrained() emitted, CMP0034/CMP0035, and what an edit re-runs.</summary>
public class CompiledWeightsTests
{
    private const string Network = """
        using Compiled;
        namespace Demo;
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(3)]
        [Dense(4, Activation = Activation.Relu)]
        [Dense(2)]
        public partial class Net;
        """;

    private sealed class Text(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private static Text Weights(string network = "Net", string shape = "3,4", string sha = "ab12", string? error = null) => new(
        $"/obj/compiled-weights/{network}.compiled-weights.txt",
        $"network={network}\npath=/src/{network}.safetensors\nsha256={sha}\n" + (error is null
            ? $"tensor=dense0.weight\tF32\t{shape}\ntensor=dense0.bias\tF32\t4\ntensor=dense1.weight\tF32\t4,2\ntensor=dense1.bias\tF32\t2\n"
            : $"error={error}\n"));

    private static (GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output) Run(CSharpCompilation compilation, params AdditionalText[] texts)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().AddAdditionalTexts(ImmutableArray.Create(texts));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver, driver.GetRunResult(), output);
    }

    [Fact]
    public void A_matching_file_gives_the_network_pretrained_with_the_resource_and_hash_the_build_saw()
    {
        var (_, result, output) = Run(GeneratorHarness.Compile(Network), Weights());
        Assert.Empty(result.Diagnostics);
        SyntaxTree weights = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("Demo.Net.Weights.g.cs", StringComparison.Ordinal));
        string text = weights.ToString();
        Assert.Contains("public static Net Pretrained()", text);
        Assert.Contains("\"Compiled.Weights.Net\", \"ab12\"", text);
        Assert.Contains("_classNames = held.ClassNames;", text);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));

        // The full name works as well as the class name.
        Assert.Empty(Run(GeneratorHarness.Compile(Network), Weights("Demo.Net")).Result.Diagnostics);
    }

    [Fact]
    public void A_file_of_other_shapes_is_CMP0034_at_the_weights_file_and_emits_no_pretrained()
    {
        var (_, result, output) = Run(GeneratorHarness.Compile(Network), Weights(shape: "3,5"));
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("CMP0034", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("/src/Net.safetensors", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("its 'dense0.weight' is [3, 5], the network's [3, 4]", diagnostic.GetMessage());
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.EndsWith("Weights.g.cs", StringComparison.Ordinal));
        Assert.Empty(GeneratorHarness.CompilerProblems(output)); // the network itself is still generated
    }

    [Fact]
    public void An_unreadable_file_is_CMP0034_with_the_reason()
    {
        Diagnostic diagnostic = Assert.Single(Run(GeneratorHarness.Compile(Network), Weights(error: "the file is not safetensors: its header length is -1 for 3 bytes")).Result.Diagnostics);
        Assert.Equal("CMP0034", diagnostic.Id);
        Assert.Contains("not safetensors", diagnostic.GetMessage());
    }

    [Fact]
    public void A_file_for_no_network_is_CMP0035_naming_the_networks_there_are()
    {
        Diagnostic diagnostic = Assert.Single(Run(GeneratorHarness.Compile(Network), Weights("Nett")).Result.Diagnostics);
        Assert.Equal("CMP0035", diagnostic.Id);
        Assert.Contains("'Nett'", diagnostic.GetMessage());
        Assert.Contains("Demo.Net", diagnostic.GetMessage());
    }

    [Fact]
    public void Editing_the_weights_reemits_their_source_only_and_an_unrelated_edit_reruns_nothing()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Network, "namespace Other { class A { } }");
        Text original = Weights();
        var (driver, _, _) = Run(compilation, original);

        // New weights (another hash): the weights text re-runs, the network's own pipeline and source do not.
        GeneratorDriver edited = driver.ReplaceAdditionalText(original, Weights(sha: "cd34"));
        GeneratorRunResult result = edited.RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(result.TrackedSteps[TrackingNames.Weights].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.All(result.TrackedSteps[TrackingNames.Network].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Contains("\"cd34\"", result.GeneratedSources.Single(s => s.HintName.EndsWith("Weights.g.cs", StringComparison.Ordinal)).SourceText.ToString());

        // An unrelated source edit: the weights step is cached.
        SyntaxTree old = compilation.SyntaxTrees.Last();
        CSharpCompilation unrelated = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText("namespace Other { class A { int x; } }", (CSharpParseOptions)old.Options, old.FilePath));
        GeneratorRunResult again = edited.RunGenerators(compilation).RunGenerators(unrelated).GetRunResult().Results.Single();
        Assert.All(again.TrackedSteps[TrackingNames.Weights].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.All(again.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }
}
