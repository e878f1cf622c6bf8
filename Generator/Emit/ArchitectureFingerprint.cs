using System;
using System.Collections;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// A hash of what gives a network's parameters their meaning: the input's shape and vocabulary, the loss (what
    /// <c>Predict</c> applies to the outputs), and every layer's kind, name, output shape, declared arguments and parameter
    /// tensors. Not the class's name, namespace, MaxBatchSize or default seed, which a saved file may outlive. A saved file
    /// carries it, so that loading into a different network is refused by name rather than by a shape that happens to match.
    /// </summary>
    internal static class ArchitectureFingerprint
    {
        /// <summary>The canonical text the fingerprint hashes, culture-invariant so that every machine computes the same.</summary>
        public static string Describe(ShapedNetwork network)
        {
            var text = new StringBuilder();
            text.Append("input ").Append(string.Join("x", network.InputShape.Select(Invariant)))
                .Append(" vocabulary ").Append(Invariant(network.Vocabulary))
                .Append(" loss ").Append(network.Loss.ToString()).Append('\n');
            foreach (ShapedLayer layer in network.Layers)
            {
                text.Append(layer.Kind).Append(' ').Append(layer.Name)
                    .Append(" (").Append(string.Join(",", layer.InputNames)).Append(") -> ").Append(layer.Output.Kind.ToString()).Append(' ')
                    .Append(Invariant(layer.Output.Height)).Append('x').Append(Invariant(layer.Output.Width)).Append('x').Append(Invariant(layer.Output.Channels))
                    .Append(' ');
                AppendValue(text, layer.Arguments);
                foreach (ParameterTensor tensor in layer.Parameters)
                {
                    text.Append(' ').Append(tensor.Role).Append('[').Append(string.Join(",", tensor.Shape.Select(Invariant))).Append(']');
                }

                text.Append('\n');
            }

            return text.ToString();
        }

        /// <summary>The first 16 bytes of the description's SHA-256, as 32 hexadecimal digits.</summary>
        public static string Of(ShapedNetwork network)
        {
            using var sha = SHA256.Create();
            byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(Describe(network)));
            return string.Concat(hash.Take(16).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }

        /// <summary>A record's public properties by name (its own, sorted), recursively; numbers round-trip invariant.</summary>
        private static void AppendValue(StringBuilder text, object? value)
        {
            switch (value)
            {
                case null:
                    text.Append("null");
                    return;
                case string s:
                    text.Append('"').Append(s).Append('"');
                    return;
                case float f:
                    text.Append(f.ToString("R", CultureInfo.InvariantCulture));
                    return;
                case double d:
                    text.Append(d.ToString("R", CultureInfo.InvariantCulture));
                    return;
                case Enum e:
                    text.Append(e.ToString());
                    return;
                case IFormattable formattable:
                    text.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                    return;
                case IEnumerable items:
                    text.Append('[');
                    bool first = true;
                    foreach (object? item in items)
                    {
                        text.Append(first ? string.Empty : ",");
                        AppendValue(text, item);
                        first = false;
                    }

                    text.Append(']');
                    return;
            }

            text.Append(value.GetType().Name).Append('(');
            bool firstProperty = true;
            foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                if (property.GetIndexParameters().Length > 0)
                {
                    continue;
                }

                text.Append(firstProperty ? string.Empty : " ").Append(property.Name).Append('=');
                AppendValue(text, property.GetValue(value));
                firstProperty = false;
            }

            text.Append(')');
        }

        private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
