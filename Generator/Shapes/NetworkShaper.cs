using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;

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

        /// <summary>Floats in a convolution's unfolded chunk: about 128 KB, which stays in L2 beside the weights.</summary>
        private const long ScratchTarget = 32 * 1024;

        private static int Clamp(long value) => (int)Math.Min(value, MaxElements);

        /// <summary>The kind's prefix and its count among the layers of that kind before it: <c>dense0</c>, <c>conv1</c>.</summary>
        internal static string DefaultName(NetworkSpec spec, int index)
        {
            LayerKind kind = spec.Layers[index].Kind;
            return DefaultNamePrefix(kind) + spec.Layers.Take(index).Count(l => l.Kind == kind);
        }

        private static string DefaultNamePrefix(LayerKind kind) => kind switch
        {
            LayerKind.Dense => "dense",
            LayerKind.Dropout => "dropout",
            LayerKind.Conv2D => "conv",
            LayerKind.MaxPool2D => "maxpool",
            LayerKind.AveragePool2D => "avgpool",
            LayerKind.GlobalAveragePool2D => "globalpool",
            _ => "flatten",
        };

        /// <summary>[Input(h, w, c)] is spatial; any other rank is a vector of its <paramref name="size"/> (rank 2 is reported
        /// when a spatial layer gets it). An input that is not <paramref name="valid"/> has errors already: any shape will do.</summary>
        private static TensorShape InputShapeOf(EquatableArray<int> input, long size, bool valid) =>
            valid && input.Count == 3
                ? new TensorShape(input[0], input[1], input[2], Spatial: true)
                : TensorShape.Vector((int)Math.Max(size, 1));

        public static ShapeResult Shape(NetworkSpec spec)
        {
            var issues = new List<ShapeIssue>();
            void Report(DiagnosticDescriptor descriptor, IssueTarget target, int index, params string[] args) =>
                issues.Add(new ShapeIssue(descriptor.Id, target, index, args.ToEquatableArray()));

            if (spec.MaxBatchSize < 1 || spec.MaxBatchSize > 1 << 16)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.MaxBatchSizeArgument, 0, "MaxBatchSize", "between 1 and 65536", spec.MaxBatchSize.ToString());
            }

            if (!Enum.IsDefined(typeof(LossKind), spec.Loss))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.LossArgument, 0, "Loss", "a defined Loss value", ((int)spec.Loss).ToString());
            }

            long inputSize = 1;
            if (spec.InputShape.Count == 0)
            {
                Report(DiagnosticDescriptors.MissingInput, IssueTarget.ClassName, 0, spec.ClassName);
                inputSize = 0;
            }

            for (int i = 0; i < spec.InputShape.Count; i++)
            {
                int dimension = spec.InputShape[i];
                if (dimension < 1)
                {
                    Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.InputArgument, i, $"Input dimension {i}", "at least 1", dimension.ToString());
                }

                inputSize *= Math.Max(dimension, 1);
                inputSize = Math.Min(inputSize, MaxElements);
            }

            if (inputSize >= MaxElements)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.InputAttribute, 0, "The size of one input sample", "below 2^30 values", string.Join("x", spec.InputShape));
            }

            if (spec.Layers.Count == 0)
            {
                Report(DiagnosticDescriptors.NoLayers, IssueTarget.ClassName, 0, spec.ClassName);
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
                    Report(DiagnosticDescriptors.InvalidLayerName, IssueTarget.LayerNameArgument, i, layer.Name);
                }
                else if (firstUse.TryGetValue(ToIdentifier(name), out int first))
                {
                    Report(DiagnosticDescriptors.DuplicateLayerName, layer.Name is null ? IssueTarget.LayerAttribute : IssueTarget.LayerNameArgument, i, name, first.ToString());
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
            long scratch = 0;
            long maxBatch = Math.Max(1, Math.Min(spec.MaxBatchSize, 1 << 16));
            bool shapeKnown = spec.InputShape.Count > 0 && spec.InputShape.All(d => d >= 1) && inputSize < MaxElements;
            TensorShape shape = InputShapeOf(spec.InputShape, inputSize, shapeKnown);
            long gradientWidth = 1; // the input itself never needs a gradient
            bool allShapesKnown = shapeKnown;
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec layer = spec.Layers[i];
                var rules = new LayerRules(spec, i, names[i], shape, shapeKnown, Report);
                TensorShape output = rules.OutputShape(layer, trail);
                shapeKnown = rules.ShapeKnown;
                allShapesKnown &= shapeKnown;
                long outputSize = (long)output.Height * output.Width * output.Channels;
                if (outputSize > MaxElements)
                {
                    Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.LayerAttribute, i, $"The output of '{names[i]}'", "at most 2^30 values", outputSize.ToString());
                    output = TensorShape.Vector(1);
                    shapeKnown = false;
                }

                int weightOffset = 0, biasOffset = 0, savedOffset = 0, outputOffset = 0, chunkRows = 0;
                if (layer.Kind is LayerKind.Dense or LayerKind.Conv2D)
                {
                    long weights = layer.Kind == LayerKind.Dense
                        ? (long)shape.Size * output.Size
                        : (long)rules.Window.Height * rules.Window.Width * shape.Channels * output.Channels;
                    weightOffset = Clamp(parameterCount);
                    parameterCount += weights;
                    biasOffset = Clamp(parameterCount);
                    parameterCount += output.Channels;
                }

                if (layer.Kind == LayerKind.Conv2D)
                {
                    // The convolution unfolds ChunkRows output pixels' patches at a time into a shared scratch, sized
                    // to stay in L2 (about 128 KB) while the matrix multiply runs over it, plus room for W transposed.
                    long patch = (long)rules.Window.Height * rules.Window.Width * shape.Channels;
                    long rows = Math.Max(6, Math.Min(4096, ScratchTarget / Math.Max(patch, 1)));
                    rows = Math.Min(rows, maxBatch * output.Height * output.Width);
                    chunkRows = (int)Math.Max(1, rows >= 6 ? rows - (rows % 6) : rows);
                    scratch = Math.Max(scratch, (chunkRows * patch) + (patch * output.Channels));
                }

                if (layer.Kind == LayerKind.Dropout || layer.Kind == LayerKind.MaxPool2D)
                {
                    savedOffset = Clamp(workspace);
                    workspace += maxBatch * (layer.Kind == LayerKind.Dropout ? shape.Size : (long)output.Size);
                }

                if (layer.Kind != LayerKind.Flatten)
                {
                    outputOffset = Clamp(workspace);
                    workspace += maxBatch * output.Size;
                    gradientWidth = Math.Max(gradientWidth, output.Size);
                }

                bool unrolled = layer.Kind == LayerKind.Dense && (long)shape.Size * output.Size <= ShapedNetwork.UnrollLimit;
                shaped.Add(new ShapedLayer(
                    i, layer.Kind, names[i], ToIdentifier(names[i]), shape, output,
                    layer.Activation, layer.Rate, weightOffset, biasOffset, outputOffset, savedOffset, unrolled)
                {
                    Window = rules.Window,
                    ChunkRows = chunkRows,
                });
                shape = output;
            }

            CheckLoss(spec, shaped, Report);

            int gradientA = (int)Math.Min(workspace, MaxElements);
            workspace += maxBatch * gradientWidth;
            int gradientB = (int)Math.Min(workspace, MaxElements);
            workspace += maxBatch * gradientWidth;
            int scratchOffset = Clamp(workspace);
            workspace += scratch;

            if (parameterCount > MaxElements || workspace > MaxElements)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.ClassName, 0, $"The size of '{spec.ClassName}' (parameters and workspace for MaxBatchSize rows)", "at most 2^30 values", Math.Max(parameterCount, workspace).ToString());
            }

            // Every way a shape becomes unknown reports an error; if one ever did not, emitting from made-up sizes would
            // be worse than saying so.
            if (!allShapesKnown && !issues.Any(issue => DiagnosticDescriptors.Get(issue.Id).DefaultSeverity == DiagnosticSeverity.Error))
            {
                Report(DiagnosticDescriptors.GeneratorFailed, IssueTarget.ClassName, 0, spec.ClassName, "the shape of a layer could not be inferred, and no error says why");
            }

            bool hasErrors = issues.Any(issue => DiagnosticDescriptors.Get(issue.Id).DefaultSeverity == DiagnosticSeverity.Error);
            ShapedNetwork? network = hasErrors ? null : new ShapedNetwork(
                spec.Namespace, spec.ClassName, spec.Loss, spec.MaxBatchSize, spec.Seed, spec.InputShape,
                (int)inputSize, shape.Size, (int)parameterCount, (int)workspace, gradientA, gradientB, (int)gradientWidth,
                scratchOffset, (int)scratch, shaped.ToEquatableArray());
            return new ShapeResult(network, issues.ToEquatableArray());
        }

        private static void CheckLoss(NetworkSpec spec, List<ShapedLayer> layers, Action<DiagnosticDescriptor, IssueTarget, int, string[]> report)
        {
            // The layer that produces the network's output activation is the last one that has an activation.
            ShapedLayer? last = layers.LastOrDefault(l => l.Kind is LayerKind.Dense or LayerKind.Conv2D);
            if (last is null)
            {
                return;
            }

            int outputs = layers[layers.Count - 1].OutputSize;
            switch (spec.Loss)
            {
                case LossKind.SoftmaxCrossEntropy when outputs < 2:
                    report(DiagnosticDescriptors.LossDoesNotFitOutput, IssueTarget.LossArgument, 0,
                        new[] { "SoftmaxCrossEntropy", last.Name, $"it needs at least 2 outputs (one per class), but the network has {outputs}; for two classes with one output use BinaryCrossEntropy" });
                    break;
                case LossKind.SoftmaxCrossEntropy when last.Activation == ActivationKind.Softmax:
                    report(DiagnosticDescriptors.ActivationAppliedTwice, IssueTarget.LayerActivationArgument, last.Index,
                        new[] { last.Name, "Softmax", "SoftmaxCrossEntropy" });
                    break;
                case LossKind.BinaryCrossEntropy when last.Activation == ActivationKind.Softmax:
                    report(DiagnosticDescriptors.LossDoesNotFitOutput, IssueTarget.LossArgument, 0,
                        new[] { "BinaryCrossEntropy", last.Name, "it treats each output as an independent yes/no logit, but Softmax makes the outputs depend on each other; use Identity, or SoftmaxCrossEntropy for one class out of several" });
                    break;
                case LossKind.BinaryCrossEntropy when last.Activation == ActivationKind.Sigmoid:
                    report(DiagnosticDescriptors.ActivationAppliedTwice, IssueTarget.LayerActivationArgument, last.Index,
                        new[] { last.Name, "Sigmoid", "BinaryCrossEntropy" });
                    break;
            }
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
                if (c == '_')
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
