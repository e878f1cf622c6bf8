using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Compiled.Data;
using CsCheck;

namespace Compiled.Runtime.Tests;

/// <summary>
/// Property tests of the loaders: valid files are generated, then mutated (cut, bytes flipped, bytes added, the header
/// length shifted, offsets swapped, dtypes and shapes changed), and each mutation must either be refused with an
/// <see cref="InvalidDataException"/> that leaves the target as it was, or be a valid file that loads to exactly the
/// values it holds. CI runs a fixed seed; for a longer local run set COMPILED_FUZZ_ITERATIONS (e.g. 100000) and, to explore
/// other inputs, COMPILED_FUZZ_SEED to "random" (or to a seed CsCheck printed, to reproduce its failure).
/// </summary>
public sealed class FileFuzzTests : IDisposable
{
    private const ulong FixedSeed = 20261203;
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-fuzz-").FullName;
    private int _files;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable("COMPILED_FUZZ_ITERATIONS"), out long iterations) && iterations > 0 ? iterations : 400;

    private string NewPath(string extension) => Path.Combine(_directory, $"f{Interlocked.Increment(ref _files)}{extension}");

    /// <summary>
    /// Runs the property on <see cref="Iterations"/> samples. By default they come from one fixed PCG stream, the same on
    /// every run; with COMPILED_FUZZ_SEED set they come from CsCheck's own sampling (a seed it printed, or "random"), which
    /// shrinks a failure to a small case.
    /// </summary>
    private static void Run<T>(Gen<T> gen, Action<T> property)
    {
        string? seed = Environment.GetEnvironmentVariable("COMPILED_FUZZ_SEED");
        if (!string.IsNullOrEmpty(seed))
        {
            gen.Sample(property, seed: seed == "random" ? null : seed, iter: Iterations, threads: 1);
            return;
        }

        var random = new PCG(1, FixedSeed);
        for (long i = 0; i < Iterations; i++)
        {
            T sample = gen.Generate(random, null!, out _);
            try
            {
                property(sample);
            }
            catch (Exception exception)
            {
                throw new Xunit.Sdk.XunitException($"Sample {i} of the fixed stream failed: {CsCheck.Check.Print(sample)}{Environment.NewLine}{exception}");
            }
        }
    }

    private enum Outcome
    {
        Refused,
        Loads,
        Either,
    }

    /// <summary>Runs a load and checks it did what <paramref name="outcome"/> says: a refusal is an InvalidDataException that
    /// names the file (the caller checks nothing changed); any other exception fails. Returns whether it loaded.</summary>
    private static bool Check(Outcome outcome, Action load, string path, string what)
    {
        Exception? error = Record.Exception(load);
        if (error is null)
        {
            Assert.True(outcome != Outcome.Refused, $"{what} was accepted");
            return true;
        }

        Assert.True(error is InvalidDataException, $"{what} threw {error.GetType().Name}, not InvalidDataException: {error}");
        Assert.Contains(path, error.Message);
        Assert.True(outcome != Outcome.Loads, $"{what} left a valid file, but it was refused: {error.Message}");
        return false;
    }

    // ---- safetensors ----

    /// <summary>A network's tensor list: 1 to 4 tensors of rank 0 to 3, dimensions 1 to 5, and finite values.</summary>
    private static readonly Gen<(TensorInfo[] Tensors, float[] Values)> Tensors =
        Gen.Int[0, 3].Array[1, 3].Array[1, 4].SelectMany(shapes =>
        {
            var tensors = new TensorInfo[shapes.Length];
            int offset = 0;
            for (int i = 0; i < shapes.Length; i++)
            {
                int[] shape = shapes[i].Take(shapes[i].Length % 4).Select(d => d + 2).ToArray(); // rank 0-3, dims 2-5
                tensors[i] = new TensorInfo($"layer{i}.weight", shape, offset);
                offset += tensors[i].Length;
            }

            return Gen.Float[-1e6f, 1e6f].Array[offset].Select(values => (tensors, values));
        });

    private enum TensorsMutation
    {
        Cut,
        FlipByte,
        AddBytes,
        ShiftHeaderLength,
        SwapOffsets,
        ChangeDtype,
        ChangeShape,
    }

    [Fact]
    public void A_mutated_safetensors_file_is_refused_unchanged_or_loads_exactly_what_it_holds()
    {
        var gen = Gen.Select(Tensors, Gen.Enum<TensorsMutation>(), Gen.Int[0, int.MaxValue], Gen.Int[1, 255]);
        Run(gen, sample =>
        {
            ((TensorInfo[] tensors, float[] values), TensorsMutation mutation, int where, int bits) = sample;
            string path = NewPath(".safetensors");
            Safetensors.Save(path, values, tensors);
            byte[] file = File.ReadAllBytes(path);
            int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
            int dataStart = 8 + headerLength;

            // What the mutated file must do: be refused, load these values, or either (a header byte whose change may keep
            // the file valid and the same, such as padding turned into another whitespace).
            (Outcome outcome, float[] holds) = (Outcome.Refused, values);
            switch (mutation)
            {
                case TensorsMutation.Cut:
                    file = file[..(where % file.Length)];
                    break;
                case TensorsMutation.FlipByte:
                    int at = where % file.Length;
                    file[at] ^= (byte)bits;
                    if (at >= dataStart)
                    {
                        int index = (at - dataStart) / 4;
                        holds = values.ToArray();
                        holds[index] = BitConverter.ToSingle(file, dataStart + (index * 4));
                        outcome = float.IsFinite(holds[index]) ? Outcome.Loads : Outcome.Refused;
                    }
                    else if (at >= 8)
                    {
                        outcome = Outcome.Either;
                    }

                    break;
                case TensorsMutation.AddBytes:
                    file = [.. file, .. Enumerable.Repeat((byte)bits, 1 + (where % 9))];
                    break;
                case TensorsMutation.ShiftHeaderLength:
                    int shift = (where % 16) - 8;
                    BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)(headerLength + (shift == 0 ? 1 : shift)));
                    break;
                default:
                    float[]? swapped;
                    (file, swapped) = RewriteHeader(file, tensors, values, mutation, where);
                    (outcome, holds) = swapped is null ? (Outcome.Refused, values) : (Outcome.Loads, swapped);
                    break;
            }

            File.WriteAllBytes(path, file);
            var target = Enumerable.Repeat(-7.5f, values.Length).ToArray();
            bool loaded = Check(outcome, () => Safetensors.Load(path, target, tensors), path, $"{mutation} at {where}");
            Assert.Equal(loaded ? holds : Enumerable.Repeat(-7.5f, values.Length), target);
        });
    }

    /// <summary>Rewrites the JSON header with one change; returns the new file and what it holds if it is valid.</summary>
    private static (byte[] File, float[]? Holds) RewriteHeader(byte[] file, TensorInfo[] tensors, float[] values, TensorsMutation mutation, int where)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        JsonObject header = JsonNode.Parse(file.AsSpan(8, headerLength))!.AsObject();
        JsonObject tensor = header[tensors[where % tensors.Length].Name]!.AsObject();
        float[]? holds = null;
        switch (mutation)
        {
            case TensorsMutation.SwapOffsets when tensors.Length > 1:
                TensorInfo a = tensors[where % tensors.Length], b = tensors[(where + 1) % tensors.Length];
                JsonNode offsetsA = header[a.Name]!["data_offsets"]!.DeepClone(), offsetsB = header[b.Name]!["data_offsets"]!.DeepClone();
                header[a.Name]!["data_offsets"] = offsetsB;
                header[b.Name]!["data_offsets"] = offsetsA;
                if (a.Length == b.Length)
                {
                    // Two ranges of the same size, exchanged: still a valid file, holding a's values under b's name and back.
                    holds = values.ToArray();
                    values.AsSpan(a.Offset, a.Length).CopyTo(holds.AsSpan(b.Offset));
                    values.AsSpan(b.Offset, b.Length).CopyTo(holds.AsSpan(a.Offset));
                }

                break;
            case TensorsMutation.SwapOffsets:
                tensor["data_offsets"] = new JsonArray(tensor["data_offsets"]![1]!.GetValue<long>(), tensor["data_offsets"]![0]!.GetValue<long>());
                break;
            case TensorsMutation.ChangeDtype:
                tensor["dtype"] = new[] { "F16", "BF16", "F64", "I32", "U8", "f32", "F32 ", "" }[where % 8];
                break;
            default:
                JsonArray shape = tensor["shape"]!.AsArray();
                if (shape.Count == 0 || where % 3 == 0)
                {
                    shape.Add(1); // a rank more: the same bytes, but not the shape the network has
                }
                else
                {
                    shape[where % shape.Count] = shape[where % shape.Count]!.GetValue<long>() + 1;
                }

                break;
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        byte[] result = new byte[8 + json.Length + (file.Length - 8 - headerLength)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)json.Length);
        json.CopyTo(result, 8);
        file.AsSpan(8 + headerLength).CopyTo(result.AsSpan(8 + json.Length));
        return (result, holds);
    }

    // ---- CSV ----

    /// <summary>A table of 1-6 rows of 1-5 finite values, with how it is written: commas or spaces, a header, gzip.</summary>
    private static readonly Gen<(float[][] Rows, bool Commas, bool Header, bool Gzip)> Tables =
        Gen.Int[1, 5].SelectMany(columns => Gen.Select(
            Gen.Float[-1e30f, 1e30f].Array[columns].Array[1, 6], Gen.Bool, Gen.Bool, Gen.Bool));

    private static byte[] CsvBytes(float[][] rows, bool commas, bool header)
    {
        var text = new StringBuilder();
        if (header)
        {
            text.Append(string.Join(commas ? "," : " ", Enumerable.Range(0, rows[0].Length).Select(c => "column" + c))).Append('\n');
        }

        foreach (float[] row in rows)
        {
            text.Append(string.Join(commas ? "," : "  ", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Fact]
    public void A_written_csv_table_reads_back_exactly()
    {
        Run(Tables, sample =>
        {
            (float[][] rows, bool commas, bool header, bool gzip) = sample;
            string path = NewPath(gzip ? ".csv.gz" : ".csv");
            byte[] bytes = CsvBytes(rows, commas, header);
            File.WriteAllBytes(path, gzip ? Gzip(bytes) : bytes);
            NumericTable table = Csv.Read(path, skipHeader: header);
            Assert.Equal((rows.Length, rows[0].Length), (table.Rows, table.Columns));
            Assert.Equal(rows.SelectMany(r => r).ToArray(), table.Values);
        });
    }

    [Fact]
    public void A_mutated_csv_file_is_refused_or_reads_as_a_table_and_a_damaged_gzip_is_always_refused()
    {
        var gen = Gen.Select(Tables, Gen.Int[0, int.MaxValue], Gen.Int[1, 255], Gen.Bool);
        Run(gen, sample =>
        {
            ((float[][] rows, bool commas, bool header, bool gzip), int where, int bits, bool cut) = sample;
            byte[] text = CsvBytes(rows, commas, header);
            byte[] file = gzip ? Gzip(text) : text;
            int at = where % file.Length;
            if (cut)
            {
                file = file[..at];
            }
            else
            {
                file[at] ^= (byte)bits;
            }

            // A gzip stream is proved by its CRC and length: cut, it is refused; flipped past its magic, it is refused or (a
            // flip in the header's time stamp or OS byte, or in the padding bits after the last deflate block) read as the
            // same text. With its magic broken it is plain bytes, very likely not numbers. Plain text, cut or flipped, may
            // still be a table of other numbers: the loader must then read it as one and throw nothing but InvalidDataException.
            Outcome outcome = gzip && cut ? Outcome.Refused : Outcome.Either;
            string path = NewPath(".csv");
            File.WriteAllBytes(path, file);
            NumericTable? table = null;
            Check(outcome, () => table = Csv.Read(path, skipHeader: header), path, $"{(gzip ? "gzip" : "text")} {(cut ? "cut" : "flipped")} at {at}");
            if (table is not null && gzip && at >= 2)
            {
                Assert.Equal(rows.SelectMany(r => r).ToArray(), table.Values); // the same text
            }
        });
    }

    // ---- IDX ----

    private static readonly Gen<(int[] Dimensions, byte[] Data, bool Gzip)> IdxFiles =
        Gen.Int[1, 4].Array[1, 4].SelectMany(dimensions =>
            Gen.Select(Gen.Byte.Array[dimensions.Aggregate(1, (p, d) => p * d)], Gen.Bool, (data, gzip) => (dimensions, data, gzip)));

    private static byte[] IdxBytes(int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dimensions[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    [Fact]
    public void A_mutated_idx_file_is_refused_or_reads_exactly_what_it_holds()
    {
        var gen = Gen.Select(IdxFiles, Gen.Int[0, int.MaxValue], Gen.Int[1, 255], Gen.Int[0, 2]);
        Run(gen, sample =>
        {
            ((int[] dimensions, byte[] data, bool gzip), int where, int bits, int kind) = sample;
            byte[] raw = IdxBytes(dimensions, data);
            byte[] file = gzip ? Gzip(raw) : raw.ToArray();
            int at = where % file.Length;
            (Outcome outcome, byte[] holds) = (Outcome.Refused, data);
            switch (kind)
            {
                case 0:
                    file = file[..at];
                    break;
                case 1:
                    file[at] ^= (byte)bits;
                    int headerBytes = 4 + (4 * dimensions.Length);
                    if (!gzip && at >= headerBytes)
                    {
                        holds = data.ToArray();
                        holds[at - headerBytes] ^= (byte)bits;
                        outcome = Outcome.Loads;
                    }
                    else if (gzip && at >= 2)
                    {
                        outcome = Outcome.Either; // refused by the CRC, or the same bytes (a time stamp, padding bits)
                    }

                    break;
                default:
                    file = [.. file, (byte)bits];
                    break;
            }

            string path = NewPath(".idx");
            File.WriteAllBytes(path, file);
            IdxFile? read = null;
            if (Check(outcome, () => read = Idx.Read(path), path, $"mutation {kind} at {at} of a {(gzip ? "gzip" : "raw")} file"))
            {
                Assert.Equal(dimensions, read!.Dimensions);
                Assert.Equal(holds, read.Data);
            }
        });
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
