using Compiled.Data;
using Compiled.Onnx.Tests.Networks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace Compiled.Onnx.Tests;

/// <summary>
/// Every sample network and a network of every layer kind, exported with <see cref="OnnxExport"/>, run in ONNX Runtime on
/// the same inputs as <c>Predict</c>: the outputs agree within 1e-5 relative to the output's largest value (the softmax of
/// a large vocabulary has values near zero whose own relative error says nothing). A batch of 5 (not the network's
/// maximum) proves the batch axis is free.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    private const int Batch = 5;
    private const double Tolerance = 1e-5;

    // The networks of these tests by name: every sample network and one of every layer kind (LayerNetworks.cs).
    private static readonly Dictionary<string, Func<INetwork>> FloatFactories = new()
    {
        [nameof(EveryActivation)] = () => new EveryActivation(),
        [nameof(ResidualRegression)] = () => new ResidualRegression(),
        [nameof(ConvolutionKinds)] = () => new ConvolutionKinds(),
        [nameof(EvenKernels)] = () => new EvenKernels(),
        [nameof(GlobalPool)] = () => new GlobalPool(),
        [nameof(DenseOnImage)] = () => new DenseOnImage(),
        [nameof(ImageGenerator)] = () => new ImageGenerator(),
        [nameof(StandardizedInput)] = () => new StandardizedInput(),
        [nameof(RecurrentStack)] = () => new RecurrentStack(),
        [nameof(MaskedValues)] = () => new MaskedValues(),
        [nameof(FloatAttention)] = () => new FloatAttention(),
        [nameof(MixedLayouts)] = () => new MixedLayouts(),
        [nameof(PoolOnInput)] = () => new PoolOnInput(),
        ["Step"] = () => new global::Step(),
        ["BreastCancer"] = () => new global::BreastCancer(),
        ["Line"] = () => new global::Line(),
        ["Diabetes"] = () => new global::Diabetes(),
        ["MnistCnn"] = () => new global::MnistCnn(),
        ["DigitGenerator"] = () => new global::DigitGenerator(),
        ["DigitDiscriminator"] = () => new global::DigitDiscriminator(),
        ["MnistMlp"] = () => new global::MnistMlp(),
        ["LinearXor"] = () => new global::LinearXor(),
        ["TanhXor"] = () => new global::TanhXor(),
    };

    private static readonly Dictionary<string, Func<ITokenNetwork>> TokenFactories = new()
    {
        [nameof(PaddedTokens)] = () => new PaddedTokens(),
        [nameof(AttentionBlock)] = () => new AttentionBlock(),
        ["CharElman"] = () => new global::CharElman(),
        ["CharElmanTanh"] = () => new global::CharElmanTanh(),
        ["CharLstm"] = () => new global::CharLstm(),
        ["CharGru"] = () => new global::CharGru(),
        ["CharLstm2"] = () => new global::CharLstm2(),
        ["CharGru2"] = () => new global::CharGru2(),
        ["TinyGpt"] = () => new global::TinyGpt(),
        ["TinyGpt8"] = () => new global::TinyGpt8(),
        ["TinyGpt10"] = () => new global::TinyGpt10(),
        ["TinyGpt12"] = () => new global::TinyGpt12(),
        ["TinyGpt14"] = () => new global::TinyGpt14(),
        ["TinyGpt16"] = () => new global::TinyGpt16(),
    };

    public static TheoryData<string> FloatNetworks() => [.. FloatFactories.Keys];

    public static TheoryData<string> TokenNetworks() => [.. TokenFactories.Keys];

    [Theory]
    [MemberData(nameof(FloatNetworks))]
    public void A_float_network_predicts_the_same_in_onnx_runtime(string name)
    {
        INetwork network = FloatFactories[name]();
        network.InitializeParameters(7);
        Randomize(network.Parameters, network.Tensors, 11);
        float[] inputs = Inputs(network.InputSize * Batch, 3, name == nameof(MaskedValues) ? network.InputSize / 5 : 0);
        if (network is StandardizedInput standardized)
        {
            standardized.InputStandardizer = new Standardizer([1f, -2f, 3f, 0.5f, 10f, -7f], [2f, 0.5f, 4f, 1f, 20f, 3f]);
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = (inputs[i] * 5f) + 2f; // raw values on another scale than the standardised ones
            }
        }

        float[] expected = new float[network.OutputSize * Batch];
        network.Predict(inputs, expected);
        float[] actual = RunOnnx((IExportableNetwork)network, new DenseTensor<float>(inputs, InputDimensions((IExportableNetwork)network)));
        Compare(name, expected, actual);
    }

    [Theory]
    [MemberData(nameof(TokenNetworks))]
    public void A_token_network_predicts_the_same_in_onnx_runtime(string name)
    {
        ITokenNetwork network = TokenFactories[name]();
        network.InitializeParameters(7);
        Randomize(network.Parameters, network.Tensors, 11);
        var random = new Random(5);
        int padding = name is nameof(PaddedTokens) ? 4 : name.StartsWith("Char", StringComparison.Ordinal) ? CharWords.Padding : -1;
        int[] ids = new int[network.InputSize * Batch];
        for (int i = 0; i < ids.Length; i++)
        {
            // Padding at the end of some samples and in the middle of others: both keep the state.
            ids[i] = padding >= 0 && random.NextDouble() < 0.3 ? padding : random.Next(padding >= 0 ? padding : network.Vocabulary);
        }

        float[] expected = new float[network.OutputSize * Batch];
        network.Predict(ids, expected);
        float[] actual = RunOnnx((IExportableNetwork)network, new DenseTensor<int>(ids, [Batch, network.InputSize]));
        Compare(name, expected, actual);
    }

    [Fact]
    public void The_file_carries_the_network_name_fingerprint_and_class_names()
    {
        var network = new MnistMlp();
        network.ClassNames = new ClassLabels(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]);
        string path = Path.Combine(Path.GetTempPath(), $"compiled-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            network.SaveOnnx(path);
            using var session = new InferenceSession(path);
            ModelMetadata metadata = session.ModelMetadata;
            Assert.Equal("Compiled", metadata.ProducerName);
            Assert.Equal(nameof(MnistMlp), metadata.CustomMetadataMap["compiled.network"]);
            Assert.Equal(MnistMlp.ArchitectureFingerprint, metadata.CustomMetadataMap["compiled.architecture"]);
            Assert.Equal("zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine", metadata.CustomMetadataMap["compiled.classes"]);
            Assert.Equal([-1, 784], session.InputMetadata["input"].Dimensions);
            Assert.Equal([-1, 10], session.OutputMetadata["output"].Dimensions);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".*.tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_run_of_convolutions_and_pools_stays_channels_first_with_one_transpose_in_and_one_out()
    {
        ModelGraph graph = new global::MnistCnn().ToModelGraph();
        Assert.Equal(
            ["Transpose", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Conv", "Relu", "Transpose", "Flatten", "Gemm", "Relu", "Gemm", "Softmax", "Identity"],
            graph.Nodes.Select(n => n.OpType));
        Assert.Equal([32, 1, 3, 3], graph.Initializers.Single(t => t.Name == "conv1.weight").Shape); // ONNX's [out, in, kh, kw]
        Assert.Equal([576, 64], graph.Initializers.Single(t => t.Name == "dense1.weight").Shape); // Gemm takes ours as it is
    }

    [Fact]
    public void A_network_with_a_non_finite_parameter_is_refused_and_nothing_is_written()
    {
        var network = new MnistMlp();
        string path = Path.Combine(Path.GetTempPath(), $"compiled-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "an older export");
        try
        {
            network.Parameters[network.Tensors[2].Offset + 3] = float.NaN;
            var error = Assert.Throws<InvalidOperationException>(() => network.SaveOnnx(path));
            Assert.Contains("'output.weight'", error.Message, StringComparison.Ordinal);
            Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
            Assert.Equal("an older export", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_malformed_graph_is_an_exception_before_anything_is_written()
    {
        var network = new TanhXor();
        string path = Path.Combine(Path.GetTempPath(), $"compiled-onnx-{Guid.NewGuid():N}.onnx");
        var reads = new ModelGraph("Broken", network.Parameters, network.Tensors);
        reads.Output(reads.Relu(reads.Input("input", GraphElementType.Float, 2)), "output", 2);
        reads.Node("Relu", ["nothing writes this"]);
        var error = Assert.Throws<InvalidOperationException>(() => OnnxExport.Save(reads, path));
        Assert.Contains("reads 'nothing writes this'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));

        var twoOutputs = new ModelGraph("Broken", network.Parameters, network.Tensors);
        string input = twoOutputs.Input("input", GraphElementType.Float, 2);
        twoOutputs.Output(input, "output", 2);
        twoOutputs.Output(input, "second", 2);
        Assert.Contains("2 output(s)", Assert.Throws<InvalidOperationException>(() => OnnxExport.ToBytes(twoOutputs)).Message, StringComparison.Ordinal);

        var unknownTensor = new ModelGraph("Broken", network.Parameters, network.Tensors);
        Assert.Contains("no parameter tensor 'dense9.weight'", Assert.Throws<ArgumentException>(() => unknownTensor.Parameter("dense9.weight")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_graph_builder_checks_what_it_is_given()
    {
        var network = new TanhXor();
        var graph = new ModelGraph("Checks", network.Parameters, network.Tensors);
        Assert.Contains("Expected 6 values for a constant of shape [2, 3], but got 5", Assert.Throws<ArgumentException>(() => graph.Constant(new float[5], 2, 3)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => graph.Input("input", GraphElementType.Float, null!));
        Assert.Contains("[-2]", Assert.Throws<ArgumentException>(() => graph.Input("input", GraphElementType.Float, -2)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => graph.Node("", ["x"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.Node("Split", ["x"], 0));
        Assert.Contains("at least one input", Assert.Throws<ArgumentException>(() => graph.KeepingLayout("Relu", [])).Message, StringComparison.Ordinal);
        Assert.Contains("an order of the gates of 'dense0.weight'", Assert.Throws<ArgumentException>(() => graph.RecurrentWeight("dense0.weight", 0, 0)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => graph.Parameter("dense0.weight") + graph.Parameter("dense0.weight")); // one initializer per tensor
        Assert.Throws<ArgumentNullException>(() => new ModelGraph("Checks", network.Parameters, null!));
        Assert.Throws<ArgumentException>(() => new ModelGraph("Checks", network.Parameters[..5], network.Tensors)); // tensors past the parameters
    }

    /// <summary>Moves every bias and norm off its constant start (0 or 1) by a small random value, so that each is tested
    /// as a tensor; the weights keep their initialisation, whose scale keeps the activations in a sensible range.</summary>
    private static void Randomize(Span<float> parameters, IReadOnlyList<TensorInfo> tensors, int seed)
    {
        var random = new Random(seed);
        foreach (TensorInfo tensor in tensors.Where(t => t.Shape.Length == 1))
        {
            Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += (float)((random.NextDouble() - 0.5) * 0.2);
            }
        }
    }

    /// <summary>Inputs in [-scale, scale]; with <paramref name="maskedFeatures"/>, some steps set wholly to the mask value -1.</summary>
    private static float[] Inputs(int count, float scale, int maskedFeatures)
    {
        var random = new Random(3);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        if (maskedFeatures > 0)
        {
            for (int step = 0; step < count / maskedFeatures; step++)
            {
                if (random.NextDouble() < 0.35)
                {
                    values.AsSpan(step * maskedFeatures, maskedFeatures).Fill(-1f);
                }
            }
        }

        return values;
    }

    private static int[] InputDimensions(IExportableNetwork network)
    {
        int[] shape = network.ToModelGraph().Inputs[0].Shape;
        shape[0] = Batch;
        return shape;
    }

    private static float[] RunOnnx<T>(IExportableNetwork network, DenseTensor<T> input)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(OnnxExport.ToBytes(network.ToModelGraph()), options);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        return results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
    }

    private void Compare(string name, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)), worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)expected[i] - actual[i]);
            if (difference > worst)
            {
                (worst, at) = (difference, i);
            }
        }

        double relative = worst / Math.Max(scale, 1e-30);
        output.WriteLine($"{name}: {expected.Length} outputs, largest |value| {scale:G4}, max difference {worst:G3} at {at}, relative {relative:G3}");
        Assert.True(relative <= Tolerance, $"{name}: ONNX Runtime differs from Predict by {worst:G4} at output {at} ({expected[Math.Max(at, 0)]} vs {actual[Math.Max(at, 0)]}), {relative:G3} of the largest output {scale:G4}.");
        Assert.True(scale > 0, $"{name}: every output is zero, which proves nothing.");
    }
}
