using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests;

/// <summary>
/// Declarations a hostile or careless user writes: keyword names, members that clash with generated ones, records, file
/// classes, primary constructors, errors that must stop emission, a culture that writes numbers differently, and the
/// pipeline's own promises (shapes inferred once per edit, no Roslyn in shape inference).
/// </summary>
public class HostileDeclarationTests
{
    private static Diagnostic AssertSingle(string id, string marked, [CallerMemberName] string test = "", string? variant = null)
    {
        MarkedSource source = MarkedSource.Parse(marked);
        var (result, output, _) = GeneratorHarness.Run(source.Text);
        Snapshot.MatchDiagnostics(variant is null ? test : test + "." + variant, source.Text, result.Diagnostics);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(source.Span, diagnostic.Location.SourceSpan);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "CMP0099");
        Assert.Empty(result.GeneratedTrees); // an error stops emission, so no CS error follows from generated code
        Assert.DoesNotContain(GeneratorHarness.CompilerProblems(output), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true);
        return diagnostic;
    }

    [Fact]
    public void Keyword_namespaces_and_class_names_are_escaped()
    {
        var (result, output, _) = GeneratorHarness.Run("""
            using Compiled;
            namespace Contoso.@internal;
            [Network] [Input(2)] [Dense(1)]
            public partial class @class;
            public static class Use { public static int Size() => new @class().Parameters.Length; }
            """);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        SyntaxTree tree = Assert.Single(result.GeneratedTrees);
        Assert.EndsWith("Contoso.internal.class.g.cs", tree.FilePath);
        Assert.Contains("namespace Contoso.@internal", tree.ToString());
        Assert.Contains("partial class @class :", tree.ToString());
        Assert.Contains("public @class(int seed)", tree.ToString());
    }

    [Fact]
    public void An_empty_input_says_it_is_empty() =>
        Assert.Equal("The [Input] of 'Net' must be at least one dimension, as in [Input(784)], but it is empty", AssertSingle("CMP0004", """
            using Compiled;
            [Network] [[|Input()|]] [Dense(1)]
            public partial class Net;
            """).GetMessage());

    [Fact]
    public void Two_inputs_stop_emission() => AssertSingle("CMP0003", """
        using Compiled;
        [Network] [Input(2)] [[|Input(3)|]] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public void An_input_after_a_layer_stops_emission() => AssertSingle("CMP0014", """
        using Compiled;
        [Network] [Dense(1)] [[|Input(3)|]]
        public partial class Net;
        """);

    [Fact]
    public void A_record_cannot_be_a_network() =>
        Assert.Contains("is a record", AssertSingle("CMP0028", """
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            public partial record [|Net|];
            """).GetMessage());

    [Fact]
    public void A_file_class_cannot_be_a_network() =>
        Assert.Contains("file-local", AssertSingle("CMP0028", """
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            file partial class [|Net|];
            """).GetMessage());

    [Fact]
    public void A_primary_constructor_cannot_be_a_network_s() =>
        Assert.Contains("primary constructor", AssertSingle("CMP0028", """
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            public partial class [|Net|](int size) { public int Size => size; }
            """).GetMessage());

    public static TheoryData<string, string> Clashes => new()
    {
        { "public int [|Parameters|] => 3;", "the property Parameters" },
        { "private readonly float[] [|_parameters|] = new float[1];", "the field _parameters" },
        { "public [|Net|]() { }", "the constructor Net()" },
        { "public [|Net|](int seed) { }", "the constructor Net(int seed)" },
        { "public void [|Predict|](System.ReadOnlySpan<float> x, System.Span<float> y) { }", "the method Predict(ReadOnlySpan<float> inputs, Span<float> outputs)" },
        { "public float [|TrainStep|]<T>(System.ReadOnlySpan<float> x, System.ReadOnlySpan<float> t, ref T o) where T : struct, IOptimizer => 0;", "the method TrainStep(" },
        { "public const int [|InputSize|] = 2;", "the field InputSize" },
        { "public System.Span<float> [|Dense0Weight|] => default;", "the property Dense0Weight" },
        { "public int [|Threads|];", "the property Threads" },
    };

    [Theory]
    [MemberData(nameof(Clashes))]
    public void A_member_that_clashes_with_a_generated_one_is_reported_at_the_member(string member, string generated)
    {
        Diagnostic diagnostic = AssertSingle("CMP0029", variant: new string(generated.Where(char.IsLetterOrDigit).ToArray()), marked: $$"""
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            public partial class Net
            {
                {{member}}
            }
            """);
        Assert.Contains(generated, diagnostic.GetMessage());
    }

    [Fact]
    public void A_class_named_like_a_generated_member_is_reported() =>
        Assert.Contains("the method Predict(", AssertSingle("CMP0029", """
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            public partial class [|Predict|];
            """).GetMessage());

    [Fact]
    public void Overloads_and_members_of_other_names_are_fine()
    {
        var (result, output, _) = GeneratorHarness.Run("""
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            public partial class Net
            {
                public Net(string path) : this() => LoadParameters(path);
                public float[] Predict(float[] x) { var y = new float[OutputSize]; Predict(x, y); return y; }
                public string Description => "two inputs, one output";
                private int _calls;
                public int Calls() => ++_calls;
            }
            """);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        Assert.Single(result.GeneratedTrees);
    }

    [Fact]
    public void Generated_code_is_the_same_in_every_culture()
    {
        // fi-FI writes a minus sign as U+2212 and decimals with a comma; nothing the generator writes may depend on it.
        const string Source = """
            using Compiled;
            namespace Demo;
            [Network(Seed = -5, MaxBatchSize = 3)]
            [Input(4, 3)]
            [Dense(5, Activation = Activation.Gelu)]
            [LayerNorm(Epsilon = 1.5e-3f)]
            [Dropout(0.25f)]
            [Dense(2)]
            public partial class Net;
            """;
        string Generate() => Assert.Single(GeneratorHarness.Run(Source).Result.GeneratedTrees).ToString();
        string invariant = Generate();
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("fi-FI");
            Assert.Equal("\u22125", (-5).ToString(CultureInfo.CurrentCulture)); // the culture really differs here
            string finnish = Generate();
            Assert.Equal(invariant, finnish);
            Assert.Contains("DefaultSeed = -5;", finnish);
            Assert.DoesNotContain("\u2212", finnish);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void An_edit_infers_shapes_once()
    {
        const string Network = """
            using Compiled;
            [Network] [Input(4)] [Dense(3)] [Dense(1)]
            public partial class Net;
            """;
        CSharpCompilation compilation = GeneratorHarness.Compile(Network);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree old = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Network.Replace("Dense(3)", "Dense(5)"), (CSharpParseOptions)old.Options, old.FilePath));

        int before = Shapes.NetworkShaper.RunsOnThisThread;
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.Equal(1, Shapes.NetworkShaper.RunsOnThisThread - before);
        Assert.Contains("Dense(5", edited.SyntaxTrees.Single().ToString());
        Assert.Single(result.GeneratedSources);
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    [Fact]
    public void Shape_inference_and_the_layer_rules_need_no_Roslyn()
    {
        string generator = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "Generator"));
        var files = Directory.GetFiles(Path.Combine(generator, "Shapes"), "*.cs")
            .Concat(Directory.GetFiles(Path.Combine(generator, "Planning"), "*.cs"))
            .Concat(Directory.GetFiles(Path.Combine(generator, "Layers"), "*.cs").Where(f => !f.EndsWith("LayerReader.cs")))
            .ToList();
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            string text = File.ReadAllText(file);
            Assert.False(text.Contains("Microsoft.CodeAnalysis") || text.Contains("DiagnosticDescriptor") || text.Contains("DiagnosticSeverity"),
                $"{Path.GetFileName(file)} uses Roslyn; shape inference works on plain values (IssueKinds) only");
        }
    }
}
