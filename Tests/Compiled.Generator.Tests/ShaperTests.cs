using Compiled.Generator.Emit;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Tests;

/// <summary>Shape inference on its own, without Roslyn.</summary>
public class ShaperTests
{
    private static NetworkSpec Spec(LossKind loss, int[] input, params LayerSpec[] layers) =>
        new("Demo", "Net", loss, 32, 0, input.ToEquatableArrayForTest(), layers.ToEquatableArrayForTest());

    private static LayerSpec Dense(int units, ActivationKind activation = ActivationKind.Identity, string? name = null) =>
        new("Dense", name, new DenseArguments(units, activation));

    private static LayerSpec Dropout(float rate) => new("Dropout", null, new DropoutArguments(rate));

    private static int Offset(ShapedLayer layer, string role) => layer.Parameter(role).Offset;

    private static bool Unrolled(ShapedLayer layer) => ((DenseDetails)layer.Details!).Unrolled;

    [Fact]
    public void Offsets_and_sizes_of_an_mlp()
    {
        ShapeResult result = NetworkShaper.Shape(Spec(LossKind.SoftmaxCrossEntropy, new[] { 784 }, Dense(64, ActivationKind.Relu), Dense(10)));

        ShapedNetwork network = Assert.IsType<ShapedNetwork>(result.Network);
        Assert.Empty(result.Issues);
        Assert.Equal((784 * 64) + 64 + (64 * 10) + 10, network.ParameterCount);
        Assert.Equal(784, network.InputSize);
        Assert.Equal(10, network.OutputSize);
        ShapedLayer hidden = network.Layers[0], output = network.Layers[1];
        Assert.Equal((0, 784 * 64), (Offset(hidden, "weight"), Offset(hidden, "bias")));
        Assert.Equal(((784 * 64) + 64, (784 * 64) + 64 + 640), (Offset(output, "weight"), Offset(output, "bias")));
        Assert.False(Unrolled(hidden));
        Assert.False(Unrolled(output)); // 640 weights: a runtime call
        Assert.Equal(64, network.GradientBufferWidth);
        Assert.Equal((32 * 64) + (32 * 10) + (2 * 32 * 64) + (784 * 64), network.WorkspaceSize); // the last: scratch to turn W in, for dL/dx
        Assert.Equal((32 * 64) + (32 * 10), network.InferenceWorkspaceSize); // the outputs only: a forward pass turns no W
    }

    [Fact]
    public void Tiny_layers_are_unrolled()
    {
        ShapedNetwork network = NetworkShaper.Shape(Spec(LossKind.BinaryCrossEntropy, new[] { 2 }, Dense(8, ActivationKind.Tanh), Dense(1))).Network!;
        Assert.True(Unrolled(network.Layers[0]));
        Assert.True(Unrolled(network.Layers[1]));
        Assert.Equal(33, network.ParameterCount);
    }

