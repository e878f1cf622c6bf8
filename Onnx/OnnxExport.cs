using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Onnx;

namespace Compiled.Onnx
{
    /// <summary>
    /// Writes a network as an ONNX model: its <see cref="ModelGraph"/> (the generated <c>ToModelGraph()</c>) as a
    /// <c>ModelProto</c> of opset <see cref="ModelGraph.Opset"/>, IR version 8, the parameters as float initializers. The
    /// graph is checked whole before anything is written, and the file is written to a temporary file beside the target
    /// and renamed, so a failed export leaves no half-written model.
    /// </summary>
    public static class OnnxExport
    {
        /// <summary>The ONNX IR version written (ONNX 1.10 and later read it).</summary>
        public const int IrVersion = 8;

        /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> as an ONNX model.</summary>
        /// <exception cref="InvalidOperationException">A parameter is NaN or infinite, or the graph is malformed.</exception>
        public static void SaveOnnx(this IExportableNetwork network, string path)
        {
            ArgumentNullException.ThrowIfNull(network);
            Save(network.ToModelGraph(), path);
        }

        /// <summary>Writes <paramref name="graph"/> to <paramref name="path"/> as an ONNX model.</summary>
        /// <exception cref="InvalidOperationException">The graph is malformed.</exception>
        public static void Save(ModelGraph graph, string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            byte[] bytes = ToBytes(graph);
            string full = Path.GetFullPath(path);
            string temporary = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                File.WriteAllBytes(temporary, bytes);
                File.Move(temporary, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }

        /// <summary>The ONNX model of <paramref name="graph"/>, serialized.</summary>
        public static byte[] ToBytes(ModelGraph graph) => ToModel(graph).ToByteArray();

        /// <summary>The ONNX model of <paramref name="graph"/>, after <see cref="ModelGraph.Validate"/>.</summary>
        /// <exception cref="InvalidOperationException">The graph is malformed.</exception>
        public static ModelProto ToModel(ModelGraph graph)
        {
            ArgumentNullException.ThrowIfNull(graph);
            graph.Validate();
            var model = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "Compiled",
                ProducerVersion = typeof(ModelGraph).Assembly.GetName().Version?.ToString() ?? string.Empty,
                Graph = ToGraph(graph),
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = ModelGraph.Opset });
            foreach (KeyValuePair<string, string> entry in graph.Metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                model.MetadataProps.Add(new StringStringEntryProto { Key = entry.Key, Value = entry.Value });
            }

            return model;
        }

        private static GraphProto ToGraph(ModelGraph graph)
        {
            var proto = new GraphProto { Name = graph.Name };
            proto.Input.AddRange(graph.Inputs.Select(ToValueInfo));
            proto.Output.AddRange(graph.Outputs.Select(ToValueInfo));
            proto.Initializer.AddRange(graph.Initializers.Select(ToTensor));
            foreach (GraphNode node in graph.Nodes)
            {
                var n = new NodeProto { OpType = node.OpType, Name = node.Name };
                n.Input.AddRange(node.Inputs);
                n.Output.AddRange(node.Outputs);
                n.Attribute.AddRange(node.Attributes.Select(ToAttribute));
                proto.Node.Add(n);
            }

            return proto;
        }

        private static ValueInfoProto ToValueInfo(GraphValue value)
        {
            var shape = new TensorShapeProto();
            foreach (int dimension in value.Shape)
            {
                shape.Dim.Add(dimension < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = dimension });
            }

            return new ValueInfoProto
            {
                Name = value.Name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)value.Type, Shape = shape } },
            };
        }

        private static TensorProto ToTensor(GraphTensor tensor)
        {
            var proto = new TensorProto { Name = tensor.Name, DataType = (int)tensor.Type };
            proto.Dims.AddRange(tensor.Shape.Select(d => (long)d));
            if (tensor.Floats is { } floats)
            {
                // Raw little-endian bytes: one copy, and what exporters write for large tensors.
                if (!BitConverter.IsLittleEndian)
                {
                    throw new PlatformNotSupportedException("ONNX stores raw tensor data little-endian; this machine is big-endian.");
                }

                byte[] raw = new byte[floats.Length * sizeof(float)];
                Buffer.BlockCopy(floats, 0, raw, 0, raw.Length);
                proto.RawData = ByteString.CopyFrom(raw);
            }
            else
            {
                proto.Int64Data.AddRange(tensor.Longs!);
            }

            return proto;
        }

        private static AttributeProto ToAttribute(GraphAttribute attribute)
        {
            var proto = new AttributeProto { Name = attribute.Name };
            switch (attribute.Kind)
            {
                case GraphAttributeKind.Int:
                    proto.Type = AttributeProto.Types.AttributeType.Int;
                    proto.I = attribute.Int;
                    break;
                case GraphAttributeKind.Ints:
                    proto.Type = AttributeProto.Types.AttributeType.Ints;
                    proto.Ints.AddRange(attribute.Ints);
                    break;
                case GraphAttributeKind.Float:
                    proto.Type = AttributeProto.Types.AttributeType.Float;
                    proto.F = attribute.Float;
                    break;
                case GraphAttributeKind.String:
                    proto.Type = AttributeProto.Types.AttributeType.String;
                    proto.S = ByteString.CopyFromUtf8(attribute.String);
                    break;
                case GraphAttributeKind.Strings:
                    proto.Type = AttributeProto.Types.AttributeType.Strings;
                    proto.Strings.AddRange(attribute.Strings.Select(ByteString.CopyFromUtf8));
                    break;
                default:
                    throw new InvalidOperationException($"Attribute '{attribute.Name}' has kind {attribute.Kind}, which has no ONNX form here.");
            }

            return proto;
        }
    }
}
