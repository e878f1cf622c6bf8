using System.Diagnostics;
using System.Globalization;
using Compiled.Data;

namespace Compiled.Samples.Tests;

/// <summary>A model saved by one program (parameters and input standardizer in one file) predicts the same in another:
/// BinaryClassification's breast-cancer network, loaded by the BreastCancerPredict sample, run as a process of its own.</summary>
public sealed class SavedModelTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-saved-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_model_saved_with_its_standardizer_predicts_from_raw_inputs_the_same_in_a_second_program()
    {
        string csv = Path.Combine(AppContext.BaseDirectory, "data", "sklearn", "breast_cancer.csv");
        NumericTable table = Csv.Read(csv, skipHeader: true);
        var all = Dataset.WithTargets(table.ColumnRange(0, 30), 30, table.Column(30)).Shuffled(seed: 5);
        (Dataset train, _) = all.Split(0.8);
        var model = new BreastCancer(seed: 1) { InputStandardizer = Standardizer.Fit(train) };
        var adam = new Adam(1e-3f);
        Trainer.Fit(model, train, null, new TrainingOptions { Epochs = 10, BatchSize = 16 }, ref adam);
        string path = Path.Combine(_directory, "breast-cancer.safetensors");
        model.SaveParameters(path);

        float[] raw = table.ColumnRange(0, 30);
        var expected = new float[table.Rows];
        model.Predict(raw, expected);
        int correct = Enumerable.Range(0, table.Rows).Count(i => (expected[i] > 0.5f ? 1f : 0f) == table.Column(30)[i]);

        string output = RunSecondProgram("--model", path, "--data", csv);
        Assert.Contains($"loaded BreastCancer (architecture {BreastCancer.ArchitectureFingerprint})", output);
        Assert.Contains("input standardizer: 30 features", output);
        Assert.Contains("first five: " + string.Join(" ", expected.Take(5).Select(p => p.ToString("R", CultureInfo.InvariantCulture))), output);
        Assert.Contains($"accuracy {(double)correct / table.Rows:F4}", output);
        Assert.True((double)correct / table.Rows > 0.9, output);
    }

    [Fact]
    public void The_second_program_refuses_a_file_of_another_network()
    {
        var other = new TanhXor(1);
        string path = Path.Combine(_directory, "xor.safetensors");
        other.SaveParameters(path);
        string output = RunSecondProgram(expectSuccess: false, "--model", path);
        Assert.Contains("holds the parameters of TanhXor", output);
    }

    private static string RunSecondProgram(params string[] arguments) => RunSecondProgram(expectSuccess: true, arguments);

    private static string RunSecondProgram(bool expectSuccess, params string[] arguments)
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Compiled.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("No Compiled.sln above the test's directory.");
        }

        string program = Path.Combine(root, "Samples", "BreastCancerPredict", "bin", Configuration, "net10.0", "BreastCancerPredict.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(program);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the second program did not finish in a minute");
        string all = output + error.Result;
        Assert.True(expectSuccess == (process.ExitCode == 0), $"exit code {process.ExitCode}:\n{all}");
        return all;
    }
}
