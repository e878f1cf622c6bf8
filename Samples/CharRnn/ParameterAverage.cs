// Averaged parameters, shared by the samples that evaluate them (CharRnn, TinyGpt, MnistGan).
using System;

/// <summary>An exponential moving average of the parameters, a = d a + (1 - d) p after every step (Polyak averaging).</summary>
public sealed class ParameterAverage(Span<float> parameters, float decay)
{
    private readonly float[] _average = parameters.ToArray();

    public void Update(ReadOnlySpan<float> parameters) =>
        System.Numerics.Tensors.TensorPrimitives.Lerp(parameters, _average, decay, _average);

    /// <summary>Exchanges the parameters with their average (twice: back as they were).</summary>
    public void SwapInto(Span<float> parameters)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            (parameters[i], _average[i]) = (_average[i], parameters[i]);
        }
    }
}
