using Compiled.Data;

namespace Compiled.Samples.Tests;

/// <summary>The samples' networks learn on their data, in runs short enough for CI.</summary>
public class LearningTests
{
    private static string Data(params string[] parts) => Path.Combine(new[] { AppContext.BaseDirectory, "data" }.Concat(parts).ToArray());

    [Fact]
    public void Xor_is_solved_by_2_8_1_tanh_and_not_by_a_linear_model()
    {
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
        float[] targets = { 0, 1, 1, 0 };
        var hidden = new TanhXor(1);
        var linear = new LinearXor(1);
        var a = new Adam(0.05f);
        var b = new Adam(0.05f);
        for (int step = 0; step < 1000; step++)
        {
            hidden.TrainStep(inputs, targets, ref a);
            linear.TrainStep(inputs, targets, ref b);
        }

        int Correct(Func<float[], int> predict) => Enumerable.Range(0, 4).Count(i => predict(inputs[(2 * i)..((2 * i) + 2)]) == (int)targets[i]);
        Assert.Equal(4, Correct(x => hidden.PredictClass(x)));
        Assert.True(Correct(x => linear.PredictClass(x)) <= 3, "a linear model cannot separate XOR");
        Assert.True(hidden.Evaluate(inputs, targets).Loss < 0.01f);
        Assert.True(linear.Evaluate(inputs, targets).Loss > 0.6f); // stuck near log 2
    }

    [Fact]
    public void Linear_regression_finds_slope_two()
    {
        var random = new Xoshiro(7);
        float[] x = Enumerable.Range(0, 256).Select(_ => (2f * random.NextSingle()) - 1f).ToArray();
        float[] y = x.Select(v => (2f * v) + (0.1f * random.NextGaussian())).ToArray();
        var line = new Line(1);
        var sgd = new Sgd(0.1f);
        Trainer.Fit(line, Dataset.WithTargets(x, 1, y), null, new TrainingOptions { Epochs = 30, BatchSize = 16 }, ref sgd);
        Assert.InRange(line.Dense0Weight[0], 1.95f, 2.05f);
        Assert.InRange(line.Dense0Bias[0], -0.05f, 0.05f);
    }

