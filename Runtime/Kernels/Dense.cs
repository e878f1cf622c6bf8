using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels
{
    /// <summary>The affine part of a dense layer, y = x W + b, with W stored [inputs, outputs] so that the forward,
    /// input-gradient and weight-gradient products all run over contiguous rows.</summary>
    public static class Dense
    {
        /// <summary>y[batch, outputs] = x[batch, inputs] W[inputs, outputs] + b[outputs]; with <paramref name="relu"/>,
        /// then y = max(y, 0) as <see cref="Activations.Relu"/> gives it.</summary>
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, int batch, int inputs, int outputs, bool relu = false)
        {
            CheckShapes(x.Length, weights.Length, bias.Length, y.Length, "y", batch, inputs, outputs);
            // The register tiles start from the bias and apply ReLU as they store where they can; elsewhere the bias is
            // filled in first and ReLU is a pass of its own.
            if (Gemm.TryMultiplyBias(x, weights, bias, y, batch, inputs, outputs, relu))
            {
                return;
            }

            FillRows(bias.Slice(0, outputs), y.Slice(0, batch * outputs));
            Gemm.MultiplyAdd(x, weights, y, batch, inputs, outputs);
            if (relu)
            {
                Activations.Relu(y.Slice(0, batch * outputs));
            }
        }

        /// <summary>Rows from which dL/dx = dy W^T is computed with W turned once into scratch, on the register-tiled kernel:
        /// W turns in 8 x 8 blocks in registers (784 x 128 in 10 us), and the tiles then beat the dot products from four rows on
        /// (a `/tmp` harness: 4 rows x 10 -> 128 0.44 against 0.85 us, 32 x 10 -> 128 2.0 against 7.5 us, 32 x 128 -> 784 67
        /// against 141 us); one row's dot products are still faster (0.24 against 0.33 us).</summary>
        public const int TransposeRows = 4;

        /// <summary>
        /// Given dL/dy (after the activation's derivative), accumulates dL/dW += x^T dy and dL/db += sum of dy's rows
        /// (or overwrites them when <paramref name="accumulate"/> is false, as a training step does), and writes
        /// dL/dx = dy W^T unless <paramref name="dx"/> is empty (the first layer needs no input gradient), or adds it to dx
        /// when <paramref name="accumulateInputGradient"/> (the input is read by another layer too). With
        /// <see cref="TransposeRows"/> rows or more and a <paramref name="scratch"/> of inputs x outputs values, W is turned
        /// into it first.
        /// </summary>
        public static void Backward(
            ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx,
            Span<float> weightGradient, Span<float> biasGradient, int batch, int inputs, int outputs, bool accumulate = true, bool accumulateInputGradient = false, Span<float> scratch = default)
        {
            CheckShapes(x.Length, weights.Length, biasGradient.Length, dy.Length, "dy", batch, inputs, outputs);
            CheckGradients(dx.Length, weightGradient.Length, batch, inputs, outputs);
            Gemm.MultiplyTransposedA(x, dy, weightGradient, inputs, batch, outputs, accumulate);
            if (!accumulate)
            {
                biasGradient.Slice(0, outputs).Clear();
            }

            AddRowSums(dy, batch, outputs, biasGradient);
            InputGradient(weights, dy, dx, batch, inputs, outputs, accumulateInputGradient, scratch);
        }

        /// <summary>
        /// The backward pass of a training step with plain SGD, fused: writes dL/dx = dy W^T with the old weights (unless
        /// <paramref name="dx"/> is empty), then updates W -= lr x^T dy and b -= lr sum of dy's rows in place. The
        /// gradient is never stored and re-read, which halves the memory traffic of a small-batch step.
        /// <paramref name="dy"/> is scaled by -lr in place. With <paramref name="accumulateInputGradient"/>, dL/dx is added to dx;
        /// <paramref name="scratch"/> as for <see cref="Backward"/>.
        /// </summary>
        public static void BackwardSgd(
            ReadOnlySpan<float> x, Span<float> weights, Span<float> dy, Span<float> dx, Span<float> bias, int batch, int inputs, int outputs, float learningRate, bool accumulateInputGradient = false, Span<float> scratch = default)
        {
            CheckShapes(x.Length, weights.Length, bias.Length, dy.Length, "dy", batch, inputs, outputs);
            CheckGradients(dx.Length, weights.Length, batch, inputs, outputs);
            InputGradient(weights, dy, dx, batch, inputs, outputs, accumulateInputGradient, scratch);

            Span<float> scaled = dy.Slice(0, batch * outputs);
            TensorPrimitives.Multiply(scaled, -learningRate, scaled);
            Gemm.MultiplyAddTransposedA(x, scaled, weights, inputs, batch, outputs);
            AddRowSums(scaled, batch, outputs, bias);
        }

        /// <summary>dx (+)= dy W^T, unless dx is empty: through W turned into <paramref name="scratch"/> when there are enough rows
        /// and room, else as dot products of rows.</summary>
        private static void InputGradient(ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, int batch, int inputs, int outputs, bool accumulate, Span<float> scratch)
        {
            if (dx.IsEmpty)
            {
                return;
            }

            if (batch >= TransposeRows && scratch.Length >= (long)inputs * outputs)
            {
                Span<float> turned = scratch.Slice(0, inputs * outputs);
                Gemm.Transpose(weights, inputs, outputs, turned);
                if (accumulate)
                {
                    Gemm.MultiplyAdd(dy, turned, dx, batch, outputs, inputs);
                }
                else
                {
                    Gemm.Multiply(dy, turned, dx, batch, outputs, inputs);
                }
            }
            else
            {
                Gemm.MultiplyTransposedB(dy, weights, dx, batch, outputs, inputs, accumulate);
            }
        }

        /// <summary>sums[j] += the sum over the first <paramref name="rows"/> rows of <paramref name="values"/>[row, j]: a bias
        /// gradient (or step) from the rows of dL/dz.</summary>
        internal static void AddRowSums(ReadOnlySpan<float> values, int rows, int columns, Span<float> sums)
        {
            Span<float> target = sums.Slice(0, columns);
            ReadOnlySpan<float> all = values.Slice(0, rows * columns);
            ref float row = ref MemoryMarshal.GetReference(all);
            ref float sum = ref MemoryMarshal.GetReference(target);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // 32 columns at a time in four accumulators, down all the rows: each element is still summed in row order
                // (the bits of a call per row), without a call per row of a few values (a convolution's bias gradient
                // has a row per output pixel), and each cache line of the values is read in one pass.
                for (; c + 32 <= columns; c += 32)
                {
                    Vector256<float> s0 = Vector256.LoadUnsafe(ref sum, (nuint)c), s1 = Vector256.LoadUnsafe(ref sum, (nuint)(c + 8));
                    Vector256<float> s2 = Vector256.LoadUnsafe(ref sum, (nuint)(c + 16)), s3 = Vector256.LoadUnsafe(ref sum, (nuint)(c + 24));
                    for (int r = 0; r < rows; r++)
                    {
                        nuint at = (nuint)((r * columns) + c);
                        s0 += Vector256.LoadUnsafe(ref row, at);
                        s1 += Vector256.LoadUnsafe(ref row, at + 8);
                        s2 += Vector256.LoadUnsafe(ref row, at + 16);
                        s3 += Vector256.LoadUnsafe(ref row, at + 24);
                    }

                    s0.StoreUnsafe(ref sum, (nuint)c);
                    s1.StoreUnsafe(ref sum, (nuint)(c + 8));
                    s2.StoreUnsafe(ref sum, (nuint)(c + 16));
                    s3.StoreUnsafe(ref sum, (nuint)(c + 24));
                }

                for (; c + 8 <= columns; c += 8)
                {
                    Vector256<float> s0 = Vector256.LoadUnsafe(ref sum, (nuint)c);
                    for (int r = 0; r < rows; r++)
                    {
                        s0 += Vector256.LoadUnsafe(ref row, (nuint)((r * columns) + c));
                    }

                    s0.StoreUnsafe(ref sum, (nuint)c);
                }
            }

            for (; c < columns; c++)
            {
                float s0 = target[c];
                for (int r = 0; r < rows; r++)
                {
                    s0 += all[(r * columns) + c];
                }

                target[c] = s0;
            }
        }

        /// <summary>Each row of <paramref name="rows"/> = <paramref name="row"/>: vector stores rather than a copy call per row,
        /// which cost more than the copy for a convolution's rows of a few dozen channels.</summary>
        private static void FillRows(ReadOnlySpan<float> row, Span<float> rows)
        {
            ref float source = ref MemoryMarshal.GetReference(row);
            ref float target = ref MemoryMarshal.GetReference(rows);
            for (int start = 0; start < rows.Length; start += row.Length)
            {
                Runs.Copy(ref source, ref Unsafe.Add(ref target, start), row.Length);
            }
        }

        /// <summary>parameters -= learningRate * gradients: the SGD step for a layer whose gradient was written to a view.</summary>
        public static void ApplySgd(ReadOnlySpan<float> gradients, Span<float> parameters, float learningRate) =>
            TensorPrimitives.MultiplyAdd(gradients, -learningRate, parameters, parameters);

        private static void CheckShapes(int x, int weights, int bias, int rows, string rowsName, int batch, int inputs, int outputs)
        {
            if (batch < 0 || inputs < 1 || outputs < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), $"Expected batch >= 0 and positive sizes, but batch = {batch}, inputs = {inputs}, outputs = {outputs}.");
            }

            if (x < (long)batch * inputs || weights < (long)inputs * outputs || bias < outputs || rows < (long)batch * outputs)
            {
                throw new ArgumentException(
                    $"For {batch} row(s) of {inputs} -> {outputs}: x needs {(long)batch * inputs} values (has {x}), weights {(long)inputs * outputs} (has {weights}), bias {outputs} (has {bias}), {rowsName} {(long)batch * outputs} (has {rows}).");
            }
        }

        private static void CheckGradients(int dx, int weightGradient, int batch, int inputs, int outputs)
        {
            if ((dx != 0 && dx < (long)batch * inputs) || weightGradient < (long)inputs * outputs)
            {
                throw new ArgumentException(
                    $"For {batch} row(s) of {inputs} -> {outputs}: dx needs {(long)batch * inputs} values or none (has {dx}), the weight gradient {(long)inputs * outputs} (has {weightGradient}).");
            }
        }
    }
}
