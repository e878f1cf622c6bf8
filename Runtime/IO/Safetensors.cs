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
        /// that killed saves of the same path left behind are removed first. Written in chunks with 64-bit offsets, so a
        /// model of any size the generator accepts can be saved.
        /// </summary>
        public static void Save(string path, ReadOnlySpan<float> parameters, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            CheckInside(parameters.Length, tensors ?? throw new ArgumentNullException(nameof(tensors)));
            using var writer = new SafetensorsWriter(path, tensors.Select(t => (t.Name, t.Shape)).ToList(), metadata);
            foreach (TensorInfo tensor in tensors)
            {
                writer.Write(parameters.Slice(tensor.Offset, tensor.Length));
            }

            writer.Commit();
        }

        /// <summary>
        /// Loads the tensors named in <paramref name="tensors"/> from <paramref name="path"/> into <paramref name="parameters"/>.
        /// The whole file is proved first: the header length and JSON exactly, every field's type, dtype, names, shapes,
        /// byte ranges that tile the data region exactly (in order, no overlap, no hole, no trailing bytes), and, unless
        /// <paramref name="allowNonFinite"/>, every value finite. On any problem an <see cref="InvalidDataException"/> names the
        /// file and what was expected, and <paramref name="parameters"/> is left unchanged. Read in chunks, so files past
        /// 2 GB load. A <see cref="Checkpoint"/> loads too: its optimizer and trainer tensors are proved and left aside.
        /// </summary>
        public static void Load(string path, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, bool allowNonFinite = false)
        {
            using var reader = new SafetensorsReader(path ?? throw new ArgumentNullException(nameof(path)));
            Load(reader, parameters, tensors, allowNonFinite);
        }

        /// <summary>Loads from an open reader (a file or an embedded resource), as <see cref="Load(string, Span{float}, IReadOnlyList{TensorInfo}, bool)"/>.</summary>
        internal static void Load(SafetensorsReader reader, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, bool allowNonFinite)
        {
            CheckInside(parameters.Length, tensors ?? throw new ArgumentNullException(nameof(tensors)));
            // A checkpoint's optimizer and trainer tensors are not the network's, and do not make it another network's file.
            bool checkpoint = reader.Metadata.TryGetValue("format", out string? format) && format == Checkpoint.Format;
            reader.Expect(tensors.Select(t => (t.Name, t.Shape)), exact: true, checkpoint ? Checkpoint.IsOwnTensor : null);
            if (!allowNonFinite)
            {
                foreach (TensorInfo tensor in tensors)
                {
                    reader.CheckFinite(tensor.Name);
                }
            }

            // Everything checked: only now touch the parameters.
            foreach (TensorInfo tensor in tensors)
            {
                reader.Read(tensor.Name, parameters.Slice(tensor.Offset, tensor.Length));
            }
        }

        private static void CheckInside(int parameterCount, IReadOnlyList<TensorInfo> tensors)
        {
            foreach (TensorInfo tensor in tensors)
            {
                if (tensor.Offset < 0 || tensor.Offset + (long)tensor.Length > parameterCount)
                {
                    throw new ArgumentException($"Tensor '{tensor.Name}' spans [{tensor.Offset}, {tensor.Offset + (long)tensor.Length}), outside the {parameterCount} parameters.", nameof(tensors));
                }
            }
        }
    }

    /// <summary>One tensor of a safetensors header: its name, shape and byte range in the data region.</summary>
    /// <param name="Name">The tensor's name.</param>
    /// <param name="Shape">Its shape.</param>
    /// <param name="Begin">Its first byte in the data region.</param>
    /// <param name="End">One past its last byte.</param>
    /// <param name="DType">F32, or (only where half precision is accepted) F16 or BF16, read as F32.</param>
    internal readonly record struct SafetensorsEntry(string Name, long[] Shape, long Begin, long End, string DType = "F32")
    {
        public int ElementSize => DType == "F32" ? sizeof(float) : 2;

        public long Count => (End - Begin) / ElementSize;
    }

    /// <summary>
    /// A safetensors file opened and proved: the header length and JSON exactly, every field's type, F32 only, byte ranges
    /// that agree with the shapes and tile the data region exactly. The file stays open (and so the same bytes, whatever
    /// renames happen meanwhile) for the checks and reads that follow. Every failure is an <see cref="InvalidDataException"/>
    /// naming the file.
    /// </summary>
    internal sealed class SafetensorsReader : IDisposable
    {
        private const int ChunkBytes = 1 << 20;
        private readonly Stream _stream;
        private readonly long _dataStart;
        private readonly Dictionary<string, SafetensorsEntry> _entries = new(StringComparer.Ordinal);
        private byte[]? _chunk;
        private float[]? _values;
        private long _dataLength;
        private bool _proved;
        private readonly bool _acceptHalfPrecision;

        public SafetensorsReader(string path, bool acceptHalfPrecision = false)
        {
            Path = path;
            _acceptHalfPrecision = acceptHalfPrecision;
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            (_dataStart, Metadata) = ReadHeaderOrDispose();
        }

        /// <summary>A reader over a seekable stream (an embedded resource); <paramref name="name"/> names it in messages. The
        /// reader owns the stream.</summary>
        public SafetensorsReader(Stream stream, string name)
        {
            Path = name;
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            if (!stream.CanSeek || !stream.CanRead)
            {
                stream.Dispose();
                throw new ArgumentException("Expected a readable, seekable stream.", nameof(stream));
            }

            (_dataStart, Metadata) = ReadHeaderOrDispose();
        }

        private (long DataStart, IReadOnlyDictionary<string, string> Metadata) ReadHeaderOrDispose()
        {
            try
            {
                return ReadHeader();
            }
            catch
            {
                _stream.Dispose();
                throw;
            }
        }

        public string Path { get; }

        public IReadOnlyDictionary<string, string> Metadata { get; }

        public IReadOnlyDictionary<string, SafetensorsEntry> Entries => _entries;

        public void Dispose() => _stream.Dispose();

        public InvalidDataException Invalid(string what) =>
            new($"'{Path}' is not a valid safetensors file for this network: {what}. The parameters were not changed.");

        /// <summary>Checks that the file holds these tensors with these shapes (and, if <paramref name="exact"/>, no others but
        /// those <paramref name="alsoAllowed"/> names), then that all the file's tensors tile its data region; only after this may
        /// values be read.</summary>
        public void Expect(IEnumerable<(string Name, int[] Shape)> tensors, bool exact, Func<string, bool>? alsoAllowed = null)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string name, int[] shape) in tensors)
            {
                names.Add(name);
                if (!_entries.TryGetValue(name, out SafetensorsEntry entry))
                {
                    throw Invalid($"tensor '{name}' is missing");
                }

                if (!entry.Shape.SequenceEqual(shape.Select(d => (long)d)))
                {
                    throw Invalid($"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], but the network expects [{string.Join(", ", shape)}]");
                }
            }

            if (exact)
            {
                foreach (string name in _entries.Keys)
                {
                    if (!names.Contains(name) && alsoAllowed?.Invoke(name) != true)
                    {
                        throw Invalid($"it has a tensor '{name}' that this network does not have (it has {string.Join(", ", names)})");
                    }
                }
            }

            CheckTiling(_dataLength);
            _proved = true;
        }

        /// <summary>Reads the whole tensor and throws if a value is NaN or infinite.</summary>
        public void CheckFinite(string name)
        {
            SafetensorsEntry entry = Proved(name);
            float[] values = _values ??= new float[ChunkBytes / sizeof(float)];
            for (long at = 0; at < entry.Count; at += values.Length)
            {
                int count = (int)Math.Min(entry.Count - at, values.Length);
                ReadValues(entry, at, values.AsSpan(0, count));
                for (int i = 0; i < count; i++)
                {
                    if (!float.IsFinite(values[i]))
                    {
                        throw Invalid($"tensor '{name}' holds {values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {at + i}; values must be finite (load with allowNonFinite to accept them)");
                    }
                }
            }
        }

        /// <summary>Copies the tensor into <paramref name="target"/>, which must be its length.</summary>
        public void Read(string name, Span<float> target)
        {
            SafetensorsEntry entry = Proved(name);
            if (entry.Count != target.Length)
            {
                throw new ArgumentException($"Tensor '{name}' has {entry.Count} values, but the target has room for {target.Length}.", nameof(target));
            }

            for (int at = 0; at < target.Length; at += ChunkBytes / sizeof(float))
            {
                int count = Math.Min(target.Length - at, ChunkBytes / sizeof(float));
                ReadValues(entry, at, target.Slice(at, count));
            }
        }

        private SafetensorsEntry Proved(string name) =>
            _proved ? _entries[name] : throw new InvalidOperationException("Call Expect before reading: it proves the names, shapes and tiling.");

        /// <summary>Reads the tensor's values from element <paramref name="first"/> on, converted to F32; at most one chunk of F32.</summary>
        private void ReadValues(SafetensorsEntry entry, long first, Span<float> target)
        {
            byte[] chunk = _chunk ??= new byte[ChunkBytes];
            int bytes = target.Length * entry.ElementSize;
            _stream.Position = _dataStart + entry.Begin + (first * entry.ElementSize);
            _stream.ReadExactly(chunk, 0, bytes);
            switch (entry.DType)
            {
                case "F16":
                    for (int i = 0; i < target.Length; i++)
                    {
                        target[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(i * 2, 2)));
                    }

                    break;
                case "BF16":
                    // bfloat16 is the upper half of an F32: its bits shifted up are exactly that float.
                    for (int i = 0; i < target.Length; i++)
                    {
                        target[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(i * 2, 2)) << 16);
                    }

                    break;
                default:
                    CopyLittleEndian(chunk.AsSpan(0, bytes), target);
                    break;
            }
        }

        private static void CopyLittleEndian(ReadOnlySpan<byte> bytes, Span<float> target)
        {
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(target);
                return;
            }

            for (int i = 0; i < target.Length; i++)
            {
                target[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
            }
        }

        private (long DataStart, IReadOnlyDictionary<string, string> Metadata) ReadHeader()
        {
            long fileLength = _stream.Length;
            if (fileLength < 8)
            {
                throw Invalid($"the file has {fileLength} bytes, fewer than the 8-byte header length");
            }

            Span<byte> lengthBytes = stackalloc byte[8];
            _stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > Safetensors.MaxHeaderLength || headerLength > (ulong)(fileLength - 8))
            {
                throw Invalid($"the header length is {headerLength} bytes, but the file has only {fileLength - 8} bytes after it (and the limit is {Safetensors.MaxHeaderLength})");
            }

            byte[] header = new byte[(int)headerLength];
            _stream.ReadExactly(header);
            long dataLength = fileLength - 8 - (long)headerLength;
            if (headerLength == 0 || header[0] != (byte)'{')
            {
                throw Invalid("the header does not start with '{'");
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(header);
            }
            catch (JsonException exception)
            {
                throw Invalid("the header is not valid JSON: " + exception.Message);
            }

            // The JSON reader accepts invalid UTF-8 inside strings and fails only when one is read, with an
            // InvalidOperationException, so the whole header is checked here.
            if (!System.Text.Unicode.Utf8.IsValid(header))
            {
                document.Dispose();
                throw Invalid("the header is not valid UTF-8");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("the header is not a JSON object");
                }

                var seenMetadata = false;
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    if (property.Name == "__metadata__")
                    {
                        if (seenMetadata)
                        {
                            throw Invalid("__metadata__ appears twice in the header");
                        }

                        seenMetadata = true;
                        ReadMetadata(property.Value, metadata);
                        continue;
                    }

                    if (_entries.ContainsKey(property.Name))
                    {
                        throw Invalid($"tensor '{property.Name}' appears twice in the header");
                    }

                    _entries[property.Name] = ReadEntry(property, dataLength);
                }
            }

            _dataLength = dataLength;
            return (8 + (long)headerLength, metadata);
        }

        private SafetensorsEntry ReadEntry(JsonProperty property, long dataLength)
        {
            JsonElement entry = property.Value;
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("dtype", out JsonElement dtype)
                || !entry.TryGetProperty("shape", out JsonElement shape)
                || !entry.TryGetProperty("data_offsets", out JsonElement offsets)
                || shape.ValueKind != JsonValueKind.Array
                || offsets.ValueKind != JsonValueKind.Array
                || offsets.GetArrayLength() != 2)
            {
                throw Invalid($"tensor '{property.Name}' needs dtype, shape and data_offsets [begin, end]");
            }

            string? type = dtype.ValueKind == JsonValueKind.String ? dtype.GetString() : null;
            if (type != "F32" && !(_acceptHalfPrecision && type is "F16" or "BF16"))
            {
                throw Invalid($"tensor '{property.Name}' has dtype {dtype}, but only F32 is supported{(_acceptHalfPrecision ? " (and F16 and BF16, converted)" : string.Empty)}");
            }

            int elementSize = type == "F32" ? sizeof(float) : 2;

            var fileShape = new List<long>();
            long count = 1;
            foreach (JsonElement dimension in shape.EnumerateArray())
            {
                if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long d) || d < 0)
                {
                    throw Invalid($"tensor '{property.Name}' has a shape entry {dimension} that is not a size");
                }

                // The product in checked 64-bit arithmetic: a shape whose product wraps is as wrong as one that is too big.
                count = d == 0 || count == 0 ? 0 : count > (dataLength / elementSize) / d ? -1 : count * d;
                if (count < 0)
                {
                    throw Invalid($"tensor '{property.Name}' has shape [{shape}], more values than the {dataLength} data bytes hold");
                }

                fileShape.Add(d);
            }

            if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
                || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
            {
                throw Invalid($"tensor '{property.Name}' has data_offsets {offsets} outside the {dataLength} data bytes");
            }

            if (end - begin != count * elementSize)
            {
                throw Invalid($"tensor '{property.Name}' has {end - begin} data bytes, but its shape [{string.Join(", ", fileShape)}] of {type} needs {count * elementSize}");
            }

            return new SafetensorsEntry(property.Name, fileShape.ToArray(), begin, end, type!);
        }

        /// <summary>The tensors' byte ranges, in order, must cover the data region exactly: a header length a few bytes off,
        /// overlapping or misplaced offsets, holes and trailing bytes all show here.</summary>
        private void CheckTiling(long dataLength)
        {
            long at = 0;
            foreach (SafetensorsEntry entry in _entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (entry.Begin < at)
                {
                    throw Invalid($"tensor '{entry.Name}' starts at data byte {entry.Begin}, inside the tensor before it (which ends at {at}); tensors may not overlap");
                }

                if (entry.Begin > at)
                {
                    throw Invalid($"tensor '{entry.Name}' starts at data byte {entry.Begin}, leaving a hole after byte {at}; tensors must follow each other");
                }

                at = entry.End;
            }

            if (at != dataLength)
            {
                throw Invalid($"the tensors cover {at} data bytes, but the file has {dataLength} after the header (trailing bytes, or a header length that is off)");
            }
        }

        /// <summary><c>__metadata__</c> is a map of strings to strings.</summary>
        private void ReadMetadata(JsonElement element, Dictionary<string, string> metadata)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("__metadata__ is not an object of strings");
            }

            foreach (JsonProperty entry in element.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw Invalid($"__metadata__ entry '{entry.Name}' is {entry.Value.ValueKind}, not a string");
                }

                if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                {
                    throw Invalid($"__metadata__ entry '{entry.Name}' appears twice");
                }
            }
        }
    }

    /// <summary>
    /// Writes a safetensors file atomically: header first, then each tensor's values in order (in chunks, 64-bit offsets),
    /// into a temporary file beside the target; <see cref="Commit"/> flushes it to disk and renames it over the target.
    /// Disposed without a commit, it deletes the temporary file. Temporary files that killed saves of the same path left
    /// behind are removed when it opens.
    /// </summary>
    internal sealed class SafetensorsWriter : IDisposable
    {
        private const int ChunkFloats = 1 << 18;
        private readonly string _fullPath;
        private readonly string _temporary;
        private readonly FileStream _stream;
        private readonly long[] _lengths;
        private int _tensor;
        private long _written;
        private bool _committed;

        public SafetensorsWriter(string path, IReadOnlyList<(string Name, int[] Shape)> tensors, IReadOnlyDictionary<string, string>? metadata)
        {
            _lengths = tensors.Select(t => t.Shape.Aggregate(1L, (product, d) => product * d)).ToArray();
            byte[] header = BuildHeader(tensors, _lengths, metadata);
            _fullPath = System.IO.Path.GetFullPath(path);
            RemoveStaleTemporaries(_fullPath);
            _temporary = _fullPath + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            try
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                _stream.Write(length);
                _stream.Write(header);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>Appends values of the current tensor; a tensor may be written in several calls.</summary>
        public void Write(ReadOnlySpan<float> values)
        {
            while (!values.IsEmpty)
            {
                if (_tensor >= _lengths.Length)
                {
                    throw new InvalidOperationException("More values were written than the header declares.");
                }

                int count = (int)Math.Min(values.Length, Math.Min(_lengths[_tensor] - _written, ChunkFloats));
                WriteLittleEndian(values.Slice(0, count));
                values = values.Slice(count);
                _written += count;
                if (_written == _lengths[_tensor])
                {
                    _tensor++;
                    _written = 0;
                }
            }

            while (_tensor < _lengths.Length && _lengths[_tensor] == 0)
            {
                _tensor++;
            }
        }

        /// <summary>Flushes the file to disk and renames it over the target.</summary>
        public void Commit()
        {
            while (_tensor < _lengths.Length && _lengths[_tensor] == 0)
            {
                _tensor++;
            }

            if (_tensor != _lengths.Length)
            {
                throw new InvalidOperationException($"Tensor {_tensor} of {_lengths.Length} was not written in full.");
            }

            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_temporary, _fullPath, overwrite: true);
            _committed = true;
        }

        public void Dispose()
        {
            _stream.Dispose();
            if (!_committed)
            {
                TryDelete(_temporary);
            }
        }

        private void WriteLittleEndian(ReadOnlySpan<float> values)
        {
            if (BitConverter.IsLittleEndian)
            {
                _stream.Write(MemoryMarshal.AsBytes(values));
                return;
            }

            Span<byte> bytes = stackalloc byte[4];
            foreach (float value in values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                _stream.Write(bytes);
            }
        }

        private static byte[] BuildHeader(IReadOnlyList<(string Name, int[] Shape)> tensors, long[] lengths, IReadOnlyDictionary<string, string>? metadata)
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
                for (int t = 0; t < tensors.Count; t++)
                {
                    writer.WriteStartObject(tensors[t].Name);
                    writer.WriteString("dtype", "F32");
                    writer.WriteStartArray("shape");
                    foreach (int dimension in tensors[t].Shape)
                    {
                        writer.WriteNumberValue(dimension);
                    }

                    writer.WriteEndArray();
                    writer.WriteStartArray("data_offsets");
                    writer.WriteNumberValue(offset);
                    offset += lengths[t] * sizeof(float);
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
