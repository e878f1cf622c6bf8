using System;
using System.Numerics.Tensors;

namespace Compiled.Kernels
{
    /// <summary>A learned vector per position added to a sequence (GPT-2's <c>wpe</c>): y[b, t] = x[b, t] + weight[t]. The weight
    /// may have rows for more positions than the sequence has steps (a context of its own): the first ones are used.</summary>
    public static class PositionalEmbedding
    {
        /// <summary>y = x + weight for each of <paramref name="batch"/> samples of <paramref name="size"/> values (steps x width).</summary>
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int batch, int size)
        {
            Check(x.Length, y.Length, weight.Length, size, batch, "y");
            weight = weight.Slice(0, size);
            for (int b = 0; b < batch; b++)
            {
                TensorPrimitives.Add(x.Slice(b * size, size), weight, y.Slice(b * size, size));
            }
        }

        /// <summary>dweight (+)= the sum of dy over the batch (stored when <paramref name="accumulate"/> is false, with 0 for
        /// the positions past the steps); dx = dy, or dx += dy with <paramref name="accumulateInputGradient"/>, unless
        /// <paramref name="dx"/> is empty.</summary>
        public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, Span<float> weightGradient, int batch, int size, bool accumulate, bool accumulateInputGradient = false)
        {
            Check(dy.Length, dx.IsEmpty ? dy.Length : dx.Length, weightGradient.Length, size, batch, "dx");
            if (!accumulate)
            {
                weightGradient.Clear();
            }

            Dense.AddRowSums(dy, batch, size, weightGradient);
            if (!dx.IsEmpty)
            {
                Addition.Backward(dy.Slice(0, batch * size), dx.Slice(0, batch * size), accumulateInputGradient);
            }
        }

        private static void Check(int x, int y, int weight, int size, int batch, string yName)
        {
            if (batch < 0 || size < 1 || x < (long)batch * size || y < (long)batch * size || weight < size)
            {
                throw new ArgumentException($"For {batch} sample(s) of {size} values: x and {yName} need {(long)batch * size} values, but have {x} and {y}; the weight needs {size} or more, but has {weight}.");
            }
        }
    }
}
