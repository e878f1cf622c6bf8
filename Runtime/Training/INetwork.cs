using System;
using System.Collections.Generic;

namespace Compiled
{
    /// <summary>
    /// What every generated network offers, so that <see cref="Trainer"/> and tools can work with any of them.
    /// The hot paths (<c>Predict</c>, <c>TrainStep</c>) are also plain members of the generated class, where
    /// calls bind statically.
    /// </summary>
    /// <remarks>One instance is not thread-safe: it owns one workspace and one gradient buffer. Use one instance per
    /// thread; the generated static cores take parameters, gradients and workspace separately for sharing.</remarks>
    public interface INetwork
    {
        /// <summary>Values per input sample.</summary>
        int InputSize { get; }

        /// <summary>Values per output row.</summary>
        int OutputSize { get; }

        /// <summary>The largest batch <c>TrainStep</c> takes.</summary>
        int MaxBatchSize { get; }

        /// <summary>All parameters, one contiguous span (weights and biases of every layer).</summary>
        Span<float> Parameters { get; }

        /// <summary>The gradient of the loss with respect to <see cref="Parameters"/>, as accumulated by <c>Backward</c>.</summary>
        Span<float> Gradients { get; }

        /// <summary>The named tensors inside <see cref="Parameters"/>, in order.</summary>
        IReadOnlyList<TensorInfo> Tensors { get; }

        /// <summary>The state of the dropout masks' random generators, one value per training thread (empty without dropout):
        /// what a checkpoint keeps besides the parameters so that resumed training draws the same masks.</summary>
        ulong[] RandomState { get; set; }

        /// <summary>Writes the network's outputs for each sample (probabilities for a cross-entropy loss).</summary>
        void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);

        /// <summary>Writes the last layer's raw outputs (logits for a cross-entropy loss) for each sample.</summary>
        void Forward(ReadOnlySpan<float> inputs, Span<float> outputs);

        /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
        void ZeroGradients();

        /// <summary>Re-initialises every parameter from a seed.</summary>
        void InitializeParameters(int seed);

        /// <summary>One optimizer step from the accumulated <see cref="Gradients"/>, with the penalties, clipping, frozen layers
        /// and NaN guard of <c>TrainStep</c>.</summary>
        void ApplyGradients<TOptimizer>(ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer;

        /// <summary>Freezes (or thaws) the parameters of the layer of this name.</summary>
        void Freeze(string layer, bool frozen = true);
    }

    /// <summary>A network without a built-in loss (<c>Loss.None</c>): trained from a gradient that comes from outside.</summary>
    public interface IGradientNetwork : INetwork
    {
        /// <summary>Forward in training mode, then backward from dL/d(output); adds to <see cref="INetwork.Gradients"/>.</summary>
        void Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputGradient);

