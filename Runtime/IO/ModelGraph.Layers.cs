using System;
using System.Collections.Generic;

namespace Compiled
{
    /// <summary>The layers whose ONNX form is more than a few operators: recurrent cells and self-attention. The generated
    /// <c>ToModelGraph()</c> calls these from the layers' definitions.</summary>
    public sealed partial class ModelGraph
    {
        private readonly Dictionary<string, string> _keeps = new(StringComparer.Ordinal);

        /// <summary>
        /// A recurrent layer as ONNX's <c>RNN</c>, <c>LSTM</c> or <c>GRU</c> over <paramref name="sequence"/> [N, T, F] with a
        /// zero initial state: the weights transposed to [1, gates x units, in], the gate blocks reordered from PyTorch's
        /// order (ours) to ONNX's (LSTM i, o, f, c; GRU z, r, h), both biases as <c>B</c>; the GRU with
        /// <c>linear_before_reset = 1</c>, which is PyTorch's cell. Returns every step's state [N, T, units] or the last
        /// [N, units]. With <paramref name="keep"/> (a [N, T] bool mask from <see cref="KeepFromTokens"/> or
        /// <see cref="KeepFromValues"/>) the cell runs one step per node and a padded step keeps the state and outputs zeros,
        /// as here; ONNX's <c>sequence_lens</c> would only cover padding at the end.
        /// </summary>
        /// <param name="sequence">The input value.</param>
        /// <param name="layer">The layer's name: its tensors are <c>{layer}.weight_ih</c>, <c>weight_hh</c>, <c>bias_ih</c>, <c>bias_hh</c>.</param>
        /// <param name="cell"><c>RNN</c>, <c>LSTM</c> or <c>GRU</c>.</param>
        /// <param name="steps">The steps T.</param>
        /// <param name="units">The state's size.</param>
        /// <param name="returnSequences">Whether every step's state is the output, or only the last.</param>
        /// <param name="relu">For <c>RNN</c>: ReLU instead of tanh.</param>
        /// <param name="keep">The padding mask, or null when every step counts.</param>
        public string Recurrent(string sequence, string layer, string cell, int steps, int units, bool returnSequences, bool relu = false, string? keep = null)
        {
            int[] order = cell switch
            {
                "LSTM" => [0, 3, 1, 2],
                "GRU" => [1, 0, 2],
                "RNN" => [0],
                _ => throw new ArgumentException($"Expected RNN, LSTM or GRU, but got '{cell}'.", nameof(cell)),
            };
            string w = RecurrentWeight(layer + ".weight_ih", order), r = RecurrentWeight(layer + ".weight_hh", order);
            string b = RecurrentBias(layer + ".bias_ih", layer + ".bias_hh", order);
            var attributes = new List<GraphAttribute> { GraphAttribute.Integer("hidden_size", units) };
            if (cell == "RNN")
            {
                attributes.Add(GraphAttribute.Texts("activations", relu ? "Relu" : "Tanh"));
            }
            else if (cell == "GRU")
            {
                attributes.Add(GraphAttribute.Integer("linear_before_reset", 1));
            }

            bool lstm = cell == "LSTM";
            if (keep is null)
            {
                // One node over the whole sequence, time-major as ONNX's default layout is.
                string timeMajor = Node("Transpose", [sequence], GraphAttribute.Integers("perm", 1, 0, 2));
                string[] outputs = Node(cell, [timeMajor, w, r, b], lstm ? 3 : 2, [.. attributes]);
                return returnSequences
                    ? Node("Transpose", [Node("Squeeze", [outputs[0], Integers(1)])], GraphAttribute.Integers("perm", 1, 0, 2))
                    : Node("Squeeze", [outputs[1], Integers(0)]);
            }

            // One node per step, each from the state the last step left; Where keeps the state over padded steps.
            string zero = Scalar(0f);
            string? h = null, c = null;
            var perStep = new List<string>();
            for (int t = 0; t < steps; t++)
            {
                string x = Node("Transpose", [Node("Gather", [sequence, Integers(t)], GraphAttribute.Integer("axis", 1))], GraphAttribute.Integers("perm", 1, 0, 2));
                string kept = Node("Gather", [keep, Integers(t)], GraphAttribute.Integer("axis", 1)); // [N, 1]
                string newH = NewValue("h"), newC = lstm ? NewValue("c") : string.Empty;
                string initialH = h is null ? string.Empty : Node("Unsqueeze", [h, Integers(0)]);
                var inputs = new List<string> { x, w, r, b, string.Empty, initialH };
                if (lstm)
                {
                    inputs.Add(c is null ? string.Empty : Node("Unsqueeze", [c, Integers(0)]));
                }

                NodeWithOutputs(cell, [.. inputs], lstm ? [string.Empty, newH, newC] : [string.Empty, newH], [.. attributes]);
                string stepH = Node("Squeeze", [newH, Integers(0)]);
                h = Node("Where", [kept, stepH, h ?? zero]);
                if (lstm)
                {
                    c = Node("Where", [kept, Node("Squeeze", [newC, Integers(0)]), c ?? zero]);
                }

                if (returnSequences)
                {
                    perStep.Add(Node("Unsqueeze", [Node("Where", [kept, stepH, zero]), Integers(1)]));
                }
            }

            return returnSequences ? Node("Concat", [.. perStep], GraphAttribute.Integer("axis", 1)) : h!;
        }

