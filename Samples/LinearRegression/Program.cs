// Linear regression twice: the seeds' y = 2x + noise (does it find slope 2?), then the real diabetes set
// (scikit-learn: 442 patients, 10 measurements, disease progression after a year) with its test R².
// dotnet run --project Samples/LinearRegression [-- --plot [PNG]]
using Compiled;
using Compiled.Data;
using Compiled.Plots;

string? plotPath = args switch
{
    [] => null,
    ["--plot"] => "diabetes-curves.png",
    ["--plot", string file] => file,
    _ => null,
};
if (args.Length > 0 && plotPath is null)
{
    Console.Error.WriteLine("Usage: LinearRegression [--plot [PNG]]");
    return 2;
}

// ---- y = 2x + noise ---------------------------------------------------------------------------------
var random = new Xoshiro(7);
const int Count = 256;
var x = new float[Count];
var y = new float[Count];
for (int i = 0; i < Count; i++)
{
    x[i] = (2f * random.NextSingle()) - 1f;
    y[i] = (2f * x[i]) + (0.1f * random.NextGaussian());
}

var line = new Line(seed: 1);
var sgd = new Sgd(learningRate: 0.1f);
TrainingResult fit = Trainer.Fit(line, Dataset.WithTargets(x, 1, y), null, new TrainingOptions { Epochs = 50, BatchSize = 16 }, ref sgd);
Console.WriteLine($"y = 2x + noise: learned y = {line.Dense0Weight[0]:F4} x + {line.Dense0Bias[0]:F4} (mean squared error {fit.Last.TrainLoss:F5}, noise variance 0.01)");

// ---- diabetes ---------------------------------------------------------------------------------------
string directory = Path.Combine(AppContext.BaseDirectory, "data", "sklearn");
NumericTable features = Csv.Read(Path.Combine(directory, "diabetes_data_raw.csv.gz"));
NumericTable target = Csv.Read(Path.Combine(directory, "diabetes_target.csv.gz"));
var all = Dataset.WithTargets(features.Values, features.Columns, target.Values).Shuffled(seed: 3);
(Dataset train, Dataset test) = all.Split(0.8);

// Standardise features and target with the training set's statistics only.
(float[] mean, float[] std) = train.FeatureStatistics();
train.Standardize(mean, std);
test.Standardize(mean, std);
float targetMean = train.Targets!.Average();
float targetStd = MathF.Sqrt(train.Targets!.Select(t => (t - targetMean) * (t - targetMean)).Average());
foreach (Dataset set in new[] { train, test })
{
    for (int i = 0; i < set.Targets!.Length; i++)
    {
        set.Targets[i] = (set.Targets[i] - targetMean) / targetStd;
    }
}

var model = new Diabetes(seed: 1);
var adam = new Adam(learningRate: 0.01f);
TrainingResult diabetesFit = Trainer.Fit(model, train, test, new TrainingOptions { Epochs = 200, BatchSize = 32 }, ref adam,
    [TrainingCallback.OnEpoch(report => { if (report.Epoch % 50 == 0) Console.WriteLine($"diabetes epoch {report.Epoch}: train MSE {report.TrainLoss:F4}, test MSE {report.ValidationLoss:F4} (standardised target)"); })]);
Console.WriteLine($"diabetes: {train.Count} training and {test.Count} test patients, {train.FeatureSize} features");
// R² = 1 - SS_res / SS_tot: the fraction of the target's variance the model explains (1 is perfect, 0 is the mean).
RegressionScores trainScores = RegressionScores.Of(model, train), testScores = RegressionScores.Of(model, test);
Console.WriteLine($"slope: {line.Dense0Weight[0]:F4}, bias: {line.Dense0Bias[0]:F4}, diabetes train R²: {trainScores.RSquared:F4}, diabetes test R²: {testScores.RSquared:F4}, test mean absolute error: {testScores.MeanAbsoluteError:F4} (standardised target)");
if (plotPath is not null)
{
    TrainingPlots.SaveCurves(diabetesFit.History, plotPath, title: "Diabetes regression");
    Console.WriteLine($"wrote the loss curves to {Path.GetFullPath(plotPath)}");
}

return 0;