        /// <summary>The same, also writing dL/d(inputs) to <paramref name="inputGradient"/>.</summary>
        void Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputGradient, Span<float> inputGradient);
    }

    /// <summary>A network trained on class-index labels (softmax cross-entropy).</summary>
    public interface ILabelNetwork : INetwork
    {
        /// <summary>Forward in training mode and accumulate the loss's gradients; returns the mean loss.</summary>
        float Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

        /// <summary>The same, also writing dL/d(inputs), the loss's gradient with respect to every input value, to <paramref name="inputGradient"/>.</summary>
        float Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, Span<float> inputGradient);

        /// <summary>One optimizer step on a minibatch; returns the loss before the step.</summary>
        float TrainStep<TOptimizer>(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer;

        /// <summary>Mean loss and accuracy over any number of samples.</summary>
        Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);
    }

    /// <summary>A network trained on float targets (mean squared error, binary cross-entropy, or probability rows).</summary>
    public interface ITargetNetwork : INetwork
    {
        /// <summary>Forward in training mode and accumulate the loss's gradients; returns the mean loss.</summary>
        float Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);

        /// <summary>The same, also writing dL/d(inputs), the loss's gradient with respect to every input value, to <paramref name="inputGradient"/>.</summary>
        float Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> inputGradient);

        /// <summary>One optimizer step on a minibatch; returns the loss before the step.</summary>
        float TrainStep<TOptimizer>(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer;

        /// <summary>Mean loss and accuracy (NaN for regression) over any number of samples.</summary>
        Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);
    }

    /// <summary>
    /// What every generated network whose input is token ids (<c>[Input(steps, Vocabulary = n)]</c>) offers: the members of
    /// <see cref="INetwork"/> with <c>int</c> inputs. Ids outside [0, <see cref="Vocabulary"/>) throw before anything runs.
    /// </summary>
    public interface ITokenNetwork
    {
        /// <summary>Token ids per input sample (the steps).</summary>
        int InputSize { get; }

        /// <summary>How many distinct token ids there are: every id is in [0, Vocabulary).</summary>
        int Vocabulary { get; }

        /// <summary>Values per output row.</summary>
        int OutputSize { get; }

        /// <summary>The largest batch <c>TrainStep</c> takes.</summary>
        int MaxBatchSize { get; }

        /// <summary>All parameters, one contiguous span.</summary>
        Span<float> Parameters { get; }

        /// <summary>The gradient of the loss with respect to <see cref="Parameters"/>, as accumulated by <c>Backward</c>.</summary>
        Span<float> Gradients { get; }

        /// <summary>The named tensors inside <see cref="Parameters"/>, in order.</summary>
        IReadOnlyList<TensorInfo> Tensors { get; }

        /// <summary>The state of the dropout masks' random generators, as <see cref="INetwork.RandomState"/>.</summary>
        ulong[] RandomState { get; set; }

        /// <summary>Writes the network's outputs for each sample of token ids (probabilities for a cross-entropy loss).</summary>
        void Predict(ReadOnlySpan<int> inputs, Span<float> outputs);

        /// <summary>Writes the last layer's raw outputs (logits for a cross-entropy loss) for each sample of token ids.</summary>
        void Forward(ReadOnlySpan<int> inputs, Span<float> outputs);

        /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
        void ZeroGradients();

        /// <summary>Re-initialises every parameter from a seed.</summary>
        void InitializeParameters(int seed);

        /// <summary>One optimizer step from the accumulated <see cref="Gradients"/>, as <see cref="INetwork.ApplyGradients"/>.</summary>
        void ApplyGradients<TOptimizer>(ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer;

        /// <summary>Freezes (or thaws) the parameters of the layer of this name.</summary>
        void Freeze(string layer, bool frozen = true);
    }

    /// <summary>A named tensor inside a network's flat parameter array.</summary>
    /// <param name="Name">The name, e.g. <c>dense0.weight</c>.</param>
    /// <param name="Shape">The shape, e.g. [784, 64] for a weight matrix stored [inputs, outputs].</param>
    /// <param name="Offset">Where it starts in the parameter array.</param>
    public sealed record TensorInfo(string Name, int[] Shape, int Offset)
    {
        /// <summary>How PyTorch names and lays out this tensor (for <see cref="ParameterLayout.PyTorch"/> files), or null when
        /// it is the same name and layout.</summary>
        public TorchTensor? PyTorch { get; init; }

        /// <summary>The number of values: the product of the shape.</summary>
        public int Length
        {
            get
            {
                int length = 1;
                foreach (int dimension in Shape)
                {
                    length *= dimension;
                }

                return length;
            }
        }
    }
}

namespace Compiled
{
    /// <summary>What every generated network of token ids trained with softmax cross-entropy offers beyond
    /// <see cref="ITokenNetwork"/>: its training and evaluation members on class-index labels (one per sample, or one per
    /// step for a sequence output, with <c>-100</c> for a step that does not count).</summary>
    public interface ITokenLabelNetwork : ITokenNetwork
    {
        /// <summary>Runs the batch forward in training mode and adds the loss's gradients to <see cref="ITokenNetwork.Gradients"/>; returns the loss.</summary>
        float Backward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> labels);

        /// <summary>One optimizer step on a minibatch; returns the loss before the step.</summary>
        float TrainStep<TOptimizer>(ReadOnlySpan<int> inputs, ReadOnlySpan<int> labels, ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer;

        /// <summary>Mean loss and accuracy over any number of samples.</summary>
        Evaluation Evaluate(ReadOnlySpan<int> inputs, ReadOnlySpan<int> labels);
    }

    /// <summary>The carried state of a network that runs one time step at a time (one with recurrent layers whose layers all
    /// act step by step): see <see cref="IStreamingNetwork"/> and <see cref="ITokenStreamingNetwork"/>.</summary>
    public interface IRecurrentState
    {
        /// <summary>Values of carried state: each recurrent layer's h (and an LSTM's c after its h), in layer order.</summary>
        int StateSize { get; }

        /// <summary>Values one step writes.</summary>
        int StepOutputSize { get; }

        /// <summary>The carried state, to read, save or set.</summary>
        Span<float> State { get; }

        /// <summary>Sets the state to zero: the next step starts a new sequence.</summary>
        void ResetState();
    }

    /// <summary>A network of float sequences that runs one time step at a time.</summary>
    public interface IStreamingNetwork : IRecurrentState
    {
        /// <summary>Values of one step of input.</summary>
        int StepInputSize { get; }

        /// <summary>Runs one step from the carried state: what <c>Predict</c> gives at that step of the whole sequence.</summary>
        void Step(ReadOnlySpan<float> input, Span<float> output);
    }

    /// <summary>A network of token ids that runs one time step at a time.</summary>
    public interface ITokenStreamingNetwork : IRecurrentState
    {
        /// <summary>Runs one step on one token id from the carried state: what <c>Predict</c> gives at that step of the whole sequence.</summary>
        void Step(int token, Span<float> output);
    }
}
