// Loads the breast-cancer model that BinaryClassification saved and predicts from raw measurements: the file holds the
// parameters and the input standardizer fitted on that sample's training set, so nothing else is needed here.
// dotnet run --project Samples/BinaryClassification, then dotnet run --project Samples/BreastCancerPredict [-- --model FILE] [--data CSV]
using System.Globalization;
using Compiled;
using Compiled.Data;

string modelPath = "breast-cancer.safetensors";
bool embedded = false;
string dataPath = Path.Combine(AppContext.BaseDirectory, "data", "sklearn", "breast_cancer.csv");
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model" when i + 1 < args.Length:
            modelPath = args[++i];
            break;
        case "--data" when i + 1 < args.Length:
            dataPath = args[++i];
            break;
        case "--embedded":
            embedded = true;
            break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: BreastCancerPredict [--model FILE | --embedded] [--data CSV]");
            return 2;
    }
}

if (embedded)
{
    // The weights compiled into this program (<CompiledWeights> in its project file), checked at build time: no file read.
    BreastCancer compiledIn = BreastCancer.Pretrained();
    Console.WriteLine($"loaded {BreastCancer.NetworkName} (architecture {BreastCancer.ArchitectureFingerprint}) from the weights compiled into this program, input standardizer: {(compiledIn.InputStandardizer is null ? "none" : compiledIn.InputStandardizer.FeatureSize + " features")}");
    return Predict(compiledIn, dataPath);
}

if (!File.Exists(modelPath))
{
    Console.Error.WriteLine($"No model at {Path.GetFullPath(modelPath)}: run the BinaryClassification sample first (it saves breast-cancer.safetensors), or pass --model.");
    return 1;
}

ModelFileInfo info;
var model = new BreastCancer();
try
{
    info = ModelFile.Inspect(modelPath);
    model.LoadParameters(modelPath); // refused if the file is another network's; sets the saved input standardizer
}
catch (InvalidDataException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 1;
}

Console.WriteLine($"loaded {info.Network} (architecture {info.Architecture}) from {Path.GetFullPath(modelPath)}, input standardizer: {(model.InputStandardizer is null ? "none" : model.InputStandardizer.FeatureSize + " features")}");

return Predict(model, dataPath);

// Raw measurements, as a clinic would have them: no scaling here, the model applies its own.
static int Predict(BreastCancer model, string dataPath)
{
    NumericTable table = Csv.Read(dataPath, skipHeader: true);
    int features = table.Columns - 1;
    float[] raw = table.ColumnRange(0, features);
    float[] labels = table.Column(features);
    var probabilities = new float[table.Rows];
    model.Predict(raw, probabilities);

    int correct = 0;
    for (int i = 0; i < table.Rows; i++)
    {
        correct += (probabilities[i] > 0.5f ? 1f : 0f) == labels[i] ? 1 : 0;
    }

    Console.WriteLine("first five: " + string.Join(" ", probabilities.Take(5).Select(p => p.ToString("R", CultureInfo.InvariantCulture))));
    Console.WriteLine($"predicted {table.Rows} tumours from raw measurements: accuracy {(double)correct / table.Rows:F4} (probability of benign > 0.5)");
    return 0;
}
