using Compiled.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Compiled.Generator.Tests;

/// <summary>The CMP0001 code fix, through Roslyn's code-fix test harness: the generator runs in the test's project, its
/// CMP0001 is offered the fix, the fixed source is compared, and the fixed project must compile with no diagnostics.</summary>
public class CodeFixTests
{
    private sealed class Test : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, MakeNetworkPartialCodeFix, DefaultVerifier>
    {
        public Test()
        {
            // No reference-assembly package download: the running runtime's assemblies and Compiled's own.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestState.AdditionalReferences.AddRange(GeneratorHarness.References);
            FixedState.AdditionalReferences.AddRange(GeneratorHarness.References);
            // The generated sources are the snapshot tests' concern.
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck;
        }

        protected override IEnumerable<Type> GetSourceGenerators()
        {
            yield return typeof(NetworkGenerator);
        }
    }

    private static Task Verify(string source, string fixedSource) =>
        new Test { TestCode = source, FixedCode = fixedSource }.RunAsync();

    [Fact]
    public Task Adds_partial_after_the_access_modifier() => Verify(
        """
        using Compiled;
        [Network] [Input(2)] [Dense(1)]
        public class {|CMP0001:Net|} { }
        """,
        """
        using Compiled;
        [Network] [Input(2)] [Dense(1)]
        public partial class Net { }
        """);

    [Fact]
    public Task Adds_partial_without_modifiers_keeping_the_comment_in_front() => Verify(
        """
        using Compiled;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(3)]
        [Dense(2)]
        // the regression
        class {|CMP0001:Net|};
        """,
        """
        using Compiled;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(3)]
        [Dense(2)]
        // the regression
        partial class Net;
        """);

    [Fact]
    public Task Adds_partial_after_sealed_and_internal() => Verify(
        """
        using Compiled;
        namespace Models
        {
            [Network] [Input(4)] [Dense(3, Activation = Activation.Relu)] [Dense(1)]
            internal sealed class {|CMP0001:Net|}
            {
                public int Extra => 1;
            }
        }
        """,
        """
        using Compiled;
        namespace Models
        {
            [Network] [Input(4)] [Dense(3, Activation = Activation.Relu)] [Dense(1)]
            internal sealed partial class Net
            {
                public int Extra => 1;
            }
        }
        """);

    [Fact]
    public Task Fixes_every_network_in_the_document() => new Test
    {
        TestCode = """
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            public class {|CMP0001:First|} { }
            [Network] [Input(2)] [Dense(1)]
            public class {|CMP0001:Second|} { }
            """,
        FixedCode = """
            using Compiled;
            [Network] [Input(2)] [Dense(1)]
            public partial class First { }
            [Network] [Input(2)] [Dense(1)]
            public partial class Second { }
            """,
    }.RunAsync();
}
