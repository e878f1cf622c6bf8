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
    /// What a layer definition's shape rule sees of the network: the layer, its input shape, whether that shape is still
    /// known (after an error it is not, and later layers skip checks that would only repeat it), and the checks and
    /// reports every definition shares. Created by <see cref="NetworkShaper"/> for one layer at a time.
    /// </summary>
    internal sealed class ShapeContext
    {
        private readonly Action<ShapeIssue> _report;

        public ShapeContext(NetworkSpec spec, int index, string name, IReadOnlyList<TensorShape> inputs, bool shapeKnown, long maxBatch, List<string> trail, Action<ShapeIssue> report)
        {
            Spec = spec;
            Index = index;
            Name = name;
            Inputs = inputs;
            ShapeKnown = shapeKnown;
            MaxBatch = maxBatch;
            Trail = trail;
            _report = report;
        }

        public NetworkSpec Spec { get; }

        public int Index { get; }

        public LayerSpec Layer => Spec.Layers[Index];

        /// <summary>The layer's name (explicit or default), as diagnostics and comments write it.</summary>
        public string Name { get; }

        /// <summary>The shape of the first (for most kinds, the only) input.</summary>
        public TensorShape Input => Inputs[0];

        /// <summary>The shapes of every input, in the order the layer names them (one for the default, the layer above).</summary>
        public IReadOnlyList<TensorShape> Inputs { get; }

        /// <summary>False once some layer's shape is wrong; a rule that gives a known shape whatever its input (Dense) sets it again.</summary>
        public bool ShapeKnown { get; set; }

        /// <summary>The workspace's batch capacity, for the rules that choose chunk sizes.</summary>
        public long MaxBatch { get; }

        /// <summary>The spatial shapes so far (<c>26x26x32 (conv0)</c>), for the messages that explain where a size went.</summary>
        public List<string> Trail { get; }

        public void Report(IssueKind kind, ArgumentRef? argument, params string[] arguments) =>
            _report(new ShapeIssue(kind.Id, IssueTarget.Layer, Index, argument, arguments.ToEquatableArray()));

        public void ReportAt(IssueKind kind, IssueTarget target, params string[] arguments) =>
            _report(new ShapeIssue(kind.Id, target, Index, null, arguments.ToEquatableArray()));

        /// <summary>Marks the shape unknown (an error has been reported) and gives a placeholder output.</summary>
        public LayerShape Unknown()
        {
            ShapeKnown = false;
            return new LayerShape(TensorShape.Vector(1));
        }

        public bool CheckAtLeastOne(int value, ArgumentRef argument, string what)
        {
            if (value >= 1)
            {
                return true;
            }

            Report(IssueKinds.ValueOutOfRange, argument, $"The {what} of '{Name}'", "at least 1", Invariant(value));
            return false;
        }

        public bool CheckActivation(ActivationKind activation)
        {
            if (Enum.IsDefined(typeof(ActivationKind), activation))
            {
                return true;
            }

            Report(IssueKinds.ValueOutOfRange, ArgumentRef.Named("Activation"), $"The activation of '{Name}'", "a defined Activation value", Invariant((int)activation));
            return false;
        }

        /// <summary>Leaky ReLU's slope must be finite and at least 0: its backward pass reads the sign of the input from
        /// the output's, which a negative slope would flip.</summary>
        public bool CheckNegativeSlope(float slope)
        {
            if (slope >= 0f && !float.IsInfinity(slope))
            {
                return true;
            }

            Report(IssueKinds.ValueOutOfRange, ArgumentRef.Named("NegativeSlope"), $"The negative slope of '{Name}'", "a finite number of at least 0", slope.ToString("R", CultureInfo.InvariantCulture));
            return false;
        }

        /// <summary>Whether the input is height x width x channels; reports why not (the [Input]'s rank, or a flattening layer before).</summary>
        public bool RequireImage()
        {
            if (!ShapeKnown || Input.Spatial)
            {
                return ShapeKnown;
            }

            if (FromInput())
            {
                string hint = Spec.InputShape.Count == 2 ? $"; for one channel write [Input({Invariant(Spec.InputShape[0])}, {Invariant(Spec.InputShape[1])}, 1)]" : string.Empty;
                ReportAt(IssueKinds.InputRankDoesNotFit, IssueTarget.InputAttribute, Name, InputText(), hint);
            }
            else
            {
                Report(IssueKinds.SpatialLayerAfterFlat, null, Name, LastShaping(), Input.Describe());
            }

            ShapeKnown = false;
            return false;
        }

        /// <summary>Whether the input is steps x features; reports why not (CMP0030) unless it is token ids, which CMP0026
        /// reports. <paramref name="what"/> says what the layer is: <c>a recurrent layer</c>.</summary>
        public bool RequireSequence(string what)
        {
            if (!ShapeKnown || Input.Kind == ShapeKind.Sequence)
            {
                return ShapeKnown;
            }

            if (!Input.IsInteger)
            {
                Report(IssueKinds.NeedsSequence, null, Name, what, Input.Describe(), SequenceHint(what));
            }

            ShapeKnown = false;
            return false;
        }

        /// <summary>Why the input is not a sequence, when a recurrent layer that returns its last state only is the cause.</summary>
        private string SequenceHint(string what)
        {
            string general = Input.Spatial ? $"; {what} reads steps of features, not pixels" : "; declare the input as [Input(steps, features)]";
            for (int i = Index - 1; i >= 0; i--)
            {
                LayerSpec before = Spec.Layers[i];
                LayerDefinition definition = LayerRegistry.Get(before.Kind);
                if (!definition.KeepsShape)
                {
                    return definition is RecurrentLayer && before.Arguments is RecurrentArguments { ReturnSequences: false }
                        ? $"; '{before.Name ?? NetworkShaper.DefaultName(Spec, i)}' returns its last state only: set ReturnSequences = true on it"
                        : general;
                }
            }

            return general;
        }

        /// <summary>Whether the shape is still the [Input]'s: only layers that keep the shape (dropout) come before.</summary>
        public bool FromInput() => Spec.Layers.Take(Index).All(l => LayerRegistry.Get(l.Kind).KeepsShape);

        /// <summary>The last layer before this one that changed the shape (dropout does not).</summary>
        public string LastShaping()
        {
            for (int i = Index - 1; i >= 0; i--)
            {
                if (!LayerRegistry.Get(Spec.Layers[i].Kind).KeepsShape)
                {
                    return Spec.Layers[i].Name ?? NetworkShaper.DefaultName(Spec, i);
                }
            }

            return "[Input]";
        }

        /// <summary>The [Input]'s arguments as written: <c>28, 28</c>.</summary>
        public string InputText() => string.Join(", ", Spec.InputShape.Select(d => Invariant(d)));

        public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
