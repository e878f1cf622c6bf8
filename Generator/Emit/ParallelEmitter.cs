using System.Linq;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// Data-parallel training: the <c>Threads</c> setting, the per-thread buffers, and the two halves of a sharded step.
    /// Each shard runs its rows of the minibatch through the same static <c>ForwardCore</c>/<c>BackwardCore</c> as the
    /// one-thread path, with a workspace and a gradient buffer of its own (shard 0 uses the network's own); the loss
    /// gradient of each shard is weighted by its share of the batch, so the summed gradients are the batch mean's.
    /// </summary>
    internal static class ParallelEmitter
    {
        public static void EmitMembers(SourceWriter w, ShapedNetwork network)
        {
            bool hasDropout = network.HasDropout;
            long bytes = 4L * (network.WorkspaceSize + network.ParameterCount);
            w.Line("/// <summary>");
            w.Line("/// How many threads <c>TrainStep</c> splits a minibatch over (data parallel: each thread runs its share of the samples");
            w.Line("/// forward and backward with buffers of its own, and the gradients are summed in a fixed order before the one");
            w.Line("/// optimizer step). Default 1. Results are bitwise reproducible for a given thread count; different counts sum in");
            w.Line($"/// different orders, so they agree only to rounding. Each thread past the first costs {bytes / 1024} KB, allocated when this is set.");
            w.Line("/// <c>Predict</c>, <c>Forward</c> and <c>Evaluate</c> of more than one sample are split the same way (the matrix kernels group");
            w.Line("/// rows differently, so outputs can differ from one thread's in the last bits); <c>Backward</c> runs on the calling thread.");
            w.Line("/// Setting it back to 1 ends the worker threads.");
            w.Line("/// </summary>");
            using (w.OpenBlock("public int Threads"))
            {
                w.Line("get => _runner?.Threads ?? 1;");
                using (w.OpenBlock("set"))
                {
                    using (w.OpenBlock("if (value < 1 || value > 64)"))
                    {
                        w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(value), value, \"Expected 1 to 64 threads, but got \" + value + \".\");");
                    }

                    using (w.OpenBlock("if (value == Threads)"))
                    {
                        w.Line("return;");
                    }

                    w.Line("_runner?.Dispose();");
                    w.Line("_runner = value == 1 ? null : new global::Compiled.ShardRunner(value);");
                    w.Line("_shardWorkspaces = new global::Compiled.Kernels.AlignedFloats[value - 1];");
                    w.Line("_shardGradients = new global::Compiled.Kernels.AlignedFloats[value - 1];");
                    w.Line("_shardLosses = new float[value];");
                    w.Line("_shardEvaluations = new (double, long)[value];");
                    if (hasDropout)
                    {
                        w.Line("_shardDropoutStates = new ulong[value - 1];");
                        w.Line("var random = new global::Compiled.Xoshiro(_dropoutState);");
                    }

                    using (w.OpenBlock("for (int i = 0; i < value - 1; i++)"))
                    {
                        w.Line("_shardWorkspaces[i] = new global::Compiled.Kernels.AlignedFloats(InferenceWorkspaceSize);");
                        w.Line("_shardGradients[i] = new global::Compiled.Kernels.AlignedFloats(ParameterCount);");
                        if (hasDropout)
                        {
                            w.Line("_shardDropoutStates[i] = random.NextUInt64();");
                        }
                    }
                }
            }

            if (network.Loss == LossKind.None)
            {
                EmitForwardShard(w);
                return;
            }

            w.Line();
            w.Line("// Runs the shards of one step, each thread's gradients into its own buffer; returns the sum of their losses.");
            w.Line("private float ShardedLoss(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::System.ReadOnlySpan<int> labels, int batch, out int shards)");
            using (w.OpenBlock())
            {
                w.Line("EnsureTrainingWorkspace();");
                using (w.OpenBlock("for (int i = 0; i < _shardWorkspaces.Length; i++)"))
                {
                    w.Line("// Each thread's training workspace, allocated on the first sharded training step.");
                    using (w.OpenBlock("if (_shardWorkspaces[i].Length < WorkspaceSize)"))
                    {
                        w.Line("_shardWorkspaces[i] = new global::Compiled.Kernels.AlignedFloats(WorkspaceSize);");
                    }
                }

                w.Line();
                w.Line("shards = _runner!.Run(this, inputs, targets, labels, batch);");
                w.Line("float loss = _shardLosses[0];");
                using (w.OpenBlock("for (int shard = 1; shard < shards; shard++)"))
                {
                    w.Line("loss += _shardLosses[shard];");
                }

                w.Line("return loss;");
            }

            w.Line();
            w.Line("// The shards' gradients summed into _gradients and the step. Without penalties, clipping or frozen layers (and with a");
            w.Line("// finite loss, which the NaN check passes) the sum and the optimizer's pass are split over the threads by ranges of");
            w.Line("// the parameters; otherwise the sum, then ApplyStep. The bits are the same either way.");
            w.Line("private float ShardedStep<TOptimizer>(float loss, int shards, ref TOptimizer optimizer)");
            using (w.OpenBlock("    where TOptimizer : struct, global::Compiled.IOptimizer"))
            {
                using (w.OpenBlock($"if ({LossEmitter.PlainStep} && float.IsFinite(loss))"))
                {
                    w.Line("global::Compiled.OptimizerStep.SumAndStep(ref optimizer, _runner!, _parameters, _gradients, _shardGradients, shards - 1);");
                    w.Line("return loss;");
                }

                w.Line();
                w.Line("global::Compiled.ShardRunner.SumInto(_gradients, _shardGradients, shards - 1);");
                w.Line("return ApplyStep(loss, ref optimizer);");
            }

            w.Line();
            w.Line("// Evaluates the samples on all threads; sums the shards' losses and correct answers in shard order.");
            w.Line("private (double Loss, long Correct) ShardedEvaluation(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::System.ReadOnlySpan<int> labels, int count)");
            using (w.OpenBlock())
            {
                w.Line("int shards = _runner!.RunEvaluation(this, inputs, targets, labels, count);");
                w.Line("(double loss, long correct) = _shardEvaluations[0];");
                using (w.OpenBlock("for (int shard = 1; shard < shards; shard++)"))
                {
                    w.Line("loss += _shardEvaluations[shard].Loss;");
                    w.Line("correct += _shardEvaluations[shard].Correct;");
                }

                w.Line("return (loss, correct);");
            }

            w.Line();
            w.Line("/// <summary>One shard of a sharded training step, forward pass or evaluation; called by the network's <see cref=\"global::Compiled.ShardRunner\"/>.</summary>");
            using (w.OpenBlock("void global::Compiled.IShardedStep.RunShard(int shard, in global::Compiled.ShardArguments arguments)"))
            {
                w.Line("(int start, int rows) = arguments.Rows(shard);");
                w.Line("global::Compiled.Kernels.AlignedFloats workspace = shard == 0 ? _workspace : _shardWorkspaces[shard - 1];");
                using (w.OpenBlock("if (arguments.Mode == global::Compiled.ShardMode.Forward)"))
                {
                    w.Line("ForwardRange(workspace, arguments.Inputs.Slice(start * InputSize, rows * InputSize), arguments.Outputs.Slice(start * OutputSize, rows * OutputSize), rows);");
                    w.Line("return;");
                }

                w.Line();
                using (w.OpenBlock("if (arguments.Mode == global::Compiled.ShardMode.Evaluate)"))
                {
                    w.Line("global::System.ReadOnlySpan<float> samples = arguments.Inputs.Slice(start * InputSize, rows * InputSize);");
                    string labels = network.HasStepLabels ? "arguments.Labels.Slice(start * LabelsPerSample, rows * LabelsPerSample)" : "arguments.Labels.Slice(start, rows)";
                    w.Line(network.Loss == LossKind.SoftmaxCrossEntropy
                        ? $"_shardEvaluations[shard] = arguments.HasLabels ? EvaluateRange(workspace, samples, {labels}) : EvaluateRange(workspace, samples, arguments.Targets.Slice(start * OutputSize, rows * OutputSize));"
                        : "_shardEvaluations[shard] = EvaluateRange(workspace, samples, arguments.Targets.Slice(start * OutputSize, rows * OutputSize));");
                    w.Line("return;");
                }

                w.Line();
                w.Line("global::Compiled.Kernels.AlignedFloats gradients = shard == 0 ? _gradients : _shardGradients[shard - 1];");
                if (hasDropout)
                {
                    w.Line("ref ulong dropoutState = ref (shard == 0 ? ref _dropoutState : ref _shardDropoutStates[shard - 1]);");
                }

                w.Line("global::System.ReadOnlySpan<float> inputs = arguments.Inputs.Slice(start * InputSize, rows * InputSize);");
                w.Line($"global::System.ReadOnlySpan<float> logits = ForwardCore(_parameters, workspace, inputs, rows, training: true{(hasDropout ? ", ref dropoutState" : string.Empty)});");
                w.Line("global::System.Span<float> outputGradient = workspace.Slice(GradientBufferA, rows * OutputSize);");
                string targetLoss = string.Format(LossEmitter.LossCall(network), "arguments.Targets.Slice(start * OutputSize, rows * OutputSize)", "outputGradient");
                if (network.HasStepLabels)
                {
                    // The label loss divides by the whole batch's labelled steps, so it needs no weighting; the target loss
                    // is a mean over this shard's rows, which its share of the batch weights.
                    string labelLoss = string.Format(LossEmitter.LabelLossCall(network), "arguments.Labels.Slice(start * LabelsPerSample, rows * LabelsPerSample)", "outputGradient", "arguments.Labels");
                    w.Line($"float loss = arguments.HasLabels ? {labelLoss} : {targetLoss};");
                    w.Line("float share = arguments.HasLabels ? 1f : (float)rows / arguments.Batch;");
                }
                else
                {
                    w.Line(network.Loss == LossKind.SoftmaxCrossEntropy
                        ? $"float loss = arguments.HasLabels ? global::Compiled.Kernels.Losses.SoftmaxCrossEntropy(logits, arguments.Labels.Slice(start, rows), outputGradient, OutputSize) : {targetLoss};"
                        : $"float loss = {targetLoss};");
                    w.Line("// The loss is a mean over this shard's rows; weighting it by the shard's share of the batch makes the sum the batch mean.");
                    w.Line("float share = (float)rows / arguments.Batch;");
                }

                w.Line("global::Compiled.ShardRunner.Scale(outputGradient, share);");
                w.Line("BackwardCore(_parameters, gradients, workspace, inputs, rows, accumulate: false);");
                w.Line("_shardLosses[shard] = loss * share;");
            }
        }

        /// <summary>A network without a built-in loss shards only forward passes (its <c>Backward</c> runs on the calling thread).</summary>
        private static void EmitForwardShard(SourceWriter w)
        {
            w.Line();
            w.Line("/// <summary>One shard of a forward pass; called by the network's <see cref=\"global::Compiled.ShardRunner\"/>.</summary>");
            using (w.OpenBlock("void global::Compiled.IShardedStep.RunShard(int shard, in global::Compiled.ShardArguments arguments)"))
            {
                using (w.OpenBlock("if (arguments.Mode != global::Compiled.ShardMode.Forward)"))
                {
                    w.Line("throw new global::System.InvalidOperationException(\"A network without a built-in loss runs only forward passes on its threads, but was asked for \" + arguments.Mode + \".\");");
                }

                w.Line();
                w.Line("(int start, int rows) = arguments.Rows(shard);");
                w.Line("global::Compiled.Kernels.AlignedFloats workspace = shard == 0 ? _workspace : _shardWorkspaces[shard - 1];");
                w.Line("ForwardRange(workspace, arguments.Inputs.Slice(start * InputSize, rows * InputSize), arguments.Outputs.Slice(start * OutputSize, rows * OutputSize), rows);");
            }
        }

        public static void EmitFields(SourceWriter w, bool hasDropout)
        {
            w.Line("// Data-parallel training (Threads > 1): a runner, and a workspace and gradient buffer per extra thread.");
            w.Line("private global::Compiled.ShardRunner? _runner;");
            w.Line("private global::Compiled.Kernels.AlignedFloats[] _shardWorkspaces = global::System.Array.Empty<global::Compiled.Kernels.AlignedFloats>();");
            w.Line("private global::Compiled.Kernels.AlignedFloats[] _shardGradients = global::System.Array.Empty<global::Compiled.Kernels.AlignedFloats>();");
            w.Line("private float[] _shardLosses = global::System.Array.Empty<float>();");
            w.Line("private (double Loss, long Correct)[] _shardEvaluations = global::System.Array.Empty<(double, long)>();");
            if (hasDropout)
            {
                w.Line("private ulong[] _shardDropoutStates = global::System.Array.Empty<ulong>();");
            }
        }
    }
}
