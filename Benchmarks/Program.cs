// dotnet run -c Release --project Benchmarks -- --filter '*'
// The baseline in each class is NaiveMlp: the same network written the way a careful developer would write it by
// hand in C# (plain loops over float arrays, no vectorization), so the ratio column is measured in the same run.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Compiled.Benchmarks.Mlp784Benchmarks).Assembly).Run(args);
