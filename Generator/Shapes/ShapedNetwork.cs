using System.Linq;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes
{
    /// <summary>What the axes of a sample mean.</summary>
    internal enum ShapeKind
    {
        /// <summary><c>[features]</c>.</summary>
        Vector,

        /// <summary><c>[steps, features]</c>: layers that act on the last axis act per step.</summary>
        Sequence,

        /// <summary><c>[height, width, channels]</c>, channels-last.</summary>
        Image,

        /// <summary><c>[steps]</c> token ids, of type <c>int</c>.</summary>
        Tokens,
    }

    /// <summary>The shape of one sample between two layers: its axes and (for token ids) its element type. Stored as
    /// height x width x channels: a vector is 1 x 1 x features, a sequence steps x 1 x features, token ids steps x 1 x 1.</summary>
    internal readonly record struct TensorShape(ShapeKind Kind, int Height, int Width, int Channels)
    {
        public static TensorShape Vector(int size) => new(ShapeKind.Vector, 1, 1, size);

        public static TensorShape Image(int height, int width, int channels) => new(ShapeKind.Image, height, width, channels);

        public static TensorShape Sequence(int steps, int features) => new(ShapeKind.Sequence, steps, 1, features);

        public static TensorShape Tokens(int steps) => new(ShapeKind.Tokens, steps, 1, 1);

        public bool Spatial => Kind == ShapeKind.Image;

        /// <summary>Whether the values are <c>int</c> token ids rather than floats.</summary>
        public bool IsInteger => Kind == ShapeKind.Tokens;

        /// <summary>The length of the last axis: features, or channels.</summary>
        public int LastAxis => Channels;

        /// <summary>How many rows of <see cref="LastAxis"/> one sample holds: the steps of a sequence, else 1 for a vector.</summary>
        public int Rows => Kind == ShapeKind.Vector ? 1 : Height * Width;

        public int Size => Height * Width * Channels;

        /// <summary>The size in 64-bit arithmetic, for checks before a size is known to fit.</summary>
        public long LongSize => (long)Height * Width * Channels;

        /// <summary><c>13x13x32</c>, <c>16x8</c> (steps x features), <c>576</c>, or <c>32 tokens</c>, as the emitted comments and
        /// the diagnostics write it.</summary>
        public override string ToString() => Kind switch
        {
            ShapeKind.Image => $"{Height}x{Width}x{Channels}",
            ShapeKind.Sequence => $"{Height}x{Channels}",
            ShapeKind.Tokens => $"{Height} tokens",
            _ => Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        /// <summary><c>a vector of 576 values</c>, <c>a 16x8 sequence</c>: what a layer gives, in a diagnostic's words.</summary>
        public string Describe() => Kind switch
        {
            ShapeKind.Image => $"a {this} image",
            ShapeKind.Sequence => $"a {this} sequence (steps x features)",
            ShapeKind.Tokens => $"{Height} token ids",
            _ => $"a vector of {Channels} values",
        };
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

    /// <summary>How a parameter tensor is initialised (seeded, the same on every machine).</summary>
    internal enum InitializerKind
    {
        Zeros,
        Ones,

        /// <summary>He (Kaiming) normal, std = sqrt(2 / fan-in): for ReLU-family layers.</summary>
        HeNormal,

        /// <summary>Glorot (Xavier) uniform, limit = sqrt(6 / (fan-in + fan-out)).</summary>
        GlorotUniform,

        /// <summary>N(0, 1), PyTorch's for <c>nn.Embedding</c>.</summary>
        StandardNormal,

        /// <summary>U(-1/sqrt(fan-in), 1/sqrt(fan-in)), PyTorch's for the recurrent layers (fan-in: the state's size).</summary>
        UniformInverseSqrt,
    }

    /// <summary>One named parameter tensor of a layer, as its definition declares it.</summary>
    /// <param name="Role">The name after the layer's in files and views: <c>weight</c>, <c>bias</c>.</param>
    /// <param name="Shape">Its shape as stored, outermost first.</param>
    /// <param name="Initializer">How it is initialised.</param>
    /// <param name="FanIn">The fan-in the initializer uses.</param>
    /// <param name="FanOut">The fan-out the initializer uses.</param>
    /// <param name="Penalized">Whether L1 and L2 apply (weights yes, biases and gains no).</param>
    /// <param name="Layout">What the axes are, for the view's documentation (<c>inputs by outputs</c>), or null for a vector.</param>
    internal sealed record ParameterTensor(string Role, EquatableArray<int> Shape, InitializerKind Initializer, int FanIn, int FanOut, bool Penalized, string? Layout)
    {
        /// <summary>Offset into the parameter (and gradient) array, set by the shaper.</summary>
        public int Offset { get; init; }

        /// <summary>The element count in 64-bit arithmetic, checked by the shaper before any int is taken of it.</summary>
        public long LongCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

        public int Count => (int)LongCount;

        /// <summary>The role in PascalCase, for member names: <c>Weight</c> in <c>Dense0WeightOffset</c>.</summary>
        public string Member => NetworkShaper.ToIdentifier(Role);
    }

    /// <summary>A buffer a layer keeps in the workspace for its backward pass (dropout's mask, max pooling's argmax).</summary>
    /// <param name="Role">Its name in the emitted offset constant: <c>{Layer}{Role}Offset</c>.</param>
    /// <param name="PerSample">Values per sample (the buffer holds MaxBatchSize rows of them).</param>
    /// <param name="Comment">What it holds, for the constant's comment.</param>
    internal sealed record WorkspaceBuffer(string Role, int PerSample, string Comment)
    {
        /// <summary>Workspace offset, set by the shaper.</summary>
        public int Offset { get; init; }

        /// <summary>True for a buffer the inference plan's forward pass does not write (a max pool's argmax): the plan gives
        /// it no room.</summary>
        public bool TrainingOnly { get; init; }
    }

    /// <summary>What a layer's definition resolved beyond shapes (a window's geometry, the unroll choice): one record per
    /// kind that needs it, declared in its definition file.</summary>
    internal abstract record LayerDetails;

    /// <summary>What a definition's shape rule gives for one layer.</summary>
    /// <param name="Output">The shape of a sample going out.</param>
    internal sealed record LayerShape(TensorShape Output)
    {
        public EquatableArray<ParameterTensor> Parameters { get; init; } = EquatableArray<ParameterTensor>.Empty;

        public EquatableArray<WorkspaceBuffer> Saved { get; init; } = EquatableArray<WorkspaceBuffer>.Empty;

        /// <summary>Floats of the scratch shared by all layers in turn that this layer needs (0: none).</summary>
        public long Scratch { get; init; }

        /// <summary>Whether only the backward pass uses <see cref="Scratch"/> (a dense layer turning W for dL/dx): the inference
        /// plan, which runs forward only, then leaves it out.</summary>
        public bool ScratchForBackwardOnly { get; init; }

        public LayerDetails? Details { get; init; }
    }

    /// <summary>One layer with every size and offset resolved. Offsets into the parameter array are absolute;
    /// offsets into the workspace are absolute and each buffer holds <c>MaxBatchSize</c> rows.</summary>
    /// <param name="Index">Position among the layers, from 0.</param>
    /// <param name="Kind">The kind's key in the <see cref="Layers.LayerRegistry"/>.</param>
    /// <param name="Name">The parameter name prefix (<c>dense0</c> or the explicit name).</param>
    /// <param name="Identifier">The name in PascalCase, for generated member names.</param>
    /// <param name="Input">The shape of a sample coming in.</param>
    /// <param name="Output">The shape of a sample going out.</param>
    /// <param name="Arguments">The kind's arguments as written (checked).</param>
    /// <param name="Parameters">The layer's parameter tensors, with their offsets.</param>
    /// <param name="Saved">The buffers the layer keeps for its backward pass, with their offsets.</param>
    /// <param name="OutputOffset">Workspace offset of this layer's output rows (unused by layers whose output is their input).</param>
    /// <param name="Details">What the definition resolved beyond shapes, or null.</param>
    internal sealed record ShapedLayer(
        int Index,
        string Kind,
        string Name,
        string Identifier,
        TensorShape Input,
        TensorShape Output,
        LayerArguments Arguments,
        EquatableArray<ParameterTensor> Parameters,
        EquatableArray<WorkspaceBuffer> Saved,
        int OutputOffset,
        LayerDetails? Details)
    {
        /// <summary>The tensors the layer reads: earlier layers' indices, or -1 for the network input.</summary>
        public EquatableArray<int> Inputs { get; init; } = EquatableArray<int>.Empty;

        /// <summary>The names of those tensors, as comments and messages write them (<c>input</c> for the network input).</summary>
        public EquatableArray<string> InputNames { get; init; } = EquatableArray<string>.Empty;

        /// <summary>The gradient slot that holds dL/d(output) in the backward pass.</summary>
        public int GradientSlot { get; init; }

        /// <summary>The inference plan's offset of this layer's output (see <see cref="Planning.InferencePlan"/>).</summary>
        public int InferenceOutputOffset { get; init; }

        /// <summary>The inference plan's offsets of this layer's saved buffers, in the order of <see cref="Saved"/>.</summary>
        public EquatableArray<int> InferenceSavedOffsets { get; init; } = EquatableArray<int>.Empty;

        /// <summary>Per input, where the backward pass writes its gradient (see <see cref="Planning.GradientPlan"/>).</summary>
        public EquatableArray<Planning.GradientTarget> InputGradients { get; init; } = EquatableArray<Planning.GradientTarget>.Empty;

        /// <summary>A convolution whose calls run the max pool after it, chunk by chunk: its output and output gradient are
        /// never stored, so it has no output buffer (see <see cref="Layers.Conv2DLayer.RunsMaxPoolAfter"/>).</summary>
        public bool MaxPoolInside { get; init; }

        public int InputSize => Input.Size;

        public int OutputSize => Output.Size;

        public Layers.LayerDefinition Definition => Layers.LayerRegistry.Get(Kind);

        public ParameterTensor Parameter(string role) => Parameters.First(p => p.Role == role);

        public WorkspaceBuffer SavedBuffer(string role) => Saved.First(b => b.Role == role);
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
        EquatableArray<int> GradientBufferOffsets,
        int GradientBufferWidth,
        int ScratchOffset,
        int ScratchSize,
        EquatableArray<ShapedLayer> Layers)
    {
        /// <summary>The emitted name of a gradient slot's offset: <c>GradientBufferA</c>, <c>GradientBufferB</c>, ...</summary>
        public static string GradientBufferName(int slot) => "GradientBuffer" + (slot < 26 ? ((char)('A' + slot)).ToString() : "S" + slot.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Dense layers with fewer weights than this are emitted as straight-line arithmetic.</summary>
        public const int UnrollLimit = 64;

        /// <summary>The inference plan's scratch offset: the same scratch, after the packed outputs and the shared saved region.</summary>
        public int InferenceScratchOffset { get; init; }

        /// <summary>The inference plan's workspace size: what an instance that only predicts allocates.</summary>
        public int InferenceWorkspaceSize { get; init; }

        /// <summary>The token vocabulary when the input is token ids, else 0 (float inputs).</summary>
        public int Vocabulary { get; init; }

        /// <summary>The same network over one step of one sample, for the streaming <c>Step</c>; null unless a layer carries
        /// state (a recurrent layer) and every layer acts step by step (no Flatten, convolution or pooling).</summary>
        public ShapedNetwork? StepNetwork { get; init; }

        /// <summary>Values of state carried between streaming steps: every stateful layer's, in layer order.</summary>
        public int StateSize => Layers.Sum(l => l.Definition.StateSize(l));

        /// <summary>The shape of one sample of the last layer's output.</summary>
        public TensorShape OutputShape { get; init; }

        /// <summary>Whether softmax cross-entropy takes one label per step: the output is a sequence of class scores.</summary>
        public bool HasStepLabels => Loss == LossKind.SoftmaxCrossEntropy && OutputShape.Kind == ShapeKind.Sequence;

        /// <summary>Labels per sample: the steps of a sequence output with per-step labels, else 1.</summary>
        public int LabelsPerSample => HasStepLabels ? OutputShape.Rows : 1;

        /// <summary>The classes of one label: the last axis with per-step labels, else the whole output row.</summary>
        public int Classes => HasStepLabels ? OutputShape.LastAxis : OutputSize;

        /// <summary>Whether any layer draws random numbers in training (dropout): only then does the network carry random state.</summary>
        public bool HasDropout => Layers.Any(l => l.Definition.UsesRandomState(l.Arguments));
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
        VocabularyArgument,

        /// <summary>The <c>[Input]</c>'s <c>PaddingToken</c> or <c>MaskValue</c>.</summary>
        MaskArgument,

        /// <summary>A layer attribute, or the argument of it that <see cref="ShapeIssue.Argument"/> names.</summary>
        Layer,
    }

    /// <summary>A diagnostic found by shape inference, not yet located.</summary>
    /// <param name="Id">The descriptor ID.</param>
    /// <param name="Target">What it points at.</param>
    /// <param name="Index">The layer index, or the input argument index.</param>
    /// <param name="Argument">For a layer: the argument it points at, or null for the whole attribute.</param>
    /// <param name="Arguments">The message arguments.</param>
    internal sealed record ShapeIssue(string Id, IssueTarget Target, int Index, ArgumentRef? Argument, EquatableArray<string> Arguments);

    /// <summary>The result of shape inference: a network when there are no errors, and every issue found.</summary>
    internal sealed record ShapeResult(ShapedNetwork? Network, EquatableArray<ShapeIssue> Issues);
}
