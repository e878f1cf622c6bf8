using Compiled.Generator.Diagnostics;

namespace Compiled.Generator.Tests;

/// <summary>Every diagnostic has a docs page, a release-tracking entry, a stable ID format and one category.</summary>
public class CatalogTests
{
    public static TheoryData<string> Ids => new(DiagnosticDescriptors.All.Select(d => d.Id));

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_diagnostic_is_documented_and_tracked(string id)
    {
        string root = SnapshotTests.RepositoryRoot();
        var descriptor = DiagnosticDescriptors.Get(id);

        Assert.Matches("^CMP[0-9]{4}$", id);
        Assert.Equal("Compiled", descriptor.Category);
        string page = Path.Combine(root, "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"{page} is missing");
        Assert.Contains(id, File.ReadAllText(page));
        Assert.Contains($"{id} | Compiled | {descriptor.DefaultSeverity}", File.ReadAllText(Path.Combine(root, "Generator", "AnalyzerReleases.Unshipped.md")));
    }

    [Fact]
    public void Each_descriptor_has_the_issue_kind_of_its_name_id_and_severity()
    {
        // Shape inference reports IssueKinds (plain values); the descriptors give them words. They must agree one to one.
        var kinds = typeof(IssueKinds).GetFields().Where(f => f.FieldType == typeof(IssueKind)).ToDictionary(f => f.Name, f => (IssueKind)f.GetValue(null)!);
        var descriptors = typeof(DiagnosticDescriptors).GetFields().Where(f => f.FieldType == typeof(Microsoft.CodeAnalysis.DiagnosticDescriptor))
            .ToDictionary(f => f.Name, f => (Microsoft.CodeAnalysis.DiagnosticDescriptor)f.GetValue(null)!);
        Assert.Equal(descriptors.Keys.Order(), kinds.Keys.Order());
        foreach ((string name, var descriptor) in descriptors)
        {
            Assert.Equal(descriptor.Id, kinds[name].Id);
            Assert.Equal(descriptor.DefaultSeverity.ToString(), kinds[name].Severity.ToString());
        }
    }
}
