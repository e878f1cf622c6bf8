using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit
{
    /// <summary>
    /// The loss-specific members: the public <c>Backward</c>, <c>TrainStep</c> and <c>Evaluate</c> overloads for the
    /// loss's kind of target (class-index labels, float rows), and the link <c>Predict</c> applies to the logits
    /// (softmax or sigmoid for the cross-entropies, which are computed on logits).
    /// </summary>
    internal static class LossEmitter
    {
        /// <summary>The condition under which a step is the optimizer's pass alone: no penalties, no clipping, no frozen layers
        /// (the fused SGD step and the split data-parallel step need it).</summary>
        internal const string PlainStep = "_l1 == 0f && _l2 == 0f && _maxGradientNorm == 0f && (_frozen is null || !_frozen.Any)";

        private const string Guard = "global::Compiled.NetworkGuard";
        private const string Losses = "global::Compiled.Kernels.Losses";
        private const string Metrics = "global::Compiled.Kernels.Metrics";
        private const string Evaluation = "global::Compiled.Evaluation";

        public static string Describe(LossKind loss) => loss switch
        {
            LossKind.MeanSquaredError => "mean squared error",
            LossKind.BinaryCrossEntropy => "binary cross-entropy on logits",
            LossKind.None => "a gradient that comes from outside (no built-in loss)",
            _ => "softmax cross-entropy on logits",
        };

        /// <summary>The interfaces the network implements, which tell <c>Trainer</c> what targets it takes. A network of
        /// token ids takes <c>int</c> inputs, which <c>Compiled.INetwork</c>'s members do not.</summary>
        public static string Interfaces(ShapedNetwork network) => (network.Vocabulary > 0
            ? network.Loss == LossKind.SoftmaxCrossEntropy ? "global::Compiled.ITokenLabelNetwork" : "global::Compiled.ITokenNetwork"
            : network.Loss == LossKind.None
            ? "global::Compiled.IGradientNetwork"
            : network.Loss == LossKind.SoftmaxCrossEntropy
            ? "global::Compiled.ILabelNetwork, global::Compiled.ITargetNetwork"
            : "global::Compiled.ITargetNetwork")
            + (network.StepNetwork is null ? string.Empty : network.Vocabulary > 0 ? ", global::Compiled.ITokenStreamingNetwork" : ", global::Compiled.IStreamingNetwork")
            + ", global::Compiled.IShardedStep, global::Compiled.IExportableNetwork";

        /// <summary>The emitted name of the class count: <c>OutputSize</c>, or <c>Classes</c> when each step has a label.</summary>
        public static string ClassesName(ShapedNetwork network) => network.HasStepLabels ? "Classes" : "OutputSize";

        /// <summary>The in-place call that turns logits rows into what <c>Predict</c> returns, or null.</summary>
        public static string? OutputLink(ShapedNetwork network, string rows) => network.Loss switch
        {
            LossKind.BinaryCrossEntropy => $"global::Compiled.Kernels.Activations.Sigmoid({rows});",
            LossKind.SoftmaxCrossEntropy => $"global::Compiled.Kernels.Activations.Softmax({rows}, {ClassesName(network)});",
            _ => null,
        };

        /// <summary>The access of the members that take float inputs: private in a network of token ids, whose public
        /// members take <c>int</c> ids, check them, and call these.</summary>
        public static string Access(ShapedNetwork network) => network.Vocabulary > 0 ? "private" : "public";

        public static void EmitMembers(SourceWriter w, ShapedNetwork network)
        {
            if (network.Loss == LossKind.None)
            {
                EmitOutsideGradientMembers(w, network);
                return;
            }

            if (network.Loss == LossKind.SoftmaxCrossEntropy)
            {
                EmitLabelMembers(w, network);
                w.Line();
            }

            EmitTargetMembers(w, network);
            w.Line();
            EmitPredictClass(w, network);
        }

        /// <summary>
        /// What differs between training on class-index labels and on float target rows; everything else about
        /// <c>Backward</c>, <c>TrainStep</c> and their cores is written once, by <see cref="EmitTrainingMembers"/>.
        /// </summary>
        /// <param name="Type">The element type of the target span.</param>
        /// <param name="Name">The parameter name.</param>
        /// <param name="Checks">The guard calls, in order.</param>
        /// <param name="Batch">The batch size as an expression of the target span.</param>
        /// <param name="LossCall">The loss call; {0} is the target span, {1} the gradient span.</param>
        /// <param name="BackwardSummary">The doc summary of <c>Backward</c>.</param>
        /// <param name="TrainStepSummary">The first doc line of <c>TrainStep</c>.</param>
        private sealed record TargetKind(string Type, string Name, string[] Checks, string Batch, string LossCall, string BackwardSummary, string TrainStepSummary);

        internal static string LossCall(ShapedNetwork network) => network.Loss switch
        {
            LossKind.MeanSquaredError => $"{Losses}.MeanSquaredError(logits, {{0}}, {{1}})",
            LossKind.BinaryCrossEntropy => $"{Losses}.BinaryCrossEntropyWithLogits(logits, {{0}}, {{1}})",
            _ => $"{Losses}.SoftmaxCrossEntropy(logits, {{0}}, {{1}}, {ClassesName(network)})",
        };

        /// <summary>The loss on class-index labels; {0} is the labels, {1} the gradient span, {2} the labels whose labelled
        /// count divides (per-step labels may ignore steps, and a shard divides by its whole batch's count).</summary>
        internal static string LabelLossCall(ShapedNetwork network) => network.HasStepLabels
            ? $"{Losses}.SoftmaxCrossEntropy(logits, {{0}}, {{1}}, Classes, {Losses}.LabelledRows({{2}}))"
            : $"{Losses}.SoftmaxCrossEntropy(logits, {{0}}, {{1}}, OutputSize)";

        private static TargetKind Labels(ShapedNetwork network) => network.HasStepLabels
            ? new(
                "int",
                "labels",
                new[] { $"{Guard}.StepLabelBatch(inputs.Length, labels, InputSize, LabelsPerSample, Classes, MaxBatchSize);" },
                "labels.Length / LabelsPerSample",
                string.Format(LabelLossCall(network), "{0}", "{1}", "{0}"),
                "the softmax cross-entropy into <see cref=\"Gradients\"/>, the mean over every labelled step. Returns the loss. <see cref=\"LabelsPerSample\"/> labels per sample (a class index per step, or <see cref=\"IgnoreLabel\"/> for a step that does not count), at most <see cref=\"MaxBatchSize\"/> samples.",
                "One optimizer step on a minibatch of samples with a class-index label per step: backward (overwriting the gradients),")
            : new(
                "int",
                "labels",
                new[] { $"{Guard}.LabelBatch(inputs.Length, labels, InputSize, OutputSize, MaxBatchSize);" },
                "labels.Length",
                $"{Losses}.SoftmaxCrossEntropy(logits, {{0}}, {{1}}, OutputSize)",
                "the mean softmax cross-entropy into <see cref=\"Gradients\"/>. Returns the loss. One label (a class index) per sample, at most <see cref=\"MaxBatchSize\"/>.",
                "One optimizer step on a minibatch of samples with class-index labels: backward (overwriting the gradients),");

        private static TargetKind Targets(ShapedNetwork network)
        {
            LossKind loss = network.Loss;
            string what = loss switch
            {
                LossKind.MeanSquaredError => "float targets, one row of OutputSize per sample",
                LossKind.BinaryCrossEntropy => "targets in [0, 1], one row of OutputSize per sample",
                _ => network.HasStepLabels ? "one-hot or probability rows of Classes per step" : "one-hot or probability rows of OutputSize per sample",
            };
            string batch = $"{Guard}.TargetBatch(inputs.Length, targets.Length, InputSize, OutputSize, MaxBatchSize);";
            return new TargetKind(
                "float",
                "targets",
                TargetCheck(loss) is { } check ? new[] { batch, check } : new[] { batch },
                "targets.Length / OutputSize",
                LossCall(network),
                $"the {Describe(loss)} into <see cref=\"Gradients\"/>. Returns the loss. Targets: {what}; at most <see cref=\"MaxBatchSize\"/> samples.",
                "One optimizer step on a minibatch with float targets: backward (overwriting the gradients),");
        }

        /// <summary>The check of float targets' values: probabilities in [0, 1] for binary cross-entropy, non-negative finite
        /// weights (one-hot or probability rows) for softmax cross-entropy, none for regression.</summary>
        private static string? TargetCheck(LossKind loss) => loss switch
        {
            LossKind.BinaryCrossEntropy => $"{Guard}.Probabilities(targets);",
            LossKind.SoftmaxCrossEntropy => $"{Guard}.ProbabilityRows(targets);",
            _ => null,
        };

        private static void EmitLabelMembers(SourceWriter w, ShapedNetwork network)
        {
            EmitTrainingMembers(w, network, Labels(network));
            w.Line();
            if (network.HasStepLabels)
            {
                EmitStepLabelEvaluation(w, network);
                return;
            }

            w.Line("/// <summary>Mean loss and accuracy (the fraction whose largest output is at the label) over any number of samples, split over <see cref=\"Threads\"/>.</summary>");
            using (w.OpenBlock($"{Access(network)} {Evaluation} Evaluate(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> labels)"))
            {
                w.Line($"{Guard}.EvaluationLabels(inputs.Length, labels, InputSize, OutputSize);");
                NetworkEmitter.EmitStandardize(w, network);
                w.Line("(double loss, long correct) = _runner is not null && labels.Length > 1");
                w.Line("    ? ShardedEvaluation(inputs, default, labels, labels.Length)");
                w.Line("    : EvaluateRange(_workspace, inputs, labels);");
                w.Line($"return new {Evaluation}((float)(loss / labels.Length), (float)correct / labels.Length, labels.Length);");
            }

            w.Line();
            w.Line("// The summed loss and the correct answers of any number of labelled samples, in chunks, in the given workspace.");
            using (w.OpenBlock("private (double Loss, long Correct) EvaluateRange(global::Compiled.Kernels.AlignedFloats workspace, global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> labels)"))
            {
                w.Line("double loss = 0;");
                w.Line("long correct = 0;");
                using (w.OpenBlock("for (int start = 0; start < labels.Length; start += MaxBatchSize)"))
                {
                    w.Line("int batch = global::System.Math.Min(MaxBatchSize, labels.Length - start);");
                    w.Line("global::System.ReadOnlySpan<int> batchLabels = labels.Slice(start, batch);");
                    w.Line($"global::System.ReadOnlySpan<float> logits = InferencePlan.ForwardCore(_parameters, workspace, inputs.Slice(start * InputSize, batch * InputSize), batch);");
                    w.Line($"loss += {Losses}.SoftmaxCrossEntropy(logits, batchLabels, default, OutputSize) * (double)batch;");
                    w.Line($"correct += {Metrics}.CountCorrect(logits, batchLabels, OutputSize);");
                }

                w.Line("return (loss, correct);");
            }
        }

        /// <summary><c>Evaluate</c> on a label per step: the loss is the mean over labelled steps, the accuracy the fraction of
        /// labelled steps whose largest output is at the label.</summary>
        private static void EmitStepLabelEvaluation(SourceWriter w, ShapedNetwork network)
        {
            w.Line("/// <summary>Mean loss and accuracy over every labelled step (the fraction whose largest output is at the label) of any number of samples, split over <see cref=\"Threads\"/>.</summary>");
            using (w.OpenBlock($"{Access(network)} {Evaluation} Evaluate(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> labels)"))
            {
                w.Line($"int count = {Guard}.EvaluationStepLabels(inputs.Length, labels, InputSize, LabelsPerSample, Classes);");
                NetworkEmitter.EmitStandardize(w, network);
                w.Line($"int labelled = {Losses}.LabelledRows(labels);");
                w.Line("(double loss, long correct) = _runner is not null && count > 1");
                w.Line("    ? ShardedEvaluation(inputs, default, labels, count)");
                w.Line("    : EvaluateRange(_workspace, inputs, labels);");
                w.Line("return labelled == 0");
                w.Line($"    ? new {Evaluation}(0f, float.NaN, count)");
                w.Line($"    : new {Evaluation}((float)(loss / labelled), (float)correct / labelled, count);");
            }

            w.Line();
            w.Line("// The summed loss over labelled steps and the correct steps of any number of samples, in chunks, in the given workspace.");
            using (w.OpenBlock("private (double Loss, long Correct) EvaluateRange(global::Compiled.Kernels.AlignedFloats workspace, global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> labels)"))
            {
                w.Line("int count = labels.Length / LabelsPerSample;");
                w.Line("double loss = 0;");
                w.Line("long correct = 0;");
                using (w.OpenBlock("for (int start = 0; start < count; start += MaxBatchSize)"))
                {
                    w.Line("int batch = global::System.Math.Min(MaxBatchSize, count - start);");
                    w.Line("global::System.ReadOnlySpan<int> batchLabels = labels.Slice(start * LabelsPerSample, batch * LabelsPerSample);");
                    w.Line($"global::System.ReadOnlySpan<float> logits = InferencePlan.ForwardCore(_parameters, workspace, inputs.Slice(start * InputSize, batch * InputSize), batch);");
                    w.Line($"loss += {Losses}.SoftmaxCrossEntropy(logits, batchLabels, default, Classes, 1);");
                    w.Line($"correct += {Metrics}.CountCorrectLabelled(logits, batchLabels, Classes);");
                }

                w.Line("return (loss, correct);");
            }
        }

        private static void EmitTargetMembers(SourceWriter w, ShapedNetwork network)
        {
            LossKind loss = network.Loss;
            TargetKind kind = Targets(network);
            EmitTrainingMembers(w, network, kind);
            w.Line();
            string accuracy = loss switch
            {
                LossKind.MeanSquaredError => "NaN (accuracy has no meaning for regression)",
                LossKind.BinaryCrossEntropy => "the fraction of outputs on the right side of 0.5",
                _ => "the fraction whose largest output is at the target's largest value",
            };
            w.Line($"/// <summary>Mean loss and accuracy ({accuracy}) over any number of samples, split over <see cref=\"Threads\"/>.</summary>");
            using (w.OpenBlock($"{Access(network)} {Evaluation} Evaluate(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets)"))
            {
                w.Line($"int count = {Guard}.SampleCount(inputs.Length, targets.Length, InputSize, OutputSize, \"inputs\", \"targets\");");
                NetworkEmitter.EmitStandardize(w, network);
                if (TargetCheck(loss) is { } check)
                {
                    w.Line(check);
                }

                w.Line("(double loss, long correct) = _runner is not null && count > 1");
                w.Line("    ? ShardedEvaluation(inputs, targets, default, count)");
                w.Line("    : EvaluateRange(_workspace, inputs, targets);");
                string accuracyValue = loss switch
                {
                    LossKind.MeanSquaredError => "float.NaN",
                    LossKind.BinaryCrossEntropy => "(float)correct / ((long)count * OutputSize)",
                    _ => network.HasStepLabels ? "(float)correct / ((long)count * LabelsPerSample)" : "(float)correct / count",
                };
                if (loss == LossKind.MeanSquaredError)
                {
                    w.Line("_ = correct; // accuracy has no meaning for regression");
                }

                w.Line($"return new {Evaluation}((float)(loss / count), {accuracyValue}, count);");
            }

            w.Line();
            w.Line("// The summed loss and the correct answers of any number of samples with target rows, in chunks, in the given workspace.");
            using (w.OpenBlock("private (double Loss, long Correct) EvaluateRange(global::Compiled.Kernels.AlignedFloats workspace, global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets)"))
            {
                w.Line("int count = targets.Length / OutputSize;");
                w.Line("double loss = 0;");
                w.Line("long correct = 0;");
                using (w.OpenBlock("for (int start = 0; start < count; start += MaxBatchSize)"))
                {
                    w.Line("int batch = global::System.Math.Min(MaxBatchSize, count - start);");
                    w.Line("global::System.ReadOnlySpan<float> batchTargets = targets.Slice(start * OutputSize, batch * OutputSize);");
                    w.Line($"global::System.ReadOnlySpan<float> logits = InferencePlan.ForwardCore(_parameters, workspace, inputs.Slice(start * InputSize, batch * InputSize), batch);");
                    w.Line($"loss += {string.Format(kind.LossCall, "batchTargets", "default")} * (double)batch;");
                    if (loss == LossKind.BinaryCrossEntropy)
                    {
                        w.Line($"correct += {Metrics}.CountCorrectBinary(logits, batchTargets);");
                    }
                    else if (loss == LossKind.SoftmaxCrossEntropy)
                    {
                        w.Line($"correct += {Metrics}.CountCorrectArgMax(logits, batchTargets, {ClassesName(network)});");
                    }
                }

                w.Line("return (loss, correct);");
            }
        }

        /// <summary><c>Backward</c>, <c>TrainStep</c>, and the two private cores they share (<c>LossAndGradients</c> for the
        /// general path, <c>SgdStep</c> for plain SGD fused into the backward pass) for one kind of target.</summary>
        private static void EmitTrainingMembers(SourceWriter w, ShapedNetwork network, TargetKind kind)
        {
            string dropoutArgument = NetworkEmitter.DropoutArgument(network);
            string access = Access(network);
            string span = $"global::System.ReadOnlySpan<{kind.Type}> {kind.Name}";
            w.Line("/// <summary>Runs the batch forward in training mode and accumulates the gradients of");
            w.Line($"/// {kind.BackwardSummary}</summary>");
            using (w.OpenBlock($"{access} float Backward(global::System.ReadOnlySpan<float> inputs, {span})"))
            {
                foreach (string check in kind.Checks)
                {
                    w.Line(check);
                }

                NetworkEmitter.EmitStandardize(w, network);
                w.Line($"return LossAndGradients(inputs, {kind.Name}, accumulate: true);");
            }

            w.Line();
            w.Line($"/// <summary>{kind.TrainStepSummary}");
            w.Line("/// penalties, clipping, step. Returns the loss before the step. Allocation-free. With plain <see cref=\"global::Compiled.Sgd\"/>, no");
            w.Line("/// penalties or clipping and one thread, the step is fused into the backward pass and <see cref=\"Gradients\"/> is not written.");
            w.Line("/// With <see cref=\"Threads\"/> above 1 the minibatch is split over that many threads.</summary>");
            w.Line("/// <exception cref=\"global::Compiled.NonFiniteLossException\">The loss is NaN or infinite; the step is not applied.</exception>");
            w.Line($"{access} float TrainStep<TOptimizer>(global::System.ReadOnlySpan<float> inputs, {span}, ref TOptimizer optimizer)");
            using (w.OpenBlock("    where TOptimizer : struct, global::Compiled.IOptimizer"))
            {
                foreach (string check in kind.Checks)
                {
                    w.Line(check);
                }

                NetworkEmitter.EmitStandardize(w, network);
                using (w.OpenBlock($"if (_runner is not null && {kind.Batch} > 1)"))
                {
                    w.Line("// Data parallel: each thread runs its share of the rows; the gradients are summed, then one step.");
                    w.Line($"float shardedLoss = ShardedLoss(inputs, {(kind.Type == "int" ? "default, labels" : "targets, default")}, {kind.Batch}, out int shards);");
                    w.Line("return ShardedStep(shardedLoss, shards, ref optimizer);");
                }

                w.Line();
                using (w.OpenBlock($"if (typeof(TOptimizer) == typeof(global::Compiled.Sgd) && {PlainStep})"))
                {
                    w.Line("// Plain SGD: fold p -= lr g into the backward pass (the JIT drops this branch for other optimizers).");
                    w.Line("float learningRate = global::System.Runtime.CompilerServices.Unsafe.As<TOptimizer, global::Compiled.Sgd>(ref optimizer).CheckedLearningRate();");
                    w.Line($"return SgdStep(inputs, {kind.Name}, learningRate);");
                }

                w.Line();
                w.Line($"return ApplyStep(LossAndGradients(inputs, {kind.Name}, accumulate: false), ref optimizer);");
            }

            if (NetworkEmitter.HasInputGradient(network))
            {
                w.Line();
                w.Line("/// <summary>Like <c>Backward</c>, and also writes dL/d(inputs), the gradient of the loss with respect to every input value, to");
                w.Line("/// <paramref name=\"inputGradient\"/> (one value per input value, overwritten).</summary>");
                using (w.OpenBlock($"{access} float Backward(global::System.ReadOnlySpan<float> inputs, {span}, global::System.Span<float> inputGradient)"))
                {
                    foreach (string check in kind.Checks)
                    {
                        w.Line(check);
                    }

                    w.Line($"{Guard}.InputGradient(inputs.Length, inputGradient.Length);");
                    NetworkEmitter.EmitStandardize(w, network);
                    w.Line("EnsureTrainingWorkspace();");
                    w.Line($"int batch = {kind.Batch};");
                    w.Line($"global::System.ReadOnlySpan<float> logits = ForwardCore(_parameters, _workspace, inputs, batch, training: true{dropoutArgument});");
                    w.Line("global::System.Span<float> outputGradient = _workspace.Slice(GradientBufferA, batch * OutputSize);");
                    w.Line($"float loss = {string.Format(kind.LossCall, kind.Name, "outputGradient")};");
                    w.Line("InputGradientBackwardCore(_parameters, _gradients, _workspace, inputs, batch, accumulate: true, inputGradient);");
                    NetworkEmitter.EmitChainInputGradient(w, network);
                    w.Line("return loss;");
                }
            }

            foreach (bool fused in new[] { false, true })
            {
                w.Line();
                string header = fused
                    ? $"private float SgdStep(global::System.ReadOnlySpan<float> inputs, {span}, float learningRate)"
                    : $"private float LossAndGradients(global::System.ReadOnlySpan<float> inputs, {span}, bool accumulate)";
                using (w.OpenBlock(header))
                {
                    w.Line("EnsureTrainingWorkspace();");
                    w.Line($"int batch = {kind.Batch};");
                    w.Line($"global::System.ReadOnlySpan<float> logits = ForwardCore(_parameters, _workspace, inputs, batch, training: true{dropoutArgument});");
                    w.Line("global::System.Span<float> outputGradient = _workspace.Slice(GradientBufferA, batch * OutputSize);");
                    w.Line($"float loss = {string.Format(kind.LossCall, kind.Name, "outputGradient")};");
                    if (fused)
                    {
                        w.Line("global::Compiled.NetworkGuard.FiniteLoss(loss);");
                        w.Line("SgdBackwardCore(_parameters, _gradients, _workspace, inputs, batch, learningRate);");
                    }
                    else
                    {
                        w.Line("BackwardCore(_parameters, _gradients, _workspace, inputs, batch, accumulate);");
                    }

                    w.Line("return loss;");
                }
            }
        }

        /// <summary>A network without a built-in loss (<c>Loss.None</c>): <c>Backward</c> takes dL/d(output) from the caller,
        /// and <c>ApplyGradients</c> takes the step.</summary>
        private static void EmitOutsideGradientMembers(SourceWriter w, ShapedNetwork network)
        {
            string dropoutArgument = NetworkEmitter.DropoutArgument(network);
            foreach (bool withInputGradient in NetworkEmitter.HasInputGradient(network) ? new[] { false, true } : new[] { false })
            {
                if (withInputGradient)
                {
                    w.Line();
                    w.Line("/// <summary>Like the other <c>Backward</c>, and also writes dL/d(inputs) to <paramref name=\"inputGradient\"/> (one value per input value, overwritten).</summary>");
                }
                else
                {
                    w.Line("/// <summary>Runs the batch forward in training mode, then backward from <paramref name=\"outputGradient\"/>, the gradient of your loss");
                    w.Line("/// with respect to <c>Forward</c>'s outputs (one row of <see cref=\"OutputSize\"/> per sample, at most <see cref=\"MaxBatchSize\"/>), and");
                    w.Line("/// adds the parameters' gradients to <see cref=\"Gradients\"/>; <see cref=\"ApplyGradients\"/> then takes the step.</summary>");
                }

                string extra = withInputGradient ? ", global::System.Span<float> inputGradient" : string.Empty;
                using (w.OpenBlock($"{Access(network)} void Backward(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> outputGradient{extra})"))
                {
                    w.Line($"int batch = {Guard}.OutputGradientBatch(inputs.Length, outputGradient.Length, InputSize, OutputSize, MaxBatchSize);");
                    if (withInputGradient)
                    {
                        w.Line($"{Guard}.InputGradient(inputs.Length, inputGradient.Length);");
                    }

                    NetworkEmitter.EmitStandardize(w, network);
                    w.Line("EnsureTrainingWorkspace();");
                    w.Line($"ForwardCore(_parameters, _workspace, inputs, batch, training: true{dropoutArgument});");
                    w.Line("outputGradient.CopyTo(_workspace.Slice(GradientBufferA, batch * OutputSize));");
                    w.Line(withInputGradient
                        ? "InputGradientBackwardCore(_parameters, _gradients, _workspace, inputs, batch, accumulate: true, inputGradient);"
                        : "BackwardCore(_parameters, _gradients, _workspace, inputs, batch, accumulate: true);");
                    if (withInputGradient)
                    {
                        NetworkEmitter.EmitChainInputGradient(w, network);
                    }
                }
            }
        }

        /// <summary>Whether the network has a <c>PredictClass</c>: one class per sample (softmax over a whole row, or one
        /// sigmoid output), not a class per step.</summary>
        public static bool HasPredictClass(ShapedNetwork network) =>
            (network.Loss == LossKind.SoftmaxCrossEntropy && !network.HasStepLabels) || (network.Loss == LossKind.BinaryCrossEntropy && network.OutputSize == 1);

        private static void EmitPredictClass(SourceWriter w, ShapedNetwork network)
        {
            if (!HasPredictClass(network))
            {
                return;
            }

            if (network.Loss == LossKind.SoftmaxCrossEntropy)
            {
                w.Line("/// <summary>The most likely class of one sample.</summary>");
                using (w.OpenBlock($"{Access(network)} int PredictClass(global::System.ReadOnlySpan<float> input)"))
                {
                    w.Line($"{Guard}.SingleSample(input.Length, InputSize);");
                    NetworkEmitter.EmitStandardize(w, network, "input");
                    w.Line($"return {Metrics}.ArgMax(InferencePlan.ForwardCore(_parameters, _workspace, input, 1));");
                }
            }
            else
            {
                w.Line("/// <summary>The class of one sample: 1 when its probability is above 0.5, else 0.</summary>");
                using (w.OpenBlock($"{Access(network)} int PredictClass(global::System.ReadOnlySpan<float> input)"))
                {
                    w.Line($"{Guard}.SingleSample(input.Length, InputSize);");
                    NetworkEmitter.EmitStandardize(w, network, "input");
                    w.Line($"return InferencePlan.ForwardCore(_parameters, _workspace, input, 1)[0] > 0f ? 1 : 0;");
                }
            }
        }

    }
}
