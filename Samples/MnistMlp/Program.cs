// The Keras MLP on MNIST: Dense(64, relu), Dense(10), Adam, softmax cross-entropy on logits.
// dotnet run --project Samples/MnistMlp [-- --data DIR] [--epochs N] [--save FILE] [--plot [PNG]]
using System.Diagnostics;
using Compiled;
using Compiled.Data;
using Compiled.Plots;

string dataDirectory = Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
int epochs = 15;
int seed = 42;
string savePath = "mnist-mlp.safetensors";
string? plotPath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length:
            dataDirectory = args[++i];
            break;
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
            epochs = n;
            i++;
            break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s):
            seed = s;
            i++;
            break;
        case "--save" when i + 1 < args.Length:
            savePath = args[++i];
            break;
        case "--plot":
            plotPath = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "mnist-mlp-curves.png";
            break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: MnistMlp [--data DIR] [--epochs N] [--seed N] [--save FILE] [--plot [PNG]]");
            return 2;
    }
}

Dataset train = Load(dataDirectory, "train");
Dataset test = Load(dataDirectory, "t10k");
Console.WriteLine($"MNIST-format data from {dataDirectory}: {train.Count} training and {test.Count} test images of {train.FeatureSize} pixels");

// Scale pixels to zero mean and unit variance, with the training set's statistics.
float mean = train.Features.Average();
float std = MathF.Sqrt(train.Features.Select(x => (x - mean) * (x - mean)).Average());
foreach (Dataset set in new[] { train, test })
{
    for (int i = 0; i < set.Features.Length; i++)
    {
        set.Features[i] = (set.Features[i] - mean) / std;
    }
}

var network = new MnistMlp(seed);
var adam = new Adam(learningRate: 1e-3f);
var options = new TrainingOptions
{
    Epochs = epochs,
    BatchSize = 32,
    ShuffleSeed = seed,
    // Step decay: settle into the minimum once the fast first epochs are done.
    LearningRateSchedule = epoch => epoch <= 8 ? 1e-3f : epoch <= 12 ? 3e-4f : 1e-4f,
};
var clock = Stopwatch.StartNew();
TrainingResult result = Trainer.Fit(network, train, validation: null, options, ref adam, [new ConsoleReporter()]);
double seconds = clock.Elapsed.TotalSeconds;

var evaluation = Trainer.Evaluate(network, test);
network.SaveParameters(savePath);
Console.WriteLine($"saved parameters to {Path.GetFullPath(savePath)}");
if (plotPath is not null)
{
    TrainingPlots.SaveCurves(result.History, plotPath, title: "MnistMlp");
    Console.WriteLine($"wrote the loss curve to {Path.GetFullPath(plotPath)}");
}
ConfusionMatrix confusion = ConfusionMatrix.Of(network, test);
Console.WriteLine(confusion);
Console.WriteLine($"test accuracy: {evaluation.Accuracy:F4}, test loss: {evaluation.Loss:F4}, test macro F1: {confusion.MacroF1:F4}, epochs: {result.Epochs}, train seconds: {seconds:F1}, samples/s: {(double)train.Count * result.Epochs / seconds:F0}");
return 0;

static Dataset Load(string directory, string prefix)
{
    float[] images = Idx.ReadImages(MnistFiles.Find(directory, prefix + "-images-idx3-ubyte"), out int count, out int pixels);
    int[] labels = Idx.ReadLabels(MnistFiles.Find(directory, prefix + "-labels-idx1-ubyte"));
    if (labels.Length != count)
    {
        throw new InvalidDataException($"{prefix}: {count} images but {labels.Length} labels.");
    }

    return Dataset.WithLabels(images, pixels, labels);
}
