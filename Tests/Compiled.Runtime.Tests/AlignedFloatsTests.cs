using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>The buffers networks keep their parameters, gradients and workspaces in start on a 64-byte boundary.</summary>
public class AlignedFloatsTests
{
    private static unsafe long Address(ReadOnlySpan<float> values)
    {
        fixed (float* first = values)
        {
            return (long)first;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(100_003)] // past the large-object threshold
    public void A_buffer_is_zeroed_holds_its_length_and_starts_on_a_line(int length)
    {
        for (int i = 0; i < 20; i++) // each allocation lands on its own offset from a line
        {
            var buffer = new AlignedFloats(length);
            Assert.Equal(length, buffer.Length);
            Span<float> values = buffer;
            Assert.Equal(length, values.Length);
            Assert.True(values.IndexOfAnyExcept(0f) < 0);
            if (length > 0)
            {
                Assert.Equal(0, Address(values) % AlignedFloats.Alignment);
            }

            values.Fill(3f);
            Assert.Equal(3f, buffer.Slice(length / 2, length - (length / 2)).ToArray().DefaultIfEmpty(3f).Min());
            buffer.Clear();
            Assert.True(buffer.Span.IndexOfAnyExcept(0f) < 0);
        }
    }

    [Fact]
    public void Sizes_and_slices_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedFloats(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedFloats(Array.MaxLength));
        var buffer = new AlignedFloats(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(5, 6));
        Assert.True(default(AlignedFloats).Span.IsEmpty);
        Assert.Equal(new[] { 0, 16, 16, 32, 48 }, new[] { 0, 1, 16, 17, 48 }.Select(AlignedFloats.RoundUp));
    }

    [Fact]
    public void A_network_keeps_its_parameters_gradients_and_workspace_on_lines()
    {
        var network = new SeedCnn(3);
        Assert.Equal(0, Address(network.Parameters) % 64);
        Assert.Equal(0, Address(network.Gradients) % 64);
        AlignedFloats Workspace() => (AlignedFloats)typeof(SeedCnn).GetField("_workspace", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(network)!;
        Assert.Equal(0, Address(Workspace().Span) % 64);

        // The training workspace, brought by the first training call, too.
        network.Backward(new float[2 * 784], new[] { 1, 2 });
        Assert.Equal(0, Address(Workspace().Span) % 64);
    }
}
