using System;

namespace Compiled
{
    /// <summary>
    /// Marks a <c>partial class</c> as a network. The layers are the layer attributes on the class, in
    /// source order, after one <see cref="InputAttribute"/>; the generator emits its forward, backward and
    /// training code at build time.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class NetworkAttribute : Attribute
    {
        /// <summary>The loss the network is trained with. Default: mean squared error.</summary>
        public Loss Loss { get; set; } = Loss.MeanSquaredError;

        /// <summary>
        /// The largest minibatch that <c>Backward</c> and <c>TrainStep</c> accept; the workspace is sized for
        /// it once, at construction. <c>Predict</c> and <c>Evaluate</c> take any count and work through it in
        /// chunks of this size. Default 64.
        /// </summary>
        public int MaxBatchSize { get; set; } = 64;

        /// <summary>The seed the parameterless constructor initialises the parameters with. Default 0.</summary>
        public int Seed { get; set; }
    }

    /// <summary>
    /// The shape of one sample: <c>[Input(784)]</c> a vector, <c>[Input(16, 8)]</c> a sequence (steps, features),
    /// <c>[Input(28, 28, 1)]</c> an image (height, width, channels), or <c>[Input(32, Vocabulary = 27)]</c> a sequence of
    /// 32 token ids in [0, 27), which the network takes as <c>ReadOnlySpan&lt;int&gt;</c> and an <see cref="EmbeddingAttribute"/> reads.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>Declares the input shape.</summary>
        public InputAttribute(params int[] shape) => Shape = shape;

        /// <summary>The input shape, outermost dimension first.</summary>
        public int[] Shape { get; }

        /// <summary>When set, the input is <c>Shape[0]</c> token ids in [0, Vocabulary) rather than floats. Default 0: floats.</summary>
        public int Vocabulary { get; set; }

        /// <summary>For token ids: the id that marks a padded step (a sequence shorter than the steps, filled up). Recurrent
        /// layers skip such steps: the state stays as it was, a returned sequence has zeros there, and the last state is the
        /// last real step's. Give those steps the label <c>-100</c> so that the loss skips them too. Default -1: no padding.</summary>
        public int PaddingToken { get; set; } = -1;

        /// <summary>For float sequences: a step whose features all equal this value is padding (Keras' <c>Masking</c>), skipped by
        /// recurrent layers as with <see cref="PaddingToken"/>. Default NaN: no padding.</summary>
        public float MaskValue { get; set; } = float.NaN;
    }

    /// <summary>A fully connected layer: y = activation(x W + b), with W stored [inputs, units].</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DenseAttribute : Attribute
    {
        /// <summary>Declares a dense layer with <paramref name="units"/> outputs.</summary>
        public DenseAttribute(int units) => Units = units;

        /// <summary>The number of outputs.</summary>
        public int Units { get; }

        /// <summary>The activation applied to the output. Default: identity.</summary>
        public Activation Activation { get; set; }

        /// <summary>The slope of <see cref="Activation.LeakyRelu"/> for negative inputs, PyTorch's <c>negative_slope</c>
        /// (Keras' <c>negative_slope</c>, once <c>alpha</c>). Default 0.01, PyTorch's; GANs use 0.2. Finite and at least 0;
        /// read only with <see cref="Activation.LeakyRelu"/>.</summary>
        public float NegativeSlope { get; set; } = 0.01f;

        /// <summary>The name of the layer's parameters (<c>name.weight</c>, <c>name.bias</c>); default <c>dense0</c>, <c>dense1</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>
    /// Inverted dropout: in training each value is zeroed with probability <see cref="Rate"/> and the rest
    /// scaled by 1 / (1 - rate); in inference it passes values through unchanged.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DropoutAttribute : Attribute
    {
        /// <summary>Declares a dropout layer; <paramref name="rate"/> is in [0, 1).</summary>
        public DropoutAttribute(float rate) => Rate = rate;

        /// <summary>The probability that a value is dropped in training.</summary>
        public float Rate { get; }

        /// <summary>A name for the layer in comments and reports; default <c>dropout0</c>, ...</summary>
        public string? Name { get; set; }
    }
}
