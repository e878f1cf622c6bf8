using System;
using System.Collections.Generic;
using System.IO;
using Compiled.Data;

namespace Compiled
{
    /// <summary>What a saved model's safetensors <c>__metadata__</c> says about it (see <see cref="ModelFile.Inspect"/>).</summary>
    /// <param name="Network">The network's full name, or null in a file not written by a network's <c>SaveParameters</c>.</param>
    /// <param name="Architecture">The network's <c>ArchitectureFingerprint</c>, or null.</param>
    /// <param name="Standardizer">The input standardizer saved with the parameters, or null.</param>
    public sealed record ModelFileInfo(string? Network, string? Architecture, Standardizer? Standardizer);

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

        /// <summary>Writes the parameters with the network's name, fingerprint and standardizer (to a temporary file first,
        /// renamed over <paramref name="path"/>).</summary>
        public static void Save(string path, ReadOnlySpan<float> parameters, IReadOnlyList<TensorInfo> tensors, string network, string architecture, Standardizer? standardizer)
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

            Safetensors.Save(path, parameters, tensors, metadata);
        }

        /// <summary>
        /// Loads the parameters and returns the standardizer the network should hold afterwards: the file's (or none) when the
        /// file was saved by a network, else <paramref name="current"/> (a file from elsewhere carries parameters only).
        /// Everything is checked before anything is written: the architecture fingerprint when the file has one, the
        /// standardizer's statistics, then the whole file as <see cref="Safetensors.Load"/> checks it.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is malformed, belongs to another architecture, or its
        /// standardizer does not fit; <paramref name="parameters"/> are unchanged.</exception>
        public static Standardizer? Load(string path, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, string network, string architecture, int inputSize, int lastAxis, Standardizer? current, bool allowNonFinite)
        {
            ModelFileInfo info = Inspect(path ?? throw new ArgumentNullException(nameof(path)));
            if (info.Architecture is not null && info.Architecture != architecture)
            {
                throw new InvalidDataException(
                    $"'{path}' holds the parameters of {info.Network ?? "another network"} (architecture {info.Architecture}), but this is {network} (architecture {architecture}): " +
                    "the layers, their settings or the input differ, so these parameters would mean something else here. Load it into the network that saved it.");
            }

            try
            {
                Standardizer.CheckFor(info.Standardizer, inputSize, lastAxis, network);
            }
            catch (ArgumentException exception)
            {
                throw new InvalidDataException($"'{path}' has an input standardizer that does not fit: {exception.Message} The parameters were not changed.");
            }

            Safetensors.Load(path, parameters, tensors, allowNonFinite);
            return info.Network is not null ? info.Standardizer : current;
        }

        /// <summary>Reads what a saved model's metadata says.</summary>
        /// <exception cref="InvalidDataException">The file is malformed, or its standardizer's statistics are not as many
        /// finite means as positive, finite standard deviations.</exception>
        public static ModelFileInfo Inspect(string path)
        {
            using var reader = new SafetensorsReader(path ?? throw new ArgumentNullException(nameof(path)));
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

            return new ModelFileInfo(network, architecture, standardizer);
        }
    }
}
