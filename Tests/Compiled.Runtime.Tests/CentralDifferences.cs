namespace Compiled.Runtime.Tests;

/// <summary>The gradient checks' common step: every analytic derivative against a central difference of a double-precision loss.</summary>
internal static class CentralDifferences
{
    /// <summary>The step h of (L(v + h) - L(v - h)) / 2h.</summary>
    public const double Step = 1e-6;

    /// <summary><c>parameter 12 (dense0.weight[12])</c>: where index <paramref name="i"/> of the parameters is.</summary>
    public static string Parameter(IReadOnlyList<TensorInfo> tensors, int i)
    {
        TensorInfo tensor = tensors.Last(t => t.Offset <= i);
        return $"parameter {i} ({tensor.Name}[{i - tensor.Offset}])";
    }

    /// <summary>Perturbs each of <paramref name="values"/> in turn (restoring it) and asserts that <paramref name="analytic"/>
    /// matches the central difference of <paramref name="loss"/> to 2e-5 + 2e-3 relative.</summary>
    public static void Check(double[] values, float[] analytic, Func<double> loss, Func<int, string> describe)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + Step;
            double plus = loss();
            values[i] = saved - Step;
            double minus = loss();
            values[i] = saved;
            double numeric = (plus - minus) / (2 * Step);
            Assert.True(Math.Abs(analytic[i] - numeric) <= 2e-5 + (2e-3 * Math.Abs(numeric)),
                $"{describe(i)}: analytic {analytic[i]:G6}, numeric {numeric:G6}");
        }
    }
}
