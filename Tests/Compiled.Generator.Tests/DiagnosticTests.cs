using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests;

/// <summary>One test per diagnostic ID: the code that triggers it, the ID, and the exact span it points at ([| |]).</summary>
public class DiagnosticTests
{
    private static Diagnostic AssertSingle(string id, string marked, DiagnosticSeverity severity, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        MarkedSource source = MarkedSource.Parse(marked);
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(source.Text);
        Snapshot.MatchDiagnostics(test, source.Text, diagnostics);
        Diagnostic diagnostic = Assert.Single(diagnostics, d => d.Id == id);
        Assert.True(diagnostic.Location.IsInSource, "a real source location, so #pragma and the IDE can use it");
        Assert.Equal(source.Span, diagnostic.Location.SourceSpan);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal($"https://github.com/compiled-nn/compiled/blob/main/docs/diagnostics/{id}.md", diagnostic.Descriptor.HelpLinkUri);
        Assert.DoesNotContain(diagnostics, d => d.Id == "CMP0099");
        return diagnostic;
    }

    [Fact]
    public void CMP0001_class_not_partial() => AssertSingle("CMP0001", """
        using Compiled;
        [Network] [Input(2)] [Dense(1)]
        public class [|Net|] { }
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0002_no_input()
    {
        Diagnostic d = AssertSingle("CMP0002", """
            using Compiled;
            [Network] [Dense(1)]
            public partial class [|Net|];
            """, DiagnosticSeverity.Error);
        Assert.Contains("[Input", d.GetMessage());
    }

    [Fact]
    public void CMP0003_more_than_one_input() => AssertSingle("CMP0003", """
        using Compiled;
        [Network] [Input(2)] [[|Input(3)|]] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_units_out_of_range()
    {
        Diagnostic d = AssertSingle("CMP0004", """
            using Compiled;
            [Network] [Input(2)] [Dense([|0|])]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("The units of 'dense0' must be at least 1, but it is 0", d.GetMessage());
    }

    [Fact]
    public void CMP0004_input_dimension_out_of_range() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(28, [|-1|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_max_batch_out_of_range() => AssertSingle("CMP0004", """
        using Compiled;
        [Network(MaxBatchSize = [|0|])] [Input(2)] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0005_dropout_rate_out_of_range()
    {
        Diagnostic d = AssertSingle("CMP0005", """
            using Compiled;
            [Network] [Input(2)] [Dense(4)] [Dropout([|1.5f|])] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Contains("1.5", d.GetMessage());
    }

    [Fact]
    public void CMP0006_softmax_cross_entropy_on_one_output() => AssertSingle("CMP0006", """
        using Compiled;
        [Network(Loss = [|Loss.SoftmaxCrossEntropy|])] [Input(2)] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0006_binary_cross_entropy_on_softmax() => AssertSingle("CMP0006", """
        using Compiled;
        [Network(Loss = [|Loss.BinaryCrossEntropy|])] [Input(2)] [Dense(3, Activation = Activation.Softmax)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0007_softmax_before_softmax_cross_entropy()
    {
        Diagnostic d = AssertSingle("CMP0007", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2)] [Dense(3, Activation = [|Activation.Softmax|])]
            public partial class Net;
            """, DiagnosticSeverity.Warning);
        Assert.Contains("applied twice", d.GetMessage());
    }

    [Fact]
    public void CMP0007_sigmoid_before_binary_cross_entropy() => AssertSingle("CMP0007", """
        using Compiled;
        [Network(Loss = Loss.BinaryCrossEntropy)] [Input(2)] [Dense(1, Activation = [|Activation.Sigmoid|])]
        public partial class Net;
        """, DiagnosticSeverity.Warning);

    [Fact]
    public void CMP0007_is_a_warning_so_code_is_still_generated()
    {
        var (result, _, _) = GeneratorHarness.Run("""
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2)] [Dense(3, Activation = Activation.Softmax)]
            public partial class Net;
            """);
        Assert.Single(result.GeneratedTrees);
    }

    [Fact]
    public void CMP0008_duplicate_layer_names() => AssertSingle("CMP0008", """
        using Compiled;
        [Network] [Input(2)] [Dense(4, Name = "hidden")] [Dense(1, Name = [|"hidden"|])]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0009_nested_class() => AssertSingle("CMP0009", """
        using Compiled;
        public partial class Outer
        {
            [Network] [Input(2)] [Dense(1)]
            public partial class [|Net|];
        }
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0010_generic_class() => AssertSingle("CMP0010", """
        using Compiled;
        [Network] [Input(2)] [Dense(1)]
        public partial class [|Net|]<T>;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0011_static_class() => AssertSingle("CMP0011", """
        using Compiled;
        [Network] [Input(2)] [Dense(1)]
        public static partial class [|Net|];
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0012_no_layers() => AssertSingle("CMP0012", """
        using Compiled;
        [Network] [Input(2)]
        public partial class [|Net|];
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0013_layers_on_several_declarations() => AssertSingle("CMP0013", """
        using Compiled;
        [Network] [Input(2)] [Dense(4)]
        public partial class Net;

        [[|Dense(1)|]]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void Other_partial_declarations_without_layers_are_fine()
    {
        var (result, output, _) = GeneratorHarness.Run(
            "using Compiled; [Network] [Input(2)] [Dense(4)] [Dense(1)] public partial class Net;",
            "public partial class Net { public int Extra => InputSize + OutputSize; }");
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedTrees);
        Assert.Empty(GeneratorHarness.CompilerProblems(output));
    }

    [Fact]
    public void CMP0014_input_after_a_layer() => AssertSingle("CMP0014", """
        using Compiled;
        [Network] [Dense(4)] [[|Input(2)|]] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0015_implicit_flatten_is_info_and_generates()
    {
        Diagnostic d = AssertSingle("CMP0015", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(28, 28, 1)] [[|Dense(10)|]]
            public partial class Net;
            """, DiagnosticSeverity.Info);
        Assert.Equal("'dense0' takes an input of shape 28x28x1 and treats it as a vector of 784 values", d.GetMessage());
        Assert.Single(GeneratorHarness.Run("using Compiled; [Network] [Input(28, 28, 1)] [Dense(10)] public partial class Net;").Result.GeneratedTrees);
    }

    [Fact]
    public void CMP0016_invalid_layer_name() => AssertSingle("CMP0016", """
        using Compiled;
        [Network] [Input(2)] [Dense(1, Name = [|"my layer"|])]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0017_kernel_larger_than_the_input()
    {
        Diagnostic d = AssertSingle("CMP0017", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4, 4, 1)] [Conv2D(8, [|5|])] [Flatten] [Dense(10)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("The 5x5 window of 'conv0' is larger than its 4x4x1 input; use a smaller window, or Padding = Padding.Same", d.GetMessage());
    }

    [Fact]
    public void CMP0017_rectangular_pool_points_at_both_sizes() => AssertSingle("CMP0017", """
        using Compiled;
        [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(6, 3, 2)] [MaxPool2D([|2, 4|])] [Flatten] [Dense(10)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0017_same_padding_lets_a_large_kernel_through()
    {
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(
            "using Compiled; [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4, 4, 1)] [Conv2D(8, 5, Padding = Padding.Same)] [Flatten] [Dense(10)] public partial class Net;");
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void CMP0018_output_shrinks_to_zero_after_earlier_layers()
    {
        Diagnostic d = AssertSingle("CMP0018", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(8, 8, 1)] [Conv2D(8, 3)] [MaxPool2D(2)] [Conv2D(8, 3)] [[|MaxPool2D(2)|]] [Flatten] [Dense(10)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal(
            "'maxpool1' would have an empty output: its 2x2 window does not fit the 1x1x8 input left by the layers before it (8x8x1 -> 6x6x8 (conv0) -> 3x3x8 (maxpool0) -> 1x1x8 (conv1)); remove a pooling layer or a stride before it, or use Padding = Padding.Same",
            d.GetMessage());
    }

    [Fact]
    public void CMP0019_pool_leaves_the_last_row_and_column_unused()
    {
        Diagnostic d = AssertSingle("CMP0019", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(11, 11, 8)] [MaxPool2D([|2|])] [Flatten] [Dense(10)]
            public partial class Net;
            """, DiagnosticSeverity.Info);
        Assert.Equal("With a 2x2 window and stride 2, 'maxpool0' never reads the last 1 row and 1 column of its 11x11x8 input; Padding = Padding.Same would cover them", d.GetMessage());
        Assert.Single(GeneratorHarness.Run("using Compiled; [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(11, 11, 8)] [MaxPool2D(2)] [Flatten] [Dense(10)] public partial class Net;").Result.GeneratedTrees);
    }

    [Fact]
    public void CMP0019_points_at_an_explicit_stride() => AssertSingle("CMP0019", """
        using Compiled;
        [Network] [Input(8, 9, 1)] [Conv2D(4, 3, Stride = [|2|])] [Flatten] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Info);

    [Fact]
    public void CMP0020_dense_after_a_convolution_needs_flatten()
    {
        Diagnostic d = AssertSingle("CMP0020", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(28, 28, 1)] [Conv2D(8, 3)] [Dropout(0.1f)] [[|Dense(10)|]]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'dense0' comes directly after the spatial layer 'conv0' (26x26x8); add [Flatten] before it (or [GlobalAveragePool2D])", d.GetMessage());
    }

    [Fact]
    public void CMP0021_convolution_after_flatten()
    {
        Diagnostic d = AssertSingle("CMP0021", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(28, 28, 1)] [Flatten] [[|Conv2D(8, 3)|]] [Flatten] [Dense(10)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'conv0' needs a height x width x channels input, but 'flatten0' before it outputs a vector of 784 values; put spatial layers before [Flatten] and [Dense], or [Reshape] a vector into an image first", d.GetMessage());
    }

    [Fact]
    public void CMP0021_pooling_after_dense() => AssertSingle("CMP0021", """
        using Compiled;
        [Network] [Input(4, 4, 1)] [Dense(16)] [[|GlobalAveragePool2D|]] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0022_vector_input_for_a_convolution()
    {
        Diagnostic d = AssertSingle("CMP0022", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [[|Input(28, 28)|]] [Conv2D(8, 3)] [Flatten] [Dense(10)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'conv0' needs [Input(height, width, channels)], but the input is [Input(28, 28)]; for one channel write [Input(28, 28, 1)]", d.GetMessage());
    }

    [Fact]
    public void CMP0023_a_join_names_no_earlier_layer()
    {
        Diagnostic d = AssertSingle("CMP0023", """
            using Compiled;
            [Network] [Input(16)] [Dense(16, Name = "block_in")] [Dense(16)] [Add([|"block_inn"|], "dense1")] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'add0' reads 'block_inn', but no layer before it has that name; name an earlier layer (its Name, or its default name such as 'dense0')", d.GetMessage());
    }

    [Fact]
    public void CMP0023_a_join_names_a_later_layer() => AssertSingle("CMP0023", """
        using Compiled;
        [Network] [Input(16)] [Dense(16)] [Add("dense0", [|"later"|])] [Dense(16, Name = "later")] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0024_join_shapes_differ()
    {
        Diagnostic d = AssertSingle("CMP0024", """
            using Compiled;
            [Network] [Input(16)] [Dense(16, Name = "block_in")] [Dense(8)] [Add([|"block_in", "dense1"|])] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'add0' adds 'block_in' (a vector of 16 values) and 'dense1' (a vector of 8 values); the inputs of a sum must have the same shape", d.GetMessage());
    }

    [Fact]
    public void CMP0025_a_layer_nothing_reads() => AssertSingle("CMP0025", """
        using Compiled;
        [Network] [Input(16)] [Dense(16, Name = "a")] [[|Dense(16, Name = "b")|]] [Add("a", "a")] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_a_join_of_one_input() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(16)] [Dense(16)] [Add([|"dense0"|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0026_token_ids_into_a_float_layer()
    {
        Diagnostic d = AssertSingle("CMP0026", """
            using Compiled;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(8, Vocabulary = 27)] [[|Dense(27)|]]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'dense0' reads token ids, which only an [Embedding] reads; put [Embedding(dimension)] before it to turn each id into a vector", d.GetMessage());
    }

    [Fact]
    public void CMP0027_an_embedding_of_floats()
    {
        Diagnostic d = AssertSingle("CMP0027", """
            using Compiled;
            [Network] [Input(8)] [[|Embedding(16)|]] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'embedding0' is an embedding, which reads token ids, but it gets a vector of 8 values; declare the input as token ids with [Input(steps, Vocabulary = n)], or use [Dense] for float inputs", d.GetMessage());
    }

    [Fact]
    public void CMP0030_a_recurrent_layer_on_a_vector()
    {
        Diagnostic d = AssertSingle("CMP0030", """
            using Compiled;
            [Network] [Input(8)] [[|Lstm(4)|]] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'lstm0' is a recurrent layer, which reads a sequence of steps x features, but it gets a vector of 8 values; declare the input as [Input(steps, features)]", d.GetMessage());
    }

    [Fact]
    public void CMP0030_after_a_layer_that_returns_its_last_state()
    {
        Diagnostic d = AssertSingle("CMP0030", """
            using Compiled;
            [Network] [Input(8, 3)] [Lstm(4, Name = "encoder")] [Dropout(0.1f)] [[|Gru(4)|]] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'gru0' is a recurrent layer, which reads a sequence of steps x features, but it gets a vector of 4 values; 'encoder' returns its last state only: set ReturnSequences = true on it", d.GetMessage());
    }

    [Fact]
    public void CMP0030_a_recurrent_layer_on_an_image() => AssertSingle("CMP0030", """
        using Compiled;
        [Network] [Input(8, 8, 1)] [[|SimpleRnn(4)|]] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_an_elman_layer_with_a_sigmoid() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(8, 3)] [SimpleRnn(4, Activation = [|Activation.Sigmoid|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_a_recurrent_layer_too_large_for_its_buffers() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(100000, 3)] [Lstm([|600000000|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_a_recurrent_layer_of_no_units() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(8, 3)] [Gru([|0|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0030_self_attention_on_a_vector()
    {
        Diagnostic d = AssertSingle("CMP0030", """
            using Compiled;
            [Network] [Input(8)] [[|SelfAttention(Heads = 2)|]] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'attention0' is a self-attention layer, which reads a sequence of steps x features, but it gets a vector of 8 values; declare the input as [Input(steps, features)]", d.GetMessage());
    }

    [Fact]
    public void CMP0030_a_positional_embedding_after_an_lstm_that_returns_its_last_state() => AssertSingle("CMP0030", """
        using Compiled;
        [Network] [Input(8, 3)] [Lstm(4)] [[|PositionalEmbedding|]] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0032_heads_that_do_not_divide_the_width()
    {
        Diagnostic d = AssertSingle("CMP0032", """
            using Compiled;
            [Network] [Input(8, 6)] [SelfAttention(Heads = [|4|])] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'attention0' has 4 heads, but its input has 6 features per step, which they do not divide; use Heads = 3 or Heads = 2", d.GetMessage());
    }

    [Fact]
    public void CMP0004_a_negative_leaky_relu_slope()
    {
        Diagnostic d = AssertSingle("CMP0004", """
            using Compiled;
            [Network] [Input(4, 4, 1)] [Conv2D(2, 3, Activation = Activation.LeakyRelu, NegativeSlope = [|-0.2f|])] [Flatten] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("The negative slope of 'conv0' must be a finite number of at least 0, but it is -0.2", d.GetMessage());
    }

    [Fact]
    public void CMP0033_a_reshape_to_another_size()
    {
        Diagnostic d = AssertSingle("CMP0033", """
            using Compiled;
            [Network(Loss = Loss.None)] [Input(64)] [Dense(6272)] [Reshape([|7, 7, 64|])] [UpSampling2D(2)] [Conv2D(1, 3, Padding = Padding.Same)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("'reshape0' reads a vector of 6272 values as a 7x7x64 image, which holds 3136; a reshape keeps every value, so the sizes must be equal", d.GetMessage());
    }

    [Fact]
    public void CMP0004_an_upsampling_factor_of_zero() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(4, 4, 1)] [UpSampling2D(2, [|0|])] [Flatten] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0021_upsampling_after_dense_names_reshape()
    {
        Diagnostic d = AssertSingle("CMP0021", """
            using Compiled;
            [Network] [Input(8)] [Dense(16)] [[|UpSampling2D(2)|]] [Flatten] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.EndsWith("or [Reshape] a vector into an image first", d.GetMessage());
    }

    [Fact]
    public void CMP0004_a_positional_embedding_shorter_than_its_input() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(8, 6)] [PositionalEmbedding(MaxSteps = [|4|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_no_attention_heads() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(8, 6)] [SelfAttention(Heads = [|0|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0005_an_attention_dropout_of_one() => AssertSingle("CMP0005", """
        using Compiled;
        [Network] [Input(8, 6)] [SelfAttention(Dropout = [|1f|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0031_a_padding_token_on_floats()
    {
        Diagnostic d = AssertSingle("CMP0031", """
            using Compiled;
            [Network] [Input(8, 2, PaddingToken = [|0|])] [Lstm(4)] [Dense(1)]
            public partial class Net;
            """, DiagnosticSeverity.Error);
        Assert.Equal("The [Input]'s PaddingToken = 0 marks padded steps, but the input is floats, not token ids; for a float sequence use MaskValue (a step whose features all equal it is padding)", d.GetMessage());
    }

    [Fact]
    public void CMP0031_padding_without_a_recurrent_layer() => AssertSingle("CMP0031", """
        using Compiled;
        [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(8, Vocabulary = 5, PaddingToken = [|0|])] [Embedding(4)] [Dense(5)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0031_a_mask_value_on_a_vector() => AssertSingle("CMP0031", """
        using Compiled;
        [Network] [Input(8, MaskValue = [|0f|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0031_a_mask_value_on_token_ids() => AssertSingle("CMP0031", """
        using Compiled;
        [Network] [Input(8, Vocabulary = 5, MaskValue = [|0f|])] [Embedding(3)] [Lstm(3)] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_a_padding_token_outside_the_vocabulary() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(8, Vocabulary = 5, PaddingToken = [|7|])] [Embedding(3)] [Lstm(3)] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_a_negative_vocabulary() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(8, Vocabulary = [|-3|])] [Embedding(4)] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_token_ids_of_rank_two() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [[|Input(8, 2, Vocabulary = 5)|]] [Embedding(4)] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_an_embedding_of_no_dimension() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(8, Vocabulary = 5)] [Embedding([|0|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_layer_norm_epsilon() => AssertSingle("CMP0004", """
        using Compiled;
        [Network] [Input(16)] [LayerNorm(Epsilon = [|0f|])] [Dense(1)]
        public partial class Net;
        """, DiagnosticSeverity.Error);

    [Fact]
    public void CMP0004_convolution_arguments_out_of_range()
    {
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(
            "using Compiled; [Network] [Input(8, 8, 1)] [Conv2D(0, 0, Stride = 0, Padding = (Padding)7)] [MaxPool2D(2, Stride = -1)] [Flatten] [Dense(1)] public partial class Net;");
        Assert.Equal(
            new[]
            {
                "The filters of 'conv0' must be at least 1, but it is 0",
                "The kernel height of 'conv0' must be at least 1, but it is 0",
                "The kernel width of 'conv0' must be at least 1, but it is 0",
                "The stride of 'conv0' must be at least 1, but it is 0",
                "The padding of 'conv0' must be a defined Padding value, but it is 7",
                "The stride of 'maxpool0' must be at least 1 (or 0 for the window size), but it is -1",
            },
            diagnostics.Where(d => d.Id == "CMP0004").Select(d => d.GetMessage()));
    }

    [Fact]
    public void Errors_suppress_generation()
    {
        var (result, _, _) = GeneratorHarness.Run("using Compiled; [Network] [Input(2)] [Dense(0)] public partial class Net;");
        Assert.Empty(result.GeneratedTrees);
    }

    [Fact]
    public void Pragma_warning_disable_suppresses_a_generator_warning()
    {
        // Diagnostics are reported at real source locations, so the compiler applies #pragma to them.
        string source = """
            using Compiled;
            #pragma warning disable CMP0007
            [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2)] [Dense(3, Activation = Activation.Softmax)]
            public partial class Net;
            #pragma warning restore CMP0007
            """;
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.GeneratorDiagnostics(source), d => d.Id == "CMP0007");
        Assert.True(diagnostic.IsSuppressed);

        Diagnostic unsuppressed = Assert.Single(GeneratorHarness.GeneratorDiagnostics(source.Replace("#pragma warning disable CMP0007", string.Empty)), d => d.Id == "CMP0007");
        Assert.False(unsuppressed.IsSuppressed);
    }

    [Fact]
    public void CMP0099_reports_an_internal_failure_at_the_class_instead_of_throwing()
    {
        // No valid or half-typed input reaches this path (RobustnessTests tries many); check what it reports when the
        // parser's catch-all turns an exception into a diagnostic.
        MarkedSource source = MarkedSource.Parse("using Compiled; [Network] [Input(2)] [Dense(1)] public partial class [|Net|];");
        SyntaxTree tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source.Text, path: "Net.cs");
        var identifier = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>().Single().Identifier;
        var info = Diagnostics.DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.GeneratorFailed, Parsing.NetworkParser.LocationOf(identifier.GetLocation()), "Net", "InvalidOperationException: boom");

        Diagnostic diagnostic = info.ToDiagnostic(tree);

        Assert.Equal("CMP0099", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(source.Span, diagnostic.Location.SourceSpan);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Contains("InvalidOperationException: boom", diagnostic.GetMessage());
    }
}
