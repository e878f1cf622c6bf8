using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>Where a layer's backward pass runs: the spans it reads and writes, as emitted expressions.</summary>
    /// <param name="Layer">The layer.</param>
    /// <param name="Input">The layer's input rows (the network input, or the previous layer's output).</param>
    /// <param name="Output">The layer's output rows, kept by the forward pass.</param>
    /// <param name="OutputGradient">dL/dy; a layer may overwrite it (with dL/dz, for instance).</param>
    /// <param name="InputGradient">Where dL/dx goes, or null for the first layer (nothing before it needs one).</param>
    /// <param name="FusedSgd">True in the fused SGD pass: update the parameters with the emitted <c>learningRate</c>
    /// instead of storing the gradients; false: store or add them, as the emitted <c>accumulate</c> says.</param>
    internal sealed record BackwardSite(ShapedLayer Layer, string Input, string Output, string OutputGradient, string? InputGradient, bool FusedSgd);

    /// <summary>
    /// What the network skeleton (<see cref="NetworkEmitter"/>) asks of each layer kind. One subclass per kind, one file
    /// each, with the forward and backward pass side by side; adding a layer kind is a new subclass and a case in
    /// <see cref="For"/>, plus its rules in <see cref="LayerRules"/>.
    /// </summary>
    internal abstract class LayerEmitter
    {
        public static LayerEmitter For(LayerKind kind) => kind switch
        {
            LayerKind.Dense => DenseEmitter.Instance,
            LayerKind.Dropout => DropoutEmitter.Instance,
            LayerKind.Conv2D => Conv2DEmitter.Instance,
            LayerKind.MaxPool2D => PoolEmitter.Max,
            LayerKind.AveragePool2D => PoolEmitter.Average,
            LayerKind.GlobalAveragePool2D => GlobalAveragePoolEmitter.Instance,
            _ => FlattenEmitter.Instance,
        };

        /// <summary>The layer in one line for the class's remarks, e.g. <c>conv1: 13x13x32 -> 11x11x64, ReLU</c>.</summary>
        public abstract string Describe(ShapedLayer layer);

        /// <summary>The weight tensor's shape as stored (outermost first), or null for a layer without parameters.</summary>
        public virtual int[]? WeightShape(ShapedLayer layer) => null;

        /// <summary>Writes the layer's static members beside the offsets (a convolution's geometry, for instance).</summary>
        public virtual void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
        }

        /// <summary>Writes the layer's part of <c>InitializeParameters</c> (the emitted <c>random</c> is in scope).</summary>
        public virtual void EmitInitialize(SourceWriter w, ShapedLayer layer)
        {
        }

        /// <summary>Whether the forward pass writes the layer's own output buffer (Flatten's output is its input).</summary>
        public virtual bool HasOutputBuffer => true;

        /// <summary>Whether the backward pass hands dL/dy on as dL/dx unchanged (the same span), so it needs no buffer.</summary>
        public virtual bool PassesGradientThrough => false;

        /// <summary>Declares the span local <paramref name="output"/> and fills it from <paramref name="input"/>. The
        /// emitted <c>parameters</c>, <c>workspace</c>, <c>batch</c> and <c>training</c> are in scope.</summary>
        public abstract void EmitForward(SourceWriter w, ShapedLayer layer, string input, string output);

        /// <summary>Writes dL/dx (unless the site has none) and the parameter gradients. The emitted <c>parameters</c>,
        /// <c>gradients</c>, <c>workspace</c> and <c>batch</c> are in scope.</summary>
        public abstract void EmitBackward(SourceWriter w, BackwardSite site);

        /// <summary>The two passes' header comment: the layer's description.</summary>
        protected void Header(SourceWriter w, ShapedLayer layer) => w.Line("// " + Describe(layer));
    }
}
