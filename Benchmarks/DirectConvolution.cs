using System.Runtime.Intrinsics;

namespace Compiled.Benchmarks;

/// <summary>
/// The other algorithm the convolution could have used: direct loops over a channels-last input, vectorized over the
/// output channels (for each output pixel, for each kernel tap and input channel: broadcast the input value and
/// multiply it into the output channels, held in eight Vector256 registers). Written for 32 or 64 filters, the seed
/// network's; here only to measure the choice, see ConvolutionBenchmarks.
/// </summary>
public static class DirectConvolution
{
    public static void Forward(in Kernels.ConvolutionGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, int batch)
    {
        int filters = g.OutputChannels, cin = g.InputChannels;
        if (filters is not (32 or 64))
        {
            throw new ArgumentException("Written for 32 or 64 filters.");
        }

        bool wide = filters == 64;
        var zero = Vector256<float>.Zero;
        for (int n = 0; n < batch; n++)
            for (int oy = 0; oy < g.OutputHeight; oy++)
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    Vector256<float> s0 = Vector256.Create(bias.Slice(0, 8)), s1 = Vector256.Create(bias.Slice(8, 8));
                    Vector256<float> s2 = Vector256.Create(bias.Slice(16, 8)), s3 = Vector256.Create(bias.Slice(24, 8));
                    Vector256<float> s4 = wide ? Vector256.Create(bias.Slice(32, 8)) : zero, s5 = wide ? Vector256.Create(bias.Slice(40, 8)) : zero;
                    Vector256<float> s6 = wide ? Vector256.Create(bias.Slice(48, 8)) : zero, s7 = wide ? Vector256.Create(bias.Slice(56, 8)) : zero;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        int iy = (oy * g.StrideHeight) - g.PadTop + ky;
                        if ((uint)iy >= (uint)g.InputHeight) continue;
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int ix = (ox * g.StrideWidth) - g.PadLeft + kx;
                            if ((uint)ix >= (uint)g.InputWidth) continue;
                            ReadOnlySpan<float> cell = x.Slice((n * g.InputSize) + (((iy * g.InputWidth) + ix) * cin), cin);
                            ReadOnlySpan<float> kernel = weights.Slice(((ky * g.KernelWidth) + kx) * cin * filters, cin * filters);
                            for (int c = 0; c < cin; c++)
                            {
                                var v = Vector256.Create(cell[c]);
                                ReadOnlySpan<float> row = kernel.Slice(c * filters, filters);
                                s0 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(0, 8)), s0);
                                s1 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(8, 8)), s1);
                                s2 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(16, 8)), s2);
                                s3 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(24, 8)), s3);
                                if (wide)
                                {
                                    s4 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(32, 8)), s4);
                                    s5 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(40, 8)), s5);
                                    s6 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(48, 8)), s6);
                                    s7 = Vector256.FusedMultiplyAdd(v, Vector256.Create(row.Slice(56, 8)), s7);
                                }
                            }
                        }
                    }

                    Span<float> o = y.Slice((n * g.OutputSize) + (((oy * g.OutputWidth) + ox) * filters), filters);
                    s0.CopyTo(o.Slice(0, 8));
                    s1.CopyTo(o.Slice(8, 8));
                    s2.CopyTo(o.Slice(16, 8));
                    s3.CopyTo(o.Slice(24, 8));
                    if (wide)
                    {
                        s4.CopyTo(o.Slice(32, 8));
                        s5.CopyTo(o.Slice(40, 8));
                        s6.CopyTo(o.Slice(48, 8));
                        s7.CopyTo(o.Slice(56, 8));
                    }
                }
    }
}
