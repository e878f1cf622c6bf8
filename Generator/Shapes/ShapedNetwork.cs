using System.Linq;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes
{
    /// <summary>The shape of one sample between two layers: height x width x channels (channels-last), or a vector.</summary>
    internal readonly record struct TensorShape(int Height, int Width, int Channels, bool Spatial)
    {
        public static TensorShape Vector(int size) => new(1, 1, size, false);

        public int Size => Height * Width * Channels;

        /// <summary><c>13x13x32</c> or <c>576</c>, as the emitted comments and the diagnostics write it.</summary>
        public override string ToString() => Spatial ? $"{Height}x{Width}x{Channels}" : Channels.ToString();
    }

    /// <summary>A convolution kernel's or a pooling window's geometry: its size, strides and the padding before the first row and column.</summary>
    internal readonly record struct Window(int Height, int Width, int StrideHeight, int StrideWidth, int PadTop, int PadLeft, PaddingKind Padding)
    {
        public override string ToString() => $"{Height}x{Width}";

        /// <summary><c>stride 2, valid</c> or <c>stride 1, same (pad top 1, left 1)</c>, as the emitted comments write it.</summary>
        public string DescribeStrideAndPadding() =>
            $"stride {(StrideHeight == StrideWidth ? StrideHeight.ToString() : $"{StrideHeight}x{StrideWidth}")}, "
            + (Padding == PaddingKind.Same ? $"same (pad top {PadTop}, left {PadLeft})" : "valid");
    }

    /// <summary>One layer with every size and offset resolved. Offsets into the parameter array are absolute;
    /// offsets into the workspace are absolute and each buffer holds <c>MaxBatchSize</c> rows.</summary>
    /// <param name="Index">Position among the layers, from 0.</param>
    /// <param name="Kind">Which layer.</param>
    /// <param name="Name">The parameter name prefix (<c>dense0</c> or the explicit name).</param>
    /// <param name="Identifier">The name in PascalCase, for generated member names.</param>
    /// <param name="Input">The shape of a sample coming in.</param>
    /// <param name="Output">The shape of a sample going out.</param>
    /// <param name="Activation">Dense and Conv2D: the activation.</param>
    /// <param name="Rate">Dropout: the rate.</param>
    /// <param name="WeightOffset">Dense: offset of W [InputSize, OutputSize]; Conv2D: of W [kh, kw, in channels, filters].</param>
    /// <param name="BiasOffset">Dense and Conv2D: offset of b.</param>
    /// <param name="OutputOffset">Workspace offset of this layer's output rows (unused by layers whose output is their input).</param>
    /// <param name="SavedOffset">Workspace offset of what the backward pass needs besides the output: dropout's mask, max pooling's argmax.</param>
    /// <param name="Unrolled">Dense: small enough (InputSize * OutputSize &lt;= 64) to emit as straight-line arithmetic.</param>
    internal sealed record ShapedLayer(
        int Index,
        LayerKind Kind,
        string Name,
        string Identifier,
        TensorShape Input,
        TensorShape Output,
        ActivationKind Activation,
        float Rate,
        int WeightOffset,
        int BiasOffset,
        int OutputOffset,
        int SavedOffset,
        bool Unrolled)
    {
        /// <summary>Conv2D and pooling: the window.</summary>
        public Window Window { get; init; }

        /// <summary>Conv2D: how many output pixels (rows of the im2col matrix) are unfolded into the scratch at a time.</summary>
        public int ChunkRows { get; init; }

        public int InputSize => Input.Size;

        public int OutputSize => Output.Size;

        /// <summary>Conv2D: values in one unfolded patch, kh * kw * in channels (the inner dimension of its matrix product).</summary>
        public int PatchSize => Window.Height * Window.Width * Input.Channels;

        public int WeightCount => Kind switch
        {
            LayerKind.Dense => InputSize * OutputSize,
            LayerKind.Conv2D => PatchSize * Output.Channels,
            _ => 0,
        };

        public int BiasCount => Kind switch
        {
            LayerKind.Dense => OutputSize,
            LayerKind.Conv2D => Output.Channels,
            _ => 0,
        };
    }

    /// <summary>A network whose shapes are all known and valid: what the emitter needs, and nothing else.</summary>
    internal sealed record ShapedNetwork(
        string? Namespace,
        string ClassName,
        LossKind Loss,
        int MaxBatchSize,
        int Seed,
        EquatableArray<int> InputShape,
        int InputSize,
        int OutputSize,
        int ParameterCount,
        int WorkspaceSize,
        int GradientBufferOffsetA,
        int GradientBufferOffsetB,
        int GradientBufferWidth,
        int ScratchOffset,
        int ScratchSize,
        EquatableArray<ShapedLayer> Layers)
    {
        /// <summary>Dense layers with fewer weights than this are emitted as straight-line arithmetic.</summary>
        public const int UnrollLimit = 64;

        /// <summary>Whether any layer is dropout: only then does the network carry random state.</summary>
        public bool HasDropout => Layers.Any(l => l.Kind == LayerKind.Dropout);
    }

    /// <summary>What a diagnostic found by shape inference points at; mapped to a source location by the
    /// diagnostics pipeline through the <see cref="SourceMap"/>, since the spec carries no locations.</summary>
    internal enum IssueTarget
    {
        ClassName,
        LossArgument,
        MaxBatchSizeArgument,
        InputArgument,
        InputAttribute,
        LayerAttribute,
        LayerSizeArgument,
        LayerActivationArgument,
        LayerNameArgument,
        LayerWindowArgument,
        LayerStrideArgument,
        LayerPaddingArgument,
    }

    /// <summary>A diagnostic found by shape inference, not yet located.</summary>
    /// <param name="Id">The descriptor ID.</param>
    /// <param name="Target">What it points at.</param>
    /// <param name="Index">The layer index, or the input argument index.</param>
    /// <param name="Arguments">The message arguments.</param>
    internal sealed record ShapeIssue(string Id, IssueTarget Target, int Index, EquatableArray<string> Arguments);

    /// <summary>The result of shape inference: a network when there are no errors, and every issue found.</summary>
    internal sealed record ShapeResult(ShapedNetwork? Network, EquatableArray<ShapeIssue> Issues);
}
