using System.Globalization;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary><c>[SimpleRnn(units, Activation = ..., ReturnSequences = ...)]</c>, <c>[Lstm(units, ...)]</c> or <c>[Gru(units, ...)]</c> as written.</summary>
    internal sealed record RecurrentArguments(int Units, ActivationKind Activation, bool ReturnSequences) : LayerArguments;

    /// <summary>How a recurrent layer finds padded steps: the network input's padding token, or its mask value and features per step.</summary>
    internal sealed record RecurrentDetails(int? PaddingToken, float MaskValue, int InputFeatures) : LayerDetails;

    /// <summary>
    /// The recurrent layers, PyTorch's <c>nn.RNN</c>, <c>nn.LSTM</c> and <c>nn.GRU</c> exactly (equations, gate order, two
    /// biases, U(-1/sqrt(units), 1/sqrt(units)) initialisation), over a <c>[steps, features]</c> sequence: one definition
    /// for the three cells, which differ only in their gate count, saved buffers and the runtime's cell code
    /// (<c>Compiled.Kernels.Recurrent</c>). Weights are stored inputs by gate units, PyTorch's transposed, as Dense's are.
    /// The forward pass keeps the activated gates and every step's previous state (and an LSTM's cell states, a GRU's
    /// h W_hn + b_hn); the backward pass runs backpropagation through time over them.
    /// </summary>
    internal sealed class RecurrentLayer : LayerDefinition<RecurrentArguments>
    {
        public static readonly RecurrentLayer SimpleRnn = new("SimpleRnn", "Compiled.SimpleRnnAttribute", "simplernn", "Elman", 1);

        public static readonly RecurrentLayer Lstm = new("Lstm", "Compiled.LstmAttribute", "lstm", "Lstm", 4);

        public static readonly RecurrentLayer Gru = new("Gru", "Compiled.GruAttribute", "gru", "Gru", 3);

        private const long MaxElements = 1L << 30;

        private readonly string _kind, _attribute, _prefix, _cell;
        private readonly int _gates;

        private RecurrentLayer(string kind, string attribute, string prefix, string cell, int gates) =>
            (_kind, _attribute, _prefix, _cell, _gates) = (kind, attribute, prefix, cell, gates);

        public override string Kind => _kind;

        public override string AttributeName => _attribute;

        public override string NamePrefix => _prefix;

        public override bool ActsPerStep => true;

        public override bool HasStaticMembers => true;

        public override int StateSize(ShapedLayer layer) => _gates == 4 ? 2 * Units(layer) : Units(layer);

        public override LayerArguments? Read(LayerReader reader) =>
            reader.Count == 1
                ? new RecurrentArguments(reader.Int(0), (ActivationKind)reader.NamedInt("Activation", (int)ActivationKind.Tanh), reader.NamedBool("ReturnSequences", false))
                : null;

        // ---------------------------------------------------------------- shape

        protected override LayerShape Infer(ShapeContext context, RecurrentArguments arguments)
        {
            bool valid = context.CheckAtLeastOne(arguments.Units, ArgumentRef.Positional(0), "units");
            if (arguments.Activation is not (ActivationKind.Tanh or ActivationKind.Relu))
            {
                context.Report(IssueKinds.ValueOutOfRange, ArgumentRef.Named("Activation"), $"The activation of '{context.Name}'", "Activation.Tanh or Activation.Relu", ((int)arguments.Activation).ToString(CultureInfo.InvariantCulture));
                valid = false;
            }

            if (!context.RequireSequence("a recurrent layer") || !valid)
            {
                return context.Unknown();
            }

            TensorShape input = context.Input;

            // The largest tensors, in 64 bits before any int is taken of them: the weights and two steps' worth of gates.
            long longWidth = (long)_gates * arguments.Units; // at most 4 * 2^31: the products below fit in 64 bits once it is checked
            long largest = longWidth > MaxElements ? longWidth : System.Math.Max(System.Math.Max((long)input.LastAxis, arguments.Units) * longWidth, 2L * input.Rows * longWidth);
            if (largest > MaxElements)
            {
                context.Report(IssueKinds.ValueOutOfRange, ArgumentRef.Positional(0), $"The weights and per-step buffers of '{context.Name}'", "below 2^30 values each", largest.ToString(CultureInfo.InvariantCulture));
                return context.Unknown();
            }

            int steps = input.Rows, features = input.LastAxis, units = arguments.Units, width = _gates * units;
            var saved = new System.Collections.Generic.List<WorkspaceBuffer>
            {
                new("Gates", steps * width, "the activated gates of every step; the backward pass overwrites them with their gradients"),
                new("Previous", steps * units, "h_{t-1} of every step"),
            };
            if (_gates == 4)
            {
                saved.Add(new WorkspaceBuffer("CellStates", 2 * steps * units, "c_t of every step, then tanh(c_t) of every step"));
            }
            else if (_gates == 3)
            {
                saved.Add(new WorkspaceBuffer("CellStates", steps * units, "h W_hn + b_hn of every step"));
                saved.Add(new WorkspaceBuffer("RecurrentGradient", steps * width, "dL/d(h W_hh + b_hh), backward only"));
            }

            if (context.Spec.MasksSteps)
            {
                saved.Add(new WorkspaceBuffer("Keep", steps, "1 for a step that counts, 0 for padding"));
            }

            return new LayerShape(arguments.ReturnSequences ? TensorShape.Sequence(steps, units) : TensorShape.Vector(units))
            {
                Parameters = new[]
                {
                    new ParameterTensor("weight_ih", new[] { features, width }.ToEquatableArray(), InitializerKind.UniformInverseSqrt, units, width, Penalized: true, "inputs by gate units"),
                    new ParameterTensor("weight_hh", new[] { units, width }.ToEquatableArray(), InitializerKind.UniformInverseSqrt, units, width, Penalized: true, "state by gate units"),
                    new ParameterTensor("bias_ih", new[] { width }.ToEquatableArray(), InitializerKind.UniformInverseSqrt, units, width, Penalized: false, null),
                    new ParameterTensor("bias_hh", new[] { width }.ToEquatableArray(), InitializerKind.UniformInverseSqrt, units, width, Penalized: false, null),
                }.ToEquatableArray(),
                Saved = saved.ToEquatableArray(),
                Scratch = ScratchSize(context.MaxBatch, features, units, width),
                Details = context.Spec.MasksSteps
                    ? new RecurrentDetails(context.Spec.PaddingToken, context.Spec.MaskValue ?? 0f, context.Spec.Vocabulary > 0 ? 1 : context.Spec.InputShape[context.Spec.InputShape.Count - 1])
                    : null,
            };
        }

        /// <summary>What <c>RecurrentGeometry.ScratchSize</c> gives: per sample a recurrent product and three state rows, then a
        /// row, the combined bias and both weights transposed.</summary>
        private static long ScratchSize(long batch, int features, int units, int width) => (batch * (width + (3L * units))) + units + width + ((long)(units + features) * width);

        /// <summary>One layer of <c>nn.RNN</c>/<c>nn.LSTM</c>/<c>nn.GRU</c>: <c>weight_ih_l0</c> [gates x units, in] and
        /// <c>weight_hh_l0</c> (ours transposed, the same gate order), <c>bias_ih_l0</c>, <c>bias_hh_l0</c>. A stacked PyTorch
        /// module's later layers (<c>_l1</c>, ...) are mapped by name.</summary>
        public override TorchTensorSpec Torch(ShapedLayer layer, ParameterTensor tensor, ShapedNetwork network) =>
            new(tensor.Role + "_l0", tensor.Role.StartsWith("weight", System.StringComparison.Ordinal) ? TorchTensorSpec.Transpose : TorchTensorSpec.None);

        public override string Describe(ShapedLayer layer)
        {
            RecurrentArguments arguments = ArgumentsOf(layer);
            int width = _gates * arguments.Units;
            string cell = _gates switch
            {
                4 => "LSTM (gates i, f, g, o)",
                3 => "GRU (gates r, z, n)",
                _ => arguments.Activation == ActivationKind.Relu ? "Elman RNN, ReLU" : "Elman RNN, tanh",
            };
            return $"{layer.Name}: {layer.Input} -> {layer.Output}, {cell}, {(arguments.ReturnSequences ? "every step's state" : "the last state")}; "
                + $"W_ih [{layer.Input.LastAxis}, {width}], W_hh [{arguments.Units}, {width}], b_ih [{width}], b_hh [{width}].";
        }

        private static int Units(ShapedLayer layer) => ArgumentsOf(layer).Units;

        private string Equations(ShapedLayer layer) => _gates switch
        {
            4 => "// i, f, g, o = sigmoid, sigmoid, tanh, sigmoid(x W_ih + b_ih + h W_hh + b_hh); c = f c + i g; h = o tanh(c) (nn.LSTM)",
            3 => "// r, z = sigmoid(x W_i + b_i + h W_h + b_h); n = tanh(x W_in + b_in + r (h W_hn + b_hn)); h = (1 - z) n + z h (nn.GRU)",
            _ => $"// h = {(ArgumentsOf(layer).Activation == ActivationKind.Relu ? "relu" : "tanh")}(x W_ih + b_ih + h W_hh + b_hh) (nn.RNN)",
        };

        public override void EmitMembers(SourceWriter w, ShapedLayer layer)
        {
            RecurrentArguments arguments = ArgumentsOf(layer);
            w.Line($"private static readonly global::Compiled.Kernels.RecurrentGeometry {layer.Identifier}Geometry = new(global::Compiled.Kernels.RecurrentCell.{_cell}, "
                + $"{layer.Input.Rows}, {layer.Input.LastAxis}, {arguments.Units}, returnSequences: {(arguments.ReturnSequences ? "true" : "false")}{(arguments.Activation == ActivationKind.Relu ? ", relu: true" : string.Empty)});");
        }

        // ---------------------------------------------------------------- forward and backward

        public override void EmitForward(SourceWriter w, ForwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line(Equations(layer));
            w.Line($"global::System.Span<float> {site.Output} = workspace.Slice({layer.Identifier}OutputOffset, batch * {layer.OutputSize});");
            string keep = Keep(w, layer, forward: true);
            w.Line($"global::Compiled.Kernels.Recurrent.Forward(in {layer.Identifier}Geometry, {site.Input}, {Slice("parameters", layer, "weight_ih")}, {Slice("parameters", layer, "weight_hh")}, "
                + $"{Slice("parameters", layer, "bias_ih")}, {Slice("parameters", layer, "bias_hh")}, {site.Output}, {SavedSlice(layer, "Gates")}, {SavedSlice(layer, "Previous")}, "
                + $"{(_gates == 1 ? "default" : SavedSlice(layer, "CellStates"))}, {keep}, {site.State ?? "default"}, {Scratch(layer)}, batch);");
        }

        public override void EmitBackward(SourceWriter w, BackwardSite site)
        {
            ShapedLayer layer = site.Layer;
            Header(w, layer);
            w.Line($"// backpropagation through time; dW_ih, dW_hh, db_ih, db_hh{(site.InputGradient is null ? "; no dx: nothing before this layer" : site.AccumulateInputGradient ? "; dx +=" : "; dx =")}");
            string keep = Keep(w, layer, forward: false);
            string accumulateInput = site.InputGradient is not null && site.AccumulateInputGradient ? ", accumulateInputGradient: true" : string.Empty;
            w.Line($"global::Compiled.Kernels.Recurrent.Backward(in {layer.Identifier}Geometry, {site.Input}, {Slice("parameters", layer, "weight_ih")}, {Slice("parameters", layer, "weight_hh")}, {site.OutputGradient}, "
                + $"{SavedSlice(layer, "Gates")}, {SavedSlice(layer, "Previous")}, {(_gates == 1 ? "default" : SavedSlice(layer, "CellStates"))}, {(_gates == 3 ? SavedSlice(layer, "RecurrentGradient") : "default")}, {keep}, "
                + $"{site.InputGradient ?? "default"}, {Slice("gradients", layer, "weight_ih")}, {Slice("gradients", layer, "weight_hh")}, {Slice("gradients", layer, "bias_ih")}, {Slice("gradients", layer, "bias_hh")}, "
                + $"{Scratch(layer)}, batch, {(site.FusedSgd ? "accumulate: false" : "accumulate")}{accumulateInput});");
            if (site.FusedSgd)
            {
                // Through time every weight gradient is a sum over steps: stored in the layer's own view, then stepped.
                foreach (string role in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
                {
                    w.Line($"global::Compiled.Kernels.Dense.ApplySgd({Slice("gradients", layer, role)}, {Slice("parameters", layer, role)}, learningRate);");
                }
            }
        }

        /// <summary>The emitted mask of padded steps, or <c>default</c> when the input marks none; the forward pass fills it
        /// from the network input (its steps are this layer's: no layer changes the step count).</summary>
        private static string Keep(SourceWriter w, ShapedLayer layer, bool forward)
        {
            if (layer.Details is not RecurrentDetails details)
            {
                return "default";
            }

            string keep = SavedSlice(layer, "Keep");
            if (forward)
            {
                w.Line(details.PaddingToken is int token
                    ? $"global::Compiled.Kernels.Recurrent.KeepFromTokens(global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(input), {token.ToString(CultureInfo.InvariantCulture)}, {keep});"
                    : $"global::Compiled.Kernels.Recurrent.KeepFromValues(input, {details.InputFeatures}, {SourceWriter.Float(details.MaskValue)}, {keep});");
            }

            return keep;
        }

        private static string Scratch(ShapedLayer layer) => $"workspace.Slice(ScratchOffset, (int){layer.Identifier}Geometry.ScratchSize(batch))";


        // ---------------------------------------------------------------- export

        /// <summary>ONNX's <c>RNN</c>, <c>LSTM</c> or <c>GRU</c> (<c>ModelGraph.Recurrent</c>: gate orders, biases and the padding
        /// mask there), the mask computed from the network input as the forward pass does.</summary>
        public override void EmitExport(SourceWriter w, ExportSite site)
        {
            ShapedLayer layer = site.Layer;
            RecurrentArguments arguments = ArgumentsOf(layer);
            site.Begin(w, Describe(layer));
            string keep = layer.Details is RecurrentDetails details
                ? details.PaddingToken is int token
                    ? $"graph.KeepFromTokens({site.NetworkInput}, {token.ToString(CultureInfo.InvariantCulture)})"
                    : $"graph.KeepFromValues({site.NetworkInput}, {SourceWriter.Float(details.MaskValue)})"
                : "null";
            string cell = _gates switch { 4 => "LSTM", 3 => "GRU", _ => "RNN" };
            w.Line($"string {site.Output} = graph.Recurrent({site.Input}, \"{layer.Name}\", \"{cell}\", {layer.Input.Rows}, {arguments.Units}, returnSequences: {(arguments.ReturnSequences ? "true" : "false")}, "
                + $"relu: {(arguments.Activation == ActivationKind.Relu ? "true" : "false")}, keep: {keep});");
        }
    }
}
