using System;
using System.Numerics.Tensors;

namespace Compiled.Kernels
{
    /// <summary>
    /// A table lookup, PyTorch's <c>nn.Embedding</c>: row t of the output is row <c>ids[t]</c> of the weight
    /// [vocabulary, dimension]. The backward pass adds each output row's gradient to the weight row it came from; token
    /// ids have no gradient.
    /// </summary>
    public static class Embedding
    {
        /// <summary>y[t] = weight[ids[t]] for every id.</summary>
        public static void Forward(ReadOnlySpan<int> ids, ReadOnlySpan<float> weight, Span<float> y, int dimension)
        {
            int vocabulary = CheckShapes(ids.Length, weight.Length, y.Length, dimension);
            for (int t = 0; t < ids.Length; t++)
            {
                int id = CheckId(ids, t, vocabulary);
                weight.Slice(id * dimension, dimension).CopyTo(y.Slice(t * dimension, dimension));
            }
        }

        /// <summary>dweight[ids[t]] += dy[t] for every id; with <paramref name="accumulate"/> false, dweight is cleared first.</summary>
        public static void Backward(ReadOnlySpan<int> ids, ReadOnlySpan<float> dy, Span<float> dweight, int dimension, bool accumulate)
        {
            int vocabulary = CheckShapes(ids.Length, dweight.Length, dy.Length, dimension);
            if (!accumulate)
            {
                dweight.Clear();
            }

            for (int t = 0; t < ids.Length; t++)
            {
                int id = CheckId(ids, t, vocabulary);
                Span<float> row = dweight.Slice(id * dimension, dimension);
                TensorPrimitives.Add(row, dy.Slice(t * dimension, dimension), row);
            }
        }

        private static int CheckId(ReadOnlySpan<int> ids, int t, int vocabulary)
        {
            int id = ids[t];
            if ((uint)id >= (uint)vocabulary)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Expected token ids in [0, {vocabulary}), but id {t} is {id}.");
            }

            return id;
        }

        private static int CheckShapes(int ids, int weight, int rows, int dimension)
        {
            if (dimension < 1 || weight % dimension != 0 || weight == 0)
            {
                throw new ArgumentException($"Expected a weight of whole rows of {dimension} values, but it has {weight}.", nameof(weight));
            }

            if (rows != (long)ids * dimension)
            {
                throw new ArgumentException($"Expected {(long)ids * dimension} output values ({ids} ids x {dimension}), but got {rows}.", nameof(rows));
            }

            return weight / dimension;
        }
    }
}
