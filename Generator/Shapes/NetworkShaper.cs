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
        private const long MaxElements = 1L << 30;

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

            if (spec.Layers.Count == 0)
            {
                Report(DiagnosticDescriptors.NoLayers, IssueTarget.ClassName, 0, spec.ClassName);
            }

            // Names: explicit ones must be valid and unique; defaults are kind + per-kind counter.
            var names = new string[spec.Layers.Count];
            var firstUse = new Dictionary<string, int>(StringComparer.Ordinal);
            int denseCount = 0, dropoutCount = 0;
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec layer = spec.Layers[i];
                string defaultName = layer.Kind == LayerKind.Dense ? "dense" + denseCount++ : "dropout" + dropoutCount++;
                string name = layer.Name ?? defaultName;
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

            // Sizes, parameter offsets and workspace offsets, in layer order.
            var shaped = new List<ShapedLayer>();
            long parameterCount = 0;
            long workspace = 0;
            long maxBatch = Math.Max(1, Math.Min(spec.MaxBatchSize, 1 << 16));
            long width = inputSize;
            long gradientWidth = 1; // the input itself never needs a gradient
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec layer = spec.Layers[i];
                long output = width;
                int weightOffset = 0, biasOffset = 0, maskOffset = 0;
                if (layer.Kind == LayerKind.Dense)
                {
                    if (layer.Size < 1)
                    {
                        Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.LayerSizeArgument, i, $"The units of '{names[i]}'", "at least 1", layer.Size.ToString());
                    }

                    if (!Enum.IsDefined(typeof(ActivationKind), layer.Activation))
                    {
                        Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.LayerActivationArgument, i, $"The activation of '{names[i]}'", "a defined Activation value", ((int)layer.Activation).ToString());
                    }

                    // The first dense layer is where a multi-dimensional sample becomes a vector (dropout before it keeps the shape).
                    if (spec.InputShape.Count > 1 && !spec.Layers.Take(i).Any(l => l.Kind == LayerKind.Dense))
                    {
                        Report(DiagnosticDescriptors.ImplicitFlatten, IssueTarget.LayerAttribute, i, names[i], string.Join("x", spec.InputShape), inputSize.ToString());
                    }

                    output = Math.Max(layer.Size, 1);
                    weightOffset = (int)Math.Min(parameterCount, MaxElements);
                    parameterCount += width * output;
                    biasOffset = (int)Math.Min(parameterCount, MaxElements);
                    parameterCount += output;
                }
                else
                {
                    if (!(layer.Rate >= 0f && layer.Rate < 1f))
                    {
                        Report(DiagnosticDescriptors.RateOutOfRange, IssueTarget.LayerSizeArgument, i, names[i], layer.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                    }

                    maskOffset = (int)Math.Min(workspace, MaxElements);
                    workspace += maxBatch * width;
                }

                int outputOffset = (int)Math.Min(workspace, MaxElements);
                workspace += maxBatch * output;
                gradientWidth = Math.Max(gradientWidth, output);
                bool unrolled = layer.Kind == LayerKind.Dense && width * output <= ShapedNetwork.UnrollLimit;
                shaped.Add(new ShapedLayer(
                    i, layer.Kind, names[i], ToIdentifier(names[i]), (int)Math.Min(width, MaxElements), (int)Math.Min(output, MaxElements),
                    layer.Activation, layer.Rate, weightOffset, biasOffset, outputOffset, maskOffset, unrolled));
                width = output;
            }

            CheckLoss(spec, shaped, Report);

            int gradientA = (int)Math.Min(workspace, MaxElements);
            workspace += maxBatch * gradientWidth;
            int gradientB = (int)Math.Min(workspace, MaxElements);
            workspace += maxBatch * gradientWidth;

            if (parameterCount > MaxElements || workspace > MaxElements)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.ClassName, 0, $"The size of '{spec.ClassName}' (parameters and workspace for MaxBatchSize rows)", "at most 2^30 values", Math.Max(parameterCount, workspace).ToString());
            }

            bool hasErrors = issues.Any(issue => DiagnosticDescriptors.Get(issue.Id).DefaultSeverity == DiagnosticSeverity.Error);
            ShapedNetwork? network = hasErrors ? null : new ShapedNetwork(
                spec.Namespace, spec.ClassName, spec.Loss, spec.MaxBatchSize, spec.Seed, spec.InputShape,
                (int)inputSize, (int)width, (int)parameterCount, (int)workspace, gradientA, gradientB, (int)gradientWidth,
                shaped.ToEquatableArray());
            return new ShapeResult(network, issues.ToEquatableArray());
        }

        private static void CheckLoss(NetworkSpec spec, List<ShapedLayer> layers, Action<DiagnosticDescriptor, IssueTarget, int, string[]> report)
        {
            // The layer that produces the network's output activation is the last dense layer.
            ShapedLayer? last = layers.LastOrDefault(l => l.Kind == LayerKind.Dense);
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
