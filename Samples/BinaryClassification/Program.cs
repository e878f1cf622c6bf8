// Binary classification twice: the seeds' noisy step (logistic regression finds the threshold), then the real
// Wisconsin breast-cancer set (scikit-learn: 569 tumours, 30 measurements, malignant or benign) with test accuracy.
// dotnet run --project Samples/BinaryClassification [-- --plot [PNG]]
using Compiled;
using Compiled.Data;
using Compiled.Plots;

string? plotPath = args switch
{
    [] => null,
    ["--plot"] => "breast-cancer-curves.png",
    ["--plot", string file] => file,
    _ => null,
};
if (args.Length > 0 && plotPath is null)
{
    Console.Error.WriteLine("Usage: BinaryClassification [--plot [PNG]]");
    return 2;
}

// ---- noisy step: label 1 when x > 0.5, with 10% of labels flipped -------------------------------------
var random = new Xoshiro(11);
const int Count = 512;
var x = new float[Count];
var labels = new float[Count];
for (int i = 0; i < Count; i++)
{
    x[i] = (4f * random.NextSingle()) - 1.5f; // [-1.5, 2.5): symmetric about the step, so the flips do not bias it
    bool positive = x[i] > 0.5f;
    labels[i] = (random.NextSingle() < 0.1f ? !positive : positive) ? 1f : 0f;
}

var step = new Step(seed: 1);
var stepOptimizer = new Adam(learningRate: 0.05f);
Trainer.Fit(step, Dataset.WithTargets(x, 1, labels), null, new TrainingOptions { Epochs = 200, BatchSize = 32 }, ref stepOptimizer);
float threshold = -step.Dense0Bias[0] / step.Dense0Weight[0];
Evaluation stepResult = step.Evaluate(x, labels);
Console.WriteLine($"noisy step at 0.5: learned threshold {threshold:F3}, accuracy {stepResult.Accuracy:F4} (at most about 0.9 with 10% of labels flipped)");

// ---- breast cancer ----------------------------------------------------------------------------------
string path = Path.Combine(AppContext.BaseDirectory, "data", "sklearn", "breast_cancer.csv");
NumericTable table = Csv.Read(path, skipHeader: true);
int featureCount = table.Columns - 1;
var all = Dataset.WithTargets(table.ColumnRange(0, featureCount), featureCount, table.Column(featureCount)).Shuffled(seed: 5);
(Dataset train, Dataset test) = all.Split(0.8);

// The model takes raw measurements: its standardizer, fitted on the training set only, scales them inside every call,
// and is saved with the parameters, so BreastCancerPredict loads one file and predicts from raw measurements.
var model = new BreastCancer(seed: 1) { InputStandardizer = Standardizer.Fit(train) };
var adam = new Adam(learningRate: 1e-3f);
model.L2 = 1e-3f;
TrainingResult cancerFit = Trainer.Fit(model, train, test, new TrainingOptions { Epochs = 60, BatchSize = 16 }, ref adam,
    [TrainingCallback.OnEpoch(report => { if (report.Epoch % 20 == 0) Console.WriteLine(report); })]);
Evaluation result = model.Evaluate(test.Features, test.Targets);
Console.WriteLine($"breast cancer: {train.Count} training and {test.Count} test tumours, {featureCount} features");
ConfusionMatrix confusion = ConfusionMatrix.Of(model, test);
// scikit-learn's labels: 0 malignant, 1 benign (the header names them in that order).
Console.WriteLine($"malignant (label 0) on the test set: precision {confusion.Precision(0):F4}, recall {confusion.Recall(0):F4}, F1 {confusion.F1(0):F4}");
Console.WriteLine($"step threshold: {threshold:F3}, step accuracy: {stepResult.Accuracy:F4}, breast cancer test accuracy: {result.Accuracy:F4}, test loss: {result.Loss:F4}");
const string ModelPath = "breast-cancer.safetensors";
model.SaveParameters(ModelPath);
Console.WriteLine($"saved the model (parameters and input standardizer) to {Path.GetFullPath(ModelPath)}; BreastCancerPredict loads it");
if (plotPath is not null)
{
    TrainingPlots.SaveCurves(cancerFit.History, plotPath, title: "Breast cancer");
    Console.WriteLine($"wrote the loss and accuracy curves to {Path.GetFullPath(plotPath)}");
}

return 0;
