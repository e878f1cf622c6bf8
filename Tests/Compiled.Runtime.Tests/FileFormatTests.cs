using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Safetensors, IDX and CSV: round trips, and clear errors on malformed files.</summary>
public sealed class FileFormatTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    // ---------------------------------------------------------------- safetensors

    [Fact]
    public void Parameters_round_trip_through_safetensors()
    {
        var saved = new Mlp(1);
        string path = PathOf("mlp.safetensors");
        saved.SaveParameters(path);
        var loaded = new Mlp(2);
        Assert.NotEqual(saved.Parameters.ToArray(), loaded.Parameters.ToArray());
        loaded.LoadParameters(path);
        Assert.Equal(saved.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp")); // the temporary file was renamed
    }

    [Fact]
    public void A_save_removes_what_killed_saves_of_the_same_path_left_behind()
    {
        var network = new Mlp(1);
        string path = PathOf("mlp.safetensors");
        File.WriteAllBytes(path + ".0123abcd.tmp", new byte[100]); // as a save killed mid-write leaves it
        File.WriteAllBytes(path + ".notmine.tmp", new byte[1]); // not this writer's naming: kept
        File.WriteAllBytes(PathOf("other.safetensors.0123abcd.tmp"), new byte[1]); // another path's: kept
        string running = path + ".fedcba98.tmp";
        using (new FileStream(running, FileMode.CreateNew, FileAccess.Write, FileShare.None)) // a save in progress: kept
        {
            network.SaveParameters(path);
            Assert.True(File.Exists(running));
        }

        Assert.False(File.Exists(path + ".0123abcd.tmp"));
        Assert.True(File.Exists(path + ".notmine.tmp"));
        Assert.True(File.Exists(PathOf("other.safetensors.0123abcd.tmp")));
        var loaded = new Mlp(2);
        loaded.LoadParameters(path);
        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void The_file_is_standard_safetensors()
    {
        var network = new Tiny(1);
        string path = PathOf("tiny.safetensors");
        network.SaveParameters(path);
        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + headerLength) % 8); // data 8-byte aligned
        using JsonDocument header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        JsonElement weight = header.RootElement.GetProperty("dense0.weight");
        Assert.Equal("F32", weight.GetProperty("dtype").GetString());
        Assert.Equal(new[] { 2, 8 }, weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(new[] { 0L, 64L }, weight.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        float first = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)headerLength));
        Assert.Equal(network.Dense0Weight[0], first);
        Assert.Equal(8 + (long)headerLength + (33 * 4), bytes.Length);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "empty", "fewer than the 8-byte header length" },
        { "header too long", "header length" },
        { "not json", "not valid JSON" },
        { "wrong dtype", "only F32" },
        { "wrong shape", "expects [2, 8]" },
        { "missing tensor", "'dense1.bias' is missing" },
        { "extra tensor", "does not have" },
        { "offsets outside", "outside" },
        { "wrong byte count", "need" },
        { "duplicate tensor", "appears twice" },
        { "header length short", "the tensors cover 132 data bytes, but the file has 135" },
        { "header length long", "not valid JSON" },
        { "invalid utf-8", "not valid UTF-8" }, // an InvalidOperationException from the JSON reader, found by FileFuzzTests
        { "overlap", "may not overlap" },
        { "hole", "leaving a hole after byte 128" },
        { "trailing bytes", "the tensors cover 132 data bytes, but the file has 136" },
        { "string offsets", "data_offsets" },
        { "string shape", "not a size" },
        { "fractional shape", "not a size" },
        { "metadata not strings", "__metadata__ entry 'epoch' is Number" },
        { "header not an object", "does not start with '{'" },
        { "nan", "holds NaN at index 3" },
        { "infinity", "holds -Infinity at index 0" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_safetensors_file_is_refused_and_changes_nothing(string kind, string message)
    {
        var network = new Tiny(1);
        string good = PathOf("good.safetensors");
        network.SaveParameters(good);
        byte[] bytes = File.ReadAllBytes(good);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        byte[] data = bytes.AsSpan(8 + headerLength).ToArray();

        byte[] bad = kind switch
        {
            "empty" => new byte[3],
            "header too long" => Build(header, data, lengthOverride: 1_000_000),
            "not json" => Build("{\"dense0.weight\": [", data),
            "wrong dtype" => Build(header.Replace("\"F32\"", "\"F16\""), data),
            "wrong shape" => Build(header.Replace("[2,8]", "[8,2]"), data),
            "missing tensor" => Build(RemoveTensor(header, "dense1.bias"), data),
            "extra tensor" => Build(header.Replace("\"dense0.weight\":", "\"extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"dense0.weight\":"), data),
            "offsets outside" => Build(header.Replace("[128,132]", "[128,9999]"), data),
            "duplicate tensor" => Build(header.Replace("\"dense0.weight\":", "\"dense0.bias\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[64,96]},\"dense0.weight\":"), data),
            "header length short" => Build(header.TrimEnd() + "   ", data, lengthOverride: (ulong)header.TrimEnd().Length), // the JSON still parses
            "header length long" => Build(header, data, lengthOverride: (ulong)header.Length + 4),
            "invalid utf-8" => InvalidUtf8(Build(header.Replace("dense1.bias", "dense1.bia\u0001"), data)),
            "overlap" => Build(header.Replace("[64,96]", "[60,92]").Replace("[96,128]", "[92,124]").Replace("[128,132]", "[124,128]"), [.. data, 0, 0, 0, 0]),
            "hole" => Build(header.Replace("[128,132]", "[132,136]"), [.. data, 0, 0, 0, 0]),
            "trailing bytes" => Build(header, [.. data, 1, 2, 3, 4]),
            "string offsets" => Build(header.Replace("[128,132]", "[\"128\",132]"), data),
            "string shape" => Build(header.Replace("[2,8]", "[\"2\",8]"), data),
            "fractional shape" => Build(header.Replace("[2,8]", "[2.0,8]"), data),
            "metadata not strings" => Build("{\"__metadata__\":{\"epoch\":3}," + header.Substring(1), data),
            "header not an object" => Build(" " + header.TrimEnd(), data),
            "nan" => Build(header, WithValue(data, 3, float.NaN)),
            "infinity" => Build(header, WithValue(data, 0, float.NegativeInfinity)),
            _ => Build(header.Replace("[0,64]", "[0,60]"), data),
        };
        string path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, bad);

        var target = new Tiny(2);
        float[] before = target.Parameters.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => target.LoadParameters(path));
        Assert.Contains(message, error.Message);
        Assert.Contains("not changed", error.Message);
        Assert.Equal(before, target.Parameters.ToArray());
    }

    private static byte[] WithValue(byte[] data, int index, float value)
    {
        byte[] copy = data.ToArray();
        BinaryPrimitives.WriteSingleLittleEndian(copy.AsSpan(index * 4), value);
        return copy;
    }

    [Fact]
    public void Non_finite_values_load_when_allowed()
    {
        var network = new Tiny(1);
        network.Dense0Weight[5] = float.NaN;
        network.Dense1Bias[0] = float.PositiveInfinity;
        string path = PathOf("nan.safetensors");
        network.SaveParameters(path);
        var target = new Tiny(2);
        Assert.Throws<InvalidDataException>(() => target.LoadParameters(path));
        target.LoadParameters(path, allowNonFinite: true);
        Assert.Equal(network.Parameters.ToArray(), target.Parameters.ToArray());
    }

    [Fact]
    public void Metadata_of_strings_and_padding_are_fine()
    {
        var network = new Tiny(1);
        string path = PathOf("meta.safetensors");
        Safetensors.Save(path, network.Parameters, network.Tensors, new Dictionary<string, string> { ["epoch"] = "3" });
        var target = new Tiny(2);
        target.LoadParameters(path);
        Assert.Equal(network.Parameters.ToArray(), target.Parameters.ToArray());
    }

    /// <summary>Turns the first 0x01 of the header into 0xBE, a byte that is never valid UTF-8 on its own.</summary>
    private static byte[] InvalidUtf8(byte[] file)
    {
        file[Array.IndexOf(file, (byte)1, 8)] = 0xBE;
        return file;
    }

    private static byte[] Build(string header, byte[] data, ulong? lengthOverride = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, lengthOverride ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    private static string RemoveTensor(string header, string name)
    {
        int start = header.IndexOf($",\"{name}\"", StringComparison.Ordinal);
        int end = header.IndexOf('}', start) + 1;
        return header.Remove(start, end - start);
    }

    // ---------------------------------------------------------------- IDX

    private static byte[] Idx(byte type, int[] dimensions, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dimensions.Length };
        foreach (int d in dimensions)
        {
            bytes.AddRange(new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d });
        }

        bytes.AddRange(data);
        return bytes.ToArray();
    }

    [Fact]
    public void Idx_reads_raw_and_gzip_files()
    {
        byte[] file = Idx(0x08, new[] { 2, 2, 3 }, new byte[] { 0, 255, 51, 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        File.WriteAllBytes(PathOf("raw-idx"), file);
        using (var gz = new GZipStream(File.Create(PathOf("gz-idx")), CompressionLevel.Fastest))
        {
            gz.Write(file);
        }

        foreach (string name in new[] { "raw-idx", "gz-idx" })
        {
            float[] images = Compiled.Data.Idx.ReadImages(PathOf(name), out int count, out int pixels);
            Assert.Equal((2, 6), (count, pixels));
            Assert.Equal(new[] { 0f, 1f, 0.2f }, images.Take(3), (a, b) => Math.Abs(a - b) < 1e-6f);
        }

        File.WriteAllBytes(PathOf("labels"), Idx(0x08, new[] { 3 }, new byte[] { 7, 0, 9 }));
        Assert.Equal(new[] { 7, 0, 9 }, Compiled.Data.Idx.ReadLabels(PathOf("labels")));
    }

    public static TheoryData<string, string> MalformedIdx => new()
    {
        { "short", "too few" },
        { "magic", "not 00 00" },
        { "type", "only unsigned bytes" },
        { "rank", "declares 0 dimensions" },
        { "truncated header", "ends inside the header" },
        { "truncated data", "need 12 data bytes, but the file has 11" },
        { "zero dimension", "dimension 1 is 0" },
        { "bad gzip", "does not decompress" },
        { "wrapping product", "already need more than 2147483647 data bytes" },
    };

    [Theory]
    [MemberData(nameof(MalformedIdx))]
    public void Malformed_idx_files_are_refused_clearly(string kind, string message)
    {
        byte[] good = Idx(0x08, new[] { 2, 2, 3 }, new byte[12]);
        byte[] bad = kind switch
        {
            "short" => new byte[] { 0, 0 },
            "magic" => good.Select((b, i) => i == 0 ? (byte)1 : b).ToArray(),
            "type" => good.Select((b, i) => i == 2 ? (byte)0x0D : b).ToArray(),
            "rank" => good.Select((b, i) => i == 3 ? (byte)0 : b).ToArray(),
            "truncated header" => good.Take(9).ToArray(),
            "truncated data" => good.Take(good.Length - 1).ToArray(),
            "zero dimension" => Idx(0x08, new[] { 2, 0, 3 }, Array.Empty<byte>()),
            "wrapping product" => Idx(0x08, new[] { 1 << 21, 1 << 21, 1 << 22 }, Array.Empty<byte>()), // 2^64 wraps to 0 in 64 bits
            _ => new byte[] { 0x1F, 0x8B, 1, 2, 3, 4, 5 },
        };
        File.WriteAllBytes(PathOf("bad-idx"), bad);
        var error = Assert.Throws<InvalidDataException>(() => Compiled.Data.Idx.Read(PathOf("bad-idx")));
        Assert.Contains(message, error.Message);
        Assert.Contains("bad-idx", error.Message);
    }

    [Fact]
    public void Idx_image_reader_wants_three_dimensions()
    {
        File.WriteAllBytes(PathOf("labels"), Idx(0x08, new[] { 3 }, new byte[3]));
        Assert.Contains("3 dimensions", Assert.Throws<InvalidDataException>(() => Compiled.Data.Idx.ReadImages(PathOf("labels"), out _, out _)).Message);
    }

    [Theory]
    [InlineData("truncated by 5 bytes")]
    [InlineData("no trailer")]
    [InlineData("wrong crc")]
    [InlineData("wrong length")]
    public void A_truncated_or_damaged_gzip_is_refused_for_csv_and_idx(string damage)
    {
        // The decompressor stops quietly where the bytes stop: without the trailer check a cut file read as fewer rows.
        var text = new StringBuilder();
        for (int i = 0; i < 2000; i++)
        {
            text.Append(i).Append(',').Append(i * 0.5).Append('\n');
        }

        byte[] idx = Idx(0x08, new[] { 50, 4, 5 }, Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray());
        foreach ((string name, byte[] content, Action<string> read) in new (string, byte[], Action<string>)[]
        {
            ("damaged.csv.gz", Encoding.UTF8.GetBytes(text.ToString()), path => Csv.Read(path)),
            ("damaged-idx.gz", idx, path => Compiled.Data.Idx.Read(path)),
        })
        {
            var compressed = new MemoryStream();
            using (var gz = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                gz.Write(content);
            }

            byte[] good = compressed.ToArray();
            File.WriteAllBytes(PathOf(name), good);
            read(PathOf(name)); // the intact file reads

            byte[] bad = good.ToArray();
            switch (damage)
            {
                case "truncated by 5 bytes": bad = good.Take(good.Length - 5).ToArray(); break;
                case "no trailer": bad = good.Take(good.Length - 8).ToArray(); break;
                case "wrong crc": bad[^8] ^= 1; break;
                default: bad[^4] ^= 1; break;
            }

            File.WriteAllBytes(PathOf(name), bad);
            var error = Assert.Throws<InvalidDataException>(() => read(PathOf(name)));
            Assert.Contains(name, error.Message);
            Assert.Contains("gzip", error.Message);
        }
    }

    // ---------------------------------------------------------------- CSV

    [Fact]
    public void Csv_reads_commas_whitespace_headers_and_gzip()
    {
        File.WriteAllText(PathOf("a.csv"), "3,2,x,y\n1,2.5\n-3e2, 4\n\n5,6\n");
        NumericTable table = Csv.Read(PathOf("a.csv"), skipHeader: true);
        Assert.Equal((3, 2), (table.Rows, table.Columns));
        Assert.Equal(new[] { 1f, 2.5f, -300f, 4f, 5f, 6f }, table.Values);
        Assert.Equal(new[] { 2.5f, 4f, 6f }, table.Column(1));
        Assert.Equal(new[] { 2.5f, 4f, 6f }, table.ColumnRange(1, 1));

        using (var gz = new GZipStream(File.Create(PathOf("b.csv.gz")), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes("1 2  3\n4\t5 6\n"));
        }

        Assert.Equal(new[] { 1f, 2, 3, 4, 5, 6 }, Csv.Read(PathOf("b.csv.gz")).Values);
    }

    [Theory]
    [InlineData("1,2\n3\n", "line 2 has 1 columns, but the rows before it have 2")]
    [InlineData("1,2\n3,abc\n", "line 2, column 2: 'abc' is not a finite number")]
    [InlineData("1,NaN\n", "'NaN' is not a finite number")]
    [InlineData("\n\n", "no data rows")]
    public void Malformed_csv_is_refused_with_line_and_column(string text, string message)
    {
        File.WriteAllText(PathOf("bad.csv"), text);
        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => Csv.Read(PathOf("bad.csv"))).Message);
    }
}
