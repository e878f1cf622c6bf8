using System;
using System.Globalization;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Compiled.Generator.Emit
{
    /// <summary>One tensor of a compiled-in weights file, as its header gives it.</summary>
    internal sealed record WeightsTensor(string Name, string DType, EquatableArray<long> Shape);

    /// <summary>
    /// A <c>&lt;CompiledWeights&gt;</c> file as the build's text form describes it (<c>Runtime/build/Compiled.targets</c>
    /// writes it: the network it is for, the file's path and SHA-256, and each tensor's name, dtype and shape, or the error
    /// that kept it from being read). Plain values, so the pipeline caches it: editing the weights changes the text and
    /// re-runs this network's check and <c>Pretrained</c> source, and nothing else.
    /// </summary>
    internal sealed record WeightsFile(string Network, string SourcePath, string Sha256, EquatableArray<WeightsTensor> Tensors, string? Error)
    {
        public const string Suffix = ".compiled-weights.txt";

        /// <summary>The manifest resource the build embeds the file as.</summary>
        public string Resource => "Compiled.Weights." + Network;

        public static WeightsFile Parse(string textPath, string? text)
        {
            string network = string.Empty, path = textPath, sha = string.Empty;
            string? error = text is null ? "the build's description of the file could not be read" : null;
            var tensors = new System.Collections.Generic.List<WeightsTensor>();
            foreach (string line in (text ?? string.Empty).Split('\n'))
            {
                int equals = line.IndexOf('=');
                if (equals < 0)
                {
                    continue;
                }

                string key = line.Substring(0, equals), value = line.Substring(equals + 1).TrimEnd('\r');
                switch (key)
                {
                    case "network":
                        network = value;
                        break;
                    case "path":
                        path = value;
                        break;
                    case "sha256":
                        sha = value;
                        break;
                    case "error":
                        error = value;
                        break;
                    case "tensor":
                        string[] parts = value.Split('\t');
                        long[] shape = parts.Length == 3 && parts[2].Length > 0
                            ? parts[2].Split(',').Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out long size) ? size : -1).ToArray()
                            : Array.Empty<long>();
                        tensors.Add(new WeightsTensor(parts[0], parts.Length > 1 ? parts[1] : string.Empty, shape.ToEquatableArray()));
                        break;
                }
            }

            return new WeightsFile(network, path, sha, tensors.ToEquatableArray(), error);
        }

        /// <summary>Whether this file is for <paramref name="network"/>: by its full name, or by its class name alone.</summary>
        public bool IsFor(ShapedNetwork network) =>
            Network == FullName(network) || Network == network.ClassName;

        public static string FullName(ShapedNetwork network) => network.Namespace is null ? network.ClassName : network.Namespace + "." + network.ClassName;

        /// <summary>Where a diagnostic about the file points: the weights file itself.</summary>
        public Location Location => Location.Create(SourcePath, default, default(LinePositionSpan));

        /// <summary>What is wrong with the file for this network (missing, extra or misshapen tensors, another dtype), or null.</summary>
        public string? Mismatch(ShapedNetwork network)
        {
            if (Error is not null)
            {
                return Error;
            }

            var expected = network.Layers.SelectMany(l => l.Parameters.Select(p => (Name: l.Name + "." + p.Role, Shape: p.Shape))).ToList();
            var problems = new System.Collections.Generic.List<string>();
            foreach ((string name, EquatableArray<int> shape) in expected)
            {
                WeightsTensor? tensor = Tensors.FirstOrDefault(t => t.Name == name);
                if (tensor is null)
                {
                    problems.Add($"it has no tensor '{name}'");
                }
                else if (!tensor.Shape.SequenceEqual(shape.Select(d => (long)d)))
                {
                    problems.Add($"its '{name}' is [{string.Join(", ", tensor.Shape)}], the network's [{string.Join(", ", shape)}]");
                }
                else if (tensor.DType != "F32")
                {
                    problems.Add($"its '{name}' is {tensor.DType}, not F32");
                }
            }

            foreach (WeightsTensor extra in Tensors.Where(t => !expected.Any(e => e.Name == t.Name)))
            {
                problems.Add($"it has a tensor '{extra.Name}' the network does not");
            }

            return problems.Count == 0 ? null : string.Join("; ", problems.Take(5)) + (problems.Count > 5 ? $"; and {problems.Count - 5} more" : string.Empty);
        }

        /// <summary>The source that gives the network its compiled-in weights: <c>Pretrained()</c> and <c>LoadCompiledWeights()</c>.</summary>
        public string Emit(ShapedNetwork network, string generatorVersion)
        {
            var w = new SourceWriter();
            w.Line("// <auto-generated/>");
            w.Line("#nullable enable");
            w.Line();
            string className = SourceWriter.Identifier(network.ClassName);
            int axis = NetworkEmitter.InputLastAxis(network);
            int classes = NetworkEmitter.ClassCount(network);
            void Body()
            {
                string generated = $"[global::System.CodeDom.Compiler.GeneratedCode(\"Compiled.Generator\", \"{generatorVersion}\")]";
                using (w.OpenBlock($"partial class {className}"))
                {
                    w.Line($"/// <summary>A new network holding the weights compiled into this assembly from <c>{System.IO.Path.GetFileName(SourcePath)}</c>");
                    w.Line("/// (checked against the network at build time; no file is read at run time).</summary>");
                    w.Line(generated);
                    using (w.OpenBlock($"public static {className} Pretrained()"))
                    {
                        w.Line($"var network = new {className}(DefaultSeed);");
                        w.Line("network.LoadCompiledWeights();");
                        w.Line("return network;");
                    }

                    w.Line();
                    w.Line("/// <summary>Replaces the parameters (and the standardizer and class names saved with them) with the weights compiled");
                    w.Line("/// into this assembly. The embedded resource must have the SHA-256 the build checked.</summary>");
                    w.Line(generated);
                    using (w.OpenBlock("public void LoadCompiledWeights()"))
                    {
                        w.Line($"global::Compiled.ModelFileInfo held = global::Compiled.ModelFile.LoadEmbedded(typeof({className}).Assembly, \"{Resource}\", \"{Sha256}\", _parameters, s_tensors, NetworkName, ArchitectureFingerprint, InputSize, {axis}, {classes});");
                        if (NetworkEmitter.HasStandardizer(network))
                        {
                            w.Line("_standardizer = held.Standardizer;");
                        }

                        if (classes > 0)
                        {
                            w.Line("_classNames = held.ClassNames;");
                        }
                    }
                }
            }

            NetworkEmitter.InNamespace(w, network, Body);
            return w.ToString();
        }
    }
}
