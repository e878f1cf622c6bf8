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

    internal static void MatchIn(string directory, string name, string actual)
    {
        string scrubbed = Scrub(actual);
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
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
