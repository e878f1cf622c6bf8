using System.Buffers.Binary;
using Compiled.Data;
using Compiled.Plots;

namespace Compiled.Samples.Tests;

/// <summary>Compiled.Plots: the curves of a real training history as a PNG, written atomically, inputs checked.</summary>
public sealed class PlotTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-plots-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_history_of_a_fit_becomes_a_png_of_the_asked_size_replacing_an_older_one()
    {
        var random = new Xoshiro(3);
        var features = new float[200 * 2];
        var targets = new float[200];
        for (int i = 0; i < 200; i++)
        {
            features[2 * i] = random.NextSingle();
            features[(2 * i) + 1] = random.NextSingle();
            targets[i] = features[2 * i] > features[(2 * i) + 1] ? 1f : 0f;
        }

        var data = Dataset.WithTargets(features, 2, targets);
        (Dataset train, Dataset validation) = data.Split(0.75);
        var network = new TanhXor(1);
        var adam = new Adam(0.05f);
        TrainingResult result = Trainer.Fit(network, train, validation, new TrainingOptions { Epochs = 12, BatchSize = 4 }, ref adam);

        string path = Path.Combine(_directory, "curves.png");
        File.WriteAllText(path, "an older file");
        TrainingPlots.SaveCurves(result.History, path, title: "test", width: 640, height: 300);

        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(300, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.True(png.Length > 10_000, $"a picture with curves, axes and text, not a blank one: {png.Length} bytes");
        Assert.Equal(["curves.png"], Directory.GetFiles(_directory).Select(Path.GetFileName)); // no temporary file left
    }

    [Fact]
    public void A_history_without_validation_plots_the_training_loss_alone()
    {
        EpochReport[] history = [.. Enumerable.Range(1, 5).Select(e => new EpochReport(e, 1f / e, float.NaN, float.NaN, TimeSpan.FromSeconds(e)))];
        string path = Path.Combine(_directory, "sub", "loss.png");
        TrainingPlots.SaveCurves(history, path);
        Assert.True(new FileInfo(path).Length > 5_000);
    }

    [Fact]
    public void Bad_arguments_are_refused_before_a_file_is_written()
    {
        var one = new[] { new EpochReport(1, 1f, float.NaN, float.NaN, TimeSpan.Zero) };
        string path = Path.Combine(_directory, "bad.png");
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => TrainingPlots.SaveCurves([], path)).Message);
        Assert.Throws<ArgumentNullException>(() => TrainingPlots.SaveCurves(null!, path));
        Assert.Contains("increasing", Assert.Throws<ArgumentException>(() => TrainingPlots.SaveCurves([one[0], one[0]], path)).Message);
        Assert.Throws<ArgumentException>(() => TrainingPlots.SaveCurves(one, " "));
        Assert.Contains("10x10", Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlots.SaveCurves(one, path, width: 10, height: 10)).Message);
        Assert.False(File.Exists(path));
    }
}