        /// <summary>The [N, T] mask of the steps that count: the token ids (int32 [N, T]) that are not
        /// <paramref name="paddingToken"/>. Made once per input value.</summary>
        public string KeepFromTokens(string tokens, int paddingToken)
        {
            string key = tokens + "#tokens";
            if (!_keeps.TryGetValue(key, out string? keep))
            {
                string ids = Node("Cast", [tokens], GraphAttribute.Integer("to", (long)GraphElementType.Int64));
                keep = Node("Not", [Node("Equal", [ids, Integers(paddingToken)])]);
                _keeps[key] = keep;
            }

            return keep;
        }

        /// <summary>The [N, T] mask of the steps that count: those of <paramref name="sequence"/> [N, T, F] with a feature other
        /// than <paramref name="maskValue"/> (Keras' <c>Masking</c>). Made once per input value.</summary>
        public string KeepFromValues(string sequence, float maskValue)
        {
            string key = sequence + "#values";
            if (!_keeps.TryGetValue(key, out string? keep))
            {
                string differs = Node("Cast", [Node("Not", [Node("Equal", [sequence, Scalar(maskValue)])])], GraphAttribute.Integer("to", (long)GraphElementType.Float));
                string any = Node("ReduceMax", [differs], GraphAttribute.Integers("axes", -1), GraphAttribute.Integer("keepdims", 0));
                keep = Node("Cast", [any], GraphAttribute.Integer("to", (long)GraphElementType.Bool));
                _keeps[key] = keep;
            }

            return keep;
        }

        /// <summary>
        /// Multi-head self-attention over <paramref name="sequence"/> [N, T, width] in primitive operators, as the runtime
        /// computes it: q, k, v = split(x c_attn + b), each [N, heads, T, head size]; softmax(q kᵀ / sqrt(head size) + mask)
        /// v, where the causal mask is -infinity above the diagonal; the heads side by side, times c_proj, plus its bias.
        /// </summary>
        /// <param name="sequence">The input value.</param>
        /// <param name="layer">The layer's name: its tensors are <c>{layer}.c_attn.weight</c>, <c>c_attn.bias</c>, <c>c_proj.weight</c>, <c>c_proj.bias</c>.</param>
        /// <param name="steps">The steps T.</param>
        /// <param name="width">The width.</param>
        /// <param name="heads">The head count (divides the width).</param>
        /// <param name="causal">Whether each step sees only itself and the steps before it.</param>
        public string SelfAttention(string sequence, string layer, int steps, int width, int heads, bool causal)
        {
            int size = width / heads;
            string projected = Node("Add", [Node("MatMul", [sequence, Parameter(layer + ".c_attn.weight")]), Parameter(layer + ".c_attn.bias")]);
            string[] qkv = Node("Split", [projected, Integers(width, width, width)], 3, GraphAttribute.Integer("axis", -1));
            string headShape = Integers(0, steps, heads, size);
            string ByHead(string value) => Node("Transpose", [Node("Reshape", [value, headShape])], GraphAttribute.Integers("perm", 0, 2, 1, 3));
            string q = ByHead(qkv[0]), v = ByHead(qkv[2]);
            string keysTransposed = Node("Transpose", [Node("Reshape", [qkv[1], headShape])], GraphAttribute.Integers("perm", 0, 2, 3, 1));
            string scores = Node("Mul", [Node("MatMul", [q, keysTransposed]), Scalar(1f / MathF.Sqrt(size))]);
            if (causal)
            {
                float[] mask = new float[steps * steps];
                for (int i = 0; i < steps; i++)
                {
                    mask.AsSpan((i * steps) + i + 1, steps - i - 1).Fill(float.NegativeInfinity);
                }

                scores = Node("Add", [scores, Constant(mask, steps, steps)]);
            }

            string attended = Node("MatMul", [Node("Softmax", [scores], GraphAttribute.Integer("axis", -1)), v]);
            string merged = Node("Reshape", [Node("Transpose", [attended], GraphAttribute.Integers("perm", 0, 2, 1, 3)), Integers(0, steps, width)]);
            return Node("Add", [Node("MatMul", [merged, Parameter(layer + ".c_proj.weight")]), Parameter(layer + ".c_proj.bias")]);
        }
    }
}
