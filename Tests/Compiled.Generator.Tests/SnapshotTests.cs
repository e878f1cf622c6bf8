using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests;

/// <summary>
/// Snapshots of the emitted source: the samples' networks (read from the samples themselves, so a change to a sample
/// shows here) and one network per activation, per loss and for dropout. Each test also checks that the output
/// compiles without warnings and that a second run is fully cached.
/// </summary>
public class SnapshotTests
{
    public static TheoryData<string> Samples => new() { "Xor", "MnistMlp", "LinearRegression", "BinaryClassification", "MnistCnn", "CharRnn", "TinyGpt" };

    /// <summary>Files a sample links from another one (TinyGpt compiles CharRnn's protocol, MnistMlp MnistCnn's file lookup).</summary>
    private static readonly Dictionary<string, string[]> LinkedFiles = new()
    {
        ["TinyGpt"] = new[] { Path.Combine("CharRnn", "CharWords.cs"), Path.Combine("CharRnn", "CharTraining.cs"), Path.Combine("CharRnn", "ParameterAverage.cs") },
        ["MnistMlp"] = new[] { Path.Combine("MnistCnn", "MnistFiles.cs") },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_networks_match_their_snapshots(string sample)
    {
        string directory = Path.Combine(RepositoryRoot(), "Samples", sample);
        IEnumerable<string> linked = LinkedFiles.TryGetValue(sample, out string[]? files) ? files.Select(f => Path.Combine(RepositoryRoot(), "Samples", f)) : Enumerable.Empty<string>();
        string[] sources = Directory.GetFiles(directory, "*.cs").Order(StringComparer.Ordinal).Concat(linked).Select(File.ReadAllText).Append(GeneratorHarness.ImplicitUsings).ToArray();
        CSharpCompilation compilation = GeneratorHarness.Compile(OutputKind.ConsoleApplication, sources);
        var (result, output, driver) = GeneratorHarness.Run(compilation);

        // Infos are allowed where the sample says why (MnistCnn's pool drops a row, as the Keras network it copies does).
        Assert.Empty(result.Diagnostics.Where(d => d.Severity > DiagnosticSeverity.Info));
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        Assert.NotEmpty(result.GeneratedTrees);
        foreach (SyntaxTree tree in result.GeneratedTrees)
        {
            Snapshot.Match(Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(tree.FilePath)), tree.GetText().ToString());
        }

        IncrementalityTests.AssertSecondRunCached(driver, GeneratorHarness.Compile(OutputKind.ConsoleApplication, sources));
    }

