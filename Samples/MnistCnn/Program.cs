// The seed CNN on MNIST: Conv2D(32, 3, relu), MaxPool2D(2), Conv2D(64, 3, relu), MaxPool2D(2), Conv2D(64, 3, relu),
// Flatten, Dense(64, relu), Dense(10), Adam, softmax cross-entropy on logits.
// dotnet run -c Release --project Samples/MnistCnn [-- --data DIR] [--epochs N] [--threads N] [--seed N] [--save FILE] [--plot [PNG]] [--onnx FILE]
using System.Diagnostics;
using Compiled;
using Compiled.Data;
using Compiled.Onnx;
using Compiled.Plots;

string dataDirectory = Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
int epochs = 10;
int seed = 42;
int threads = Environment.ProcessorCount;
string savePath = "mnist-cnn.safetensors";
string? plotPath = null;
string? onnxPath = null;
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
        case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t > 0:
            threads = t;
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
            plotPath = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "mnist-cnn-curves.png";
            break;
        case "--onnx" when i + 1 < args.Length:
            onnxPath = args[++i];
            break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: MnistCnn [--data DIR] [--epochs N] [--threads N] [--seed N] [--save FILE] [--plot [PNG]] [--onnx FILE]");
            return 2;
    }
}

Dataset train = Load(dataDirectory, "train");
Dataset test = Load(dataDirectory, "t10k");
Console.WriteLine($"MNIST-format data from {dataDirectory}: {train.Count} training and {test.Count} test images of 28x28 pixels");

// Pixels are in [0, 1] already, as the Keras tutorial scales them.
var network = new MnistCnn(seed) { Threads = threads };
var adam = new Adam(learningRate: 1e-3f);
var options = new TrainingOptions
{
    Epochs = epochs,
    BatchSize = 32,
    ShuffleSeed = seed,
    // Step decay over the run (10 epochs: 5 at 1e-3, 3 at 3e-4, 2 at 1e-4): Adam at a fixed rate keeps jumping around
    // the minimum, by half a point of test accuracy from one epoch to the next.
    LearningRateSchedule = epoch => epoch <= (epochs + 1) / 2 ? 1e-3f : epoch <= (int)Math.Ceiling(0.8 * epochs) ? 3e-4f : 1e-4f,
};
Console.WriteLine($"training {MnistCnn.ParameterCount} parameters on {threads} thread(s); accuracy is on the test set, which training never sees");
var clock = Stopwatch.StartNew();
TrainingResult result = Trainer.Fit(network, train, validation: test, options, ref adam, [new ConsoleReporter()]);
double seconds = clock.Elapsed.TotalSeconds;

var evaluation = Trainer.Evaluate(network, test);
network.SaveParameters(savePath);
Console.WriteLine($"saved parameters to {Path.GetFullPath(savePath)}");
if (plotPath is not null)
{
    TrainingPlots.SaveCurves(result.History, plotPath, title: "MnistCnn");
    Console.WriteLine($"wrote the loss and accuracy curves to {Path.GetFullPath(plotPath)}");
}

if (onnxPath is not null)
{
    // The trained network as a standard ONNX model: the same 28x28x1 input, channels-last, and the same probabilities.
    network.SaveOnnx(onnxPath);
    Console.WriteLine($"wrote the network as ONNX (opset {ModelGraph.Opset}) to {Path.GetFullPath(onnxPath)}");
}
ConfusionMatrix confusion = ConfusionMatrix.Of(network, test);
Console.WriteLine(confusion);
Console.WriteLine($"test accuracy: {evaluation.Accuracy:F4}, test loss: {evaluation.Loss:F4}, test macro F1: {confusion.MacroF1:F4}, epochs: {result.Epochs}, threads: {threads}, train seconds: {seconds:F1}, images/s: {(double)train.Count * result.Epochs / seconds:F0}");
return 0;

static Dataset Load(string directory, string prefix)
{
    float[] images = Idx.ReadImages(MnistFiles.Find(directory, prefix + "-images-idx3-ubyte"), out int count, out int pixels);
    int[] labels = Idx.ReadLabels(MnistFiles.Find(directory, prefix + "-labels-idx1-ubyte"));
    if (labels.Length != count || pixels != 28 * 28)
    {
        throw new InvalidDataException($"{prefix}: {count} images of {pixels} pixels and {labels.Length} labels; expected one label per 28x28 image.");
    }

    return Dataset.WithLabels(images, pixels, labels);
}
