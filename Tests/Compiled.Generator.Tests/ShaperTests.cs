using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Tests;

/// <summary>Shape inference on its own, without Roslyn.</summary>
public class ShaperTests
{
    private static NetworkSpec Spec(LossKind loss, int[] input, params LayerSpec[] layers) =>
        new("Demo", "Net", loss, 32, 0, input.ToEquatableArrayForTest(), layers.ToEquatableArrayForTest());

    private static LayerSpec Dense(int units, ActivationKind activation = ActivationKind.Identity, string? name = null) =>
        new(LayerKind.Dense, units, 0f, activation, name);

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
        Assert.Equal((0, 784 * 64), (hidden.WeightOffset, hidden.BiasOffset));
        Assert.Equal(((784 * 64) + 64, (784 * 64) + 64 + 640), (output.WeightOffset, output.BiasOffset));
        Assert.False(hidden.Unrolled);
        Assert.False(output.Unrolled); // 640 weights: a runtime call
        Assert.Equal(64, network.GradientBufferWidth);
        Assert.Equal((32 * 64) + (32 * 10) + (2 * 32 * 64), network.WorkspaceSize);
    }

    [Fact]
    public void Tiny_layers_are_unrolled()
    {
        ShapedNetwork network = NetworkShaper.Shape(Spec(LossKind.BinaryCrossEntropy, new[] { 2 }, Dense(8, ActivationKind.Tanh), Dense(1))).Network!;
        Assert.True(network.Layers[0].Unrolled);
        Assert.True(network.Layers[1].Unrolled);
        Assert.Equal(33, network.ParameterCount);
    }

    [Fact]
    public void Default_names_count_per_kind_and_identifiers_are_pascal_case()
    {
        ShapedNetwork network = NetworkShaper.Shape(Spec(
            LossKind.MeanSquaredError, new[] { 4 },
            Dense(8, name: "hidden_layer"), new LayerSpec(LayerKind.Dropout, 0, 0.5f, ActivationKind.Identity, null), Dense(1))).Network!;
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
            LossKind.MeanSquaredError, new[] { 4, 4 },
            new LayerSpec(LayerKind.Dropout, 0, 0.1f, ActivationKind.Identity, null), Dense(3), Dense(1)));
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
}
