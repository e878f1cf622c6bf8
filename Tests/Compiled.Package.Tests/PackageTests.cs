using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Compiled.Package.Tests;

/// <summary>Packs the package 'Compiled' into a folder feed, once for the class, and checks what a user gets from it.</summary>
public sealed class PackedPackage : IDisposable
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public PackedPackage()
    {
        Root = Path.Combine(Path.GetTempPath(), "compiled-package-" + Guid.NewGuid().ToString("N")[..12]);
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);
        // A version no other run has used, so that no package cache can answer for this one.
        Version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string project = Path.Combine(RepositoryRoot, "Runtime", "Compiled.Runtime.csproj");
        Process.Run(RepositoryRoot, "pack", project, "-c", Configuration, "--no-build", "-o", Feed, $"-p:Version={Version}");
        Process.Run(RepositoryRoot, "pack", Path.Combine(RepositoryRoot, "Plots", "Compiled.Plots.csproj"), "-c", Configuration, "--no-build", "-o", Feed, $"-p:Version={Version}");
        Process.Run(RepositoryRoot, "pack", Path.Combine(RepositoryRoot, "Onnx", "Compiled.Onnx.csproj"), "-c", Configuration, "--no-build", "-o", Feed, $"-p:Version={Version}");
        PackagePath = Path.Combine(Feed, $"Compiled.{Version}.nupkg");
        OnnxPackagePath = Path.Combine(Feed, $"Compiled.Onnx.{Version}.nupkg");
        PlotsPackagePath = Path.Combine(Feed, $"Compiled.Plots.{Version}.nupkg");
    }

    public string Root { get; }

    public string Feed { get; }

    public string Version { get; }

    public string PackagePath { get; }

    public string PlotsPackagePath { get; }

    public string OnnxPackagePath { get; }

    public static string RepositoryRoot { get; } = FindRoot();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is not a failure.
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Compiled.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Compiled.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>Runs the dotnet CLI and returns its output, or fails with it.</summary>
internal static class Process
{
    public static string Run(string directory, params string[] arguments) => Run(directory, null, expectSuccess: true, arguments).Output;

    public static (int ExitCode, string Output) Run(string directory, IReadOnlyDictionary<string, string>? environment, bool expectSuccess, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} ran past 5 minutes:\n{output}");
        }

        process.WaitForExit();
        string text = output.ToString();
        if (expectSuccess && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{text}");
        }

        return (process.ExitCode, text);
    }
}

