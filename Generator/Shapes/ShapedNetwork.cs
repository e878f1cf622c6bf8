using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes
{
    /// <summary>One layer with every size and offset resolved. Offsets into the parameter array are absolute;
    /// offsets into the workspace are absolute and each buffer holds <c>MaxBatchSize</c> rows.</summary>
    /// <param name="Index">Position among the layers, from 0.</param>
    /// <param name="Kind">Which layer.</param>
    /// <param name="Name">The parameter name prefix (<c>dense0</c> or the explicit name).</param>
    /// <param name="Identifier">The name in PascalCase, for generated member names.</param>
    /// <param name="InputSize">Values per sample coming in.</param>
    /// <param name="OutputSize">Values per sample going out.</param>
    /// <param name="Activation">Dense: the activation.</param>
    /// <param name="Rate">Dropout: the rate.</param>
    /// <param name="WeightOffset">Dense: offset of W [InputSize, OutputSize].</param>
    /// <param name="BiasOffset">Dense: offset of b [OutputSize].</param>
    /// <param name="OutputOffset">Workspace offset of this layer's output rows.</param>
    /// <param name="MaskOffset">Dropout: workspace offset of the mask rows.</param>
    /// <param name="Unrolled">Dense: small enough (InputSize * OutputSize &lt;= 64) to emit as straight-line arithmetic.</param>
    internal sealed record ShapedLayer(
        int Index,
        LayerKind Kind,
        string Name,
        string Identifier,
        int InputSize,
        int OutputSize,
        ActivationKind Activation,
        float Rate,
        int WeightOffset,
        int BiasOffset,
        int OutputOffset,
        int MaskOffset,
        bool Unrolled)
    {
        public int WeightCount => Kind == LayerKind.Dense ? InputSize * OutputSize : 0;

        public int BiasCount => Kind == LayerKind.Dense ? OutputSize : 0;
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
        EquatableArray<ShapedLayer> Layers)
    {
        /// <summary>Dense layers with fewer weights than this are emitted as straight-line arithmetic.</summary>
        public const int UnrollLimit = 64;
    }

    /// <summary>What a diagnostic found by shape inference points at; mapped to a source location by the
    /// diagnostics pipeline through the <see cref="SourceMap"/>, since the spec carries no locations.</summary>
    internal enum IssueTarget
    {
        ClassName,
        LossArgument,
        MaxBatchSizeArgument,
        InputArgument,
        LayerAttribute,
        LayerSizeArgument,
        LayerActivationArgument,
        LayerNameArgument,
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