    [Fact]
    public void Default_names_count_per_kind_and_identifiers_are_pascal_case()
    {
        ShapedNetwork network = NetworkShaper.Shape(Spec(
            LossKind.MeanSquaredError, new[] { 4 },
            Dense(8, name: "hidden_layer"), Dropout(0.5f), Dense(1))).Network!;
        Assert.Equal(new[] { "hidden_layer", "dropout0", "dense1" }, network.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "HiddenLayer", "Dropout0", "Dense1" }, network.Layers.Select(l => l.Identifier));
    }

    [Fact]
    public void Names_that_map_to_one_member_are_duplicates()
    {
        ShapeResult result = NetworkShaper.Shape(Spec(LossKind.MeanSquaredError, new[] { 4 }, Dense(8, name: "a_b"), Dense(1, name: "aB")));
        Assert.Null(result.Network);
        Assert.Contains(result.Issues, i => i.Id == "CMP0008" && i.Index == 1);
    }

    [Fact]
    public void Several_problems_are_all_reported()
    {
        ShapeResult result = NetworkShaper.Shape(Spec(LossKind.SoftmaxCrossEntropy, new[] { 0 }, Dense(-3), Dense(1)));
        Assert.Null(result.Network);
        Assert.Equal(new[] { "CMP0004", "CMP0004", "CMP0006" }, result.Issues.Select(i => i.Id));
    }

    [Fact]
    public void Implicit_flatten_is_noted_at_the_first_dense_layer_even_after_dropout()
    {
        ShapeResult result = NetworkShaper.Shape(Spec(
            LossKind.MeanSquaredError, new[] { 4, 4, 1 },
            Dropout(0.1f), Dense(3), Dense(1)));
        ShapeIssue issue = Assert.Single(result.Issues);
        Assert.Equal(("CMP0015", 1), (issue.Id, issue.Index));
        Assert.NotNull(result.Network);
        Assert.Equal(16, result.Network!.Layers[0].OutputSize);
    }

    [Fact]
    public void Specs_compare_by_value()
    {
        NetworkSpec a = Spec(LossKind.MeanSquaredError, new[] { 4 }, Dense(8), Dense(1));
        NetworkSpec b = Spec(LossKind.MeanSquaredError, new[] { 4 }, Dense(8), Dense(1));
        NetworkSpec c = Spec(LossKind.MeanSquaredError, new[] { 4 }, Dense(9), Dense(1));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.Equal(NetworkShaper.Shape(a), NetworkShaper.Shape(b));
    }

    [Fact]
    public void Equatable_arrays_compare_elements()
    {
        var empty = default(EquatableArray<int>);
        Assert.Equal(EquatableArray<int>.Empty, empty);
        Assert.Equal(0, empty.Count);
        Assert.True(new[] { 1, 2 }.ToEquatableArrayForTest() == new[] { 1, 2 }.ToEquatableArrayForTest());
        Assert.True(new[] { 1, 2 }.ToEquatableArrayForTest() != new[] { 2, 1 }.ToEquatableArrayForTest());
        Assert.NotEqual(new[] { 1 }.ToEquatableArrayForTest(), new[] { 1, 1 }.ToEquatableArrayForTest());
    }

    private static LayerSpec Conv(int filters, int kh, int kw, int stride = 1, PaddingKind padding = PaddingKind.Valid, string? name = null, ActivationKind activation = ActivationKind.Relu) =>
        new("Conv2D", name, new Conv2DArguments(filters, kh, kw, stride, padding, activation));

    private static LayerSpec Pool(string kind, int h, int w, int stride = 0, PaddingKind padding = PaddingKind.Valid) =>
        new(kind, null, new PoolArguments(h, w, stride, padding));

    private static LayerSpec Flatten() => new("Flatten", null, new FlattenArguments());

    private static Window WindowOf(ShapedLayer layer) => layer.Details switch
    {
        ConvolutionDetails convolution => convolution.Window,
        PoolDetails pool => pool.Window,
        _ => throw new InvalidOperationException(layer.Kind + " has no window"),
    };

    [Fact]
    public void The_seed_cnn_has_keras_shapes_offsets_and_a_shared_scratch()
    {
        ShapeResult result = NetworkShaper.Shape(Spec(
            LossKind.SoftmaxCrossEntropy, new[] { 28, 28, 1 },
            Conv(32, 3, 3), Pool("MaxPool2D", 2, 2), Conv(64, 3, 3), Pool("MaxPool2D", 2, 2), Conv(64, 3, 3), Flatten(), Dense(64, ActivationKind.Relu), Dense(10)));

        ShapedNetwork network = Assert.IsType<ShapedNetwork>(result.Network);
        Assert.Equal("CMP0019", Assert.Single(result.Issues).Id); // pool 11x11 -> 5x5 drops a row and a column, as in Keras
        Assert.Equal(
            new[] { "26x26x32", "13x13x32", "11x11x64", "5x5x64", "3x3x64", "576", "64", "10" },
            network.Layers.Select(l => l.Output.ToString()));
        Assert.Equal(new[] { "conv0", "maxpool0", "conv1", "maxpool1", "conv2", "flatten0", "dense0", "dense1" }, network.Layers.Select(l => l.Name));
        Assert.Equal(93322, network.ParameterCount);
        Assert.Equal(((3 * 3 * 32 * 64) + 64 + (3 * 3 * 32) + 32), Offset(network.Layers[4], "weight"));
        Assert.Equal(11 * 11 * 64, network.GradientBufferWidth); // conv0's 26x26x32 output gradient is never stored whole (below)

        // The scratch holds the largest convolution's chunk of patches plus its kernel transposed, and a chunk of output
        // rows for the forms that run the max pool after it; the kernel and the rows each from a multiple of 16 values.
        int ChunkRows(ShapedLayer conv) => ((ConvolutionDetails)conv.Details!).ChunkRows;
        int Line(int values) => (values + 15) / 16 * 16;
        int Own(ShapedLayer conv) => Line(ChunkRows(conv) * Conv2DLayer.PatchSize(conv)) + conv.Parameter("weight").Count;
        int Scratch(ShapedLayer conv) => conv.MaxPoolInside ? Line(Own(conv)) + (ChunkRows(conv) * conv.Output.Channels) : Own(conv);
        Assert.Equal(network.Layers.Where(l => l.Kind == "Conv2D").Max(Scratch), network.ScratchSize);
        Assert.All(network.Layers.Where(l => l.Kind == "Conv2D"), conv => Assert.True(ChunkRows(conv) * Conv2DLayer.PatchSize(conv) <= 32 * 1024 || ChunkRows(conv) == 6));
        Assert.Equal(network.ScratchOffset + network.ScratchSize, network.WorkspaceSize);

        // The first convolution's chunk (2046 rows) holds three whole 26x26 samples, so its calls run the max pool after it;
        // the second's (108 rows) not one 11x11 sample.
        Assert.Equal(new[] { true, false, false, false, false, false, false, false }, NetworkEmitter.MaxPoolsInConvolutions(network));
    }

    [Fact]
    public void Every_workspace_buffer_starts_on_a_multiple_of_16_values()
    {
        // Odd widths and an odd batch, so that no size is a multiple of 16 by chance: AlignedFloats puts the workspace on a
        // 64-byte boundary, and the offsets keep each buffer on one.
        ShapeResult result = NetworkShaper.Shape(Spec(
            LossKind.SoftmaxCrossEntropy, new[] { 9, 9, 3 },
            Conv(5, 3, 3), Pool("MaxPool2D", 2, 2), Conv(7, 3, 3), Flatten(), Dense(13, ActivationKind.Relu), Dense(3)) with
        { MaxBatchSize = 7 });
        ShapedNetwork network = Assert.IsType<ShapedNetwork>(result.Network);
        var offsets = new List<int> { network.ScratchOffset, network.InferenceScratchOffset };
        offsets.AddRange(network.GradientBufferOffsets);
        foreach (ShapedLayer layer in network.Layers)
        {
            offsets.Add(layer.OutputOffset);
            offsets.Add(layer.InferenceOutputOffset);
            offsets.AddRange(layer.Saved.Select(buffer => buffer.Offset));
            offsets.AddRange(layer.InferenceSavedOffsets);
        }

        Assert.Contains(offsets, offset => offset > 0);
        Assert.All(offsets, offset => Assert.Equal(0, offset % 16));
    }

    [Fact]
    public void A_max_pool_runs_inside_the_convolution_only_where_nothing_else_needs_the_convolution_output()
    {
        ShapedNetwork Network(params LayerSpec[] layers) =>
            Assert.IsType<ShapedNetwork>(NetworkShaper.Shape(Spec(LossKind.SoftmaxCrossEntropy, new[] { 12, 12, 1 }, layers)).Network);

        // No activation, or ReLU (whose derivative the pool applies): inside.
        Assert.Equal(new[] { true, false, false, false }, NetworkEmitter.MaxPoolsInConvolutions(Network(Conv(8, 3, 3), Pool("MaxPool2D", 2, 2), Flatten(), Dense(10))));
        Assert.Equal(new[] { true, false, false, false }, NetworkEmitter.MaxPoolsInConvolutions(Network(Conv(8, 3, 3, activation: ActivationKind.Identity), Pool("MaxPool2D", 2, 2), Flatten(), Dense(10))));

        // tanh's derivative needs the convolution's output; an average pool has no argmax to route by.
        Assert.All(NetworkEmitter.MaxPoolsInConvolutions(Network(Conv(8, 3, 3, activation: ActivationKind.Tanh), Pool("MaxPool2D", 2, 2), Flatten(), Dense(10))), Assert.False);
        Assert.All(NetworkEmitter.MaxPoolsInConvolutions(Network(Conv(8, 3, 3), Pool("AveragePool2D", 2, 2), Flatten(), Dense(10))), Assert.False);
    }

    [Theory]
    [InlineData(28, 3, 1, "same", 28, 1)]
    [InlineData(28, 3, 2, "same", 14, 0)]
    [InlineData(7, 4, 2, "same", 4, 1)]
    [InlineData(5, 5, 1, "same", 5, 2)]
    [InlineData(3, 7, 4, "same", 1, 2)]
    [InlineData(28, 3, 2, "valid", 13, 0)]
    [InlineData(9, 2, 3, "valid", 3, 0)]
    public void Padding_and_stride_follow_keras(int input, int kernel, int stride, string padding, int output, int padBefore)
    {
        ShapedNetwork network = NetworkShaper.Shape(Spec(
            LossKind.MeanSquaredError, new[] { input, input, 2 },
            Conv(3, kernel, kernel, stride, padding == "same" ? PaddingKind.Same : PaddingKind.Valid), Flatten(), Dense(1))).Network!;
        ShapedLayer conv = network.Layers[0];
        Assert.Equal((output, output, 3), (conv.Output.Height, conv.Output.Width, conv.Output.Channels));
        Assert.Equal((padBefore, padBefore), (WindowOf(conv).PadTop, WindowOf(conv).PadLeft));
    }

    [Fact]
    public void Pool_stride_defaults_to_the_window_per_dimension()
    {
        ShapedNetwork network = NetworkShaper.Shape(Spec(LossKind.MeanSquaredError, new[] { 12, 12, 3 }, Pool("AveragePool2D", 2, 3), Flatten(), Dense(1))).Network!;
        ShapedLayer pool = network.Layers[0];
        Assert.Equal((2, 3), (WindowOf(pool).StrideHeight, WindowOf(pool).StrideWidth));
        Assert.Equal("6x4x3", pool.Output.ToString());
        Assert.Empty(pool.Saved); // average pooling keeps nothing for the backward pass
    }

    [Fact]
    public void After_one_shape_error_later_layers_report_nothing_more()
    {
        ShapeResult result = NetworkShaper.Shape(Spec(
            LossKind.SoftmaxCrossEntropy, new[] { 4, 4, 1 },
            Conv(8, 5, 5), Pool("MaxPool2D", 2, 2), Conv(8, 3, 3), Flatten(), Dense(10)));
        Assert.Null(result.Network);
        Assert.Equal(new[] { "CMP0017" }, result.Issues.Select(i => i.Id));
    }
}
