using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Compiled.Data;

namespace Compiled
{
    /// <summary>What a saved model's safetensors <c>__metadata__</c> says about it (see <see cref="ModelFile.Inspect(string)"/>).</summary>
    /// <param name="Network">The network's full name, or null in a file not written by a network's <c>SaveParameters</c>.</param>
    /// <param name="Architecture">The network's <c>ArchitectureFingerprint</c>, or null.</param>
    /// <param name="Standardizer">The input standardizer saved with the parameters, or null.</param>
    public sealed record ModelFileInfo(string? Network, string? Architecture, Standardizer? Standardizer)
    {
        /// <summary>The class names saved with the parameters (output i is class <c>ClassNames[i]</c>), or null.</summary>
        public ClassLabels? ClassNames { get; init; }

        /// <summary>The metadata's <c>format</c>: <c>pt</c> for a file in PyTorch's layout, or null.</summary>
        public string? Format { get; init; }
    }

    /// <summary>
    /// A network's parameters with what else makes the model: its name and architecture fingerprint (so that a file is not
    /// loaded into a different network whose tensors happen to have the same names and shapes) and the input standardizer,
    /// all in the safetensors file's <c>__metadata__</c>, which other readers (Python's <c>safetensors</c>) ignore.
    /// The generated <c>SaveParameters</c> and <c>LoadParameters</c> call this.
    /// </summary>
    public static class ModelFile
    {
        /// <summary>Metadata key of the network's full name.</summary>
        public const string NetworkKey = "compiled.network";

        /// <summary>Metadata key of the architecture fingerprint.</summary>
        public const string ArchitectureKey = "compiled.architecture";

        /// <summary>Metadata key of the standardizer's means (comma-separated, round-trip decimal).</summary>
        public const string MeanKey = "compiled.input.mean";

        /// <summary>Metadata key of the standardizer's standard deviations.</summary>
        public const string StdKey = "compiled.input.std";

        /// <summary>Metadata key of the class names (a JSON array of strings, by class index).</summary>
        public const string ClassesKey = "compiled.classes";

        /// <summary>Writes the parameters with the network's name, fingerprint and standardizer (to a temporary file first,
        /// renamed over <paramref name="path"/>).</summary>
        public static void Save(string path, ReadOnlySpan<float> parameters, IReadOnlyList<TensorInfo> tensors, string network, string architecture, Standardizer? standardizer, ClassLabels? classNames = null)
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [NetworkKey] = network ?? throw new ArgumentNullException(nameof(network)),
                [ArchitectureKey] = architecture ?? throw new ArgumentNullException(nameof(architecture)),
            };
            if (standardizer is not null)
            {
                metadata[MeanKey] = Standardizer.Format(standardizer.Mean);
                metadata[StdKey] = Standardizer.Format(standardizer.Std);
            }

            if (classNames is not null)
            {
                metadata[ClassesKey] = JsonSerializer.Serialize(classNames.Names.ToArray(), ModelFileJson.Default.StringArray);
            }