    [Fact]
    public void Mnist_10k_mlp_passes_90_percent_in_a_short_run()
    {
        float[] train = Idx.ReadImages(Data("mnist-10k", "train-images-idx3-ubyte.gz"), out int count, out int pixels);
        int[] trainLabels = Idx.ReadLabels(Data("mnist-10k", "train-labels-idx1-ubyte.gz"));
        float[] test = Idx.ReadImages(Data("mnist-10k", "t10k-images-idx3-ubyte.gz"), out int testCount, out _);
        int[] testLabels = Idx.ReadLabels(Data("mnist-10k", "t10k-labels-idx1-ubyte.gz"));
        Assert.Equal((8000, 784, 2000), (count, pixels, testCount));

        var network = new MnistMlp(42);
        var adam = new Adam(1e-3f);
        Trainer.Fit(network, Dataset.WithLabels(train, pixels, trainLabels), null, new TrainingOptions { Epochs = 3, BatchSize = 32 }, ref adam);
        Evaluation result = network.Evaluate(test, testLabels);
        Assert.True(result.Accuracy > 0.9f, $"test accuracy {result.Accuracy}");

        // The saved parameters give the same predictions after a load.
        string path = Path.Combine(Path.GetTempPath(), $"mnist-{Guid.NewGuid():N}.safetensors");
        try
        {
            network.SaveParameters(path);
            var loaded = new MnistMlp(0);
            loaded.LoadParameters(path);
            Assert.Equal(result, loaded.Evaluate(test, testLabels));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Mnist_10k_cnn_passes_94_percent_in_one_epoch_on_two_threads()
    {
        float[] train = Idx.ReadImages(Data("mnist-10k", "train-images-idx3-ubyte.gz"), out _, out int pixels);
        int[] trainLabels = Idx.ReadLabels(Data("mnist-10k", "train-labels-idx1-ubyte.gz"));
        float[] test = Idx.ReadImages(Data("mnist-10k", "t10k-images-idx3-ubyte.gz"), out _, out _);
        int[] testLabels = Idx.ReadLabels(Data("mnist-10k", "t10k-labels-idx1-ubyte.gz"));

        var network = new MnistCnn(42) { Threads = 2 };
        var adam = new Adam(1e-3f);
        Trainer.Fit(network, Dataset.WithLabels(train, pixels, trainLabels), null, new TrainingOptions { Epochs = 1, BatchSize = 32, ShuffleSeed = 42 }, ref adam);
        Evaluation result = network.Evaluate(test, testLabels);
        Assert.True(result.Accuracy > 0.94f, $"test accuracy {result.Accuracy}");

        string path = Path.Combine(Path.GetTempPath(), $"mnist-cnn-{Guid.NewGuid():N}.safetensors");
        try
        {
            network.SaveParameters(path);
            var loaded = new MnistCnn(0);
            loaded.LoadParameters(path);
            Assert.Equal(result, loaded.Evaluate(test, testLabels));
            Assert.Equal(new[] { 3, 3, 1, 32 }, loaded.Tensors[0].Shape);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Char_elman_learns_to_spell_in_two_epochs_on_two_threads()
    {
        // The CharRnn protocol and network: 57,487 training words, 6,388 test words; a uniform guess is log2(27) = 4.75
        // bits per character and the unigram frequencies about 4.1.
        CharWords words = CharWords.Load(Path.Combine(AppContext.BaseDirectory, "data", "words", "american-english"));
        Assert.Equal(63875, words.Train.Length + words.Test.Length);
        Assert.Equal(6388, words.Test.Length);
        var network = new CharElman(1) { Threads = 2, MaxGradientNorm = 1f };
        var adam = new AdamW(4e-3f, 0f);
        var inputs = new int[64 * CharWords.Steps];
        var labels = new int[64 * CharWords.Steps];
        var random = new Xoshiro(1);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            foreach (string[] batch in CharWords.Batches(words.Train, 64, ref random))
            {
                CharWords.Encode(batch, inputs, labels);
                network.TrainStep(inputs.AsSpan(0, batch.Length * CharWords.Steps), labels.AsSpan(0, batch.Length * CharWords.Steps), ref adam);
            }
        }

        var testInputs = new int[words.Test.Length * CharWords.Steps];
        var testLabels = new int[words.Test.Length * CharWords.Steps];
        CharWords.Encode(words.Test, testInputs, testLabels);
        double bits = network.Evaluate(testInputs, testLabels).Loss / Math.Log(2);
        Assert.True(bits < 3.0, $"test bits per char {bits:F3}");

        // Stepping from the end-of-word token gives a distribution over the 27 characters.
        var probabilities = new float[CharElman.StepOutputSize];
        network.ResetState();
        network.Step(CharWords.End, probabilities);
        Assert.Equal(1f, probabilities.Sum(), 4);
    }

    [Fact]
    public void Breast_cancer_is_classified_above_95_percent()
    {
        NumericTable table = Csv.Read(Data("sklearn", "breast_cancer.csv"), skipHeader: true);
        Assert.Equal((569, 31), (table.Rows, table.Columns));
        var all = Dataset.WithTargets(table.ColumnRange(0, 30), 30, table.Column(30)).Shuffled(seed: 5);
        (Dataset train, Dataset test) = all.Split(0.8);
        (float[] mean, float[] std) = train.FeatureStatistics();
        train.Standardize(mean, std);
        test.Standardize(mean, std);

        var network = new BreastCancer(1);
        var adam = new Adam(1e-3f);
        Trainer.Fit(network, train, null, new TrainingOptions { Epochs = 30, BatchSize = 16 }, ref adam);
        Assert.True(network.Evaluate(test.Features, test.Targets).Accuracy > 0.95f);
    }

    [Fact]
    public void Diabetes_regression_explains_part_of_the_variance()
    {
        NumericTable features = Csv.Read(Data("sklearn", "diabetes_data_raw.csv.gz"));
        NumericTable target = Csv.Read(Data("sklearn", "diabetes_target.csv.gz"));
        Assert.Equal((442, 10, 442), (features.Rows, features.Columns, target.Rows));
        float targetMean = target.Values.Average();
        float targetStd = MathF.Sqrt(target.Values.Select(t => (t - targetMean) * (t - targetMean)).Average());
        float[] scaled = target.Values.Select(t => (t - targetMean) / targetStd).ToArray();
        (Dataset train, Dataset test) = Dataset.WithTargets(features.Values, 10, scaled).Shuffled(seed: 3).Split(0.8);
        (float[] mean, float[] std) = train.FeatureStatistics();
        train.Standardize(mean, std);
        test.Standardize(mean, std);

        var network = new Diabetes(1);
        var adam = new Adam(0.01f);
        Trainer.Fit(network, train, null, new TrainingOptions { Epochs = 100, BatchSize = 32 }, ref adam);

        // R² = 1 - MSE / variance of the test targets.
        float variance = test.Targets!.Select(t => (t - test.Targets!.Average()) * (t - test.Targets!.Average())).Average();
        float r2 = 1 - (network.Evaluate(test.Features, test.Targets).Loss / variance);
        Assert.True(r2 > 0.35f, $"test R² {r2}");
    }
}
