using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels
{
    /// <summary>The recurrent cells, with PyTorch's equations and gate order.</summary>
    public enum RecurrentCell
    {
        /// <summary><c>nn.RNN</c>: h_t = tanh(x_t W_ih + b_ih + h_{t-1} W_hh + b_hh) (or ReLU).</summary>
        Elman,

        /// <summary><c>nn.LSTM</c>: gates i, f, g, o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).</summary>
        Lstm,

        /// <summary><c>nn.GRU</c>: gates r, z, n; n = tanh(x W_in + b_in + r (h W_hn + b_hn)); h_t = (1 - z) n + z h_{t-1}.</summary>
        Gru,
    }

    /// <summary>
    /// The sizes of a recurrent layer over batch-major sequences (<c>[batch, steps, features]</c> in, <c>[batch, steps,
    /// units]</c> or <c>[batch, units]</c> out), checked once at construction; generated code keeps one per layer in a
    /// static readonly field.
    /// </summary>
    public readonly struct RecurrentGeometry
    {
        /// <summary>Describes a recurrent layer; throws when a size is not positive or the buffers would not fit an int.</summary>
        public RecurrentGeometry(RecurrentCell cell, int steps, int features, int units, bool returnSequences, bool relu = false)
        {
            int gates = cell switch { RecurrentCell.Elman => 1, RecurrentCell.Lstm => 4, RecurrentCell.Gru => 3, _ => 0 };
            if (gates == 0 || steps < 1 || features < 1 || units < 1 || (relu && cell != RecurrentCell.Elman)
                || (long)steps * Math.Max(features, gates * (long)units) > int.MaxValue / 4)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(steps),
                    $"Not a valid recurrent layer: cell {cell}{(relu ? " (ReLU)" : string.Empty)}, {steps} steps, {features} features, {units} units.");
            }

            Cell = cell;
            Steps = steps;
            Features = features;
            Units = units;
            ReturnSequences = returnSequences;
            Relu = relu;
            GateWidth = gates * units;
        }

        /// <summary>The cell's equations.</summary>
        public RecurrentCell Cell { get; }

        /// <summary>Time steps per sample.</summary>
        public int Steps { get; }

        /// <summary>Input features per step.</summary>
        public int Features { get; }

        /// <summary>The state's size (PyTorch's hidden_size).</summary>
        public int Units { get; }

        /// <summary>Whether the output is the state of every step, or only of the last.</summary>
        public bool ReturnSequences { get; }

        /// <summary>An Elman cell with ReLU instead of tanh.</summary>
        public bool Relu { get; }

        /// <summary>Gates times units: the width of the input and recurrent projections (4 units for an LSTM).</summary>
        public int GateWidth { get; }

        /// <summary>Values per input sample.</summary>
        public int InputSize => Steps * Features;

        /// <summary>Values per output sample.</summary>
        public int OutputSize => ReturnSequences ? Steps * Units : Units;

        /// <summary>Values of carried state per sample in streaming: h, and for an LSTM c after it.</summary>
        public int StateSize => Cell == RecurrentCell.Lstm ? 2 * Units : Units;

        /// <summary>Scratch floats the passes need for <paramref name="batch"/> samples: per sample a recurrent product and three
        /// state rows, then a row, the combined bias, and the two weights transposed for the backward products.</summary>
        public long ScratchSize(long batch) => (batch * (GateWidth + (3L * Units))) + Units + GateWidth + ((long)(Units + Features) * GateWidth);

        /// <summary>Values of saved cell state per sample: an LSTM's c_t and tanh(c_t), a GRU's h W_hn + b_hn, none for Elman.</summary>
        public int CellStateSize => Cell switch { RecurrentCell.Lstm => 2 * Steps * Units, RecurrentCell.Gru => Steps * Units, _ => 0 };
    }

    /// <summary>The pieces of a recurrent pass's scratch, in the order <see cref="RecurrentGeometry.ScratchSize"/> counts them.</summary>
    internal readonly ref struct ScratchParts
    {
        public ScratchParts(Span<float> scratch, in RecurrentGeometry g, int batch)
        {
            int width = g.GateWidth, units = g.Units, rows = batch * units;
            Recurrent = scratch.Slice(0, batch * width); // h_{t-1} W_hh of one step
            Final = scratch.Slice(batch * width, rows); // h of the last step
            HiddenGradient = scratch.Slice((batch * width) + rows, rows);
            CellGradient = scratch.Slice((batch * width) + (2 * rows), rows);
            int rest = (batch * width) + (3 * rows);
            Row = scratch.Slice(rest, units);
            Bias = scratch.Slice(rest + units, width); // b_ih + b_hh
            WeightHhTransposed = scratch.Slice(rest + units + width, width * units);
            WeightIhTransposed = scratch.Slice(rest + units + width + (width * units), width * g.Features);
        }

        public Span<float> Recurrent { get; }

        public Span<float> Final { get; }

        public Span<float> HiddenGradient { get; }

        public Span<float> CellGradient { get; }

        public Span<float> Row { get; }

        public Span<float> Bias { get; }

        public Span<float> WeightHhTransposed { get; }

        public Span<float> WeightIhTransposed { get; }
    }

    /// <summary>
    /// Forward and backward passes of the Elman, LSTM and GRU cells through time, PyTorch's <c>nn.RNN</c>, <c>nn.LSTM</c>
    /// and <c>nn.GRU</c> exactly. The input projection of every step is one matrix product over <c>[batch * steps,
    /// features]</c>; only the recurrent product <c>h_{t-1} W_hh</c> runs step by step, over the batch's rows of that step.
    /// Weights are stored inputs by gate units (<c>W_ih [features, gates * units]</c>, <c>W_hh [units, gates * units]</c>:
    /// PyTorch's transposed), gates in PyTorch's order.
    /// </summary>
    /// <remarks>
    /// Saved for the backward pass, all batch-major: <c>gates</c> (the activated gates of every step; the Elman cell's one
    /// gate is h_t itself), <c>previous</c> (h_{t-1} of every step, zero or the carried state at t = 0, so that the
    /// recurrent weight gradient is one product over every step), and <c>cellStates</c> (an LSTM's c_t, then its
    /// tanh(c_t); a GRU's h W_hn + b_hn; nothing for Elman). The backward pass overwrites <c>gates</c> with
    /// dL/d(pre-activation gates). <c>keep</c> marks padded steps with 0: such a step leaves the state as it was, outputs
    /// zeros and passes the state's gradient through unchanged; the products skip what lies past a sample's last real
    /// step, and the recurrent ones, per step, the samples past the last that still has a real step.
    /// </remarks>
    public static class Recurrent
    {
        /// <summary>
        /// The forward pass of <paramref name="batch"/> sequences. <paramref name="keep"/> is empty (every step counts) or
        /// holds one value per step of every sample (0: padding). <paramref name="state"/> is empty (the state starts at
        /// zero) or holds <see cref="RecurrentGeometry.StateSize"/> values per sample: read as the initial state and
        /// overwritten with the final one (streaming).
        /// </summary>
        public static void Forward(
            in RecurrentGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
            Span<float> y, Span<float> gates, Span<float> previous, Span<float> cellStates, ReadOnlySpan<float> keep, Span<float> state, Span<float> scratch, int batch)
        {
            Check(geometry, x.Length, y.Length, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length, gates.Length, previous.Length, cellStates.Length, keep.Length, scratch.Length, batch);
            if (!state.IsEmpty && state.Length < (long)batch * geometry.StateSize)
            {
                throw new ArgumentException($"The state needs {(long)batch * geometry.StateSize} values for {batch} sample(s), but has {state.Length}.", nameof(state));
            }

            int steps = geometry.Steps, units = geometry.Units, width = geometry.GateWidth, rows = batch * steps, stateSize = geometry.StateSize;
            RecurrentCell cell = geometry.Cell;
            var parts = new ScratchParts(scratch, geometry, batch);
            Span<float> recurrent = parts.Recurrent, final = parts.Final, temporary = parts.Row, bias = parts.Bias;

            // Both biases go into the input projection, except a GRU's b_hn, which its reset gate multiplies.
            int sharedBias = cell == RecurrentCell.Gru ? 2 * units : width;
            TensorPrimitives.Add(biasIh.Slice(0, sharedBias), biasHh.Slice(0, sharedBias), bias.Slice(0, sharedBias));
            biasIh.Slice(sharedBias, width - sharedBias).CopyTo(bias.Slice(sharedBias));
            int features = geometry.Features;
            for (int segment = 0; segment < Segments(keep, batch); segment++)
            {
                (int first, int length) = Segment(keep, batch, steps, segment);
                for (int r = first; r < first + length; r++)
                {
                    bias.CopyTo(gates.Slice(r * width, width));
                }

                Gemm.MultiplyAdd(x.Slice(first * features, length * features), weightIh, gates.Slice(first * width, length * width), length, features, width);
            }

            // h_{-1}: zero, or the carried state.
            for (int b = 0; b < batch; b++)
            {
                Span<float> first = previous.Slice(b * steps * units, units);
                if (state.IsEmpty)
                {
                    first.Clear();
                }
                else
                {
                    state.Slice(b * stateSize, units).CopyTo(first);
                }
            }

            for (int t = 0; t < steps; t++)
            {
                int live = LiveRows(keep, batch, steps, t);
                if (t == 0 && state.IsEmpty)
                {
                    recurrent.Clear(); // h_0 = 0: the product is zero
                }
                else
                {
                    Gemm.MultiplyRows(previous.Slice(t * units), steps * units, weightHh, recurrent, live, units, width, accumulate: false);
                }

                for (int b = 0; b < batch; b++)
                {
                    int row = (b * steps) + t;
                    ReadOnlySpan<float> hPrevious = previous.Slice(row * units, units);
                    Span<float> h = t + 1 < steps ? previous.Slice((row + 1) * units, units) : final.Slice(b * units, units);
                    Span<float> gate = gates.Slice(row * width, width);
                    ReadOnlySpan<float> product = recurrent.Slice(b * width, width);
                    bool kept = keep.IsEmpty || keep[row] != 0f;
                    if (!kept)
                    {
                        gate.Clear();
                        hPrevious.CopyTo(h);
                        if (cell == RecurrentCell.Lstm)
                        {
                            CellPrevious(cellStates, state, b, t, steps, units, stateSize, temporary).CopyTo(cellStates.Slice(row * units, units));
                            cellStates.Slice((rows + row) * units, units).Clear();
                        }
                        else if (cell == RecurrentCell.Gru)
                        {
                            cellStates.Slice(row * units, units).Clear();
                        }
                    }
                    else if (cell == RecurrentCell.Elman)
                    {
                        TensorPrimitives.Add(gate, product, gate);
                        if (geometry.Relu)
                        {
                            TensorPrimitives.Max(gate, 0f, gate);
                        }
                        else
                        {
                            TensorPrimitives.Tanh(gate, gate);
                        }

                        gate.CopyTo(h);
                    }
                    else if (cell == RecurrentCell.Lstm)
                    {
                        // i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of x W_ih + b_ih + h W_hh + b_hh
                        TensorPrimitives.Add(gate, product, gate);
                        TensorPrimitives.Sigmoid(gate.Slice(0, 2 * units), gate.Slice(0, 2 * units));
                        TensorPrimitives.Tanh(gate.Slice(2 * units, units), gate.Slice(2 * units, units));
                        TensorPrimitives.Sigmoid(gate.Slice(3 * units, units), gate.Slice(3 * units, units));
                        Span<float> c = cellStates.Slice(row * units, units);
                        ReadOnlySpan<float> cPrevious = CellPrevious(cellStates, state, b, t, steps, units, stateSize, temporary);
                        TensorPrimitives.Multiply(gate.Slice(units, units), cPrevious, c); // f c_{t-1}
                        TensorPrimitives.FusedMultiplyAdd(gate.Slice(0, units), gate.Slice(2 * units, units), c, c); // + i g
                        Span<float> tanhC = cellStates.Slice((rows + row) * units, units); // kept: the backward pass needs it
                        TensorPrimitives.Tanh(c, tanhC);
                        TensorPrimitives.Multiply(gate.Slice(3 * units, units), tanhC, h); // o tanh(c_t)
                    }
                    else
                    {
                        // r, z = sigmoid(x W_i + b_i + h W_h + b_h); n = tanh(x W_in + b_in + r (h W_hn + b_hn)); h = n + z (h_{t-1} - n)
                        Span<float> resetUpdate = gate.Slice(0, 2 * units);
                        TensorPrimitives.Add(resetUpdate, product.Slice(0, 2 * units), resetUpdate);
                        TensorPrimitives.Sigmoid(resetUpdate, resetUpdate);
                        Span<float> hiddenNew = cellStates.Slice(row * units, units);
                        TensorPrimitives.Add(product.Slice(2 * units, units), biasHh.Slice(2 * units, units), hiddenNew);
                        Span<float> n = gate.Slice(2 * units, units);
                        TensorPrimitives.FusedMultiplyAdd(gate.Slice(0, units), hiddenNew, n, n);
                        TensorPrimitives.Tanh(n, n);
                        TensorPrimitives.Subtract(hPrevious, n, temporary);
                        TensorPrimitives.FusedMultiplyAdd(gate.Slice(units, units), temporary, n, h);
                    }

                    if (geometry.ReturnSequences)
                    {
                        Span<float> output = y.Slice(row * units, units);
                        if (kept)
                        {
                            h.CopyTo(output);
                        }
                        else
                        {
                            output.Clear();
                        }
                    }
                }
            }

            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> last = final.Slice(b * units, units);
                if (!geometry.ReturnSequences)
                {
                    last.CopyTo(y.Slice(b * units, units));
                }

                if (!state.IsEmpty)
                {
                    last.CopyTo(state.Slice(b * stateSize, units));
                    if (cell == RecurrentCell.Lstm)
                    {
                        cellStates.Slice((((b * steps) + steps - 1) * units), units).CopyTo(state.Slice((b * stateSize) + units, units));
                    }
                }
            }
        }

        /// <summary>
        /// Backpropagation through time, after <see cref="Forward"/> in training (no carried state). Given dL/dy, adds (or,
        /// without <paramref name="accumulate"/>, writes) the gradients of W_ih, W_hh, b_ih and b_hh, and writes dL/dx unless
        /// <paramref name="dx"/> is empty (or adds it, with <paramref name="accumulateInputGradient"/>). A GRU needs
        /// <paramref name="recurrentGradient"/> (batch * steps * gate width values: dL/d(h W_hh + b_hh) differs from the input
        /// projection's gradient in the n gate); the other cells take an empty span. Overwrites <paramref name="gates"/>, and with
        /// padded steps also <paramref name="previous"/>.
        /// </summary>
        public static void Backward(
            in RecurrentGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> dy,
            Span<float> gates, Span<float> previous, ReadOnlySpan<float> cellStates, Span<float> recurrentGradient, ReadOnlySpan<float> keep,
            Span<float> dx, Span<float> weightIhGradient, Span<float> weightHhGradient, Span<float> biasIhGradient, Span<float> biasHhGradient,
            Span<float> scratch, int batch, bool accumulate = true, bool accumulateInputGradient = false)
        {
            Check(geometry, x.Length, dy.Length, weightIh.Length, weightHh.Length, biasIhGradient.Length, biasHhGradient.Length, gates.Length, previous.Length, cellStates.Length, keep.Length, scratch.Length, batch);
            int steps = geometry.Steps, units = geometry.Units, width = geometry.GateWidth, features = geometry.Features, rows = batch * steps;
            RecurrentCell cell = geometry.Cell;
            if (weightIhGradient.Length < (long)features * width || weightHhGradient.Length < (long)units * width
                || (!dx.IsEmpty && dx.Length < (long)rows * features) || (cell == RecurrentCell.Gru && recurrentGradient.Length < (long)rows * width))
            {
                throw new ArgumentException(
                    $"For {batch} sample(s) of {steps} steps, {features} -> {units}: the weight gradients need {(long)features * width} and {(long)units * width} values (have {weightIhGradient.Length} and {weightHhGradient.Length}), dx {(long)rows * features} or none (has {dx.Length}){(cell == RecurrentCell.Gru ? $", the recurrent gradient {(long)rows * width} (has {recurrentGradient.Length})" : string.Empty)}.");
            }

            var parts = new ScratchParts(scratch, geometry, batch);
            Span<float> hiddenGradient = parts.HiddenGradient, cellGradient = parts.CellGradient;
            Span<float> weightHhTransposed = parts.WeightHhTransposed, weightIhTransposed = parts.WeightIhTransposed;
            hiddenGradient.Clear();
            cellGradient.Clear();

            // W_hh^T and W_ih^T, so that dh_{t-1} and dx are row-major products on the register-tiled kernel.
            Gemm.Transpose(weightHh, units, width, weightHhTransposed);
            if (!dx.IsEmpty)
            {
                Gemm.Transpose(weightIh, features, width, weightIhTransposed);
            }

            Span<float> projectionGradient = cell == RecurrentCell.Gru ? recurrentGradient.Slice(0, rows * width) : gates.Slice(0, rows * width);

            for (int t = steps - 1; t >= 0; t--)
            {
                for (int b = 0; b < batch; b++)
                {
                    int row = (b * steps) + t;
                    Span<float> dh = hiddenGradient.Slice(b * units, units);
                    bool kept = keep.IsEmpty || keep[row] != 0f;
                    if (!geometry.ReturnSequences && t == steps - 1)
                    {
                        TensorPrimitives.Add(dh, dy.Slice(b * units, units), dh); // the last state, padded or not
                    }
                    else if (geometry.ReturnSequences && kept)
                    {
                        TensorPrimitives.Add(dh, dy.Slice(row * units, units), dh); // a padded step's output is a constant zero
                    }

                    Span<float> gate = gates.Slice(row * width, width);
                    if (!kept)
                    {
                        gate.Clear(); // a padded step: dh and dc pass to the step before unchanged
                        if (cell == RecurrentCell.Gru)
                        {
                            projectionGradient.Slice(row * width, width).Clear();
                        }

                        continue;
                    }

                    switch (cell)
                    {
                        case RecurrentCell.Elman:
                            ElmanBackward(gate, dh, geometry.Relu);
                            break;
                        case RecurrentCell.Lstm:
                            LstmBackward(gate, cellStates.Slice((rows + row) * units, units), t == 0 ? default : cellStates.Slice((row - 1) * units, units), dh, cellGradient.Slice(b * units, units), units);
                            break;
                        default:
                            GruBackward(gate, projectionGradient.Slice(row * width, width), cellStates.Slice(row * units, units), previous.Slice(row * units, units), dh, units);
                            break;
                    }
                }

                if (t > 0)
                {
                    // dh_{t-1} += dL/d(h_{t-1} W_hh) W_hh^T, for the batch at once (the rows past the live ones add zero)
                    Gemm.MultiplyRows(projectionGradient.Slice(t * width), steps * width, weightHhTransposed, hiddenGradient, LiveRows(keep, batch, steps, t), width, units, accumulate: true);
                }
            }

            // dW_ih and dx over the segments the forward projection covered: past a sample's last real step the gradient is zero.
            bool added = accumulate;
            for (int segment = 0; segment < Segments(keep, batch); segment++)
            {
                (int first, int length) = Segment(keep, batch, steps, segment);
                if (length > 0)
                {
                    Gemm.MultiplyTransposedA(x.Slice(first * features, length * features), gates.Slice(first * width, length * width), weightIhGradient, features, length, width, added);
                    added = true;
                }

                if (!dx.IsEmpty)
                {
                    Gemm.MultiplyRows(gates.Slice(first * width, length * width), width, weightIhTransposed, dx.Slice(first * features, length * features), length, width, features, accumulateInputGradient);
                    if (!accumulateInputGradient && !keep.IsEmpty)
                    {
                        dx.Slice((first + length) * features, (steps - length) * features).Clear();
                    }
                }
            }

            if (!added)
            {
                weightIhGradient.Slice(0, features * width).Clear(); // every step of every sample is padding
            }

            if (!accumulate)
            {
                biasIhGradient.Slice(0, width).Clear();
                biasHhGradient.Slice(0, width).Clear();
            }

            Dense.AddRowSums(gates, rows, width, biasIhGradient);

            // dW_hh and db_hh over the real steps only: a padded step's gradient is zero, so its rows are dropped first (the
            // largest product of the pass would otherwise run over every padded step of the short sequences).
            int used = keep.IsEmpty ? rows : DropPadded(keep, rows, previous, units, projectionGradient, width);
            Gemm.MultiplyTransposedA(previous.Slice(0, used * units), projectionGradient.Slice(0, used * width), weightHhGradient, units, used, width, accumulate);
            Dense.AddRowSums(projectionGradient, used, width, biasHhGradient);
        }

        // Moves the rows of the steps that count to the front of both buffers, in order; returns how many there are.
        private static int DropPadded(ReadOnlySpan<float> keep, int rows, Span<float> previous, int units, Span<float> gradient, int width)
        {
            int used = 0;
            for (int r = 0; r < rows; r++)
            {
                if (keep[r] == 0f)
                {
                    continue;
                }

                if (used != r)
                {
                    previous.Slice(r * units, units).CopyTo(previous.Slice(used * units, units));
                    gradient.Slice(r * width, width).CopyTo(gradient.Slice(used * width, width));
                }

                used++;
            }

            return used;
        }

        /// <summary>keep[b, t] = 0 where sample b's token at step t is the padding token, else 1.</summary>
        public static void KeepFromTokens(ReadOnlySpan<int> ids, int paddingToken, Span<float> keep)
        {
            if (keep.Length < ids.Length)
            {
                throw new ArgumentException($"The mask needs {ids.Length} values, but has {keep.Length}.", nameof(keep));
            }

            for (int i = 0; i < ids.Length; i++)
            {
                keep[i] = ids[i] == paddingToken ? 0f : 1f;
            }
        }

        /// <summary>keep[b, t] = 0 where every feature of sample b's step t equals <paramref name="maskValue"/> (Keras'
        /// <c>Masking</c>), else 1.</summary>
        public static void KeepFromValues(ReadOnlySpan<float> x, int features, float maskValue, Span<float> keep)
        {
            int rows = x.Length / features;
            if (features < 1 || keep.Length < rows)
            {
                throw new ArgumentException($"The mask needs {rows} values of {features} feature(s) each, but has {keep.Length}.", nameof(keep));
            }

            for (int r = 0; r < rows; r++)
            {
                keep[r] = x.Slice(r * features, features).IndexOfAnyExcept(maskValue) < 0 ? 0f : 1f;
            }
        }

        /// <summary>The runs of rows the input projection covers: all rows at once without a mask, else one per sample.</summary>
        private static int Segments(ReadOnlySpan<float> keep, int batch) => keep.IsEmpty ? 1 : batch;

        /// <summary>The first row and row count of a run: every row without a mask, else sample <paramref name="segment"/>'s steps
        /// up to and including its last one that is not padding.</summary>
        private static (int First, int Length) Segment(ReadOnlySpan<float> keep, int batch, int steps, int segment) =>
            keep.IsEmpty ? (0, batch * steps) : (segment * steps, keep.Slice(segment * steps, steps).LastIndexOfAnyExcept(0f) + 1);

        /// <summary>
        /// The rows of the batch that the recurrent product of step <paramref name="t"/> must cover: up to the last sample that
        /// has a step at or after t that is not padding. A sample past it has only padding left, so its state just carries
        /// over. Batches sorted by length, longest first, thus skip the padded tail of the short sequences.
        /// </summary>
        private static int LiveRows(ReadOnlySpan<float> keep, int batch, int steps, int t)
        {
            if (keep.IsEmpty)
            {
                return batch;
            }

            for (int b = batch - 1; b >= 0; b--)
            {
                if (keep.Slice((b * steps) + t, steps - t).IndexOfAnyExcept(0f) >= 0)
                {
                    return b + 1;
                }
            }

            return 0;
        }

        // c_{t-1} of sample b: the step before's, or the carried state, or zeros (in the temporary row) at t = 0.
        private static ReadOnlySpan<float> CellPrevious(ReadOnlySpan<float> cellStates, ReadOnlySpan<float> state, int b, int t, int steps, int units, int stateSize, Span<float> temporary)
        {
            if (t > 0)
            {
                return cellStates.Slice((((b * steps) + t - 1) * units), units);
            }

            if (!state.IsEmpty)
            {
                return state.Slice((b * stateSize) + units, units);
            }

            temporary.Clear();
            return temporary;
        }

        // gate holds h_t; becomes dL/dz. dh becomes the direct part of dL/dh_{t-1}: none.
        private static void ElmanBackward(Span<float> gate, Span<float> dh, bool relu)
        {
            if (relu)
            {
                for (int j = 0; j < gate.Length; j++)
                {
                    gate[j] = gate[j] > 0f ? dh[j] : 0f;
                }
            }
            else
            {
                Activations.TanhBackward(gate, dh); // dh (1 - h^2)
                dh.CopyTo(gate);
            }

            dh.Clear();
        }

        // gate holds i, f, g, o; becomes their pre-activation gradients. dc carries dL/dc_t in and dL/dc_{t-1} out. Eight
        // units at a time where Vector256 is accelerated; the same operations in the same order as the scalar tail.
        private static void LstmBackward(Span<float> gate, ReadOnlySpan<float> tanhCell, ReadOnlySpan<float> cPrevious, Span<float> dh, Span<float> dc, int units)
        {
            Span<float> gi = gate.Slice(0, units), gf = gate.Slice(units, units), gg = gate.Slice(2 * units, units), go = gate.Slice(3 * units, units);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> one = Vector256<float>.One;
                for (; j + 8 <= units; j += 8)
                {
                    Vector256<float> i = Vector256.Create(gi.Slice(j, 8)), f = Vector256.Create(gf.Slice(j, 8)), g = Vector256.Create(gg.Slice(j, 8)), o = Vector256.Create(go.Slice(j, 8));
                    Vector256<float> tanhC = Vector256.Create(tanhCell.Slice(j, 8)), dhj = Vector256.Create(dh.Slice(j, 8));
                    Vector256<float> dcj = Vector256.Create(dc.Slice(j, 8)) + (dhj * o * (one - (tanhC * tanhC)));
                    Vector256<float> cp = cPrevious.IsEmpty ? Vector256<float>.Zero : Vector256.Create(cPrevious.Slice(j, 8));
                    (dcj * g * i * (one - i)).CopyTo(gi.Slice(j, 8));
                    (dcj * cp * f * (one - f)).CopyTo(gf.Slice(j, 8));
                    (dcj * i * (one - (g * g))).CopyTo(gg.Slice(j, 8));
                    (dhj * tanhC * o * (one - o)).CopyTo(go.Slice(j, 8));
                    (dcj * f).CopyTo(dc.Slice(j, 8));
                }
            }

            for (; j < units; j++)
            {
                float i = gi[j], f = gf[j], g = gg[j], o = go[j];
                float tanhC = tanhCell[j];
                float dhj = dh[j];
                float dcj = dc[j] + (dhj * o * (1f - (tanhC * tanhC)));
                float cp = cPrevious.IsEmpty ? 0f : cPrevious[j];
                gi[j] = dcj * g * i * (1f - i);
                gf[j] = dcj * cp * f * (1f - f);
                gg[j] = dcj * i * (1f - (g * g));
                go[j] = dhj * tanhC * o * (1f - o);
                dc[j] = dcj * f;
            }

            dh.Slice(0, units).Clear();
        }

        // gate holds r, z, n; becomes dL/d(x W_ih + b_ih) per gate, and product dL/d(h W_hh + b_hh). dh becomes z dh.
        private static void GruBackward(Span<float> gate, Span<float> product, ReadOnlySpan<float> hiddenNew, ReadOnlySpan<float> hPrevious, Span<float> dh, int units)
        {
            Span<float> gr = gate.Slice(0, units), gz = gate.Slice(units, units), gn = gate.Slice(2 * units, units);
            Span<float> pr = product.Slice(0, units), pz = product.Slice(units, units), pn = product.Slice(2 * units, units);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> one = Vector256<float>.One;
                for (; j + 8 <= units; j += 8)
                {
                    Vector256<float> r = Vector256.Create(gr.Slice(j, 8)), z = Vector256.Create(gz.Slice(j, 8)), n = Vector256.Create(gn.Slice(j, 8)), dhj = Vector256.Create(dh.Slice(j, 8));
                    Vector256<float> dn = dhj * (one - z) * (one - (n * n));
                    Vector256<float> dr = dn * Vector256.Create(hiddenNew.Slice(j, 8)) * r * (one - r);
                    Vector256<float> dz = dhj * (Vector256.Create(hPrevious.Slice(j, 8)) - n) * z * (one - z);
                    dr.CopyTo(gr.Slice(j, 8));
                    dz.CopyTo(gz.Slice(j, 8));
                    dn.CopyTo(gn.Slice(j, 8));
                    dr.CopyTo(pr.Slice(j, 8));
                    dz.CopyTo(pz.Slice(j, 8));
                    (dn * r).CopyTo(pn.Slice(j, 8));
                    (dhj * z).CopyTo(dh.Slice(j, 8));
                }
            }

            for (; j < units; j++)
            {
                float r = gr[j], z = gz[j], n = gn[j];
                float dhj = dh[j];
                float dn = dhj * (1f - z) * (1f - (n * n));
                float dr = dn * hiddenNew[j] * r * (1f - r);
                float dz = dhj * (hPrevious[j] - n) * z * (1f - z);
                gr[j] = dr;
                gz[j] = dz;
                gn[j] = dn;
                pr[j] = dr;
                pz[j] = dz;
                pn[j] = dn * r;
                dh[j] = dhj * z;
            }
        }

        private static void Check(in RecurrentGeometry g, int x, int y, int weightIh, int weightHh, int biasIh, int biasHh, int gates, int previous, int cellStates, int keep, int scratch, int batch)
        {
            if (g.GateWidth == 0)
            {
                throw new ArgumentException("The geometry is default; construct it with its sizes.", nameof(g));
            }

            long rows = (long)batch * g.Steps;
            long cells = batch * (long)g.CellStateSize;
            if (batch < 0 || x < rows * g.Features || y < (long)batch * g.OutputSize || weightIh < (long)g.Features * g.GateWidth || weightHh < (long)g.Units * g.GateWidth
                || biasIh < g.GateWidth || biasHh < g.GateWidth || gates < rows * g.GateWidth || previous < rows * g.Units || cellStates < cells
                || (keep != 0 && keep < rows) || scratch < g.ScratchSize(batch))
            {
                throw new ArgumentException(
                    $"For {batch} sample(s) of {g.Steps} steps, {g.Features} -> {g.Units} ({g.Cell}): x needs {rows * g.Features} values (has {x}), y {(long)batch * g.OutputSize} ({y}), "
                    + $"W_ih {(long)g.Features * g.GateWidth} ({weightIh}), W_hh {(long)g.Units * g.GateWidth} ({weightHh}), each bias {g.GateWidth} ({biasIh}, {biasHh}), "
                    + $"gates {rows * g.GateWidth} ({gates}), previous states {rows * g.Units} ({previous}), cell states {cells} ({cellStates}), keep {rows} or none ({keep}), scratch {g.ScratchSize(batch)} ({scratch}).");
            }
        }
    }
}
