using System.Linq;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// Writes <c>ToModelGraph()</c>: the inference pass as a <c>Compiled.ModelGraph</c> of ONNX operators. The input takes
    /// what <c>Predict</c> takes (standardised in the graph when the network has a standardizer), each layer's definition
    /// adds its operators (<see cref="LayerDefinition.EmitExport"/>), and the output is what <c>Predict</c> writes (the
    /// softmax or sigmoid of the logits for a cross-entropy loss), channels-last.
    /// </summary>
    internal static class ExportEmitter
    {
        public static void EmitMembers(SourceWriter w, ShapedNetwork network)
        {
            w.Line("/// <summary>The inference pass (what <see cref=\"Predict\"/> computes, dropout left out) as a graph of ONNX operators (opset 17)");
            w.Line("/// holding a copy of the current parameters: its input takes <see cref=\"Predict\"/>'s values, batch first, images");
            w.Line("/// channels-last; its output is what <see cref=\"Predict\"/> writes. <c>Compiled.Onnx</c> writes it to a file.</summary>");
            w.Line("/// <exception cref=\"global::System.InvalidOperationException\">A parameter is NaN or infinite.</exception>");
            using (w.OpenBlock("public global::Compiled.ModelGraph ToModelGraph()"))
            {
                w.Line("var graph = new global::Compiled.ModelGraph(NetworkName, _parameters, s_tensors);");
                w.Line("graph.SetMetadata(\"compiled.network\", NetworkName);");
                w.Line("graph.SetMetadata(\"compiled.architecture\", ArchitectureFingerprint);");
                if (network.Loss == LossKind.SoftmaxCrossEntropy)
                {
                    using (w.OpenBlock("if (_classNames is not null)"))
                    {
                        w.Line("graph.SetMetadata(\"compiled.classes\", string.Join(\"\\n\", _classNames.Names));");
                    }
                }

                w.Line();
                string type = network.Vocabulary > 0 ? "Int32" : "Float";
                string inputShape = network.InputShape.Count == 0 ? SourceWriter.Int(network.InputSize) : string.Join(", ", network.InputShape);
                w.Line($"string input = graph.Input(\"input\", global::Compiled.GraphElementType.{type}, {inputShape});");
                string first = "input";
                if (NetworkEmitter.HasStandardizer(network))
                {
                    w.Line("string standardized = graph.Standardize(input, _standardizer);");
                    first = "standardized";
                }

                w.Line();
                foreach (ShapedLayer layer in network.Layers)
                {
                    string[] inputs = layer.Inputs.Select(node => node < 0 ? first : Local(network.Layers[node])).ToArray();
                    layer.Definition.EmitExport(w, new ExportSite(layer, inputs, Local(layer), first));
                    w.Line();
                }

                ShapedLayer last = network.Layers[network.Layers.Count - 1];
                string output = network.Loss switch
                {
                    LossKind.SoftmaxCrossEntropy => $"graph.Softmax({Local(last)})",
                    LossKind.BinaryCrossEntropy => $"graph.Sigmoid({Local(last)})",
                    _ => Local(last),
                };
                w.Line("graph.BeginLayer(\"prediction\"); // what Predict does after the last layer");
                w.Line($"graph.Output({output}, \"output\", {string.Join(", ", Dimensions(last.Output))});");
                w.Line("graph.Validate();");
                w.Line("return graph;");
            }
        }

        /// <summary>A per-sample shape's axes: [features], [steps, features] or [height, width, channels].</summary>
        private static int[] Dimensions(TensorShape shape) => shape.Kind switch
        {
            ShapeKind.Vector => new[] { shape.Channels },
            ShapeKind.Image => new[] { shape.Height, shape.Width, shape.Channels },
            _ => new[] { shape.Rows, shape.LastAxis },
        };

        /// <summary>The emitted string local of a layer's graph value: <c>conv1Value</c>.</summary>
        private static string Local(ShapedLayer layer) => NetworkEmitter.Local(layer, "Value");
    }
}
