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

namespace Compiled
{
    /// <summary>
    /// Multi-head self-attention over a steps x width sequence, PyTorch's
    /// <c>nn.MultiheadAttention(width, Heads, dropout: Dropout, batch_first=True)</c> applied as <c>attn(x, x, x, is_causal=Causal)</c>:
    /// q, k, v = x W_attn + b_attn split in three, per head softmax(q k^T / sqrt(width / Heads)) v, the heads side by side
    /// times W_proj plus b_proj. The output has the input's shape. The parameters are GPT-2's: <c>name.c_attn.weight</c>
    /// [width, 3 width] and <c>name.c_attn.bias</c>, <c>name.c_proj.weight</c> [width, width] and <c>name.c_proj.bias</c>,
    /// stored inputs by outputs as Dense's are (PyTorch's <c>in_proj_weight</c> and <c>out_proj.weight</c> transposed), and
    /// initialised as PyTorch's: c_attn Glorot uniform, c_proj U(-1/sqrt(width), 1/sqrt(width)), biases 0.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SelfAttentionAttribute : Attribute
    {
        /// <summary>The number of heads; the width must be a multiple of it. Default 1.</summary>
        public int Heads { get; set; } = 1;

        /// <summary>Whether step t attends to steps 0..t only (a language model's mask). Default false.</summary>
        public bool Causal { get; set; }

        /// <summary>The rate at which attention weights are dropped in training, as PyTorch's <c>dropout</c>. Default 0.</summary>
        public float Dropout { get; set; }

        /// <summary>The name of the layer's parameters; default <c>attention0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>
    /// A learned vector per position, added to each step of a steps x width sequence: y[t] = x[t] + weight[t], GPT-2's
    /// <c>wpe</c> (an <c>nn.Embedding(MaxSteps, width)</c> of the positions 0..steps-1, added). The weight
    /// (<c>name.weight</c>, [MaxSteps, width]) starts N(0, 1), as <c>nn.Embedding</c>'s; L1 and L2 apply to it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class PositionalEmbeddingAttribute : Attribute
    {
        /// <summary>The positions the weight has a row for (GPT-2's context, <c>n_positions</c>): at least the steps the layer
        /// reads, which use the first rows. Networks over shorter sequences with the same MaxSteps have the same parameters,
        /// so one model can run them all. Default 0: the steps of the input.</summary>
        public int MaxSteps { get; set; }

        /// <summary>The name of the layer's parameters; default <c>positional0</c>, ...</summary>
        public string? Name { get; set; }
    }
}