            Safetensors.Save(path, parameters, tensors, metadata);
        }

        /// <summary>
        /// Loads the parameters and returns what the network should hold afterwards (standardizer, class names): the file's
        /// (or none) when the file was saved by a network, else <paramref name="current"/> (a file from elsewhere carries
        /// parameters only). Everything is checked before anything is written: the architecture fingerprint when the file has
        /// one, the standardizer's statistics and the class names against the network, then the whole file as
        /// <see cref="Safetensors.Load(string, Span{float}, IReadOnlyList{TensorInfo}, bool)"/> checks it.
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="parameters">The network's parameters, written only once everything is checked.</param>
        /// <param name="tensors">The network's tensors.</param>
        /// <param name="network">The network's name, for messages.</param>
        /// <param name="architecture">The network's fingerprint, which a file saved by a network must carry.</param>
        /// <param name="inputSize">Values per input sample.</param>
        /// <param name="lastAxis">Values on the input's last axis (a standardizer may have statistics per one of them).</param>
        /// <param name="classCount">The network's classes (0 for a network without classes, which takes no class names).</param>
        /// <param name="current">What the network holds now, kept when the file is not one a network saved.</param>
        /// <param name="allowNonFinite">Accept NaN and infinite parameters.</param>
        /// <exception cref="InvalidDataException">The file is malformed, belongs to another architecture, or its
        /// standardizer or class names do not fit; <paramref name="parameters"/> are unchanged.</exception>
        public static ModelFileInfo Load(string path, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, string network, string architecture, int inputSize, int lastAxis, int classCount, ModelFileInfo current, bool allowNonFinite)
        {
            using var reader = new SafetensorsReader(path ?? throw new ArgumentNullException(nameof(path)));
            return Load(reader, parameters, tensors, network, architecture, inputSize, lastAxis, classCount, current, allowNonFinite);
        }

        /// <summary>
        /// Loads a model compiled into <paramref name="assembly"/> as the manifest resource <paramref name="resource"/> (the
        /// build embeds a <c>&lt;CompiledWeights&gt;</c> file there and the generator checks its tensors against the network):
        /// the resource must have the SHA-256 the build saw, then it is proved and loaded as a file would be.
        /// </summary>
        /// <exception cref="InvalidDataException">The resource is missing, differs from what was checked at build time, or is malformed.</exception>
        public static ModelFileInfo LoadEmbedded(System.Reflection.Assembly assembly, string resource, string sha256, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, string network, string architecture, int inputSize, int lastAxis, int classCount)
        {
            using Stream source = (assembly ?? throw new ArgumentNullException(nameof(assembly))).GetManifestResourceStream(resource)
                ?? throw new InvalidDataException($"{assembly.GetName().Name} has no embedded resource '{resource}': the weights of {network} were not compiled into it.");
            var copy = new MemoryStream();
            source.CopyTo(copy);
            string actual = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(copy.GetBuffer().AsSpan(0, (int)copy.Length))).ToLowerInvariant();
            if (actual != sha256)
            {
                throw new InvalidDataException($"The embedded weights '{resource}' of {network} have SHA-256 {actual}, not the {sha256} checked at build time.");
            }

            copy.Position = 0;
            using var reader = new SafetensorsReader(copy, $"embedded:{resource}");
            return Load(reader, parameters, tensors, network, architecture, inputSize, lastAxis, classCount, new ModelFileInfo(null, null, null), allowNonFinite: false);
        }

        private static ModelFileInfo Load(SafetensorsReader reader, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, string network, string architecture, int inputSize, int lastAxis, int classCount, ModelFileInfo current, bool allowNonFinite)
        {
            if (current is null)
            {
                throw new ArgumentNullException(nameof(current));
            }

            string path = reader.Path;
            ModelFileInfo info = Inspect(reader);
            if (info.Format == "pt")
            {
                throw new InvalidDataException(
                    $"'{path}' says it is in PyTorch's layout (format pt), where linear weights are [out, in] and convolution kernels [out, in, kh, kw]; " +
                    "load it with LoadParameters(path, ParameterLayout.PyTorch). The parameters were not changed.");
            }

            if (info.Architecture is not null && info.Architecture != architecture)
            {
                throw new InvalidDataException(
                    $"'{path}' holds the parameters of {info.Network ?? "another network"} (architecture {info.Architecture}), but this is {network} (architecture {architecture}): " +
                    "the layers, their settings or the input differ, so these parameters would mean something else here. Load it into the network that saved it.");
            }

            try
            {
                Standardizer.CheckFor(info.Standardizer, inputSize, lastAxis, network);
                ClassLabels.CheckFor(info.ClassNames, classCount, network);
            }
            catch (ArgumentException exception)
            {
                throw new InvalidDataException($"'{path}' has {(exception.ParamName == "classNames" ? "class names" : "an input standardizer")} that do not fit: {exception.Message} The parameters were not changed.");
            }

            Safetensors.Load(reader, parameters, tensors, allowNonFinite);
            return info.Network is not null ? info : current;
        }

        /// <summary>Reads what a saved model's metadata says.</summary>
        /// <exception cref="InvalidDataException">The file is malformed, or its standardizer's statistics are not as many
        /// finite means as positive, finite standard deviations.</exception>
        public static ModelFileInfo Inspect(string path)
        {
            using var reader = new SafetensorsReader(path ?? throw new ArgumentNullException(nameof(path)));
            return Inspect(reader);
        }

        private static ModelFileInfo Inspect(SafetensorsReader reader)
        {
            IReadOnlyDictionary<string, string> metadata = reader.Metadata;
            metadata.TryGetValue(NetworkKey, out string? network);
            metadata.TryGetValue(ArchitectureKey, out string? architecture);
            bool hasMean = metadata.TryGetValue(MeanKey, out string? meanText);
            bool hasStd = metadata.TryGetValue(StdKey, out string? stdText);
            if (hasMean != hasStd)
            {
                throw reader.Invalid($"its metadata has '{(hasMean ? MeanKey : StdKey)}' without '{(hasMean ? StdKey : MeanKey)}'");
            }

            Standardizer? standardizer = null;
            if (hasMean)
            {
                int count = meanText!.Split(',').Length;
                float[]? mean = Standardizer.Parse(meanText!, count);
                float[]? std = Standardizer.Parse(stdText!, count);
                if (mean is null || std is null)
                {
                    throw reader.Invalid($"its input standardizer is not {count} finite means and as many finite standard deviations");
                }

                try
                {
                    standardizer = new Standardizer(mean, std);
                }
                catch (ArgumentException exception)
                {
                    throw reader.Invalid("its input standardizer is invalid: " + exception.Message);
                }
            }

            ClassLabels? classNames = null;
            if (metadata.TryGetValue(ClassesKey, out string? classesText))
            {
                try
                {
                    classNames = new ClassLabels(JsonSerializer.Deserialize(classesText, ModelFileJson.Default.StringArray) ?? throw new JsonException("null"));
                }
                catch (Exception exception) when (exception is JsonException or ArgumentException)
                {
                    throw reader.Invalid($"its class names ('{ClassesKey}') are not a JSON array of distinct strings: {exception.Message}");
                }
            }

            metadata.TryGetValue("format", out string? format);
            return new ModelFileInfo(network, architecture, standardizer) { ClassNames = classNames, Format = format };
        }
    }

    /// <summary>Source-generated JSON for the class names, so that the runtime stays trimming- and AOT-safe.</summary>
    [System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
    internal sealed partial class ModelFileJson : System.Text.Json.Serialization.JsonSerializerContext
    {
    }
}
