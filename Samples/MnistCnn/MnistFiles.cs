// Where the MNIST-format samples (MnistCnn, MnistMlp, MnistGan) find their files.
using System.IO;

/// <summary>The IDX files of an MNIST-format data set, raw or gzip.</summary>
public static class MnistFiles
{
    /// <summary>The path of <paramref name="name"/> or <paramref name="name"/>.gz in <paramref name="directory"/>.</summary>
    public static string Find(string directory, string name)
    {
        foreach (string candidate in new[] { name, name + ".gz" })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"Neither {name} nor {name}.gz is in '{directory}'.");
    }
}
