using System;

namespace Compiled
{
    /// <summary>
    /// A 2-D convolution over a height x width x channels input (channels-last, as in Keras):
    /// y[oy, ox, f] = activation(b[f] + sum over ky, kx, c of x[oy * stride + ky, ox * stride + kx, c] W[ky, kx, c, f]).
    /// The kernel is stored [kernelHeight, kernelWidth, inputChannels, filters], like Keras' <c>Conv2D.kernel</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv2DAttribute : Attribute
    {
        /// <summary>Declares a convolution with <paramref name="filters"/> output channels and a square kernel.</summary>
        public Conv2DAttribute(int filters, int kernel)
            : this(filters, kernel, kernel)
        {
        }

        /// <summary>Declares a convolution with <paramref name="filters"/> output channels and a rectangular kernel.</summary>
        public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth)
        {
            Filters = filters;
            KernelHeight = kernelHeight;
            KernelWidth = kernelWidth;
        }

        /// <summary>The number of output channels.</summary>
        public int Filters { get; }

        /// <summary>The kernel's height.</summary>
        public int KernelHeight { get; }

        /// <summary>The kernel's width.</summary>
        public int KernelWidth { get; }

        /// <summary>The step between windows, in both directions. Default 1.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>Valid (no padding, the default) or Same (zero padding that keeps the size at stride 1).</summary>
        public Padding Padding { get; set; }

        /// <summary>The activation applied to the output. Default: identity.</summary>
        public Activation Activation { get; set; }

        /// <summary>The slope of <see cref="Activation.LeakyRelu"/> for negative inputs, PyTorch's <c>negative_slope</c>
        /// (Keras' <c>negative_slope</c>, once <c>alpha</c>). Default 0.01, PyTorch's; GANs use 0.2. Finite and at least 0;
        /// read only with <see cref="Activation.LeakyRelu"/>.</summary>
        public float NegativeSlope { get; set; } = 0.01f;

        /// <summary>The name of the layer's parameters (<c>name.weight</c>, <c>name.bias</c>); default <c>conv0</c>, <c>conv1</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>Max pooling: each output is the largest value in its window, per channel.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool2DAttribute : Attribute
    {
        /// <summary>Declares a square <paramref name="size"/> x <paramref name="size"/> window.</summary>
        public MaxPool2DAttribute(int size)
            : this(size, size)
        {
        }

        /// <summary>Declares a rectangular window.</summary>
        public MaxPool2DAttribute(int height, int width)
        {
            Height = height;
            Width = width;
        }

        /// <summary>The window's height.</summary>
        public int Height { get; }

        /// <summary>The window's width.</summary>
        public int Width { get; }

        /// <summary>The step between windows, in both directions. Default 0, which means the window size (windows do not overlap), as in Keras.</summary>
        public int Stride { get; set; }

        /// <summary>Valid (the default) or Same (cells outside the input are ignored).</summary>
        public Padding Padding { get; set; }

        /// <summary>A name for the layer in comments; default <c>maxpool0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>Average pooling: each output is the mean of its window, per channel (cells outside the input are not counted).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AveragePool2DAttribute : Attribute
    {
        /// <summary>Declares a square <paramref name="size"/> x <paramref name="size"/> window.</summary>
        public AveragePool2DAttribute(int size)
            : this(size, size)
        {
        }

        /// <summary>Declares a rectangular window.</summary>
        public AveragePool2DAttribute(int height, int width)
        {
            Height = height;
            Width = width;
        }

        /// <summary>The window's height.</summary>
        public int Height { get; }

        /// <summary>The window's width.</summary>
        public int Width { get; }

        /// <summary>The step between windows, in both directions. Default 0, which means the window size, as in Keras.</summary>
        public int Stride { get; set; }

        /// <summary>Valid (the default) or Same (cells outside the input are not counted in the mean).</summary>
        public Padding Padding { get; set; }

        /// <summary>A name for the layer in comments; default <c>avgpool0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>The mean over height and width of each channel: height x width x channels becomes a vector of channels.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GlobalAveragePool2DAttribute : Attribute
    {
        /// <summary>A name for the layer in comments; default <c>globalpool0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>Turns a height x width x channels sample into a vector of height * width * channels values, in
    /// row-major (channels-last) order, as Keras' <c>Flatten</c>. Costs nothing: the values are already in that order.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class FlattenAttribute : Attribute
    {
        /// <summary>A name for the layer in comments; default <c>flatten0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>
    /// Nearest-neighbour upsampling, as Keras' <c>UpSampling2D</c> and PyTorch's <c>nn.Upsample(scale_factor, mode="nearest")</c>:
    /// each pixel of a height x width x channels sample becomes a block of <see cref="Height"/> x <see cref="Width"/>
    /// copies, so the output is (height * Height) x (width * Width) x channels. No parameters; a generator's way up in size
    /// before a convolution (the alternative to a transposed convolution without its checkerboard artefacts).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class UpSampling2DAttribute : Attribute
    {
        /// <summary>The same factor for height and width.</summary>
        public UpSampling2DAttribute(int size)
        {
            Height = size;
            Width = size;
        }

        /// <summary>A factor for the height and one for the width.</summary>
        public UpSampling2DAttribute(int height, int width)
        {
            Height = height;
            Width = width;
        }

        /// <summary>How many times each row is repeated.</summary>
        public int Height { get; }

        /// <summary>How many times each column is repeated.</summary>
        public int Width { get; }

        /// <summary>A name for the layer in comments; default <c>upsampling0</c>, ...</summary>
        public string? Name { get; set; }
    }

    /// <summary>
    /// Reads each sample's values, in their row-major (channels-last) order, as a height x width x channels image, as Keras'
    /// <c>Reshape((height, width, channels))</c>: a <see cref="DenseAttribute"/> layer's output becomes something a
    /// convolution can read. The size must stay the same. Costs nothing: the values are already in that order.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ReshapeAttribute : Attribute
    {
        /// <summary>The image each sample becomes.</summary>
        public ReshapeAttribute(int height, int width, int channels)
        {
            Height = height;
            Width = width;
            Channels = channels;
        }

        /// <summary>The image's height.</summary>
        public int Height { get; }

        /// <summary>The image's width.</summary>
        public int Width { get; }

        /// <summary>The image's channels.</summary>
        public int Channels { get; }

        /// <summary>A name for the layer in comments; default <c>reshape0</c>, ...</summary>
        public string? Name { get; set; }
    }
}
