using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Compiled.Generator.Tests;

/// <summary>
/// A small stand-in for Verify (not served by the package registry here): compares text with
/// <c>Snapshots/{name}.verified.cs</c> beside the tests. On a mismatch it writes <c>{name}.received.cs</c> and fails
/// with the first differing line; with COMPILED_ACCEPT_SNAPSHOTS=1 it writes the verified file instead. The
/// generator's version is scrubbed, so a version bump does not change every snapshot.
/// </summary>
internal static partial class Snapshot
{
    public const string AcceptVariable = "COMPILED_ACCEPT_SNAPSHOTS";

    public static void Match(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        MatchIn(directory, name, actual);
    }

    /// <summary>Snapshots what a diagnostic test reports, as Mapperly's tests do: every diagnostic's ID, severity and message,
    /// and the source line it points at with carets under its span, in <c>Snapshots/Diagnostics/{name}.verified.txt</c>, so
    /// that a change of wording or position is reviewed like a change of code.</summary>
    public static void MatchDiagnostics(string name, string source, IEnumerable<Microsoft.CodeAnalysis.Diagnostic> diagnostics, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots", "Diagnostics");
        MatchIn(directory, name, Render(source, diagnostics), ".txt");
    }

    internal static string Render(string source, IEnumerable<Microsoft.CodeAnalysis.Diagnostic> diagnostics)
    {
        var text = new System.Text.StringBuilder();
        string[] lines = source.ReplaceLineEndings("\n").Split('\n');
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal))
        {
            text.Append(diagnostic.Id).Append(' ').Append(diagnostic.Severity).Append(": ").Append(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            if (!diagnostic.Location.IsInSource)
            {
                text.Append("  (no source location)\n");
                continue;
            }

            var span = diagnostic.Location.GetLineSpan();
            int line = span.StartLinePosition.Line, start = span.StartLinePosition.Character;
            int end = span.EndLinePosition.Line == line ? span.EndLinePosition.Character : lines[line].Length;
            text.Append("  ").Append(lines[line]).Append('\n');
            text.Append("  ").Append(' ', start).Append('^', Math.Max(1, end - start)).Append('\n');
        }

        return text.ToString();
    }

    internal static void MatchIn(string directory, string name, string actual, string extension = ".cs")
    {
        string scrubbed = Scrub(actual);
        string verified = Path.Combine(directory, name + ".verified" + extension);
        string received = Path.Combine(directory, name + ".received" + extension);
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, scrubbed);
            File.Delete(received);
            return;
        }

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).ReplaceLineEndings("\n") : null;
        if (expected == scrubbed)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, scrubbed);
        Assert.Fail(expected is null
            ? $"No snapshot {verified}; wrote {received}. Review it, then rename it to .verified.cs or run with {AcceptVariable}=1."
            : $"Snapshot {name} differs: {FirstDifference(expected, scrubbed)}. Wrote {received}; diff it against {verified}, and accept with {AcceptVariable}=1 if the change is intended.");
    }

    internal static string Scrub(string text) =>
        VersionPattern().Replace(text.ReplaceLineEndings("\n"), "GeneratedCode(\"Compiled.Generator\", \"{version}\")");

    internal static string FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string left = i < a.Length ? a[i] : "<end of file>";
            string right = i < b.Length ? b[i] : "<end of file>";
            if (left != right)
            {
                return $"line {i + 1}: expected `{left.Trim()}` but got `{right.Trim()}`";
            }
        }

        return "no line differs (line endings?)";
    }

    [GeneratedRegex("GeneratedCode\\(\"Compiled\\.Generator\", \"[^\"]*\"\\)")]
    private static partial Regex VersionPattern();
}
