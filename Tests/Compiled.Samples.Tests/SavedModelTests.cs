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

    [Fact]
    public void Weights_compiled_into_the_assembly_predict_as_the_same_file_loaded_and_are_checked_against_their_hash()
    {
        BreastCancer compiledIn = BreastCancer.Pretrained();
        var fromFile = new BreastCancer();
        fromFile.LoadParameters(Path.Combine(AppContext.BaseDirectory, "data", "breast-cancer.safetensors"));
        Assert.Equal(fromFile.Parameters.ToArray(), compiledIn.Parameters.ToArray());
        Assert.Equal(fromFile.InputStandardizer!.Mean.ToArray(), compiledIn.InputStandardizer!.Mean.ToArray());

        var network = new BreastCancer(3);
        float[] before = network.Parameters.ToArray();
        var changed = Assert.Throws<InvalidDataException>(() => ModelFile.LoadEmbedded(typeof(BreastCancer).Assembly, "Compiled.Weights.BreastCancer", new string('0', 64), network.Parameters, network.Tensors, BreastCancer.NetworkName, BreastCancer.ArchitectureFingerprint, 30, 30, 2));
        Assert.Contains("not the 0000", changed.Message);
        var missing = Assert.Throws<InvalidDataException>(() => ModelFile.LoadEmbedded(typeof(BreastCancer).Assembly, "Compiled.Weights.Nothing", new string('0', 64), network.Parameters, network.Tensors, BreastCancer.NetworkName, BreastCancer.ArchitectureFingerprint, 30, 30, 2));
        Assert.Contains("no embedded resource 'Compiled.Weights.Nothing'", missing.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void The_second_program_runs_from_its_compiled_in_weights_with_no_file_beside_it()
    {
        string csv = Path.Combine(AppContext.BaseDirectory, "data", "sklearn", "breast_cancer.csv");
        string fromFile = RunSecondProgram("--model", Path.Combine(AppContext.BaseDirectory, "data", "breast-cancer.safetensors"), "--data", csv);
        string compiledIn = RunSecondProgram("--embedded", "--data", csv);
        Assert.Contains("from the weights compiled into this program", compiledIn);
        string FirstFive(string output) => output.Split('\n').Single(l => l.StartsWith("first five:", StringComparison.Ordinal));
        Assert.Equal(FirstFive(fromFile), FirstFive(compiledIn));
        Assert.Contains("accuracy 0.99", compiledIn);
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
            WorkingDirectory = Path.GetTempPath(),
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
