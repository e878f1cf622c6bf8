using System.Text.Json.Nodes;

namespace Compiled.Runtime.Tests;

/// <summary>Edits a safetensors file's metadata for tests of what a loader does with it.</summary>
internal static class SafetensorsMetadata
{
    /// <summary>Writes a copy of <paramref name="path"/> to <paramref name="copy"/> with one metadata value changed. Data
    /// offsets count from the data's start, so the tensors stay valid whatever the header's new length.</summary>
    public static string WithValue(string path, string copy, string key, Func<string, string> change)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        var metadata = header["__metadata__"]!.AsObject();
        metadata[key] = change(metadata[key] is JsonNode old ? (string)old! : string.Empty);
        byte[] newHeader = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        using var file = File.Create(copy);
        file.Write(BitConverter.GetBytes((ulong)newHeader.Length));
        file.Write(newHeader);
        file.Write(bytes.AsSpan(8 + headerLength));
        return copy;
    }
}
