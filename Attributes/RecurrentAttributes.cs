using System;

namespace Compiled
{
    /// <summary>
    /// The Elman recurrent layer, PyTorch's <c>nn.RNN</c>: h_t = tanh(x_t W_ih + b_ih + h_{t-1} W_hh + b_hh), h_0 = 0, over a
    /// <c>[steps, features]</c> sequence (or an <see cref="EmbeddingAttribute"/>'s output). Its output is every step's state
    /// (<c>[steps, units]</c>) with <see cref="ReturnSequences"/>, else the last state (<c>[units]</c>). Parameters
    /// <c>name.weight_ih</c> [features, units], <c>name.weight_hh</c> [units, units] (PyTorch's transposed),
    /// <c>name.bias_ih</c>, <c>name.bias_hh</c> [units], all initialised U(-1/sqrt(units), 1/sqrt(units)) as PyTorch's.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SimpleRnnAttribute : Attribute
    {
        /// <summary>Declares an Elman layer whose state has <paramref name="units"/> values.</summary>
        public SimpleRnnAttribute(int units) => Units = units;

        /// <summary>The size of the state (PyTorch's hidden_size).</summary>
        public int Units { get; }

        /// <summary>The cell's nonlinearity: <see cref="Activation.Tanh"/> (the default) or <see cref="Activation.Relu"/>.</summary>
        public Activation Activation { get; set; } = Activation.Tanh;

        /// <summary>True: the output is the state after every step; false (the default): only the last state.</summary>
        public bool ReturnSequences { get; set; }

        /// <summary>The name of the layer's parameters; default <c>simplernn0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>
    /// A long short-term memory layer, PyTorch's <c>nn.LSTM</c>: gates i, f, g, o (in that order) = sigmoid, sigmoid, tanh,
    /// sigmoid of x_t W_ih + b_ih + h_{t-1} W_hh + b_hh; c_t = f c_{t-1} + i g; h_t = o tanh(c_t); h_0 = c_0 = 0. Output as
    /// <see cref="SimpleRnnAttribute"/>. Parameters <c>name.weight_ih</c> [features, 4 units], <c>name.weight_hh</c>
    /// [units, 4 units], <c>name.bias_ih</c>, <c>name.bias_hh</c> [4 units], initialised U(-1/sqrt(units), 1/sqrt(units)).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LstmAttribute : Attribute
    {
        /// <summary>Declares an LSTM layer whose state has <paramref name="units"/> values.</summary>
        public LstmAttribute(int units) => Units = units;

        /// <summary>The size of the state (PyTorch's hidden_size).</summary>
        public int Units { get; }

        /// <summary>True: the output is h after every step; false (the default): only the last h.</summary>
        public bool ReturnSequences { get; set; }

        /// <summary>The name of the layer's parameters; default <c>lstm0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>
    /// A gated recurrent unit layer, PyTorch's <c>nn.GRU</c>: r, z = sigmoid(x_t W_i + b_i + h_{t-1} W_h + b_h) per gate;
    /// n = tanh(x_t W_in + b_in + r (h_{t-1} W_hn + b_hn)); h_t = (1 - z) n + z h_{t-1}; h_0 = 0. The reset gate multiplies
    /// the recurrent product plus its bias, as PyTorch does. Output as <see cref="SimpleRnnAttribute"/>. Parameters
    /// <c>name.weight_ih</c> [features, 3 units], <c>name.weight_hh</c> [units, 3 units], <c>name.bias_ih</c>,
    /// <c>name.bias_hh</c> [3 units], gates r, z, n, initialised U(-1/sqrt(units), 1/sqrt(units)).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GruAttribute : Attribute
    {
        /// <summary>Declares a GRU layer whose state has <paramref name="units"/> values.</summary>
        public GruAttribute(int units) => Units = units;

        /// <summary>The size of the state (PyTorch's hidden_size).</summary>
        public int Units { get; }

        /// <summary>True: the output is the state after every step; false (the default): only the last state.</summary>
        public bool ReturnSequences { get; set; }

        /// <summary>The name of the layer's parameters; default <c>gru0</c>, ...</summary>
        public string? Name { get; set; }
    }
}
