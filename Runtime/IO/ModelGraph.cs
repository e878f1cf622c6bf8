using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Compiled.Data;

namespace Compiled
{
    /// <summary>A network that can describe itself as a <see cref="ModelGraph"/> of ONNX operators: every generated network.</summary>
    public interface IExportableNetwork
    {
        /// <summary>
        /// The network's inference pass (what <c>Predict</c> computes, dropout left out) as a graph of ONNX operators (opset
        /// <see cref="ModelGraph.Opset"/>) with a copy of the current parameters as initializers. Its input takes the values
        /// <c>Predict</c> takes, batch first, in the same layout (images channels-last); its output is what <c>Predict</c>
        /// writes. The <c>Compiled.Onnx</c> package writes it to a file.
        /// </summary>
        /// <exception cref="InvalidOperationException">A parameter is NaN or infinite: such a model would predict nothing.</exception>
        ModelGraph ToModelGraph();
    }

    /// <summary>The element type of a graph value, with ONNX's <c>TensorProto.DataType</c> numbers.</summary>
    public enum GraphElementType
    {
        /// <summary>32-bit float.</summary>
        Float = 1,

        /// <summary>32-bit integer (token ids).</summary>
        Int32 = 6,

        /// <summary>64-bit integer (shapes, axes and indices that ONNX operators take as tensors).</summary>
        Int64 = 7,

        /// <summary>Boolean (masks).</summary>
        Bool = 9,
    }

    /// <summary>A graph input or output: its name, element type and shape, whose first axis (-1) is the batch.</summary>
    /// <param name="Name">The name.</param>
    /// <param name="Type">The element type.</param>
    /// <param name="Shape">The shape; -1 for the batch axis, whose size is chosen at run time.</param>
    public sealed record GraphValue(string Name, GraphElementType Type, int[] Shape);

    /// <summary>A constant tensor of the graph (an initializer): a parameter or a shape, axis list or mask.</summary>
    public sealed class GraphTensor
    {
        internal GraphTensor(string name, int[] shape, float[]? floats, long[]? longs)
        {
            Name = name;
            Shape = shape;
            Floats = floats;
            Longs = longs;
        }

        /// <summary>The name nodes refer to it by (a parameter keeps its tensor's name, e.g. <c>conv1.weight</c>).</summary>
        public string Name { get; }

        /// <summary>The shape.</summary>
        public int[] Shape { get; }

        /// <summary>The values of a float tensor, or null.</summary>
        public float[]? Floats { get; }

        /// <summary>The values of a 64-bit integer tensor, or null.</summary>
        public long[]? Longs { get; }

        /// <summary>The element type.</summary>
        public GraphElementType Type => Floats is not null ? GraphElementType.Float : GraphElementType.Int64;
    }

    /// <summary>What kind of value an attribute holds.</summary>
    public enum GraphAttributeKind
    {
        /// <summary>One integer.</summary>
        Int,

        /// <summary>A list of integers.</summary>
        Ints,

        /// <summary>One float.</summary>
        Float,

        /// <summary>A string.</summary>
        String,

        /// <summary>A list of strings.</summary>
        Strings,
    }

    /// <summary>A node attribute (<c>kernel_shape</c>, <c>alpha</c>, <c>mode</c>, ...).</summary>
    public sealed class GraphAttribute
    {
        private GraphAttribute(string name, GraphAttributeKind kind)
        {
            Name = name;
            Kind = kind;
        }

        /// <summary>The attribute's name.</summary>
        public string Name { get; }

        /// <summary>Which of the values below it holds.</summary>
        public GraphAttributeKind Kind { get; }

        /// <summary>For <see cref="GraphAttributeKind.Int"/>.</summary>
        public long Int { get; private init; }

        /// <summary>For <see cref="GraphAttributeKind.Ints"/>.</summary>
        public long[] Ints { get; private init; } = [];

        /// <summary>For <see cref="GraphAttributeKind.Float"/>.</summary>
        public float Float { get; private init; }

        /// <summary>For <see cref="GraphAttributeKind.String"/>.</summary>
        public string String { get; private init; } = string.Empty;

        /// <summary>For <see cref="GraphAttributeKind.Strings"/>.</summary>
        public string[] Strings { get; private init; } = [];

        /// <summary>An integer attribute.</summary>
        public static GraphAttribute Integer(string name, long value) => new(name, GraphAttributeKind.Int) { Int = value };

