using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Compiled
{
    /// <summary>
    /// Reads and writes parameters in the safetensors format (Hugging Face): an 8-byte little-endian header
    /// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
    /// Files written here load in Python with <c>safetensors.numpy.load_file</c>.
    /// </summary>
    public static class Safetensors
    {
        /// <summary>Headers larger than this are refused as malformed (the reference implementation's limit).</summary>
        public const int MaxHeaderLength = 100_000_000;

        /// <summary>
        /// Writes the tensors of <paramref name="parameters"/> to <paramref name="path"/>: first to a temporary file
        /// beside it, flushed to disk, then renamed over it, so a crash never leaves a half-written file; temporary files
        /// that killed saves of the same path left behind are removed first.
        /// </summary>
        public static void Save(string path, ReadOnlySpan<float> parameters, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            foreach (TensorInfo tensor in tensors)
            {
                if (tensor.Offset < 0 || tensor.Offset + (long)tensor.Length > parameters.Length)
                {
                    throw new ArgumentException($"Tensor '{tensor.Name}' spans [{tensor.Offset}, {tensor.Offset + (long)tensor.Length}), outside the {parameters.Length} parameters.", nameof(tensors));
                }
            }

            byte[] header = BuildHeader(tensors, metadata);
            string fullPath = Path.GetFullPath(path);
            RemoveStaleTemporaries(fullPath);
            string temporary = fullPath + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    Span<byte> length = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                    stream.Write(length);
                    stream.Write(header);
                    foreach (TensorInfo tensor in tensors)
                    {
                        WriteLittleEndian(stream, parameters.Slice(tensor.Offset, tensor.Length));
                    }

                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, fullPath, overwrite: true);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
        }

        /// <summary>
        /// Loads the tensors named in <paramref name="tensors"/> from <paramref name="path"/> into <paramref name="parameters"/>.
        /// The whole file is proved first: the header length and JSON exactly, every field's type, dtype, names, shapes,
        /// byte ranges that tile the data region exactly (in order, no overlap, no hole, no trailing bytes), and, unless
        /// <paramref name="allowNonFinite"/>, every value finite. On any problem an <see cref="InvalidDataException"/> names the
        /// file and what was expected, and <paramref name="parameters"/> is left unchanged.
        /// </summary>
        public static void Load(string path, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, bool allowNonFinite = false)
        {
            foreach (TensorInfo tensor in tensors ?? throw new ArgumentNullException(nameof(tensors)))
            {
                if (tensor.Offset < 0 || tensor.Offset + (long)tensor.Length > parameters.Length)
                {
                    throw new ArgumentException($"Tensor '{tensor.Name}' spans [{tensor.Offset}, {tensor.Offset + (long)tensor.Length}), outside the {parameters.Length} parameters.", nameof(tensors));
                }
            }

            byte[] file = File.ReadAllBytes(path ?? throw new ArgumentNullException(nameof(path)));
            var plan = Validate(file, path, tensors);
            int dataStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
            if (!allowNonFinite)
            {
                foreach ((TensorInfo tensor, long begin) in plan)
                {
                    ReadOnlySpan<byte> bytes = file.AsSpan(dataStart + (int)begin, tensor.Length * sizeof(float));
                    for (int i = 0; i < tensor.Length; i++)
                    {
                        float value = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
                        if (!float.IsFinite(value))
                        {
                            throw Invalid(path, $"tensor '{tensor.Name}' holds {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {i}; values must be finite (load with allowNonFinite to accept them)");
                        }
                    }
                }
            }

            // Everything checked: only now touch the parameters.
            foreach ((TensorInfo tensor, long begin) in plan)
            {
                ReadOnlySpan<byte> bytes = file.AsSpan(dataStart + (int)begin, tensor.Length * sizeof(float));
                Span<float> target = parameters.Slice(tensor.Offset, tensor.Length);
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.Cast<byte, float>(bytes).CopyTo(target);
                }
                else
                {
                    for (int i = 0; i < target.Length; i++)
                    {
                        target[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
                    }
                }
            }
        }

        private static List<(TensorInfo Tensor, long Begin)> Validate(byte[] file, string path, IReadOnlyList<TensorInfo> tensors)
        {
            if (file.Length < 8)
            {
                throw Invalid(path, $"the file has {file.Length} bytes, fewer than the 8-byte header length");
            }

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
            if (headerLength > MaxHeaderLength || headerLength > (ulong)(file.Length - 8))
            {
                throw Invalid(path, $"the header length is {headerLength} bytes, but the file has only {file.Length - 8} bytes after it (and the limit is {MaxHeaderLength})");
            }

            long dataLength = file.Length - 8 - (long)headerLength;
            if (headerLength == 0 || file[8] != (byte)'{')
            {
                throw Invalid(path, "the header does not start with '{'");
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
            }
            catch (JsonException exception)
            {
                throw Invalid(path, "the header is not valid JSON: " + exception.Message);
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(path, "the header is not a JSON object");
                }

                var expected = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
                foreach (TensorInfo tensor in tensors)
                {
                    expected[tensor.Name] = tensor;
                }

                var plan = new List<(TensorInfo, long)>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    if (property.Name == "__metadata__")
                    {
                        CheckMetadata(path, property.Value);
                        continue;
                    }

                    if (!expected.TryGetValue(property.Name, out TensorInfo? tensor))
                    {
                        throw Invalid(path, $"it has a tensor '{property.Name}' that this network does not have (it has {string.Join(", ", expected.Keys)})");
                    }

                    if (!seen.Add(property.Name))
                    {
                        throw Invalid(path, $"tensor '{property.Name}' appears twice in the header");
                    }

                    JsonElement entry = property.Value;
                    if (entry.ValueKind != JsonValueKind.Object
                        || !entry.TryGetProperty("dtype", out JsonElement dtype)
                        || !entry.TryGetProperty("shape", out JsonElement shape)
                        || !entry.TryGetProperty("data_offsets", out JsonElement offsets)
                        || shape.ValueKind != JsonValueKind.Array
                        || offsets.ValueKind != JsonValueKind.Array
                        || offsets.GetArrayLength() != 2)
                    {
                        throw Invalid(path, $"tensor '{property.Name}' needs dtype, shape and data_offsets [begin, end]");
                    }

                    if (dtype.ValueKind != JsonValueKind.String || dtype.GetString() != "F32")
                    {
                        throw Invalid(path, $"tensor '{property.Name}' has dtype {dtype}, but only F32 is supported");
                    }

                    var fileShape = new List<long>();
                    foreach (JsonElement dimension in shape.EnumerateArray())
                    {
                        if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long d) || d < 0)
                        {
                            throw Invalid(path, $"tensor '{property.Name}' has a shape entry {dimension} that is not a size");
                        }

                        fileShape.Add(d);
                    }

                    if (!SameShape(fileShape, tensor.Shape))
                    {
                        throw Invalid(path, $"tensor '{property.Name}' has shape [{string.Join(", ", fileShape)}], but the network expects [{string.Join(", ", tensor.Shape)}]");
                    }

                    if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
                        || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
                    {
                        throw Invalid(path, $"tensor '{property.Name}' has data_offsets {offsets} outside the {dataLength} data bytes");
                    }

                    if (end - begin != tensor.Length * (long)sizeof(float))
                    {
                        throw Invalid(path, $"tensor '{property.Name}' has {end - begin} data bytes, but {tensor.Length} floats need {tensor.Length * sizeof(float)}");
                    }

                    plan.Add((tensor, begin));
                }

                foreach (string name in expected.Keys)
                {
                    if (!seen.Contains(name))
                    {
                        throw Invalid(path, $"tensor '{name}' is missing");
                    }
                }

                CheckTiling(path, plan, dataLength);
                return plan;
            }
        }

        /// <summary>The tensors' byte ranges, in order, must cover the data region exactly: a header length a few bytes off,
        /// overlapping or misplaced offsets, holes and trailing bytes all show here.</summary>
        private static void CheckTiling(string path, List<(TensorInfo Tensor, long Begin)> plan, long dataLength)
        {
            long at = 0;
            foreach ((TensorInfo tensor, long begin) in plan.OrderBy(entry => entry.Begin).ThenBy(entry => entry.Tensor.Length))
            {
                if (begin < at)
                {
                    throw Invalid(path, $"tensor '{tensor.Name}' starts at data byte {begin}, inside the tensor before it (which ends at {at}); tensors may not overlap");
                }

                if (begin > at)
                {
                    throw Invalid(path, $"tensor '{tensor.Name}' starts at data byte {begin}, leaving a hole after byte {at}; tensors must follow each other");
                }

                at = begin + (tensor.Length * (long)sizeof(float));
            }

            if (at != dataLength)
            {
                throw Invalid(path, $"the tensors cover {at} data bytes, but the file has {dataLength} after the header (trailing bytes, or a header length that is off)");
            }
        }

        /// <summary><c>__metadata__</c> is a map of strings to strings.</summary>
        private static void CheckMetadata(string path, JsonElement metadata)
        {
            if (metadata.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "__metadata__ is not an object of strings");
            }

            foreach (JsonProperty entry in metadata.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw Invalid(path, $"__metadata__ entry '{entry.Name}' is {entry.Value.ValueKind}, not a string");
                }
            }
        }

        private static bool SameShape(List<long> fileShape, int[] shape)
        {
            if (fileShape.Count != shape.Length)
            {
                return false;
            }

            for (int i = 0; i < shape.Length; i++)
            {
                if (fileShape[i] != shape[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static byte[] BuildHeader(IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string>? metadata)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (metadata is { Count: > 0 })
                {
                    writer.WriteStartObject("__metadata__");
                    foreach (var pair in metadata)
                    {
                        writer.WriteString(pair.Key, pair.Value);
                    }

                    writer.WriteEndObject();
                }

                long offset = 0;
                foreach (TensorInfo tensor in tensors)
                {
                    writer.WriteStartObject(tensor.Name);
                    writer.WriteString("dtype", "F32");
                    writer.WriteStartArray("shape");
                    foreach (int dimension in tensor.Shape)
                    {
                        writer.WriteNumberValue(dimension);
                    }

                    writer.WriteEndArray();
                    writer.WriteStartArray("data_offsets");
                    writer.WriteNumberValue(offset);
                    offset += tensor.Length * (long)sizeof(float);
                    writer.WriteNumberValue(offset);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
            int padding = (int)((8 - (buffer.Length % 8)) % 8);
            for (int i = 0; i < padding; i++)
            {
                buffer.WriteByte((byte)' ');
            }

            return buffer.ToArray();
        }

        private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values)
        {
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(values));
                return;
            }

            Span<byte> bytes = stackalloc byte[4];
            foreach (float value in values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                stream.Write(bytes);
            }
        }

        private static InvalidDataException Invalid(string path, string what) =>
            new($"'{path}' is not a valid safetensors file for this network: {what}. The parameters were not changed.");

        /// <summary>
        /// Deletes the temporary files an earlier save of <paramref name="fullPath"/> left behind when its process was killed
        /// (<c>name.safetensors.1a2b3c4d.tmp</c>). A temporary file still being written is held open without sharing, which
        /// on every platform .NET supports makes the exclusive open below fail, so only abandoned ones are removed.
        /// </summary>
        private static void RemoveStaleTemporaries(string fullPath)
        {
            string? directory = Path.GetDirectoryName(fullPath);
            if (directory is null || !Directory.Exists(directory))
            {
                return;
            }

            string prefix = Path.GetFileName(fullPath) + ".";
            foreach (string candidate in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
            {
                string middle = Path.GetFileName(candidate).Substring(prefix.Length, Path.GetFileName(candidate).Length - prefix.Length - ".tmp".Length);
                if (middle.Length != 8 || !middle.All(Uri.IsHexDigit))
                {
                    continue; // not of this writer's naming
                }

                try
                {
                    using (new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                    }

                    File.Delete(candidate);
                }
                catch (IOException)
                {
                    // In use by a save that is running now, or already gone.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
