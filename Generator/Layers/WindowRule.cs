using System;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers
{
    /// <summary>
    /// The shape rule convolution and pooling share: a window slid over a height x width x channels input with a stride
    /// and Keras' padding arithmetic (Valid: floor((n - k) / s) + 1; Same: ceil(n / s), the padding split evenly with the
    /// extra cell at the bottom and right). Sizes are computed in 64-bit arithmetic, so no window or stride, however
    /// large, wraps around into a wrong output.
    /// </summary>
    internal static class WindowRule
    {
        /// <summary>The emitted <c>kernel_shape</c>, <c>strides</c> and <c>pads</c> attributes of ONNX's <c>Conv</c> and pools for
        /// the window <paramref name="k"/> from <paramref name="input"/> to <paramref name="output"/>: the top and left padding
        /// as here, the bottom and right what the last window needs (none past the input for Valid).</summary>
        public static string ExportAttributes(Window k, TensorShape input, TensorShape output)
        {
            int bottom = System.Math.Max(0, ((output.Height - 1) * k.StrideHeight) + k.Height - input.Height - k.PadTop);
            int right = System.Math.Max(0, ((output.Width - 1) * k.StrideWidth) + k.Width - input.Width - k.PadLeft);
            const string Attribute = "global::Compiled.GraphAttribute.Integers";
            return $"{Attribute}(\"kernel_shape\", {k.Height}, {k.Width}), {Attribute}(\"strides\", {k.StrideHeight}, {k.StrideWidth}), "
                + $"{Attribute}(\"pads\", {k.PadTop}, {k.PadLeft}, {bottom}, {right})";
        }

        /// <summary>The window's arguments: positional from <paramref name="firstWindowArgument"/> to the last.</summary>
        /// <returns>The geometry and the output height and width, or null when an error has been reported.</returns>
        public static (Window Window, int Height, int Width)? Resolve(
            ShapeContext context, int height, int width, int stride, PaddingKind padding, bool isConvolution, int firstWindowArgument)
        {
            ArgumentRef windowArgument = ArgumentRef.PositionalFrom(firstWindowArgument);
            ArgumentRef strideArgument = ArgumentRef.Named("Stride", windowArgument);
            string what = isConvolution ? "kernel" : "window";
            bool valid = context.CheckAtLeastOne(height, windowArgument, what + " height")
                & context.CheckAtLeastOne(width, windowArgument, what + " width");
            if (stride < (isConvolution ? 1 : 0))
            {
                context.Report(IssueKinds.ValueOutOfRange, strideArgument, $"The stride of '{context.Name}'", isConvolution ? "at least 1" : "at least 1 (or 0 for the window size)", ShapeContext.Invariant(stride));
                valid = false;
            }

            if (!Enum.IsDefined(typeof(PaddingKind), padding))
            {
                context.Report(IssueKinds.ValueOutOfRange, ArgumentRef.Named("Padding"), $"The padding of '{context.Name}'", "a defined Padding value", ShapeContext.Invariant((int)padding));
                valid = false;
            }

            if (!context.RequireImage() || !valid)
            {
                return null;
            }

            TensorShape input = context.Input;
            long kh = height, kw = width;
            long sh = stride == 0 ? kh : stride, sw = stride == 0 ? kw : stride;
            long outHeight, outWidth, padTop = 0, padLeft = 0;
            if (padding == PaddingKind.Same)
            {
                outHeight = (input.Height + sh - 1) / sh;
                outWidth = (input.Width + sw - 1) / sw;
                padTop = Math.Max(((outHeight - 1) * sh) + kh - input.Height, 0) / 2;
                padLeft = Math.Max(((outWidth - 1) * sw) + kw - input.Width, 0) / 2;
            }
            else
            {
                if (kh > input.Height || kw > input.Width)
                {
                    if (context.Trail.Count == 0)
                    {
                        context.Report(IssueKinds.WindowLargerThanInput, windowArgument, $"{kh}x{kw}", context.Name, input.ToString());
                    }
                    else
                    {
                        context.Report(IssueKinds.OutputShrinksToZero, null, context.Name, $"{kh}x{kw}", input.ToString(),
                            string.Join("x", context.Spec.InputShape) + " -> " + string.Join(" -> ", context.Trail));
                    }

                    context.ShapeKnown = false;
                    return null;
                }

                outHeight = ((input.Height - kh) / sh) + 1;
                outWidth = ((input.Width - kw) / sw) + 1;
                long rows = (input.Height - kh) % sh, columns = (input.Width - kw) % sw;
                if (rows > 0 || columns > 0)
                {
                    string unused = string.Join(" and ", new[]
                    {
                        rows > 0 ? Count(rows, "row") : null,
                        columns > 0 ? Count(columns, "column") : null,
                    }.Where(part => part is not null));
                    context.Report(IssueKinds.StrideLeavesInputUnused, strideArgument, $"{kh}x{kw}", sh == sw ? ShapeContext.Invariant(sh) : $"{sh}x{sw}", context.Name, unused, input.ToString());
                }
            }

            // Every quantity is now at most the input's size or the window's (both ints), so the casts are exact.
            var window = new Window((int)kh, (int)kw, (int)sh, (int)sw, (int)padTop, (int)padLeft, padding);
            return (window, (int)outHeight, (int)outWidth);
        }

        private static string Count(long n, string noun) => n == 1 ? "1 " + noun : $"{n} {noun}s";
    }
}
