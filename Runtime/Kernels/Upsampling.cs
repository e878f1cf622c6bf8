using System;
using System.Numerics.Tensors;

namespace Compiled.Kernels
{
    /// <summary>
    /// Nearest-neighbour upsampling of channels-last samples, as Keras' <c>UpSampling2D</c> and PyTorch's
    /// <c>nn.Upsample(mode="nearest")</c> with an integer factor: output pixel (y, x) is input pixel (y / factorHeight,
    /// x / factorWidth). Backward sums each block of output gradients into its input pixel.
    /// </summary>
    public static class Upsampling
    {
        /// <summary>y[sample, y, x, c] = x[sample, y / factorHeight, x / factorWidth, c].</summary>
        public static void NearestForward(ReadOnlySpan<float> x, Span<float> y, int batch, int height, int width, int channels, int factorHeight, int factorWidth)
        {
            Check(x.Length, y.Length, "y", batch, height, width, channels, factorHeight, factorWidth);
            int inputRow = width * channels, outputRow = width * factorWidth * channels;
            for (int sample = 0; sample < batch; sample++)
            {
                ReadOnlySpan<float> image = x.Slice(sample * height * inputRow, height * inputRow);
                Span<float> output = y.Slice(sample * height * factorHeight * outputRow, height * factorHeight * outputRow);
                for (int row = 0; row < height; row++)
                {
                    // One output row from the input row, then its copies below it.
                    Span<float> first = output.Slice(row * factorHeight * outputRow, outputRow);
                    ReadOnlySpan<float> source = image.Slice(row * inputRow, inputRow);
                    for (int column = 0; column < width; column++)
                    {
                        ReadOnlySpan<float> pixel = source.Slice(column * channels, channels);
                        for (int copy = 0; copy < factorWidth; copy++)
                        {
                            pixel.CopyTo(first.Slice(((column * factorWidth) + copy) * channels, channels));
                        }
                    }

                    for (int copy = 1; copy < factorHeight; copy++)
                    {
                        first.CopyTo(output.Slice(((row * factorHeight) + copy) * outputRow, outputRow));
                    }
                }
            }
        }

        /// <summary>dx[sample, i, j, c] = the sum of dy over the factorHeight x factorWidth block that copied it (added to dx
        /// when <paramref name="accumulate"/>).</summary>
        public static void NearestBackward(ReadOnlySpan<float> dy, Span<float> dx, int batch, int height, int width, int channels, int factorHeight, int factorWidth, bool accumulate = false)
        {
            Check(dx.Length, dy.Length, "dy", batch, height, width, channels, factorHeight, factorWidth);
            int inputRow = width * channels, outputRow = width * factorWidth * channels;
            for (int sample = 0; sample < batch; sample++)
            {
                Span<float> image = dx.Slice(sample * height * inputRow, height * inputRow);
                ReadOnlySpan<float> gradient = dy.Slice(sample * height * factorHeight * outputRow, height * factorHeight * outputRow);
                for (int row = 0; row < height; row++)
                {
                    Span<float> target = image.Slice(row * inputRow, inputRow);
                    if (!accumulate)
                    {
                        target.Clear();
                    }

                    for (int copy = 0; copy < factorHeight; copy++)
                    {
                        ReadOnlySpan<float> source = gradient.Slice(((row * factorHeight) + copy) * outputRow, outputRow);
                        for (int column = 0; column < width; column++)
                        {
                            Span<float> pixel = target.Slice(column * channels, channels);
                            for (int repeat = 0; repeat < factorWidth; repeat++)
                            {
                                TensorPrimitives.Add(pixel, source.Slice(((column * factorWidth) + repeat) * channels, channels), pixel);
                            }
                        }
                    }
                }
            }
        }

        private static void Check(int inputs, int outputs, string outputName, int batch, int height, int width, int channels, int factorHeight, int factorWidth)
        {
            long inputSize = (long)batch * height * width * channels;
            long outputSize = inputSize * factorHeight * factorWidth;
            if (batch < 0 || height < 1 || width < 1 || channels < 1 || factorHeight < 1 || factorWidth < 1 || inputs < inputSize || outputs < outputSize)
            {
                throw new ArgumentException(
                    $"For {batch} sample(s) of {height}x{width}x{channels} upsampled {factorHeight}x{factorWidth}: the input side needs {inputSize} values (has {inputs}), {outputName} {outputSize} (has {outputs}).");
            }
        }
    }
}
