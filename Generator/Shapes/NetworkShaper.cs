using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes
{
    /// <summary>
    /// Step 2 of the pipeline: a pure function from a <see cref="NetworkSpec"/> to every shape, parameter offset
    /// and workspace offset, plus the problems found. This is where the knowledge of what makes a valid network
    /// lives; it needs no Roslyn and is tested on its own.
    /// </summary>
    internal static class NetworkShaper
    {
        /// <summary>Workspace and parameter counts are ints; keep every buffer well below int.MaxValue.</summary>
        internal const long MaxElements = 1L << 30;

        private static int Clamp(long value) => (int)Math.Min(value, MaxElements);

        /// <summary>The kind's prefix and its count among the layers of that kind before it: <c>dense0</c>, <c>conv1</c>.</summary>
        internal static string DefaultName(NetworkSpec spec, int index)
        {
            string kind = spec.Layers[index].Kind;
            return LayerRegistry.Get(kind).NamePrefix + spec.Layers.Take(index).Count(l => l.Kind == kind).ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>The [Input]'s PaddingToken or MaskValue must fit its kind of input, and a recurrent layer must be there to skip padded steps.</summary>
        private static void CheckMask(NetworkSpec spec, Action<IssueKind, IssueTarget, int, string[]> report)
        {
            if (!spec.MasksSteps)
            {
                return;
            }

            string what = spec.PaddingToken is int written ? $"PaddingToken = {Invariant(written)}" : $"MaskValue = {spec.MaskValue!.Value.ToString("R", CultureInfo.InvariantCulture)}";
            string? problem = null;
            if (spec.PaddingToken is not null && spec.MaskValue is not null)
            {
                (what, problem) = ("PaddingToken", "so does its MaskValue; use PaddingToken for token ids and MaskValue for float sequences");
            }
            else if (spec.PaddingToken is not null && spec.Vocabulary == 0)
            {
                problem = "the input is floats, not token ids; for a float sequence use MaskValue (a step whose features all equal it is padding)";
            }
            else if (spec.PaddingToken is int token && spec.Vocabulary > 0 && (token < 0 || token >= spec.Vocabulary))
            {
                report(IssueKinds.ValueOutOfRange, IssueTarget.MaskArgument, 0, new[] { "The padding token", $"an id in [0, {Invariant(spec.Vocabulary)})", Invariant(token) });
            }
            else if (spec.MaskValue is not null && spec.Vocabulary > 0)
            {
                problem = "the input is token ids; for them use PaddingToken";
            }
            else if (spec.MaskValue is not null && spec.InputShape.Count != 2)
            {
                problem = "the input is not a sequence [steps, features]";
            }
            else if (!spec.Layers.Any(layer => LayerRegistry.IsKnown(layer.Kind) && LayerRegistry.Get(layer.Kind) is RecurrentLayer))
            {
                problem = "the network has no recurrent layer, and only recurrent layers skip padded steps; without one, drop it and give padded steps the label -100 so that the loss skips them";
            }

            if (problem is not null)
            {
                report(IssueKinds.MaskWithoutEffect, IssueTarget.MaskArgument, 0, new[] { what, problem });
            }
        }

        /// <summary>[Input(steps, Vocabulary = n)] is token ids, [Input(h, w, c)] an image and [Input(steps, features)] a sequence; any other rank is a vector of its
        /// <paramref name="size"/>. An input that is not <paramref name="valid"/> has errors already: any shape will do.</summary>
        private static TensorShape InputShapeOf(EquatableArray<int> input, int vocabulary, long size, bool valid) =>
            !valid ? TensorShape.Vector((int)Math.Max(Math.Min(size, MaxElements), 1))
            : vocabulary > 0 ? TensorShape.Tokens(input[0])
            : input.Count == 3 ? TensorShape.Image(input[0], input[1], input[2])
            : input.Count == 2 ? TensorShape.Sequence(input[0], input[1])
            : TensorShape.Vector((int)size);

        /// <summary>How many times this thread has inferred shapes: for the test that an edit infers them once.</summary>
        [ThreadStatic]
        internal static int RunsOnThisThread;

        public static ShapeResult Shape(NetworkSpec spec)
        {
            RunsOnThisThread++;
            return Shape(spec, forStep: false);
        }

        /// <summary>Shapes the network; unless <paramref name="forStep"/>, also the one-step, one-sample network of a streaming
        /// <c>Step</c> when every layer acts step by step and one carries state (see <see cref="ShapedNetwork.StepNetwork"/>).</summary>
        private static ShapeResult Shape(NetworkSpec spec, bool forStep)
        {
            var issues = new List<ShapeIssue>();
            void Report(IssueKind kind, IssueTarget target, int index, params string[] args) =>
                issues.Add(new ShapeIssue(kind.Id, target, index, null, args.ToEquatableArray()));
            void ReportAtLayer(IssueKind kind, int index, ArgumentRef? argument, params string[] args) =>
                issues.Add(new ShapeIssue(kind.Id, IssueTarget.Layer, index, argument, args.ToEquatableArray()));

            if (spec.MaxBatchSize < 1 || spec.MaxBatchSize > 1 << 16)
            {
                Report(IssueKinds.ValueOutOfRange, IssueTarget.MaxBatchSizeArgument, 0, "MaxBatchSize", "between 1 and 65536", Invariant(spec.MaxBatchSize));
            }

            if (!Enum.IsDefined(typeof(LossKind), spec.Loss))
            {
                Report(IssueKinds.ValueOutOfRange, IssueTarget.LossArgument, 0, "Loss", "a defined Loss value", Invariant((int)spec.Loss));
            }

            long inputSize = 1;
            if (spec.InputShape.Count == 0 && spec.InputDeclared)
            {
                Report(IssueKinds.ValueOutOfRange, IssueTarget.InputAttribute, 0, $"The [Input] of '{spec.ClassName}'", "at least one dimension, as in [Input(784)]", "empty");
                inputSize = 0;
            }
            else if (spec.InputShape.Count == 0)
            {
                Report(IssueKinds.MissingInput, IssueTarget.ClassName, 0, spec.ClassName);
                inputSize = 0;
            }

            for (int i = 0; i < spec.InputShape.Count; i++)
            {
                int dimension = spec.InputShape[i];
                if (dimension < 1)
                {
                    Report(IssueKinds.ValueOutOfRange, IssueTarget.InputArgument, i, $"Input dimension {Invariant(i)}", "at least 1", Invariant(dimension));
                }

                inputSize *= Math.Max(dimension, 1);
                inputSize = Math.Min(inputSize, MaxElements);
            }

            if (inputSize >= MaxElements)
            {
                Report(IssueKinds.ValueOutOfRange, IssueTarget.InputAttribute, 0, "The size of one input sample", "below 2^30 values", string.Join("x", spec.InputShape.Select(d => Invariant(d))));
            }

            bool vocabularyValid = true;
            if (spec.Vocabulary < 0)
            {
                Report(IssueKinds.ValueOutOfRange, IssueTarget.VocabularyArgument, 0, "The vocabulary", "at least 1 (or 0, the default, for float inputs)", Invariant(spec.Vocabulary));
                vocabularyValid = false;
            }
            else if (spec.Vocabulary > 0 && spec.InputShape.Count != 1)
            {
                Report(IssueKinds.ValueOutOfRange, IssueTarget.InputAttribute, 0, "The rank of an [Input] of token ids", "1 (the steps: [Input(steps, Vocabulary = n)])", Invariant(spec.InputShape.Count));
                vocabularyValid = false;
            }

            CheckMask(spec, (kind, target, index, args) => Report(kind, target, index, args));

            if (spec.Layers.Count == 0)
            {
                Report(IssueKinds.NoLayers, IssueTarget.ClassName, 0, spec.ClassName);
            }

            // Names: explicit ones must be valid and unique; defaults are kind + per-kind counter.
            var names = new string[spec.Layers.Count];
            var firstUse = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec layer = spec.Layers[i];
                string name = layer.Name ?? DefaultName(spec, i);
                if (layer.Name is not null && !IsValidName(layer.Name))
                {
                    ReportAtLayer(IssueKinds.InvalidLayerName, i, ArgumentRef.Named("Name"), layer.Name);
                }
                else if (firstUse.TryGetValue(ToIdentifier(name), out int first))
                {
                    ReportAtLayer(IssueKinds.DuplicateLayerName, i, layer.Name is null ? null : ArgumentRef.Named("Name"), name, Invariant(first));
                }
                else
                {
                    // Keyed by the generated member name, so 'a_b' and 'aB' cannot make two members of one name.
                    firstUse[ToIdentifier(name)] = i;
                }

                names[i] = name;
            }

            // Shapes, parameter offsets and workspace offsets, in layer order. Once a layer's shape is wrong the
            // shapes after it mean nothing, so shape checks stop there (argument checks go on).
            var shaped = new List<ShapedLayer>();
            var trail = new List<string>();
            long parameterCount = 0;
            long workspace = 0;
            long scratch = 0, forwardScratch = 0; // the training plan's scratch; the part a forward pass uses
            long maxBatch = Math.Max(1, Math.Min(spec.MaxBatchSize, 1 << 16));
            bool shapeKnown = spec.InputShape.Count > 0 && spec.InputShape.All(d => d >= 1) && inputSize < MaxElements && vocabularyValid;
            TensorShape inputShape = InputShapeOf(spec.InputShape, spec.Vocabulary, inputSize, shapeKnown);
            TensorShape shape = inputShape;
            long gradientWidth = 1; // the input itself never needs a gradient
            bool allShapesKnown = shapeKnown;
            var known = new bool[spec.Layers.Count];
            var inputsOf = new List<IReadOnlyList<int>>();
            // The whole graph up front, for the layers that look at their reader (unknown names are reported in the loop).
            int[][] graph = Enumerable.Range(0, spec.Layers.Count).Select(j => ResolveInputs(spec, names, j, (_, _) => { }).Inputs).ToArray();
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec layer = spec.Layers[i];
                LayerDefinition definition = LayerRegistry.Get(layer.Kind);

                // The graph: a layer reads the layer above unless it names its inputs (a join); a name must be an earlier layer's.
                (int[] inputs, bool resolved) = ResolveInputs(spec, names, i, (argument, name) =>
                    ReportAtLayer(IssueKinds.UnknownLayerInput, i, argument, names[i], name));
                inputsOf.Add(inputs);
                TensorShape[] inputShapes = inputs.Select(node => node < 0 ? inputShape : shaped[node].Output).ToArray();
                bool inputsKnown = resolved && inputs.All(node => node < 0 ? shapeKnown : known[node]);
                if (inputsKnown && !definition.ReadsTokens && inputShapes.Any(input => input.IsInteger))
                {
                    ReportAtLayer(IssueKinds.TokensNeedEmbedding, i, null, names[i]);
                    inputsKnown = false;
                }

                var context = new ShapeContext(spec, i, names[i], inputShapes, inputsKnown, maxBatch, trail, issues.Add);
                LayerShape inferred = definition.Infer(context);
                known[i] = context.ShapeKnown;
                allShapesKnown &= known[i];
                long outputSize = inferred.Output.LongSize;
                if (outputSize > MaxElements)
                {
                    ReportAtLayer(IssueKinds.ValueOutOfRange, i, null, $"The output of '{names[i]}'", "at most 2^30 values", Invariant(outputSize));
                    inferred = new LayerShape(TensorShape.Vector(1));
                    known[i] = false;
                    allShapesKnown = false;
                }

                // Each tensor's offset is the count so far; counts are summed in 64 bits and checked below, so an
                // oversized layer is a diagnostic, never a wrapped offset.
                var parameters = new List<ParameterTensor>();
                foreach (ParameterTensor tensor in inferred.Parameters)
                {
                    parameters.Add(tensor with { Offset = Clamp(parameterCount) });
                    parameterCount += tensor.LongCount;
                }

                bool maxPoolInside = known[i] && Conv2DLayer.RunsMaxPoolAfter(spec, graph, i, inferred);
                long layerScratch = maxPoolInside ? Conv2DLayer.PoolingScratch(inferred) : inferred.Scratch;
                scratch = Math.Max(scratch, layerScratch);
                forwardScratch = Math.Max(forwardScratch, inferred.ScratchForBackwardOnly ? 0 : layerScratch);
                var saved = new List<WorkspaceBuffer>();
                foreach (WorkspaceBuffer buffer in inferred.Saved)
                {
                    saved.Add(buffer with { Offset = Clamp(workspace) });
                    workspace += Alignment.RoundUp(maxBatch * buffer.PerSample);
                }

                int outputOffset = 0;
                if (definition.HasOutputBuffer && !maxPoolInside)
                {
                    outputOffset = Clamp(workspace);
                    workspace += Alignment.RoundUp(maxBatch * outputSize);
                    gradientWidth = Math.Max(gradientWidth, outputSize);
                }

                shaped.Add(new ShapedLayer(
                    i, layer.Kind, names[i], ToIdentifier(names[i]), context.Input, inferred.Output, layer.Arguments,
                    parameters.ToEquatableArray(), saved.ToEquatableArray(), outputOffset, inferred.Details)
                {
                    Inputs = inputs.ToEquatableArray(),
                    InputNames = inputs.Select(node => node < 0 ? "input" : names[node]).ToEquatableArray(),
                    MaxPoolInside = maxPoolInside,
                });
                shape = inferred.Output;
            }

            // Every layer's output must reach the network's output: a layer nothing reads would get no gradient.
            for (int i = 0; i < shaped.Count - 1; i++)
            {
                if (!inputsOf.Skip(i + 1).Any(inputs => inputs.Contains(i)))
                {
                    ReportAtLayer(IssueKinds.UnusedLayerOutput, i, null, names[i]);
                }
            }

            // A max pool that runs inside the convolution before it passes its gradient through, as far as the slots go:
            // the convolution's call reads the pool's output gradient itself, so its dx must go to another slot.
            (int[] outputSlots, Planning.GradientTarget[][] inputTargets, int slotCount) =
                Planning.GradientPlan.Plan(inputsOf, shaped.Select((l, i) => l.Definition.PassesGradientThrough || (i > 0 && shaped[i - 1].MaxPoolInside)).ToArray());
            for (int i = 0; i < shaped.Count; i++)
            {
                shaped[i] = shaped[i] with { GradientSlot = outputSlots[i], InputGradients = inputTargets[i].ToEquatableArray() };
            }

            CheckLoss(spec, shaped, issues.Add);

            // At least two gradient slots, as a chain of two or more layers needs (and emitted networks always had).
            var gradientOffsets = new List<int>();
            for (int slot = 0; slot < Math.Max(slotCount, 2); slot++)
            {
                gradientOffsets.Add(Clamp(workspace));
                workspace += Alignment.RoundUp(maxBatch * gradientWidth);
            }

            int scratchOffset = Clamp(workspace);
            int scratchOffsetForInference = 0;
            workspace += scratch;

            if (parameterCount > MaxElements || workspace > MaxElements)
            {
                Report(IssueKinds.ValueOutOfRange, IssueTarget.ClassName, 0, $"The size of '{spec.ClassName}' (parameters and workspace for MaxBatchSize rows)", "at most 2^30 values", Invariant(Math.Max(parameterCount, workspace)));
            }

            // Every way a shape becomes unknown reports an error; if one ever did not, emitting from made-up sizes would
            // be worse than saying so.
            if (!allShapesKnown && !issues.Any(issue => IssueKinds.IsError(issue.Id)))
            {
                Report(IssueKinds.GeneratorFailed, IssueTarget.ClassName, 0, spec.ClassName, "the shape of a layer could not be inferred, and no error says why");
            }

            // The inference plan: what an instance that only predicts allocates (see Planning/InferencePlan).
            var nodes = shaped.Select(l => new Planning.InferencePlan.Node(
                l.Inputs.ToArray(), l.Definition.HasOutputBuffer && !l.MaxPoolInside ? l.Output.LongSize : 0, !l.Definition.HasOutputBuffer || l.Definition.KeepsShape,
                l.Saved.Select(b => b.TrainingOnly ? 0L : b.PerSample).ToArray())).ToList();
            long inferenceSize = workspace;
            if (nodes.Count > 0)
            {
                (long[] outputOffsets, long[][] savedOffsets, long inferenceScratch, long size) = Planning.InferencePlan.Plan(nodes, maxBatch, forwardScratch);
                for (int i = 0; i < shaped.Count; i++)
                {
                    shaped[i] = shaped[i] with
                    {
                        InferenceOutputOffset = Clamp(outputOffsets[i]),
                        InferenceSavedOffsets = savedOffsets[i].Select(Clamp).ToEquatableArray(),
                    };
                }

                scratchOffsetForInference = Clamp(inferenceScratch);
                inferenceSize = size;
            }

            bool hasErrors = issues.Any(issue => IssueKinds.IsError(issue.Id));
            ShapedNetwork? network = hasErrors ? null : new ShapedNetwork(
                spec.Namespace, spec.ClassName, spec.Loss, spec.MaxBatchSize, spec.Seed, spec.InputShape,
                (int)inputSize, shape.Size, (int)parameterCount, (int)workspace, gradientOffsets.ToEquatableArray(), (int)gradientWidth,
                scratchOffset, (int)scratch, shaped.ToEquatableArray())
            {
                Vocabulary = spec.Vocabulary,
                OutputShape = shape,
                InferenceScratchOffset = scratchOffsetForInference,
                InferenceWorkspaceSize = Clamp(inferenceSize),
            };
            if (network is not null && !forStep && network.StateSize > 0 && network.Layers.All(l => l.Definition.ActsPerStep))
            {
                // The same layers over one step of one sample: a recurrent layer's state comes in and goes out through the
                // carried state, and every other layer acts on the step alone, so stepping equals the whole sequence.
                EquatableArray<int> oneStep = new[] { 1 }.Concat(spec.InputShape.Skip(1)).ToEquatableArray();
                network = network with { StepNetwork = Shape(spec with { InputShape = oneStep, MaxBatchSize = 1 }, forStep: true).Network };
            }

            return new ShapeResult(network, issues.ToEquatableArray());
        }

        private static void CheckLoss(NetworkSpec spec, List<ShapedLayer> layers, Action<ShapeIssue> report)
        {
            // The layer that produces the network's output activation is the last one that has an activation.
            ShapedLayer? last = layers.LastOrDefault(l => l.Definition.OutputActivation(l.Arguments) is not null);
            if (last is null)
            {
                return;
            }

            ActivationKind activation = last.Definition.OutputActivation(last.Arguments)!.Value;

            // A sequence output takes a label per step, so its classes are the last axis.
            TensorShape output = layers[layers.Count - 1].Output;
            int outputs = output.Kind == ShapeKind.Sequence ? output.LastAxis : output.Size;
            void Report(IssueKind kind, IssueTarget target, int index, ArgumentRef? argument, params string[] arguments) =>
                report(new ShapeIssue(kind.Id, target, index, argument, arguments.ToEquatableArray()));
            switch (spec.Loss)
            {
                case LossKind.SoftmaxCrossEntropy when outputs < 2:
                    Report(IssueKinds.LossDoesNotFitOutput, IssueTarget.LossArgument, 0, null,
                        "SoftmaxCrossEntropy", last.Name, $"it needs at least 2 outputs (one per class), but the network has {Invariant(outputs)}; for two classes with one output use BinaryCrossEntropy");
                    break;
                case LossKind.SoftmaxCrossEntropy when activation == ActivationKind.Softmax:
                    Report(IssueKinds.ActivationAppliedTwice, IssueTarget.Layer, last.Index, ArgumentRef.Named("Activation"),
                        last.Name, "Softmax", "SoftmaxCrossEntropy");
                    break;
                case LossKind.BinaryCrossEntropy when activation == ActivationKind.Softmax:
                    Report(IssueKinds.LossDoesNotFitOutput, IssueTarget.LossArgument, 0, null,
                        "BinaryCrossEntropy", last.Name, "it treats each output as an independent yes/no logit, but Softmax makes the outputs depend on each other; use Identity, or SoftmaxCrossEntropy for one class out of several");
                    break;
                case LossKind.BinaryCrossEntropy when activation == ActivationKind.Sigmoid:
                    Report(IssueKinds.ActivationAppliedTwice, IssueTarget.Layer, last.Index, ArgumentRef.Named("Activation"),
                        last.Name, "Sigmoid", "BinaryCrossEntropy");
                    break;
            }
        }

        private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>The tensors layer <paramref name="index"/> reads: the layer above (or the network input, -1) by default, or
        /// the earlier layers it names. A name that is not an earlier layer's is reported, and the inputs are not resolved.</summary>
        private static (int[] Inputs, bool Resolved) ResolveInputs(NetworkSpec spec, string[] names, int index, Action<ArgumentRef, string> reportUnknown)
        {
            EquatableArray<string> named = spec.Layers[index].Inputs;
            if (named.Count == 0)
            {
                return (new[] { index - 1 }, true);
            }

            var inputs = new int[named.Count];
            bool resolved = true;
            for (int k = 0; k < named.Count; k++)
            {
                inputs[k] = index == 0 ? -1 : Array.LastIndexOf(names, named[k], index - 1, index);
                if (inputs[k] < 0)
                {
                    reportUnknown(ArgumentRef.Positional(k), named[k]);
                    (inputs[k], resolved) = (-1, false);
                }
            }

            return (inputs, resolved);
        }

        private static bool IsValidName(string name)
        {
            if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_'))
            {
                return false;
            }

            return name.All(c => c == '_' || (c < 128 && char.IsLetterOrDigit(c)));
        }

        /// <summary><c>hidden_layer</c> becomes <c>HiddenLayer</c>; <c>dense0</c> becomes <c>Dense0</c>.</summary>
        internal static string ToIdentifier(string name)
        {
            var builder = new System.Text.StringBuilder(name.Length);
            bool upper = true;
            foreach (char c in name)
            {
                if (c is '_' or '.')
                {
                    upper = true;
                    continue;
                }

                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }

            return builder.Length == 0 || char.IsDigit(builder[0]) ? "Layer" + builder : builder.ToString();
        }
    }
}
