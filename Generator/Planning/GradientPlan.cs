using System;
using System.Collections.Generic;
using System.Linq;

namespace Compiled.Generator.Planning
{
    /// <summary>Where one input's gradient goes in the backward pass: a gradient slot of the workspace (or -1 for the
    /// network input, which has none of its own), and whether the layer adds to it (another reader of that tensor has
    /// written its share already) or stores it (the first writer).</summary>
    internal readonly record struct GradientTarget(int Slot, bool Accumulate);

    /// <summary>
    /// The backward pass's gradient buffers, planned from the layer graph: each tensor's dL/d(tensor) lives in a slot from
    /// the time its last reader (in forward order) runs backward, which stores it, through its other readers, which add
    /// to it, until its own layer has read it; then the slot is free for the next tensor. Slots are all as wide as the
    /// widest tensor, and the lowest free one is taken, so a chain alternates between two (A and B), and a residual
    /// connection keeps a third alive across the layers it skips. A layer that passes its gradient through unchanged
    /// (Flatten) hands its own slot on to a fresh input gradient instead of copying.
    /// </summary>
    internal static class GradientPlan
    {
        /// <param name="inputs">Per layer, the tensors it reads: a layer index, or -1 for the network input.</param>
        /// <param name="passesThrough">Per layer, whether its input gradient is its output gradient unchanged.</param>
        /// <returns>Per layer the slot of its output gradient and the targets of its inputs' gradients, and the slot count.</returns>
        public static (int[] OutputSlots, GradientTarget[][] InputTargets, int SlotCount) Plan(IReadOnlyList<IReadOnlyList<int>> inputs, IReadOnlyList<bool> passesThrough)
        {
            int count = inputs.Count;
            var slotOf = Enumerable.Repeat(-1, count).ToArray();
            var targets = new GradientTarget[count][];
            var free = new SortedSet<int>();
            int slots = 0;
            int Allocate()
            {
                if (free.Count == 0)
                {
                    return slots++;
                }

                int slot = free.Min;
                free.Remove(slot);
                return slot;
            }

            if (count == 0)
            {
                return (slotOf, targets, 0);
            }

            slotOf[count - 1] = Allocate(); // the loss writes dL/d(output) here
            bool networkInputWritten = false;
            for (int i = count - 1; i >= 0; i--)
            {
                // A layer nothing reads (reported as an error) still gets a slot, so the plan is total.
                int own = slotOf[i] >= 0 ? slotOf[i] : slotOf[i] = Allocate();
                bool handedOn = false;
                targets[i] = new GradientTarget[inputs[i].Count];
                for (int k = 0; k < inputs[i].Count; k++)
                {
                    int node = inputs[i][k];
                    if (node < 0)
                    {
                        targets[i][k] = new GradientTarget(-1, networkInputWritten);
                        networkInputWritten = true;
                    }
                    else if (slotOf[node] >= 0)
                    {
                        targets[i][k] = new GradientTarget(slotOf[node], Accumulate: true);
                    }
                    else
                    {
                        slotOf[node] = passesThrough[i] && !handedOn ? own : Allocate();
                        handedOn |= slotOf[node] == own;
                        targets[i][k] = new GradientTarget(slotOf[node], Accumulate: false);
                    }
                }

                if (!handedOn)
                {
                    free.Add(own);
                }
            }

            return (slotOf, targets, Math.Max(slots, 1));
        }
    }
}
