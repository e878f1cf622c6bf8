using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary>
    /// Everything the generator knows about one layer kind, in one place: the attribute it is written with and how its
    /// arguments are read, its shape rule and diagnostics, its parameter tensors and the buffers it keeps for the backward
    /// pass, and its forward and backward emission side by side. One subclass per kind, one file each, found through
    /// <see cref="LayerRegistry"/>; the rest of the generator asks these questions and never switches on the kind.
    /// </summary>
    internal abstract class LayerDefinition
    {
        /// <summary>The kind's key: the <see cref="LayerSpec.Kind"/> of its layers (<c>Dense</c>, <c>Conv2D</c>).</summary>
        public abstract string Kind { get; }

        /// <summary>The metadata name of the attribute a user writes (<c>Compiled.DenseAttribute</c>).</summary>
        public abstract string AttributeName { get; }

        /// <summary>The default name's prefix, counted per kind: <c>dense</c> gives <c>dense0</c>, <c>dense1</c>.</summary>
        public abstract string NamePrefix { get; }

        /// <summary>Whether the output has the input's shape and the layer only changes values in training (dropout): the
        /// diagnostics that talk about "the layer before" look past such layers.</summary>
        public virtual bool KeepsShape => false;

        /// <summary>Whether the layer, as written, draws random numbers in training, so the network carries random state.</summary>
        public virtual bool UsesRandomState(LayerArguments arguments) => false;

        /// <summary>Whether the forward pass writes an output buffer of the layer's own (Flatten's output is its input).</summary>
        public virtual bool HasOutputBuffer => true;

        /// <summary>Whether the backward pass hands dL/dy on as dL/dx unchanged (the same span), so it needs no buffer.</summary>
        public virtual bool PassesGradientThrough => false;

        /// <summary>Whether the layer reads token ids (<c>int</c>); every other kind reads floats, and token ids reaching it are an error.</summary>
        public virtual bool ReadsTokens => false;

        /// <summary>Whether <see cref="EmitMembers"/> writes static members (a geometry the runtime checks once).</summary>
        public virtual bool HasStaticMembers => false;

        /// <summary>Whether the layer acts on each step of a sequence alone, or carries state from step to step (a recurrent
        /// layer), so that running the network one step at a time equals running it over the whole sequence. Layers that
        /// mix steps (Flatten) or pixels (convolutions, pooling) do not.</summary>
        public virtual bool ActsPerStep => false;

        /// <summary>Values per sample that the layer carries from one streaming step to the next (a recurrent layer's state);
        /// 0 for layers without state.</summary>
        public virtual int StateSize(ShapedLayer layer) => 0;

        /// <summary>Reads the attribute's arguments, or returns null when they are not all constants yet (half-typed code:
        /// the compiler reports it).</summary>
        public abstract LayerArguments? Read(LayerReader reader);

        /// <summary>The names of the layers this one reads; empty (the default) for the layer above. A join names its inputs.</summary>
        public virtual EquatableArray<string> ReadInputs(LayerReader reader) => EquatableArray<string>.Empty;

        /// <summary>The output shape, parameter tensors, saved buffers and scratch of the layer <paramref name="context"/>
        /// describes; reports what is wrong with its arguments or its input.</summary>
        public abstract LayerShape Infer(ShapeContext context);

        /// <summary>The activation the layer applies to its output, or null when it applies none of its own (the loss checks
        /// look at the last layer that has one).</summary>
        public virtual ActivationKind? OutputActivation(LayerArguments arguments) => null;

        /// <summary>How PyTorch's module for this layer names and lays out one of its tensors (for files in
        /// <c>ParameterLayout.PyTorch</c>): by default the same name and layout, as for biases, norms and embeddings.</summary>
        public virtual TorchTensorSpec Torch(ShapedLayer layer, ParameterTensor tensor, ShapedNetwork network) => new(tensor.Role, TorchTensorSpec.None);

        /// <summary>The layer in one line for the class's remarks, e.g. <c>conv1: 13x13x32 -> 11x11x64, ReLU</c>.</summary>
        public abstract string Describe(ShapedLayer layer);

        /// <summary>Writes the layer's static members beside the offsets (a convolution's geometry, for instance).</summary>
        public virtual void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
        }

        /// <summary>Declares the span local <see cref="ForwardSite.Output"/> and fills it from the input. The emitted
        /// <c>parameters</c>, <c>workspace</c>, <c>batch</c> and <c>training</c> are in scope.</summary>
        public abstract void EmitForward(SourceWriter w, ForwardSite site);

        /// <summary>Writes dL/dx (unless the site has none) and the parameter gradients. The emitted <c>parameters</c>,
        /// <c>gradients</c>, <c>workspace</c> and <c>batch</c> are in scope.</summary>
        public abstract void EmitBackward(SourceWriter w, BackwardSite site);

        /// <summary>Declares the string local <see cref="ExportSite.Output"/>: the value of the layer's output in the emitted
        /// <c>graph</c> (a <c>Compiled.ModelGraph</c>), built from its inputs' values with the ONNX operators the layer is
        /// (its inference pass: what <c>Predict</c> computes).</summary>
        public abstract void EmitExport(SourceWriter w, ExportSite site);

        /// <summary>The forward pass of a layer that only reads its input differently (Flatten, Reshape): the output is the
        /// input span itself.</summary>
        protected void EmitViewForward(SourceWriter w, ForwardSite site)
        {
            Header(w, site.Layer);
            w.Line($"global::System.ReadOnlySpan<float> {site.Output} = {site.Input};");
        }

        /// <summary>The backward pass of such a layer: dL/dx is dL/dy in the same buffer (the plan hands the slot on), or
        /// is added where another reader of the input has written its share.</summary>
        protected void EmitViewBackward(SourceWriter w, BackwardSite site)
        {
            Header(w, site.Layer);
            if (site.InputGradient is not null && site.AccumulateInputGradient)
            {
                // Another reader of the input has its gradient there already: add to it (the plan aliases only a fresh one).
                w.Line("// dx += dy");
                w.Line($"global::Compiled.Kernels.Addition.Backward({site.OutputGradient}, {site.InputGradient}, accumulate: true);");
            }
            else
            {
                w.Line("// dx = dy, in the same buffer.");
            }
        }

        /// <summary>The export of a layer whose output is its input's value (dropout, in inference).</summary>
        protected void EmitAliasExport(SourceWriter w, ExportSite site, string why)
        {
            w.Line($"// {site.Layer.Name}: {why}");
            w.Line($"string {site.Output} = {site.Input};");
        }

        /// <summary>The emitted string literal of a parameter tensor's name, <c>"{layer}.{role}"</c>, as the graph knows it.</summary>
        protected static string TensorName(ShapedLayer layer, string role) => $"\"{layer.Name}.{layer.Parameter(role).Role}\"";

        /// <summary>The two passes' header comment: the layer's description.</summary>
        protected void Header(SourceWriter w, ShapedLayer layer) => w.Line("// " + Describe(layer));

        /// <summary><c>{array}.Slice({Layer}{Role}Offset, count)</c>: a parameter tensor in the emitted parameters or gradients.</summary>
        protected static string Slice(string array, ShapedLayer layer, string role)
        {
            ParameterTensor tensor = layer.Parameter(role);
            return $"{array}.Slice({layer.Identifier}{tensor.Member}Offset, {tensor.Count})";
        }

        /// <summary>The saved buffer an activation that keeps its pre-activation (GELU) needs, of <paramref name="perSample"/>
        /// values per sample; none for the others.</summary>
        protected static EquatableArray<WorkspaceBuffer> PreActivationBuffer(ActivationKind activation, int perSample) =>
            ActivationEmitter.KeepsPreActivation(activation)
                ? new[] { new WorkspaceBuffer("PreActivation", perSample, "pre-activations z (GELU's derivative needs them)") }.ToEquatableArray()
                : EquatableArray<WorkspaceBuffer>.Empty;

        /// <summary>The emitted slice of that buffer, or null when the activation keeps none.</summary>
        protected static string? PreActivationSlice(ShapedLayer layer, ActivationKind activation) =>
            ActivationEmitter.KeepsPreActivation(activation) ? SavedSlice(layer, "PreActivation") : null;

        /// <summary><c>workspace.Slice({Layer}{Role}Offset, batch * size)</c>: a buffer the layer keeps for its backward pass.</summary>
        protected static string SavedSlice(ShapedLayer layer, string role)
        {
            WorkspaceBuffer buffer = layer.SavedBuffer(role);
            return $"workspace.Slice({layer.Identifier}{buffer.Role}Offset, batch * {buffer.PerSample})";
        }
    }

    /// <summary>A definition whose arguments are a record of type <typeparamref name="TArguments"/>: the cast is made once, here.</summary>
    internal abstract class LayerDefinition<TArguments> : LayerDefinition
        where TArguments : LayerArguments
    {
        public sealed override LayerShape Infer(ShapeContext context) => Infer(context, (TArguments)context.Layer.Arguments);

        public sealed override ActivationKind? OutputActivation(LayerArguments arguments) => OutputActivation((TArguments)arguments);

        protected abstract LayerShape Infer(ShapeContext context, TArguments arguments);

        protected virtual ActivationKind? OutputActivation(TArguments arguments) => null;

        protected static TArguments ArgumentsOf(ShapedLayer layer) => (TArguments)layer.Arguments;
    }

    /// <summary>Where a layer's forward pass runs: its input rows and the local it declares for its output.</summary>
    /// <param name="Layer">The layer.</param>
    /// <param name="Inputs">The emitted expressions of the input rows, one per input.</param>
    /// <param name="Output">The name of the span local to declare for the output rows.</param>
    internal sealed record ForwardSite(ShapedLayer Layer, string[] Inputs, string Output)
    {
        /// <summary>For a layer with <see cref="LayerDefinition.StateSize"/>: the emitted span of its carried state in a
        /// streaming step (read as the initial state, written with the final one), or null for a state that starts at zero.</summary>
        public string? State { get; init; }

        /// <summary>For a convolution: the max pool after it, which its call computes chunk by chunk (its output is never
        /// stored whole); see <c>NetworkEmitter.MaxPoolsInConvolutions</c>.</summary>
        public ShapedLayer? MaxPoolAfter { get; init; }

        /// <summary>For that max pool: the convolution's call has computed it already.</summary>
        public bool ComputedByInput { get; init; }

        /// <summary>The first (for most kinds, the only) input.</summary>
        public string Input => Inputs[0];
    }

    /// <summary>Where a layer's export runs: the emitted string locals of its inputs' graph values and the local it declares.</summary>
    /// <param name="Layer">The layer.</param>
    /// <param name="Inputs">The emitted values of its inputs, one per input.</param>
    /// <param name="Output">The name of the string local to declare for its output's value.</param>
    /// <param name="NetworkInput">The emitted value of the network's input (a recurrent layer's padding mask is read there).</param>
    internal sealed record ExportSite(ShapedLayer Layer, string[] Inputs, string Output, string NetworkInput)
    {
        /// <summary>The first (for most kinds, the only) input.</summary>
        public string Input => Inputs[0];

        /// <summary>Declares the output and starts the layer's part of the graph (its nodes are named after it).</summary>
        public void Begin(SourceWriter w, string description)
        {
            w.Line("// " + description);
            w.Line($"graph.BeginLayer(\"{Layer.Name}\");");
        }
    }

    /// <summary>Where a layer's backward pass runs: the spans it reads and writes, as emitted expressions.</summary>
    /// <param name="Layer">The layer.</param>
    /// <param name="Inputs">The layer's input rows (the network input, or earlier layers' outputs), one per input.</param>
    /// <param name="Output">The layer's output rows, kept by the forward pass.</param>
    /// <param name="OutputGradient">dL/dy; a layer may overwrite it (with dL/dz, for instance).</param>
    /// <param name="InputGradients">Per input, where dL/dx goes, or null where nothing needs it (the network input).</param>
    /// <param name="AccumulateInputGradients">Per input, whether dL/dx is added to what the buffer holds (another layer that
    /// reads the same tensor has written its share already) rather than stored.</param>
    /// <param name="FusedSgd">True in the fused SGD pass: update the parameters with the emitted <c>learningRate</c>
    /// instead of storing the gradients; false: store or add them, as the emitted <c>accumulate</c> says.</param>
    internal sealed record BackwardSite(ShapedLayer Layer, string[] Inputs, string Output, string OutputGradient, string?[] InputGradients, bool[] AccumulateInputGradients, bool FusedSgd)
    {
        /// <summary>The first (for most kinds, the only) input.</summary>
        public string Input => Inputs[0];

        /// <summary>Where the first input's gradient goes, or null.</summary>
        public string? InputGradient => InputGradients[0];

        /// <summary>Whether the first input's gradient is added rather than stored.</summary>
        public bool AccumulateInputGradient => AccumulateInputGradients[0];

        /// <summary>A max pool after a ReLU convolution: apply ReLU's derivative while routing the gradient (the pooled value
        /// is the ReLU output at the cell the gradient reaches), so the convolution need not pass over its whole output.</summary>
        public bool ReluDerivativeOnInputGradient { get; init; }

        /// <summary>The convolution before such a pool: its output gradient already carries ReLU's derivative.</summary>
        public bool OutputGradientHasActivationDerivative { get; init; }

        /// <summary>For a convolution: the max pool after it, whose gradient routing its call runs chunk by chunk (the
        /// convolution's output gradient is never stored whole), with the pool's output gradient and rows as emitted.</summary>
        public (ShapedLayer Pool, string OutputGradient, string Rows)? MaxPoolAfter { get; init; }

        /// <summary>For that max pool: the convolution's call routes its gradient.</summary>
        public bool ComputedByInput { get; init; }
    }

    /// <summary>A tensor as PyTorch holds it: its name within the layer (<c>weight_ih_l0</c>, <c>in_proj_weight</c>) and the
    /// runtime's <c>TorchPermutation</c> member that maps its axes onto ours, with the image's height, width and channels
    /// for a dense layer that reads a flattened image.</summary>
    internal sealed record TorchTensorSpec(string Role, string Permutation)
    {
        public const string None = "None";
        public const string Transpose = "Transpose";
        public const string ConvKernel = "ConvKernel";
        public const string FlattenedImage = "FlattenedImage";

        public EquatableArray<int> Image { get; init; } = EquatableArray<int>.Empty;

        /// <summary>For a dense layer reshaped into an image after it: that image's height, width and channels.</summary>
        public EquatableArray<int> OutputImage { get; init; } = EquatableArray<int>.Empty;
    }
}