public class PackageTests(PackedPackage package) : IClassFixture<PackedPackage>
{
    [Fact]
    public void Package_holds_the_libraries_for_both_frameworks_and_the_generator_as_an_analyzer()
    {
        using ZipArchive archive = ZipFile.OpenRead(package.PackagePath);
        var entries = archive.Entries.Select(e => e.FullName).ToHashSet();
        foreach (string framework in new[] { "net8.0", "net10.0" })
        {
            foreach (string file in new[] { "Compiled.Runtime.dll", "Compiled.Runtime.xml", "Compiled.Attributes.dll", "Compiled.Attributes.xml" })
            {
                Assert.Contains($"lib/{framework}/{file}", entries);
            }
        }

        Assert.Contains("analyzers/dotnet/cs/Compiled.Generator.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Compiled.CodeFixes.dll", entries);
        Assert.Contains("build/Compiled.targets", entries);
        Assert.Contains("buildTransitive/Compiled.targets", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("README.md", entries);

        using var nuspec = new StreamReader(archive.GetEntry("Compiled.nuspec")!.Open());
        string manifest = nuspec.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", manifest);
        Assert.Contains("<readme>README.md</readme>", manifest);
        // The only dependency is the tensor primitives: the attributes and generator are inside, not packages of their own.
        Assert.Contains("id=\"System.Numerics.Tensors\"", manifest);
        Assert.DoesNotContain("Compiled.Attributes\"", manifest);
        Assert.DoesNotContain("Compiled.Generator\"", manifest);

        // The XML documentation is there for IntelliSense, and it documents the public API (the build refuses undocumented members).
        using var documentation = new StreamReader(archive.GetEntry("lib/net10.0/Compiled.Runtime.xml")!.Open());
        Assert.Contains("M:Compiled.Trainer.Fit", documentation.ReadToEnd());
        Assert.True(File.Exists(Path.ChangeExtension(package.PackagePath, ".snupkg")), "the symbols package");
    }

    [Fact]
    public void The_plots_add_on_is_a_package_of_its_own_that_depends_on_compiled_and_scottplot()
    {
        using ZipArchive archive = ZipFile.OpenRead(package.PlotsPackagePath);
        Assert.Contains("lib/net10.0/Compiled.Plots.dll", archive.Entries.Select(e => e.FullName));
        using var nuspec = new StreamReader(archive.GetEntry("Compiled.Plots.nuspec")!.Open());
        string manifest = nuspec.ReadToEnd();
        Assert.Contains($"<dependency id=\"Compiled\" version=\"{package.Version}\"", manifest);
        Assert.Contains("<dependency id=\"ScottPlot\"", manifest);
        Assert.DoesNotContain("Compiled.Attributes", manifest); // inside 'Compiled'; no such package exists

        // The core package stays free of it.
        using ZipArchive core = ZipFile.OpenRead(package.PackagePath);
        using var coreSpec = new StreamReader(core.GetEntry("Compiled.nuspec")!.Open());
        Assert.DoesNotContain("ScottPlot", coreSpec.ReadToEnd());
    }

    [Fact]
    public void The_onnx_add_on_is_a_package_of_its_own_and_a_user_project_exports_with_it()
    {
        using (ZipArchive archive = ZipFile.OpenRead(package.OnnxPackagePath))
        {
            Assert.Contains("lib/net10.0/Compiled.Onnx.dll", archive.Entries.Select(e => e.FullName));
            Assert.Contains("lib/net8.0/Compiled.Onnx.xml", archive.Entries.Select(e => e.FullName));
            using var nuspec = new StreamReader(archive.GetEntry("Compiled.Onnx.nuspec")!.Open());
            string manifest = nuspec.ReadToEnd();
            Assert.Contains($"<dependency id=\"Compiled\" version=\"{package.Version}\"", manifest);
            Assert.Contains("<dependency id=\"OnnxSharp\"", manifest);
            Assert.Contains("<dependency id=\"Google.Protobuf\"", manifest);
            Assert.DoesNotContain("Compiled.Attributes", manifest);
        }

        string project = Consumer("onnx", """
            using Compiled;
            using Compiled.Onnx;

            var network = new Xor(seed: 1);
            string path = Path.Combine(AppContext.BaseDirectory, "xor.onnx");
            network.SaveOnnx(path);
            byte[] bytes = File.ReadAllBytes(path);
            Console.WriteLine($"exported {bytes.Length} bytes, {network.ToModelGraph().Nodes.Count} nodes");
            return bytes.Length > 200 ? 0 : 1;

            [Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 4)]
            [Input(2)]
            [Dense(8, Activation = Activation.Tanh)]
            [Dense(1)]
            partial class Xor;
            """, extraPackages: ["Compiled.Onnx"]);

        Process.Run(Path.GetDirectoryName(project)!, "build", project, "-c", "Release");
        (int exitCode, string output) = Process.Run(Path.GetDirectoryName(project)!, null, expectSuccess: false, "run", "--project", project, "-c", "Release", "--no-build", "-f", "net10.0");
        Assert.True(exitCode == 0, $"exit code {exitCode}\n{output}");
        Assert.Contains("exported", output);
    }

    [Fact]
    public void A_project_with_only_the_package_reference_trains_xor_on_both_frameworks()
    {
        string project = Consumer("xor", """
            using Compiled;

            float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
            float[] targets = [0, 1, 1, 0];
            var network = new Xor(seed: 1);
            var adam = new Adam(learningRate: 0.05f);
            float loss = 0;
            for (int step = 0; step < 1000; step++)
            {
                loss = network.TrainStep(inputs, targets, ref adam);
            }

            int correct = 0;
            for (int i = 0; i < 4; i++)
            {
                correct += network.PredictClass(inputs.AsSpan(i * 2, 2)) == (int)targets[i] ? 1 : 0;
            }

            Console.WriteLine($"xor {correct}/4 loss {loss:F4} on {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} with the runtime built for {System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>(typeof(Trainer).Assembly)!.FrameworkName}");
            return correct == 4 && loss < 0.05f ? 0 : 1;

            [Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 4)]
            [Input(2)]
            [Dense(8, Activation = Activation.Tanh)]
            [Dense(1)]
            partial class Xor;
            """);

        Process.Run(Path.GetDirectoryName(project)!, "build", project, "-c", "Release");
        foreach (string framework in new[] { "net10.0", "net8.0" })
        {
            // This machine may have no .NET 8 runtime: the net8.0 build (which loads lib/net8.0) runs on the newest one.
            (int exitCode, string output) = Process.Run(Path.GetDirectoryName(project)!, new Dictionary<string, string> { ["DOTNET_ROLL_FORWARD"] = "Major" }, expectSuccess: false,
                "run", "--project", project, "-c", "Release", "--no-build", "-f", framework);
            Assert.True(exitCode == 0, $"{framework}: exit code {exitCode}\n{output}");
            Assert.Contains("xor 4/4", output);
            Assert.Contains($"with the runtime built for .NETCoreApp,Version=v{framework[3..]}", output);
        }
    }

    [Fact]
    public void Weights_compiled_in_through_the_packages_build_targets_load_with_no_file()
    {
        string project = Consumer("weights", """
            using Compiled;

            Xor network = Xor.Pretrained();
            Console.WriteLine("weights " + string.Join(" ", network.Parameters.ToArray().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            return 0;

            [Network(Loss = Loss.BinaryCrossEntropy, MaxBatchSize = 4)]
            [Input(2)]
            [Dense(2, Activation = Activation.Tanh)]
            [Dense(1)]
            partial class Xor;
            """);
        string directory = Path.GetDirectoryName(project)!;
        WriteSafetensors(Path.Combine(directory, "xor.safetensors"), ("dense0.weight", [2, 2], [1f, 2f, 3f, 4f]), ("dense0.bias", [2], [5f, 6f]), ("dense1.weight", [2, 1], [7f, 8f]), ("dense1.bias", [1], [9f]));
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>", """
              <ItemGroup>
                <CompiledWeights Include="xor.safetensors" Network="Xor" />
              </ItemGroup>
            </Project>
            """));

        Process.Run(directory, "build", project, "-c", "Release", "-f", "net10.0");
        File.Delete(Path.Combine(directory, "xor.safetensors")); // nothing to read at run time
        (int exitCode, string output) = Process.Run(directory, null, expectSuccess: false, "run", "--project", project, "-c", "Release", "--no-build", "-f", "net10.0");
        Assert.True(exitCode == 0, output);
        Assert.Contains("weights 1 2 3 4 5 6 7 8 9", output);

        // A file of other shapes is a build error at the file, from the packaged generator.
        WriteSafetensors(Path.Combine(directory, "xor.safetensors"), ("dense0.weight", [2, 3], [1f, 2f, 3f, 4f, 5f, 6f]), ("dense0.bias", [2], [5f, 6f]), ("dense1.weight", [2, 1], [7f, 8f]), ("dense1.bias", [1], [9f]));
        (int failed, string errors) = Process.Run(directory, null, expectSuccess: false, "build", project, "-c", "Release", "-f", "net10.0");
        Assert.NotEqual(0, failed);
        Assert.Contains("error CMP0034", errors);
        Assert.Contains("its 'dense0.weight' is [2, 3], the network's [2, 2]", errors);
    }

    /// <summary>A safetensors file of F32 tensors, written byte by byte (this test project does not reference the runtime).</summary>
    private static void WriteSafetensors(string path, params (string Name, int[] Shape, float[] Values)[] tensors)
    {
        var header = new StringBuilder("{");
        int offset = 0;
        foreach ((string name, int[] shape, float[] values) in tensors)
        {
            header.Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + (values.Length * 4)}]}},");
            offset += values.Length * 4;
        }

        header.Length--;
        header.Append('}');
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)headerBytes.Length));
        file.Write(headerBytes);
        foreach ((_, _, float[] values) in tensors)
        {
            foreach (float value in values)
            {
                file.Write(BitConverter.GetBytes(value));
            }
        }
    }

    [Fact]
    public void A_mistake_in_a_network_is_a_compile_error_with_its_id_from_the_packaged_generator()
    {
        string project = Consumer("mistake", """
            using Compiled;

            Console.WriteLine(Net.InputSize);

            [Network] [Input(4)] [Dense(3)]
            class Net;
            """);

        (int exitCode, string output) = Process.Run(Path.GetDirectoryName(project)!, null, expectSuccess: false, "build", project, "-c", "Release", "-f", "net10.0");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("error CMP0001", output);
    }

    /// <summary>A console project outside the repository (so that none of its build files apply) whose only package is
    /// Compiled, restored from the test's feed into a package folder of its own.</summary>
    private string Consumer(string name, string program, string[]? extraPackages = null)
    {
        string extra = string.Concat((extraPackages ?? []).Select(p => $"\n    <PackageReference Include=\"{p}\" Version=\"{package.Version}\" />"));
        string directory = Path.Combine(package.Root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="compiled-test-feed" value="{package.Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        string project = Path.Combine(directory, name + ".csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>net10.0;net8.0</TargetFrameworks>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RestorePackagesPath>{Path.Combine(package.Root, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Compiled" Version="{package.Version}" />{extra}
              </ItemGroup>
            </Project>
            """);
        return project;
    }
}
