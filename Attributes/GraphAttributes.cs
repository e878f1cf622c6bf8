using System;

namespace Compiled
{
    /// <summary>
    /// The elementwise sum of the outputs of earlier layers, named by their <c>Name</c> (or default name, <c>dense0</c>):
    /// a residual connection, <c>[Add("block_in", "mlp")]</c>. The inputs must all have the same shape, which is the output's.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AddAttribute : Attribute
    {
        /// <summary>Declares the sum of the named layers' outputs (at least two).</summary>
        public AddAttribute(params string[] inputs) => Inputs = inputs;

        /// <summary>The names of the layers whose outputs are added.</summary>
        public string[] Inputs { get; }

        /// <summary>A name for the layer, so later layers can read it; default <c>add0</c>, ...</summary>
        public string? Name { get; set; }
    }
}

namespace Compiled
{
    /// <summary>
    /// Layer normalization over the last axis (the features of a vector, of each step of a sequence, or of each pixel),
    /// as PyTorch's <c>nn.LayerNorm(features)</c>: y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased
    /// variance, a learned gain (<c>name.weight</c>, initialised to 1) and bias (<c>name.bias</c>, 0). No weight penalty applies.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LayerNormAttribute : Attribute
    {
        /// <summary>The epsilon added to the variance. Default 1e-5, as PyTorch.</summary>
        public float Epsilon { get; set; } = 1e-5f;

        /// <summary>The name of the layer's parameters; default <c>layernorm0</c>, ...</summary>
        public string? Name { get; set; }
    }
}

namespace Compiled
{
    /// <summary>
    /// A learned vector per token id, as PyTorch's <c>nn.Embedding(vocabulary, dimension)</c>: reads the token ids of an
    /// <c>[Input(steps, Vocabulary = n)]</c> and writes a steps x dimension sequence, row t being <c>weight[id_t]</c>.
    /// The weight (<c>name.weight</c>, [vocabulary, dimension]) starts N(0, 1), as PyTorch's; L1 and L2 apply to it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class EmbeddingAttribute : Attribute
    {
        /// <summary>Declares an embedding of <paramref name="dimension"/> values per token.</summary>
        public EmbeddingAttribute(int dimension) => Dimension = dimension;

        /// <summary>The length of each token's vector.</summary>
        public int Dimension { get; }

        /// <summary>The name of the layer's parameters; default <c>embedding0</c>, ...</summary>
        public string? Name { get; set; }
    }
}
