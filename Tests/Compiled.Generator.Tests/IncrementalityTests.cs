using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests;

/// <summary>
/// The generator must be incremental: an edit elsewhere re-runs nothing, a moved declaration re-reports diagnostics
/// without re-emitting, a real change to the network re-emits, and no pipeline value holds a Roslyn object.
/// </summary>
public class IncrementalityTests
{
    private const string Network = """
        using Compiled;
        namespace Demo;
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(64, Activation = Activation.Relu)]
        [Dense(10)]
        public partial class Mlp;
        """;

    private static readonly string[] TrackedSteps =
    {
        TrackingNames.Parse, TrackingNames.Spec, TrackingNames.Shape, TrackingNames.Network, TrackingNames.Diagnostics,
    };

    // The steps that feed emission. Parse and Diagnostics hold the syntax tree and real diagnostics on purpose (so
    // #pragma works on them); everything from Spec on is plain values.
    private static readonly string[] ModelSteps = { TrackingNames.Spec, TrackingNames.Shape, TrackingNames.Network };

    [Fact]
    public void An_unrelated_edit_reruns_nothing()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Network, "namespace Other { class A { } }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText("namespace Other { class A { int x; } }", (CSharpParseOptions)old.Options, old.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in TrackedSteps)
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), output =>
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {output.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Moving_the_declaration_does_not_reemit_source()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Network);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.Single();
        CSharpCompilation moved = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText("// a comment that moves every line\n" + Network, (CSharpParseOptions)old.Options, old.FilePath));
        GeneratorRunResult result = driver.RunGenerators(moved).GetRunResult().Results.Single();

        // The parse result holds locations, so it changes; the spec and everything after it does not.
        Assert.Equal(IncrementalStepRunReason.Modified, result.TrackedSteps[TrackingNames.Parse].Single().Outputs.Single().Reason);
        foreach (string step in new[] { TrackingNames.Spec, TrackingNames.Shape, TrackingNames.Network })
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), output =>
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {output.Reason}"));
        }
    }

    [Fact]
    public void A_real_edit_is_modified()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Network);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Network.Replace("Dense(64", "Dense(32"), (CSharpParseOptions)old.Options, old.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(IncrementalStepRunReason.Modified, result.TrackedSteps[TrackingNames.Spec].Single().Outputs.Single().Reason);
        Assert.Equal(IncrementalStepRunReason.Modified, result.TrackedSteps[TrackingNames.Shape].Single().Outputs.Single().Reason);
        Assert.Contains("Dense(32", edited.SyntaxTrees.Single().ToString());
        Assert.Contains("32", result.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void No_pipeline_value_holds_a_Roslyn_object()
    {
        GeneratorRunResult result = GeneratorHarness.Run(Network).Result.Results.Single();

        foreach (string step in ModelSteps)
        {
            foreach (var run in result.TrackedSteps[step])
            {
                foreach (var (value, _) in run.Outputs)
                {
                    AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }
    }

    /// <summary>Runs the driver again on the same compilation and checks that every step and output was cached.</summary>
    internal static void AssertSecondRunCached(GeneratorDriver driver, Compilation compilation)
    {
        // A fresh compilation of the same text: new trees, so Parse re-runs, but the model steps compare by value and
        // must all be cached or unchanged, and so must the source output.
        GeneratorRunResult result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        foreach (string step in ModelSteps.Where(result.TrackedSteps.ContainsKey))
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), output =>
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {output.Reason}"));
        }

        // Diagnostics are the exception: they hold locations in the new trees, so a network that has some (an info, say)
        // reports them again; the generated source must not change.
        Assert.All(
            result.TrackedOutputSteps.Where(s => s.Key == "SourceOutput").SelectMany(s => s.Value).SelectMany(s => s.Outputs)
                .Where(output => !(output.Value is System.Runtime.CompilerServices.ITuple { Length: 2 } sourcesAndDiagnostics
                    && sourcesAndDiagnostics[1] is System.Collections.Immutable.ImmutableArray<Diagnostic> { IsEmpty: false })),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"source output was {output.Reason}"));
    }

    private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or Compilation or Location or SemanticModel or SyntaxTree,
            $"Step {step} holds a {type.FullName}, which would keep compilations alive and defeat caching.");
        if (value is IEnumerable sequence)
        {
            foreach (object? item in sequence)
            {
                AssertNoRoslynObjects(item, step, seen);
            }
        }

        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (!field.FieldType.IsPointer)
            {
                AssertNoRoslynObjects(field.GetValue(value), step, seen);
            }
        }
    }
}
