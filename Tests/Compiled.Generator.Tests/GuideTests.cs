using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests;

/// <summary>Every C# block of the guide and of the Keras/PyTorch page compiles, as a program of its own, with the generator
/// run on it: no generator warning or error, no compiler warning or error. So the documentation cannot drift from the API.</summary>
public class GuideTests
{
    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (string page in Pages)
        {
            for (int i = 0; i < CSharpBlocks(page).Count; i++)
            {
                data.Add(page, i);
            }
        }

        return data;
    }

    private static readonly string[] Pages = ["docs/guide.md", "docs/coming-from-keras-and-pytorch.md"];

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_csharp_block_of_the_docs_compiles_with_the_generator(string page, int block)
    {
        string code = CSharpBlocks(page)[block];
        CSharpCompilation compilation = GeneratorHarness.Compile(OutputKind.ConsoleApplication, code, GeneratorHarness.ImplicitUsings);
        var (result, output, _) = GeneratorHarness.Run(compilation);

        // Infos are allowed: the CNN's second pool drops a row, as the Keras network it copies does (CMP0019's info).
        Assert.Empty(result.Diagnostics.Where(d => d.Severity > DiagnosticSeverity.Info));
        Assert.NotEmpty(result.GeneratedTrees);
        Diagnostic[] problems = GeneratorHarness.CompilerProblems(output).ToArray();
        Assert.True(problems.Length == 0, $"{page}, C# block {block + 1}:\n{string.Join("\n", problems.Select(p => p.ToString()))}\n\n{code}");
    }

    [Fact]
    public void The_guide_covers_what_a_user_needs_and_the_readme_links_it()
    {
        string guide = File.ReadAllText(Path.Combine(SnapshotTests.RepositoryRoot(), "docs", "guide.md"));
        foreach (string section in new[] { "## Install", "## Declare a network", "## Shapes", "## Data", "## Train with `Trainer.Fit`", "## Train by hand with `TrainStep`", "## Evaluate", "## Save and load", "## Export to ONNX", "## Threads", "## Native AOT" })
        {
            Assert.Contains(section, guide);
        }

        Assert.True(CSharpBlocks("docs/guide.md").Count >= 8);
        Assert.True(CSharpBlocks("docs/coming-from-keras-and-pytorch.md").Count >= 2);
        string readme = File.ReadAllText(Path.Combine(SnapshotTests.RepositoryRoot(), "README.md"));
        Assert.Contains("(docs/guide.md)", readme[..readme.IndexOf("---", StringComparison.Ordinal)]); // on the first screen
    }

    private static List<string> CSharpBlocks(string page)
    {
        string text = File.ReadAllText(Path.Combine(SnapshotTests.RepositoryRoot(), page));
        return Regex.Matches(text, "```csharp\\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
    }
}
