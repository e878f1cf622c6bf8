using System;
using System.Collections.Generic;
using System.Linq;

namespace Compiled.Generator.Planning
{
    /// <summary>
    /// The workspace of a network that only predicts. The training plan keeps every layer's output and saved buffers until
    /// the backward pass and adds the gradient buffers; inference needs none of that: a layer's output lives from the layer
    /// that writes it to the last layer that reads it, and a layer's saved buffers (max pooling's argmax, GELU's
    /// pre-activations, layer norm's statistics) only while the layer runs. So outputs are packed first-fit by lifetime,
    /// every layer's saved buffers share one region, and the convolution scratch follows.
    /// </summary>
    internal static class InferencePlan
    {
        /// <summary>One layer as the planner sees it.</summary>
        /// <param name="Inputs">The layers it reads (-1: the network input).</param>
        /// <param name="OutputSize">Values per sample of its output buffer, or 0 when it has none of its own.</param>
        /// <param name="AliasesInput">Whether, in inference, its output is its first input's storage (Flatten, dropout).</param>
        /// <param name="SavedSizes">Values per sample of each saved buffer, in order.</param>
        internal sealed record Node(IReadOnlyList<int> Inputs, long OutputSize, bool AliasesInput, IReadOnlyList<long> SavedSizes);

        /// <summary>The inference offsets: per layer its output's (unused where the output aliases the input) and its saved
        /// buffers', then the scratch offset and the total size, all for <paramref name="maxBatch"/> rows.</summary>
        public static (long[] OutputOffsets, long[][] SavedOffsets, long ScratchOffset, long Size) Plan(IReadOnlyList<Node> nodes, long maxBatch, long scratch)
        {
            int count = nodes.Count;

            // Where each layer's output is stored: its own buffer, or (for a layer whose output is its input) its input's.
            var storage = new int[count];
            for (int i = 0; i < count; i++)
            {
                storage[i] = nodes[i].AliasesInput ? (nodes[i].Inputs[0] < 0 ? -1 : storage[nodes[i].Inputs[0]]) : i;
            }

            // A buffer lives until the last layer that reads it or any alias of it; the network's output to the end.
            var lastUse = new int[count];
            for (int i = 0; i < count; i++)
            {
                lastUse[i] = i;
            }

            if (storage[count - 1] >= 0)
            {
                lastUse[storage[count - 1]] = count;
            }

            for (int i = 0; i < count; i++)
            {
                foreach (int input in nodes[i].Inputs)
                {
                    if (input >= 0 && storage[input] >= 0)
                    {
                        lastUse[storage[input]] = Math.Max(lastUse[storage[input]], i);
                    }
                }
            }

            var outputOffsets = new long[count];
            var live = new List<(long Offset, long Size, int LastUse)>();
            long outputsEnd = 0;
            for (int i = 0; i < count; i++)
            {
                live.RemoveAll(block => block.LastUse < i);
                if (storage[i] != i || nodes[i].OutputSize == 0)
                {
                    continue;
                }

                long size = Shapes.Alignment.RoundUp(maxBatch * nodes[i].OutputSize);
                long offset = 0;
                foreach (var block in live.OrderBy(b => b.Offset))
                {
                    if (offset + size <= block.Offset)
                    {
                        break;
                    }

                    offset = Math.Max(offset, block.Offset + block.Size);
                }

                outputOffsets[i] = offset;
                live.Add((offset, size, lastUse[i]));
                outputsEnd = Math.Max(outputsEnd, offset + size);
            }

            // Saved buffers: each layer lays its own out from the same base, since none outlives its layer in inference.
            var savedOffsets = new long[count][];
            long savedSize = 0;
            for (int i = 0; i < count; i++)
            {
                savedOffsets[i] = new long[nodes[i].SavedSizes.Count];
                long at = 0;
                for (int k = 0; k < savedOffsets[i].Length; k++)
                {
                    savedOffsets[i][k] = outputsEnd + at;
                    at += Shapes.Alignment.RoundUp(maxBatch * nodes[i].SavedSizes[k]);
                }

                savedSize = Math.Max(savedSize, at);
            }

            long scratchOffset = outputsEnd + savedSize;
            return (outputOffsets, savedOffsets, scratchOffset, scratchOffset + scratch);
        }
    }
}
