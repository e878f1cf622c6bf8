namespace Compiled
{
    /// <summary>The nonlinearity a layer applies to its output.</summary>
    public enum Activation
    {
        /// <summary>y = x. The default: a linear layer, or logits for a loss that works on logits.</summary>
        Identity = 0,

        /// <summary>y = max(x, 0). Initialised with He (Kaiming) normal weights.</summary>
        Relu = 1,

        /// <summary>y = x for x &gt; 0, 0.01 x otherwise (the slope PyTorch uses by default).</summary>
        LeakyRelu = 2,

        /// <summary>y = 1 / (1 + e^-x).</summary>
        Sigmoid = 3,

        /// <summary>y = tanh(x).</summary>
        Tanh = 4,

        /// <summary>y_i = e^x_i / sum_j e^x_j over the layer's outputs.</summary>
        Softmax = 5,

        /// <summary>GELU in its tanh approximation, as GPT-2 and PyTorch's <c>GELU(approximate='tanh')</c>:
        /// y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). The layer keeps its pre-activation for the backward pass.</summary>
        Gelu = 6,
    }

    /// <summary>The loss a network is trained to minimise.</summary>
    public enum Loss
    {
        /// <summary>Mean over every output of (y - t)^2; targets are floats.</summary>
        MeanSquaredError = 0,

        /// <summary>
        /// Binary cross-entropy computed on logits (a sigmoid is folded into the loss, so the last layer
        /// should have <see cref="Activation.Identity"/>); targets are floats in [0, 1], one per output.
        /// <c>Predict</c> returns probabilities.
        /// </summary>
        BinaryCrossEntropy = 1,

        /// <summary>
        /// Softmax cross-entropy computed on logits (the softmax is folded into the loss, so the last layer
        /// should have <see cref="Activation.Identity"/>); labels are class indices, or one-hot/probability
        /// rows. <c>Predict</c> returns probabilities.
        /// </summary>
        SoftmaxCrossEntropy = 2,

        /// <summary>
        /// No built-in loss: the gradient of the loss with respect to the outputs comes from outside, through
        /// <c>Backward(inputs, outputGradient)</c>, and <c>ApplyGradients</c> takes the step (a GAN's generator, trained
        /// through its discriminator's input gradient; a loss of one's own). <c>Predict</c> returns the last layer's outputs.
        /// </summary>
        None = 3,
    }
}

namespace Compiled
{
    /// <summary>How a convolution or pooling window treats the border, as in Keras.</summary>
    public enum Padding
    {
        /// <summary>No padding: the window stays inside the input, so the output is smaller, floor((n - k) / stride) + 1.</summary>
        Valid = 0,

        /// <summary>Zero padding (ignored cells, for pooling) split evenly, the extra one at the bottom/right, so that the
        /// output is ceil(n / stride): with stride 1, the same height and width as the input.</summary>
        Same = 1,
    }
}
