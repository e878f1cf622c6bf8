using System.Diagnostics;
using System.Runtime.InteropServices;
using Compiled.CrashChild;

namespace Compiled.Runtime.Tests;

/// <summary>Processes killed in the middle of training and of saving (Tests/Compiled.CrashChild): a resumed training ends
/// exactly where an uninterrupted one does, and a killed save leaves the old file whole and no temporary files for good.</summary>
public sealed class CrashTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-crash-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Training_killed_twice_and_resumed_ends_with_the_parameters_of_an_uninterrupted_run_bit_for_bit()
    {
        string reference = Path.Combine(_directory, "reference.bin");
        Assert.Contains("done: resumed from 0", RunToEnd("train", "-", reference));

        string checkpoint = Path.Combine(_directory, "run.safetensors");
        string output = Path.Combine(_directory, "resumed.bin");
        KillAfter("epoch 3", "train", checkpoint, output);
        Assert.False(File.Exists(output));
        int firstResume = ResumedFrom(KillAfter("epoch 7", "train", checkpoint, output));
        Assert.False(File.Exists(output));
        string last = RunToEnd("train", checkpoint, output);
        int secondResume = ResumedFrom(last);
        Assert.InRange(secondResume, Math.Max(firstResume, 1), CrashRun.Epochs - 1);

        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(output));
    }

    [Fact]
    public void Saves_killed_twelve_times_leave_a_whole_file_and_a_later_save_leaves_no_temporary_files()
    {
        string path = Path.Combine(_directory, "wide.safetensors");
        var random = new Xoshiro(12);
        var network = new CrashWide(0);
        int killedMidSave = 0;
        for (int kill = 0; kill < 12; kill++)
        {
            KillAfter("saved 1", "save", path, delay: TimeSpan.FromMilliseconds(random.NextInt32(60)));

            // Whatever moment the kill came, the file is one save's values, whole.
            network.LoadParameters(path);
            float value = network.Parameters[0];
            Assert.True(value >= 1f, $"kill {kill}: the file holds {value}");
            Assert.Equal(-1, network.Parameters.IndexOfAnyExcept(value));

            // A killed save leaves its temporary file; the next save of the path removes it, so they never pile up.
            int temporaries = Temporaries(path);
            Assert.InRange(temporaries, 0, 1);
            killedMidSave += temporaries;
        }

        Assert.True(killedMidSave > 0, "no kill came in the middle of a save, so this proved nothing");

        network.Parameters.Fill(-3f);
        network.SaveParameters(path);
        Assert.Equal(0, Temporaries(path));
        network.Parameters.Clear();
        network.LoadParameters(path);
        Assert.Equal(-3f, network.Parameters[^1]);
    }

    private static int Temporaries(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*.tmp").Length;

    private static int ResumedFrom(string output)
    {
        const string marker = "done: resumed from ";
        int at = output.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            // Killed before the end: the epochs it printed start after the one it resumed from.
            string first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
            return int.Parse(first.Substring("epoch ".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture) - 1;
        }

        return int.Parse(output.Substring(at + marker.Length).Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string RunToEnd(params string[] arguments)
    {
        using Process child = Start(arguments);
        string output = child.StandardOutput.ReadToEnd();
        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(2)), "the child did not finish");
        Assert.True(child.ExitCode == 0, $"the child exited with {child.ExitCode}: {output} {child.StandardError.ReadToEnd()}");
        return output;
    }

    /// <summary>Starts the child, waits for a line of its output, waits <paramref name="delay"/> more, and kills it.</summary>
    private static string KillAfter(string line, string mode, string path, string? output = null, TimeSpan delay = default)
    {
        using Process child = Start(output is null ? [mode, path] : [mode, path, output]);
        var seen = new System.Text.StringBuilder();
        while (child.StandardOutput.ReadLine() is string read)
        {
            seen.Append(read).Append('\n');
            if (read == line)
            {
                break;
            }
        }

        if (!seen.ToString().Contains(line, StringComparison.Ordinal))
        {
            Assert.Fail($"the child ended before '{line}': {seen} {child.StandardError.ReadToEnd()}");
        }

        Thread.Sleep(delay);
        child.Kill(entireProcessTree: true);
        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(1)));
        return seen.ToString();
    }

    private static Process Start(string[] arguments)
    {
        // The child is built beside this project (a ProjectReference that only orders the build) in the same configuration.
        string child = Path.Combine(
            AppContext.BaseDirectory.Replace("Compiled.Runtime.Tests", "Compiled.CrashChild", StringComparison.Ordinal), "Compiled.CrashChild.dll");
        Assert.True(File.Exists(child), $"{child} was not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(child);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
