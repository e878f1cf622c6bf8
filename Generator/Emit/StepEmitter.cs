using System.Linq;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// The streaming members of a network with recurrent layers (<c>Step</c>, <c>ResetState</c>, <c>State</c>) and the
    /// plan they run: the network shaped again over one step of one sample (<see cref="ShapedNetwork.StepNetwork"/>),
    /// emitted as a nested class whose offsets and geometries hide the full network's, as the inference plan does, so the
    /// layers' forward code is the same text. Each recurrent layer reads its state from the carried state and writes its
    /// final state back, so stepping through a sequence equals the forward pass over all of it.
    /// </summary>
    internal static class StepEmitter
    {
        public static void EmitMembers(SourceWriter w, ShapedNetwork network)
        {
            ShapedNetwork step = network.StepNetwork!;
            bool tokens = network.Vocabulary > 0;
            if (!tokens)
            {
                w.Line("/// <summary>Values of one step of input for <see cref=\"Step\"/>: the features of one time step.</summary>");
                w.Line($"public const int StepInputSize = {step.InputSize};");
                w.Line();
            }

            w.Line("/// <summary>Values <see cref=\"Step\"/> writes: what <c>Predict</c> gives for the last step of the sequence so far.</summary>");
            w.Line($"public const int StepOutputSize = {step.OutputSize};");
            w.Line();
            w.Line("/// <summary>Values of state carried from one <see cref=\"Step\"/> to the next: each recurrent layer's h (and an LSTM's c after");
            w.Line("/// its h), in layer order.</summary>");
            w.Line($"public const int StateSize = {network.StateSize};");
            w.Line();
            const string Contract = "global::Compiled.IRecurrentState";
            w.Line($"int {Contract}.StateSize => StateSize;");
            w.Line($"int {Contract}.StepOutputSize => StepOutputSize;");
            if (!tokens)
            {
                w.Line("int global::Compiled.IStreamingNetwork.StepInputSize => StepInputSize;");
            }

            w.Line();
            w.Line("private readonly float[] _state = new float[StateSize];");
            w.Line("private readonly global::Compiled.Kernels.AlignedFloats _stepWorkspace = new(StepPlan.WorkspaceSize);");
            w.Line();
            w.Line("/// <summary>Sets the carried state to zero, so that the next <see cref=\"Step\"/> starts a new sequence (as every");
            w.Line("/// sequence starts in <c>Predict</c>).</summary>");
            w.Line("public void ResetState() => global::System.Array.Clear(_state);");
            w.Line();
            w.Line("/// <summary>The state carried between steps (<see cref=\"StateSize\"/> values), to read, save or set.</summary>");
            w.Line("public global::System.Span<float> State => _state;");
            w.Line();
            string? link = LossEmitter.OutputLink(step, "rows");
            string what = link is null ? "the outputs" : network.Loss == Model.LossKind.SoftmaxCrossEntropy ? "the class probabilities" : "the probabilities";
            w.Line($"/// <summary>Runs one time step from the carried state and writes {what} for the sequence so far: equal, to the last bit,");
            w.Line("/// to the last step of <c>Predict</c> over the whole sequence. Updates the carried state; allocation-free.</summary>");
            if (tokens)
            {
                using (w.OpenBlock("public void Step(int token, global::System.Span<float> output)"))
                {
                    using (w.OpenBlock("if ((uint)token >= (uint)Vocabulary)"))
                    {
                        w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(token), token, \"Expected a token id in [0, \" + Vocabulary + \"), but it is \" + token + \".\");");
                    }

                    w.Line("global::Compiled.NetworkGuard.StepSizes(1, output.Length, 1, StepOutputSize);");
                    w.Line("global::System.ReadOnlySpan<float> input = global::System.Runtime.InteropServices.MemoryMarshal.Cast<int, float>(new global::System.ReadOnlySpan<int>(in token));");
                    EmitStepBody(w, link);
                }
            }
            else
            {
                using (w.OpenBlock("public void Step(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
                {
                    w.Line("global::Compiled.NetworkGuard.StepSizes(input.Length, output.Length, StepInputSize, StepOutputSize);");
                    NetworkEmitter.EmitStandardize(w, network, "input");
                    EmitStepBody(w, link);
                }
            }
        }

        private static void EmitStepBody(SourceWriter w, string? link)
        {
            w.Line("global::System.Span<float> rows = output.Slice(0, StepOutputSize);");
            w.Line("StepPlan.ForwardCore(_parameters, _stepWorkspace, input, 1, _state).CopyTo(rows);");
            if (link is not null)
            {
                w.Line(link);
            }
        }

        public static void EmitStepPlan(SourceWriter w, ShapedNetwork step)
        {
            w.Line("// The streaming plan: the layers over one step of one sample, in the inference plan's layout for that size. The");
            w.Line("// recurrent layers start from the carried state and leave their final state in it.");
            using (w.OpenBlock("private static class StepPlan"))
            {
                w.Line($"public const int WorkspaceSize = {step.InferenceWorkspaceSize};");
                NetworkEmitter.EmitInferenceOffsets(w, step);
                foreach (ShapedLayer layer in step.Layers.Where(l => l.Definition.HasStaticMembers))
                {
                    layer.Definition.EmitMembers(w, layer);
                }

                w.Line();
                using (w.OpenBlock("public static global::System.ReadOnlySpan<float> ForwardCore(global::System.ReadOnlySpan<float> parameters, global::System.Span<float> workspace, global::System.ReadOnlySpan<float> input, int batch, global::System.Span<float> state)"))
                {
                    if (step.HasDropout)
                    {
                        w.Line("bool training = false; // dropout is the identity in inference");
                        w.Line("ulong dropoutState = 0;");
                    }

                    NetworkEmitter.EmitLayersForward(w, step, carriesState: true);
                }
            }
        }
    }
}