        /// <summary>An attribute holding a list of integers.</summary>
        public static GraphAttribute Integers(string name, params long[] values) => new(name, GraphAttributeKind.Ints) { Ints = values };

        /// <summary>A float attribute.</summary>
        public static GraphAttribute Single(string name, float value) => new(name, GraphAttributeKind.Float) { Float = value };

        /// <summary>A string attribute.</summary>
        public static GraphAttribute Text(string name, string value) => new(name, GraphAttributeKind.String) { String = value };

        /// <summary>An attribute holding a list of strings.</summary>
        public static GraphAttribute Texts(string name, params string[] values) => new(name, GraphAttributeKind.Strings) { Strings = values };
    }

    /// <summary>One operator application: ONNX's <c>NodeProto</c>.</summary>
    /// <param name="OpType">The ONNX operator (<c>Gemm</c>, <c>Conv</c>, <c>LSTM</c>, ...), default domain.</param>
    /// <param name="Name">A name unique in the graph: the layer's name, then the operator.</param>
    /// <param name="Inputs">The values it reads, in the operator's order; an empty string for an optional input left out.</param>
    /// <param name="Outputs">The values it writes; an empty string for an optional output not wanted.</param>
    /// <param name="Attributes">Its attributes.</param>
    public sealed record GraphNode(string OpType, string Name, string[] Inputs, string[] Outputs, GraphAttribute[] Attributes);

    /// <summary>
    /// A network as a graph of ONNX operators, without any ONNX library: the generated <c>ToModelGraph()</c> builds it
    /// layer by layer (each layer's definition says which operators it is), and <c>Compiled.Onnx</c> turns it into an ONNX
    /// file. Values are named strings. Images are channels-last here and channels-first for ONNX's <c>Conv</c> and pools:
    /// the graph remembers which values hold channels-first images and inserts one <c>Transpose</c> per value where a
    /// layer needs the other layout (<see cref="ChannelsFirst"/>, <see cref="ChannelsLast"/>), so a run of convolutions and
    /// pools stays channels-first and the output and every flattening see the order this library uses.
    /// </summary>
    public sealed partial class ModelGraph
    {
        /// <summary>The ONNX operator set the graph is written for.</summary>
        public const int Opset = 17;

        private readonly float[] _parameters;
        private readonly Dictionary<string, TensorInfo> _tensors;
        private readonly List<GraphValue> _inputs = [];
        private readonly List<GraphValue> _outputs = [];
        private readonly List<GraphNode> _nodes = [];
        private readonly List<GraphTensor> _initializers = [];
        private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
        private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
        private readonly HashSet<string> _channelsFirst = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _otherLayout = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);
        private string _scope = "graph";

