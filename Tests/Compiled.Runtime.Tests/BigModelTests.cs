using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>A network past 2^29 parameters (a file past 2 GB) saves and loads: offsets are 64-bit and the data streams in chunks.</summary>
public sealed class BigModelTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-big-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_model_of_more_than_2_to_the_29_parameters_saves_and_loads()
    {
        var network = new Huge(0);
        Assert.True(network.Parameters.Length > (1 << 29), $"{network.Parameters.Length} parameters");
        Span<float> parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = Pattern(i);
        }

        string path = Path.Combine(_directory, "huge.safetensors");
        network.SaveParameters(path);
        Assert.Equal(new FileInfo(path).Length, 8 + HeaderLength(path) + (parameters.Length * 4L));
        Assert.True(new FileInfo(path).Length > int.MaxValue);

        parameters.Clear();
        network.LoadParameters(path);
        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i] != Pattern(i))
            {
                Assert.Fail($"Parameter {i} is {parameters[i]} after the round trip, not {Pattern(i)}.");
            }
        }

        // A value past 2 GB into the file is still checked before anything is touched.
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Position = stream.Length - 4;
            stream.Write(BitConverter.GetBytes(float.NaN));
        }

        parameters[0] = -1f;
        var error = Assert.Throws<InvalidDataException>(() => network.LoadParameters(path));
        Assert.Contains("NaN", error.Message);
        Assert.Equal(-1f, parameters[0]);
        Assert.Equal(Pattern(parameters.Length - 1), parameters[^1]);
    }

    private static float Pattern(int i) => (i % 1_000_003) - 500_000.5f;

    private static long HeaderLength(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> bytes = stackalloc byte[8];
        stream.ReadExactly(bytes);
        return (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
