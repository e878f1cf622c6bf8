using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>The whole model in one file: the network's name and architecture fingerprint, and the input standardizer,
/// which makes every entry point take raw inputs.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-model-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>Rows of 9 raw features far from standard: means near 100 and spreads from 0.1 to 50.</summary>
    private static float[] RawInputs(int rows, int seed)
    {
        var random = new Xoshiro((ulong)seed);
        var values = new float[rows * 9];
        for (int i = 0; i < values.Length; i++)
        {
            int feature = i % 9;
            values[i] = 100f + (feature * 10f) + (random.NextGaussian() * (0.1f + (feature * 6f)));
        }

        return values;
    }

    [Fact]
    public void Fit_gives_the_population_mean_and_deviation_per_feature_and_one_for_a_constant_feature()
    {
        float[] raw = RawInputs(50, 1);
        for (int r = 0; r < 50; r++)
        {
            raw[(r * 9) + 4] = 7f; // constant
        }

        Standardizer standardizer = Standardizer.Fit(raw, 9);
        for (int j = 0; j < 9; j++)
        {
            double[] column = Enumerable.Range(0, 50).Select(r => (double)raw[(r * 9) + j]).ToArray();
            double mean = column.Average();
            double std = Math.Sqrt(column.Select(x => (x - mean) * (x - mean)).Sum() / 50);
            Assert.Equal(mean, standardizer.Mean[j], 3);
            Assert.Equal(j == 4 ? 1.0 : std, standardizer.Std[j], 4);
        }

        var standardized = new float[raw.Length];
        standardizer.Transform(raw, standardized);
        Assert.Equal((raw[10] - standardizer.Mean[1]) / standardizer.Std[1], standardized[10], 5);
        Assert.Throws<ArgumentException>(() => Standardizer.Fit(raw.AsSpan(0, 10), 9));
        Assert.Throws<ArgumentException>(() => new Standardizer([0f, 1f], [1f, 0f]));
        Assert.Throws<ArgumentException>(() => new Standardizer([float.NaN], [1f]));
        Assert.Throws<ArgumentException>(() => standardizer.Transform(raw, new float[raw.Length - 1]));
    }

    [Fact]
    public void A_network_with_a_standardizer_on_raw_inputs_is_the_network_without_one_on_standardized_inputs()
    {
        float[] raw = RawInputs(8, 2);
        float[] targets = [.. Enumerable.Range(0, 8 * 3).Select(i => (i % 5) * 0.25f)];
        Standardizer standardizer = Standardizer.Fit(raw, 9);
        var standardized = new float[raw.Length];
        standardizer.Transform(raw, standardized);

        var withStandardizer = new ReluMse(3) { InputStandardizer = standardizer };
        var plain = new ReluMse(3);
        var adamA = new Adam(0.01f);
        var adamB = new Adam(0.01f);
        for (int step = 0; step < 5; step++)
        {
            Assert.Equal(plain.TrainStep(standardized, targets, ref adamB), withStandardizer.TrainStep(raw, targets, ref adamA));
        }

        Assert.Equal(plain.Parameters.ToArray(), withStandardizer.Parameters.ToArray());
        var a = new float[8 * 3];
        var b = new float[8 * 3];
        withStandardizer.Predict(raw, a);
        plain.Predict(standardized, b);
        Assert.Equal(b, a);
        Assert.Equal(plain.Evaluate(standardized, targets), withStandardizer.Evaluate(raw, targets));

        // dL/d(raw x) = dL/d(standardized x) / std, feature by feature.
        var rawGradient = new float[raw.Length];
        var standardizedGradient = new float[raw.Length];
        withStandardizer.ZeroGradients();
        plain.ZeroGradients();
        withStandardizer.Backward(raw, targets, rawGradient);
        plain.Backward(standardized, targets, standardizedGradient);
        for (int i = 0; i < raw.Length; i++)
        {
            Assert.Equal(standardizedGradient[i] / standardizer.Std[i % 9], rawGradient[i], 6);
        }

        Assert.Equal(plain.Gradients.ToArray(), withStandardizer.Gradients.ToArray());
        Assert.Equal(raw, RawInputs(8, 2)); // the caller's inputs are never written
    }

    [Fact]
    public void With_a_standardizer_predicting_and_training_allocate_nothing_once_warm()
    {
        float[] raw = RawInputs(8, 3);
        float[] targets = new float[8 * 3];
        var network = new ReluMse(3) { InputStandardizer = Standardizer.Fit(raw, 9) };
        var adam = new Adam(0.01f);
        var outputs = new float[8 * 3];
        Assert.Equal(0, AllocationTests.Allocated(() => network.Predict(raw, outputs)));
        Assert.Equal(0, AllocationTests.Allocated(() => network.TrainStep(raw, targets, ref adam)));
        Assert.Equal(0, AllocationTests.Allocated(() => network.Evaluate(raw, targets)));
    }

    [Fact]
    public void The_standardizer_is_saved_with_the_parameters_and_a_loaded_model_predicts_from_raw_inputs_the_same()
    {
        float[] raw = RawInputs(8, 4);
        var trained = new ReluSce(5) { InputStandardizer = Standardizer.Fit(raw, 9) };
        string path = PathOf("model.safetensors");
        trained.SaveParameters(path);

        ModelFileInfo info = ModelFile.Inspect(path);
        Assert.Equal(ReluSce.NetworkName, info.Network);
        Assert.Equal("Compiled.Runtime.Tests.Networks.ReluSce", info.Network);
        Assert.Equal(ReluSce.ArchitectureFingerprint, info.Architecture);
        Assert.Equal(trained.InputStandardizer!.Mean.ToArray(), info.Standardizer!.Mean.ToArray());
        Assert.Equal(trained.InputStandardizer.Std.ToArray(), info.Standardizer.Std.ToArray());

        var loaded = new ReluSce(99);
        loaded.LoadParameters(path);
        Assert.NotNull(loaded.InputStandardizer);
        var expected = new float[8 * 3];
        var actual = new float[8 * 3];
        trained.Predict(raw, expected);
        loaded.Predict(raw, actual);
        Assert.Equal(expected, actual);

        // Saved without a standardizer, the file says so: loading it removes the one the network held.
        var bare = new ReluSce(6);
        bare.SaveParameters(PathOf("bare.safetensors"));
        loaded.LoadParameters(PathOf("bare.safetensors"));
        Assert.Null(loaded.InputStandardizer);

        // A file from elsewhere (no Compiled metadata) carries parameters only and leaves the standardizer alone.
        var held = Standardizer.Fit(raw, 9);
        loaded.InputStandardizer = held;
        Safetensors.Save(PathOf("foreign.safetensors"), trained.Parameters, trained.Tensors);
        loaded.LoadParameters(PathOf("foreign.safetensors"));
        Assert.Same(held, loaded.InputStandardizer);
    }

    [Fact]
    public void A_file_of_another_architecture_with_the_same_tensors_is_refused_and_nothing_changes()
    {
        var relu = new ReluMse(1);
        string path = PathOf("relu.safetensors");
        relu.SaveParameters(path);
        Assert.Equal(relu.Tensors.Select(t => (t.Name, string.Join(",", t.Shape))), new IdentityMse(1).Tensors.Select(t => (t.Name, string.Join(",", t.Shape))));
        Assert.NotEqual(ReluMse.ArchitectureFingerprint, IdentityMse.ArchitectureFingerprint);
        Assert.NotEqual(IdentityMse.ArchitectureFingerprint, IdentityBce.ArchitectureFingerprint); // the loss changes what Predict means

        var identity = new IdentityMse(2) { InputStandardizer = Standardizer.Fit(RawInputs(4, 1), 9) };
        float[] before = identity.Parameters.ToArray();
        Standardizer? held = identity.InputStandardizer;
        var error = Assert.Throws<InvalidDataException>(() => identity.LoadParameters(path));
        Assert.Contains("Compiled.Runtime.Tests.Networks.ReluMse", error.Message);
        Assert.Contains(ReluMse.ArchitectureFingerprint, error.Message);
        Assert.Contains(IdentityMse.ArchitectureFingerprint, error.Message);
        Assert.Equal(before, identity.Parameters.ToArray());
        Assert.Same(held, identity.InputStandardizer);
    }

    [Theory]
    [InlineData("compiled.input.mean", "1,2", "not 2 finite means")]
    [InlineData("compiled.input.std", "1,1,1,1,1,1,1,1,0", "standard deviation")]
    [InlineData("compiled.input.mean", "1,2,3,4,5,6,7,8,NaN", "finite")]
    public void A_bad_standardizer_in_a_file_is_refused_before_anything_changes(string key, string value, string expected)
    {
        var network = new ReluMse(1) { InputStandardizer = Standardizer.Fit(RawInputs(4, 1), 9) };
        string path = PathOf("good.safetensors");
        network.SaveParameters(path);
        string bad = SafetensorsMetadata.WithValue(path, PathOf("changed.safetensors"), key, _ => value);

        var target = new ReluMse(2);
        float[] before = target.Parameters.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => target.LoadParameters(bad));
        Assert.Contains(expected, error.Message);
        Assert.Equal(before, target.Parameters.ToArray());
        Assert.Null(target.InputStandardizer);
    }

    [Fact]
    public void A_standardizer_of_the_wrong_size_is_refused_by_the_network()
    {
        var network = new ReluMse(1);
        var error = Assert.Throws<ArgumentException>(() => network.InputStandardizer = Standardizer.Fit(new float[10], 5));
        Assert.Contains("takes 9 inputs per sample", error.Message);
        Assert.Null(network.InputStandardizer);
    }
}