        /// <summary>Starts a graph of the network <paramref name="name"/> whose parameters are <paramref name="parameters"/>
        /// (copied as they are used), laid out as <paramref name="tensors"/> says.</summary>
        /// <exception cref="InvalidOperationException">A parameter is NaN or infinite.</exception>
        public ModelGraph(string name, ReadOnlySpan<float> parameters, IReadOnlyList<TensorInfo> tensors)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            ArgumentNullException.ThrowIfNull(tensors);
            _parameters = parameters.ToArray();
            _tensors = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
            foreach (TensorInfo tensor in tensors)
            {
                if (tensor.Offset < 0 || tensor.Offset + tensor.Length > _parameters.Length)
                {
                    throw new ArgumentException($"Tensor '{tensor.Name}' ({tensor.Length} values at {tensor.Offset}) lies outside the {_parameters.Length} parameters.", nameof(tensors));
                }

                int bad = _parameters.AsSpan(tensor.Offset, tensor.Length).IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
                if (bad >= 0)
                {
                    throw new InvalidOperationException(
                        $"Parameter '{tensor.Name}' holds {_parameters[tensor.Offset + bad].ToString(CultureInfo.InvariantCulture)} at index {bad}: a model with a NaN or infinite weight predicts nothing, so it is not exported. Train or load finite parameters first.");
                }
            }
        }

        /// <summary>The network's name (the graph's name in the file).</summary>
        public string Name { get; }

        /// <summary>The graph's inputs (one: the network's).</summary>
        public IReadOnlyList<GraphValue> Inputs => _inputs;

        /// <summary>The graph's outputs (one: what <c>Predict</c> writes).</summary>
        public IReadOnlyList<GraphValue> Outputs => _outputs;

        /// <summary>The nodes, in an order where every value is written before it is read.</summary>
        public IReadOnlyList<GraphNode> Nodes => _nodes;

        /// <summary>The constant tensors: parameters (in ONNX's layouts) and the shapes and axes operators take as inputs.</summary>
        public IReadOnlyList<GraphTensor> Initializers => _initializers;

        /// <summary>Key-value metadata for the file (the network's name, architecture fingerprint, class names).</summary>
        public IReadOnlyDictionary<string, string> Metadata => _metadata;

        /// <summary>Sets a metadata entry.</summary>
        public void SetMetadata(string key, string value) => _metadata[key ?? throw new ArgumentNullException(nameof(key))] = value ?? throw new ArgumentNullException(nameof(value));

        /// <summary>Names what follows after a layer: its nodes and values are called <c>{layer}.{operator}</c>.</summary>
        public void BeginLayer(string layer) => _scope = layer ?? throw new ArgumentNullException(nameof(layer));

        // ---------------------------------------------------------------- inputs and outputs

        /// <summary>Declares the network's input, of <paramref name="shape"/> per sample (the batch axis comes first), and
        /// returns its value.</summary>
        public string Input(string name, GraphElementType type, params int[] shape)
        {
            CheckShape(shape, nameof(shape));
            var value = new GraphValue(name, type, [-1, .. shape]);
            Define(name);
            _inputs.Add(value);
            return name;
        }

        /// <summary>Declares <paramref name="value"/> (channels-last if an image) as the output <paramref name="name"/> of
        /// <paramref name="shape"/> per sample.</summary>
        public void Output(string value, string name, params int[] shape)
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            CheckShape(shape, nameof(shape));
            string last = ChannelsLast(value);
            Append("Identity", name, [last], [name], []);
            _outputs.Add(new GraphValue(name, GraphElementType.Float, [-1, .. shape]));
        }

        // ---------------------------------------------------------------- nodes

        /// <summary>Appends a node of one output and returns that output's name.</summary>
        public string Node(string opType, string[] inputs, params GraphAttribute[] attributes) => Node(opType, inputs, 1, attributes)[0];

        /// <summary>Appends a node of <paramref name="outputs"/> outputs and returns their names.</summary>
        public string[] Node(string opType, string[] inputs, int outputs, params GraphAttribute[] attributes)
        {
            ArgumentException.ThrowIfNullOrEmpty(opType);
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
            string name = Unique($"{_scope}.{opType}");
            string[] outputNames = outputs == 1 ? [name] : Enumerable.Range(0, outputs).Select(i => $"{name}:{i}").ToArray();
            Append(opType, name, inputs, outputNames, attributes ?? []);
            return outputNames;
        }

        /// <summary>Appends a node whose outputs are only those named (an empty string: an optional output left out).</summary>
        public void NodeWithOutputs(string opType, string[] inputs, string[] outputs, params GraphAttribute[] attributes)
        {
            ArgumentException.ThrowIfNullOrEmpty(opType);
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(outputs);
            Append(opType, Unique($"{_scope}.{opType}"), inputs, outputs, attributes ?? []);
        }

        /// <summary>A fresh value name in the current layer, for <see cref="NodeWithOutputs"/>.</summary>
        public string NewValue(string what)
        {
            string name = Unique($"{_scope}.{what}");
            _nodeNames.Add(name); // reserved until a node writes it
            return name;
        }

        /// <summary>A node whose output has the layout of its first input (element-wise operators, Resize).</summary>
        public string KeepingLayout(string opType, string[] inputs, params GraphAttribute[] attributes)
        {
            if (inputs is not { Length: > 0 })
            {
                throw new ArgumentException($"Expected at least one input for '{opType}', whose layout the output takes, but got none.", nameof(inputs));
            }

            string output = Node(opType, inputs, attributes);
            if (_channelsFirst.Contains(inputs[0]))
            {
                _channelsFirst.Add(output);
            }

            return output;
        }

        // ---------------------------------------------------------------- constants and parameters

        /// <summary>A float constant of <paramref name="shape"/>.</summary>
        public string Constant(float[] values, params int[] shape)
        {
            ArgumentNullException.ThrowIfNull(values);
            CheckShape(shape, nameof(shape));
            long count = shape.Aggregate(1L, (product, dimension) => product * dimension);
            if (count != values.Length)
            {
                throw new ArgumentException($"Expected {count} values for a constant of shape [{string.Join(", ", shape)}], but got {values.Length}.", nameof(values));
            }

            return AddInitializer(Unique($"{_scope}.const"), shape, values, null);
        }

        /// <summary>A 64-bit integer constant (a shape, axes, starts and ends), one-dimensional.</summary>
        public string Integers(params long[] values) =>
            AddInitializer(Unique($"{_scope}.const"), [(values ?? throw new ArgumentNullException(nameof(values))).Length], null, values);

        /// <summary>The parameter tensor <paramref name="tensor"/> as it is stored here (biases, norms, embeddings, Dense's
        /// [in, out] weight that <c>Gemm</c> and <c>MatMul</c> take as it is).</summary>
        public string Parameter(string tensor)
        {
            TensorInfo info = TensorOf(tensor);
            return AddInitializer(tensor, info.Shape, _parameters.AsSpan(info.Offset, info.Length).ToArray(), null);
        }

        /// <summary>A convolution kernel, ours [kh, kw, in, out], as ONNX's <c>Conv</c> takes it: [out, in, kh, kw].</summary>
        public string ConvolutionKernel(string tensor)
        {
            TensorInfo info = TensorOf(tensor);
            var torch = new TorchTensor(tensor, TorchPermutation.ConvKernel);
            float[] values = new float[info.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[torch.TorchIndex(i, info.Shape)] = _parameters[info.Offset + i];
            }

            return AddInitializer(tensor, torch.ShapeOf(info.Shape), values, null);
        }

        /// <summary>
        /// A recurrent weight, ours [in, gates x units] with gates in PyTorch's order, as ONNX's <c>RNN</c>, <c>LSTM</c> and
        /// <c>GRU</c> take it: [1, gates x units, in], the gate blocks in the order <paramref name="gateOrder"/> gives
        /// (ONNX's gate k is our gate <c>gateOrder[k]</c>).
        /// </summary>
        public string RecurrentWeight(string tensor, params int[] gateOrder)
        {
            TensorInfo info = TensorOf(tensor);
            CheckGates(info, gateOrder);
            int inputs = info.Shape[0], width = info.Shape[1], units = width / gateOrder.Length;
            float[] values = new float[info.Length];
            for (int gate = 0; gate < gateOrder.Length; gate++)
            {
                for (int u = 0; u < units; u++)
                {
                    int ours = (gateOrder[gate] * units) + u, row = (gate * units) + u;
                    for (int i = 0; i < inputs; i++)
                    {
                        values[(row * inputs) + i] = _parameters[info.Offset + (i * width) + ours];
                    }
                }
            }

            return AddInitializer(tensor, [1, width, inputs], values, null);
        }

        /// <summary>A recurrent layer's two biases, ours [gates x units] each, as ONNX's <c>B</c>: [1, 2 x gates x units],
        /// the input bias then the recurrent one, gate blocks in <paramref name="gateOrder"/>.</summary>
        public string RecurrentBias(string inputBias, string recurrentBias, params int[] gateOrder)
        {
            TensorInfo ih = TensorOf(inputBias), hh = TensorOf(recurrentBias);
            CheckGates(ih, gateOrder);
            if (hh.Length != ih.Length)
            {
                throw new ArgumentException($"Expected '{recurrentBias}' to have the {ih.Length} values of '{inputBias}', but it has {hh.Length}.", nameof(recurrentBias));
            }

            int width = ih.Length, units = width / gateOrder.Length;
            float[] values = new float[2 * width];
            for (int gate = 0; gate < gateOrder.Length; gate++)
            {
                _parameters.AsSpan(ih.Offset + (gateOrder[gate] * units), units).CopyTo(values.AsSpan(gate * units));
                _parameters.AsSpan(hh.Offset + (gateOrder[gate] * units), units).CopyTo(values.AsSpan(width + (gate * units)));
            }

            return AddInitializer(Unique($"{_scope}.B"), [1, 2 * width], values, null);
        }

        // ---------------------------------------------------------------- layouts

        /// <summary>Whether <paramref name="value"/> holds channels-first images.</summary>
        public bool IsChannelsFirst(string value) => _channelsFirst.Contains(value);

        /// <summary>Marks <paramref name="value"/> (a <c>Conv</c>'s or pool's output) as holding channels-first images.</summary>
        public void MarkChannelsFirst(string value) => _channelsFirst.Add(value);

        /// <summary><paramref name="value"/>, a batch of images, channels-first ([N, C, H, W]): itself if it is, else one
        /// <c>Transpose</c> of it (made once per value).</summary>
        public string ChannelsFirst(string value)
        {
            if (_channelsFirst.Contains(value))
            {
                return value;
            }

            if (!_otherLayout.TryGetValue(value, out string? transposed))
            {
                transposed = Node("Transpose", [value], GraphAttribute.Integers("perm", 0, 3, 1, 2));
                _channelsFirst.Add(transposed);
                _otherLayout[value] = transposed;
            }

            return transposed;
        }

        /// <summary><paramref name="value"/> in this library's layout: a channels-first image turned back ([N, H, W, C]) by
        /// one <c>Transpose</c> (made once per value); any other value is itself.</summary>
        public string ChannelsLast(string value)
        {
            if (!_channelsFirst.Contains(value))
            {
                return value;
            }

            if (!_otherLayout.TryGetValue(value, out string? transposed))
            {
                transposed = Node("Transpose", [value], GraphAttribute.Integers("perm", 0, 2, 3, 1));
                _otherLayout[value] = transposed;
            }

            return transposed;
        }

        // ---------------------------------------------------------------- activations and what several layers share

        /// <summary>ReLU.</summary>
        public string Relu(string value) => KeepingLayout("Relu", [value]);

        /// <summary>Leaky ReLU with slope <paramref name="slope"/> below zero.</summary>
        public string LeakyRelu(string value, float slope) => KeepingLayout("LeakyRelu", [value], GraphAttribute.Single("alpha", slope));

        /// <summary>The logistic sigmoid.</summary>
        public string Sigmoid(string value) => KeepingLayout("Sigmoid", [value]);

        /// <summary>tanh.</summary>
        public string Tanh(string value) => KeepingLayout("Tanh", [value]);

        /// <summary>Softmax over the last axis of this library's layout (the channels of an image, wherever they are).</summary>
        public string Softmax(string value) => KeepingLayout("Softmax", [value], GraphAttribute.Integer("axis", _channelsFirst.Contains(value) ? 1 : -1));

        /// <summary>GELU in its tanh approximation, as the runtime computes it (PyTorch's <c>approximate='tanh'</c>; ONNX's
        /// <c>Gelu</c> operator arrives in opset 20): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
        public string Gelu(string value)
        {
            string cube = KeepingLayout("Mul", [KeepingLayout("Mul", [value, value]), value]);
            string inner = KeepingLayout("Add", [value, KeepingLayout("Mul", [cube, Scalar(Kernels.Activations.GeluCubic)])]);
            string tanh = Tanh(KeepingLayout("Mul", [inner, Scalar(Kernels.Activations.GeluScale)]));
            string half = KeepingLayout("Mul", [value, Scalar(0.5f)]);
            return KeepingLayout("Mul", [half, KeepingLayout("Add", [tanh, Scalar(1f)])]);
        }

        /// <summary>Adds two values of the same shape, in one layout: channels-first if both are, else this library's.</summary>
        public string Add(string left, string right) =>
            _channelsFirst.Contains(left) && _channelsFirst.Contains(right)
                ? KeepingLayout("Add", [left, right])
                : KeepingLayout("Add", [ChannelsLast(left), ChannelsLast(right)]);

        /// <summary>Standardises the raw input as <see cref="Standardizer"/> does: (x - mean) times 1 / std, per feature of the
        /// last axis; <paramref name="value"/> itself without a standardizer.</summary>
        public string Standardize(string value, Standardizer? standardizer)
        {
            if (standardizer is null)
            {
                return value;
            }

            string centred = Node("Sub", [value, Constant(standardizer.Mean.ToArray(), standardizer.FeatureSize)]);
            return Node("Mul", [centred, Constant(standardizer.InverseStd.ToArray(), standardizer.FeatureSize)]);
        }

        /// <summary>A float scalar constant.</summary>
        public string Scalar(float value) => Constant([value]);

        // ---------------------------------------------------------------- checks

        /// <summary>
        /// Checks that the graph is whole: one input and one output, every node reads only values written before it (or
        /// initializers), no value is written twice, no name is empty where it must not be. <c>Compiled.Onnx</c> calls it
        /// before writing, so a malformed graph is an exception here, never a file a runtime rejects.
        /// </summary>
        /// <exception cref="InvalidOperationException">What is wrong, naming the node and the value.</exception>
        public void Validate()
        {
            if (_inputs.Count != 1 || _outputs.Count != 1)
            {
                throw new InvalidOperationException($"Graph '{Name}' has {_inputs.Count} input(s) and {_outputs.Count} output(s); a network's graph has one of each.");
            }

            var known = new HashSet<string>(_initializers.Select(t => t.Name), StringComparer.Ordinal);
            known.UnionWith(_inputs.Select(v => v.Name));
            foreach (GraphNode node in _nodes)
            {
                if (string.IsNullOrEmpty(node.OpType) || node.Outputs.Length == 0 || node.Outputs.All(string.IsNullOrEmpty))
                {
                    throw new InvalidOperationException($"Node '{node.Name}' of graph '{Name}' has no operator or no output.");
                }

                string? missing = node.Inputs.FirstOrDefault(input => input.Length > 0 && !known.Contains(input));
                if (missing is not null)
                {
                    throw new InvalidOperationException($"Node '{node.Name}' ({node.OpType}) of graph '{Name}' reads '{missing}', which nothing before it writes.");
                }

                foreach (string output in node.Outputs.Where(o => o.Length > 0))
                {
                    if (!known.Add(output))
                    {
                        throw new InvalidOperationException($"Value '{output}' of graph '{Name}' is written twice (again by node '{node.Name}').");
                    }
                }
            }

            string? unwritten = _outputs.Select(v => v.Name).FirstOrDefault(name => !known.Contains(name));
            if (unwritten is not null)
            {
                throw new InvalidOperationException($"Output '{unwritten}' of graph '{Name}' is never written.");
            }
        }

        // ---------------------------------------------------------------- plumbing

        private TensorInfo TensorOf(string tensor) =>
            _tensors.TryGetValue(tensor ?? throw new ArgumentNullException(nameof(tensor)), out TensorInfo? info)
                ? info
                : throw new ArgumentException($"The network has no parameter tensor '{tensor}'; it has {string.Join(", ", _tensors.Keys)}.", nameof(tensor));

        private static void CheckShape(int[] shape, string parameter)
        {
            ArgumentNullException.ThrowIfNull(shape, parameter);
            if (Array.Exists(shape, dimension => dimension < 0))
            {
                throw new ArgumentException($"Expected a shape of sizes of at least 0, but got [{string.Join(", ", shape)}].", parameter);
            }
        }

        /// <summary>Checks that <paramref name="gateOrder"/> is an order of the gates of <paramref name="tensor"/>, whose last
        /// axis holds them side by side.</summary>
        private static void CheckGates(TensorInfo tensor, int[] gateOrder)
        {
            ArgumentNullException.ThrowIfNull(gateOrder);
            int width = tensor.Shape[^1];
            if (gateOrder.Length == 0 || width % gateOrder.Length != 0 || !gateOrder.Order().SequenceEqual(Enumerable.Range(0, gateOrder.Length)))
            {
                throw new ArgumentException($"Expected an order of the gates of '{tensor.Name}' (each of 0 to n - 1 once, n dividing its last axis of {width}), but got [{string.Join(", ", gateOrder)}].", nameof(gateOrder));
            }
        }

        private string AddInitializer(string name, int[] shape, float[]? floats, long[]? longs)
        {
            Define(name);
            _initializers.Add(new GraphTensor(name, shape, floats, longs));
            return name;
        }

        private void Append(string opType, string name, string[] inputs, string[] outputs, GraphAttribute[] attributes)
        {
            foreach (string output in outputs.Where(o => o.Length > 0))
            {
                Define(output);
            }

            _nodeNames.Add(name);
            _nodes.Add(new GraphNode(opType, name, inputs, outputs, attributes));
        }

        private void Define(string name)
        {
            if (string.IsNullOrEmpty(name) || !_defined.Add(name))
            {
                throw new InvalidOperationException($"The name '{name}' is empty or already used in graph '{Name}'.");
            }
        }

        /// <summary><paramref name="name"/>, or it with the first free suffix <c>_1</c>, <c>_2</c>, ...: free as a value's
        /// and as a node's name (a node of one output shares its name with it).</summary>
        private string Unique(string name)
        {
            if (!_defined.Contains(name) && !_nodeNames.Contains(name))
            {
                return name;
            }

            for (int i = 1; ; i++)
            {
                string candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
                if (!_defined.Contains(candidate) && !_nodeNames.Contains(candidate))
                {
                    return candidate;
                }
            }
        }
    }
}