    public static TheoryData<string, string> Networks => new()
    {
        { "ActivationIdentity", Hidden("Identity") },
        { "ActivationRelu", Hidden("Relu") },
        { "ActivationLeakyRelu", Hidden("LeakyRelu") },
        { "ActivationSigmoid", Hidden("Sigmoid") },
        { "ActivationTanh", Hidden("Tanh") },
        { "ActivationSoftmax", Hidden("Softmax") },
        { "LossMeanSquaredError", WithLoss("MeanSquaredError", 2) },
        { "LossBinaryCrossEntropy", WithLoss("BinaryCrossEntropy", 1) },
        { "LossSoftmaxCrossEntropy", WithLoss("SoftmaxCrossEntropy", 3) },
        {
            "RecurrentMasked", """
            using Compiled;
            namespace Demo;
            [Network(MaxBatchSize = 8)]
            [Input(5, 3, MaskValue = 0f)]
            [Gru(6, ReturnSequences = true)]
            [Dropout(0.1f)]
            [SimpleRnn(4, Activation = Activation.Relu, Name = "last")]
            [Dense(2)]
            public partial class MaskedRecurrent;
            """
        },
        {
            "Gpt", """
            using Compiled;
            namespace Demo;
            [Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
            [Input(6, Vocabulary = 7)]
            [Embedding(8, Name = "wte")]
            [PositionalEmbedding(Name = "wpe")]
            [LayerNorm(Name = "ln_1")]
            [SelfAttention(Heads = 2, Causal = true, Dropout = 0.1f, Name = "attn")]
            [Add("wpe", "attn", Name = "res")]
            [LayerNorm(Name = "ln_2")]
            [Dense(32, Activation = Activation.Gelu, Name = "c_fc")]
            [Dense(8, Name = "c_proj")]
            [Add("res", "c_proj")]
            [LayerNorm(Name = "ln_f")]
            [Dense(7, Name = "lm_head")]
            public partial class Gpt;
            """
        },
        {
            "Dropout", """
            using Compiled;
            namespace Demo;
            [Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8, Seed = 3)]
            [Input(6)]
            [Dropout(0.25f)]
            [Dense(12, Activation = Activation.Relu)]
            [Dropout(0.5f, Name = "drop")]
            [Dense(3)]
            public partial class WithDropout;
            """
        },
        {
            "SpatialLayers", """
            using Compiled;
            namespace Demo;
            // Every spatial layer kind: a rectangular same-padded strided convolution, average pooling with same padding,
            // dropout on a spatial shape, a 1x1 convolution, overlapping max pooling, global average pooling.
            [Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 16, Seed = 5)]
            [Input(12, 10, 3)]
            [Conv2D(8, 3, 2, Stride = 2, Padding = Padding.Same, Activation = Activation.LeakyRelu, Name = "stem")]
            [AveragePool2D(2, Padding = Padding.Same)]
            [Dropout(0.1f)]
            [Conv2D(16, 1, Activation = Activation.Tanh)]
            [MaxPool2D(2, Stride = 1)]
            [GlobalAveragePool2D]
            [Dense(1)]
            public partial class Spatial;
            """
        },
        {
            "Residual", """
            using Compiled;
            namespace Demo;
            // A join: the stem is read by the inner layer and by the sum, so its gradient accumulates, and a third
            // gradient buffer stays alive across the inner layer.
            [Network(MaxBatchSize = 8)]
            [Input(5)]
            [Dense(16, Activation = Activation.Tanh, Name = "stem")]
            [Dense(16, Activation = Activation.Relu)]
            [Add("stem", "dense1")]
            [Dense(2)]
            public partial class ResidualMlp;
            """
        },
        {
            "LayerNormGelu", """
            using Compiled;
            namespace Demo;
            // Dense per step on a sequence, GELU (unrolled and on the kernels, both keeping their pre-activations),
            // layer norm over the features of each step.
            [Network(MaxBatchSize = 8)]
            [Input(6, 4)]
            [Dense(8, Activation = Activation.Gelu)]
            [LayerNorm]
            [Dense(16, Activation = Activation.Gelu)]
            [LayerNorm(Epsilon = 1e-6f, Name = "final_norm")]
            [Dense(3)]
            public partial class Block;
            """
        },
        {
            "TokenTagger", """
            using Compiled;
            namespace Demo;
            // Token ids in (the public entries take ReadOnlySpan<int>), an embedding, Dense per step, a label per step.
            [Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 16)]
            [Input(12, Vocabulary = 27)]
            [Embedding(8, Name = "embed")]
            [Dense(8, Activation = Activation.Relu)]
            [Add("embed", "dense0")]
            [Dense(27)]
            public partial class Tagger;
            """
        },
        {
            "OutsideGradient", """
            using Compiled;
            namespace Demo;
            // No built-in loss: Backward takes dL/d(output) (and can write dL/d(input)); ApplyGradients steps.
            [Network(Loss = Loss.None, MaxBatchSize = 4)]
            [Input(8)]
            [Dense(32, Activation = Activation.Relu)]
            [Dropout(0.25f)]
            [Dense(4, Activation = Activation.Tanh)]
            public partial class Generator;
            """
        },
        {
            "GanGenerator", """
            using Compiled;
            namespace Demo;
            // A DCGAN-shaped generator: noise -> Dense -> Reshape to an image -> UpSampling2D and convolutions to 28x28x1.
            [Network(Loss = Loss.None, MaxBatchSize = 16)]
            [Input(16)]
            [Dense(7 * 7 * 8, Activation = Activation.LeakyRelu, Name = "project")]
            [Reshape(7, 7, 8)]
            [UpSampling2D(2)]
            [Conv2D(8, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu)]
            [UpSampling2D(2, Name = "up")]
            [Conv2D(1, 5, Padding = Padding.Same, Activation = Activation.Tanh, Name = "image")]
            public partial class DigitGenerator;
            """
        },
        {
            "GlobalNamespace", """
            using Compiled;
            [Network]
            [Input(3)]
            [Dense(2)]
            internal partial class InGlobalNamespace;
            """
        },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Network_kinds_match_their_snapshots(string name, string source)
    {
        var (result, output, driver) = GeneratorHarness.Run(source);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
        SyntaxTree tree = Assert.Single(result.GeneratedTrees);
        Snapshot.Match(name, tree.GetText().ToString());
        IncrementalityTests.AssertSecondRunCached(driver, GeneratorHarness.Compile(source));
    }

    [Fact]
    public void The_emitter_alone_matches_its_snapshot_from_a_hand_built_spec()
    {
        var spec = new Model.NetworkSpec(
            "Hand.Built", "FromSpec", Model.LossKind.SoftmaxCrossEntropy, 4, 7,
            new[] { 2, 3 }.ToEquatableArrayForTest(),
            new[]
            {
                new Model.LayerSpec("Dense", "hidden", new Layers.DenseArguments(5, Model.ActivationKind.Tanh)),
                new Model.LayerSpec("Dense", null, new Layers.DenseArguments(2, Model.ActivationKind.Identity)),
            }.ToEquatableArrayForTest());
        Shapes.ShapeResult shaped = Shapes.NetworkShaper.Shape(spec);

        Assert.NotNull(shaped.Network);
        Snapshot.Match("EmitterFromSpec", Emit.NetworkEmitter.Emit(shaped.Network!, "1.2.3.4"));
    }

    private static string Hidden(string activation) => $$"""
        using Compiled;
        namespace Demo;
        // A large layer (runtime kernels) and a small one (unrolled), both with the activation under test.
        [Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 16)]
        [Input(9)]
        [Dense(11, Activation = Activation.{{activation}})]
        [Dense(4, Activation = Activation.{{activation}})]
        [Dense(2)]
        public partial class {{activation}}Network;
        """;

    private static string WithLoss(string loss, int outputs) => $$"""
        using Compiled;
        namespace Demo;
        [Network(Loss = Loss.{{loss}})]
        [Input(4)]
        [Dense(20, Activation = Activation.Relu)]
        [Dense({{outputs}})]
        public partial class {{loss}}Network;
        """;

    internal static string RepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}

internal static class TestExtensions
{
    public static Model.EquatableArray<T> ToEquatableArrayForTest<T>(this IEnumerable<T> items)
        where T : IEquatable<T> => new(items);
}
