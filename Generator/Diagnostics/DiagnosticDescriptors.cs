using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Diagnostics
{
    /// <summary>
    /// Every diagnostic the generator reports, as Roslyn descriptors: ID, title, message, severity. Each has an
    /// <see cref="IssueKinds"/> entry of the same name, ID and severity (checked by the catalog test).
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "Compiled";
        private const string HelpLinkBase = "https://github.com/compiled-nn/compiled/blob/main/docs/diagnostics/";

        public static readonly DiagnosticDescriptor NotPartial = Create(
            "CMP0001", "Network class must be partial",
            "The network class '{0}' must be declared 'partial' so that the generator can add its code",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor MissingInput = Create(
            "CMP0002", "Network has no [Input]",
            "The network '{0}' has no [Input(...)] attribute; add one that gives the shape of a sample, e.g. [Input(784)]",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor MultipleInputs = Create(
            "CMP0003", "Network has more than one [Input]",
            "The network '{0}' has more than one [Input]; a network takes exactly one input, remove this one",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor ValueOutOfRange = Create(
            "CMP0004", "A size is out of range",
            "{0} must be {1}, but it is {2}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor RateOutOfRange = Create(
            "CMP0005", "A dropout rate is out of range",
            "The dropout rate of '{0}' must be in [0, 1), but it is {1}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor LossDoesNotFitOutput = Create(
            "CMP0006", "The loss does not fit the output layer",
            "The loss {0} does not fit the output layer '{1}': {2}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor ActivationAppliedTwice = Create(
            "CMP0007", "The output activation is applied twice",
            "The output layer '{0}' applies {1}, and the loss {2} works on logits and applies {1} itself, so it would be applied twice; use Activation.Identity",
            DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor DuplicateLayerName = Create(
            "CMP0008", "Two layers have the same name",
            "The layer name '{0}' is already used by layer {1}; parameter names must be unique",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor NestedClass = Create(
            "CMP0009", "Network class is nested",
            "The network class '{0}' is nested in another type; declare it at namespace level",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor GenericClass = Create(
            "CMP0010", "Network class is generic",
            "The network class '{0}' is generic; a network's sizes are fixed, so it cannot have type parameters",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor StaticClass = Create(
            "CMP0011", "Network class is static",
            "The network class '{0}' is static; a network holds its parameters, so it must be an instance class",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor NoLayers = Create(
            "CMP0012", "Network has no layers",
            "The network '{0}' has no layers; add at least one, e.g. [Dense(10)]",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor LayersOnSeveralDeclarations = Create(
            "CMP0013", "Layers are spread over several partial declarations",
            "The network '{0}' has layer attributes on more than one partial declaration, so their order is not defined; put [Network], [Input] and every layer on one declaration",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor InputAfterLayer = Create(
            "CMP0014", "[Input] comes after a layer",
            "[Input] must come before the layers of '{0}', since layers are read in source order; move it above the first layer",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor ImplicitFlatten = Create(
            "CMP0015", "Dense layer flattens its input",
            "'{0}' takes an input of shape {1} and treats it as a vector of {2} values",
            DiagnosticSeverity.Info);

        public static readonly DiagnosticDescriptor InvalidLayerName = Create(
            "CMP0016", "Layer name is not valid",
            "The layer name '{0}' is not valid; use letters, digits and '_', starting with a letter or '_'",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor WindowLargerThanInput = Create(
            "CMP0017", "Kernel or pool window is larger than its input",
            "The {0} window of '{1}' is larger than its {2} input; use a smaller window, or Padding = Padding.Same",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor OutputShrinksToZero = Create(
            "CMP0018", "Output shrinks to nothing",
            "'{0}' would have an empty output: its {1} window does not fit the {2} input left by the layers before it ({3}); remove a pooling layer or a stride before it, or use Padding = Padding.Same",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor StrideLeavesInputUnused = Create(
            "CMP0019", "Stride leaves input unused",
            "With a {0} window and stride {1}, '{2}' never reads the last {3} of its {4} input; Padding = Padding.Same would cover them",
            DiagnosticSeverity.Info);

        public static readonly DiagnosticDescriptor DenseAfterSpatialLayer = Create(
            "CMP0020", "Dense layer after a spatial layer needs [Flatten]",
            "'{0}' comes directly after the spatial layer '{1}' ({2}); add [Flatten] before it (or [GlobalAveragePool2D])",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor SpatialLayerAfterFlat = Create(
            "CMP0021", "Spatial layer after [Flatten] or [Dense]",
            "'{0}' needs a height x width x channels input, but '{1}' before it outputs {2}; put spatial layers before [Flatten] and [Dense], or [Reshape] a vector into an image first",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor InputRankDoesNotFit = Create(
            "CMP0022", "[Input] has the wrong rank for the first layer",
            "'{0}' needs [Input(height, width, channels)], but the input is [Input({1})]{2}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor UnknownLayerInput = Create(
            "CMP0023", "A layer reads a name that no earlier layer has",
            "'{0}' reads '{1}', but no layer before it has that name; name an earlier layer (its Name, or its default name such as 'dense0')",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor JoinShapesDiffer = Create(
            "CMP0024", "The inputs of a join have different shapes",
            "'{0}' adds '{1}' ({2}) and '{3}' ({4}); the inputs of a sum must have the same shape",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor UnusedLayerOutput = Create(
            "CMP0025", "A layer's output is never used",
            "No later layer reads the output of '{0}', so it cannot affect the network's output or be trained; remove it, or name it in a join such as [Add]",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor TokensNeedEmbedding = Create(
            "CMP0026", "Token ids reach a layer that reads floats",
            "'{0}' reads token ids, which only an [Embedding] reads; put [Embedding(dimension)] before it to turn each id into a vector",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor EmbeddingNeedsTokens = Create(
            "CMP0027", "An embedding reads something other than token ids",
            "'{0}' is an embedding, which reads token ids, but it gets {1}; declare the input as token ids with [Input(steps, Vocabulary = n)], or use [Dense] for float inputs",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor CannotHostCode = Create(
            "CMP0028", "The network's declaration cannot take the generated code",
            "The network '{0}' is {1}, which the generated partial class cannot join; declare it as a plain 'partial class'",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor MemberClash = Create(
            "CMP0029", "A member has the name of a generated one",
            "'{0}' in '{1}' clashes with {2}, which the generator writes; rename or remove it",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor NeedsSequence = Create(
            "CMP0030", "A sequence layer reads something other than a sequence",
            "'{0}' is {1}, which reads a sequence of steps x features, but it gets {2}{3}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor MaskWithoutEffect = Create(
            "CMP0031", "Padded steps are marked where nothing can skip them",
            "The [Input]'s {0} marks padded steps, but {1}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor HeadsDoNotDivideWidth = Create(
            "CMP0032", "The attention heads do not divide the width",
            "'{0}' has {1} heads, but its input has {2} features per step, which they do not divide; use {3}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor ReshapeSizeDiffers = Create(
            "CMP0033", "A reshape changes the number of values",
            "'{0}' reads {1} as a {2} image, which holds {3}; a reshape keeps every value, so the sizes must be equal",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor WeightsDoNotMatch = Create(
            "CMP0034", "Compiled-in weights do not match the network",
            "The weights '{0}' compiled into {1} do not match it: {2}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor WeightsNetworkUnknown = Create(
            "CMP0035", "Compiled-in weights name no network",
            "The weights '{0}' are for '{1}', but no [Network] class of that name is in this project{2}",
            DiagnosticSeverity.Error);

        public static readonly DiagnosticDescriptor GeneratorFailed = Create(
            "CMP0099", "The generator failed",
            "The Compiled generator failed on '{0}' ({1}); please report this with the declaration that caused it",
            DiagnosticSeverity.Error);

        // Every descriptor above, found by reflection so that a new one cannot be left out (Get would throw for it).
        private static readonly Dictionary<string, DiagnosticDescriptor> ById = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetValue(null))
            .OfType<DiagnosticDescriptor>()
            .ToDictionary(descriptor => descriptor.Id);

        /// <summary>All descriptors, for the catalog test and the docs check.</summary>
        public static IEnumerable<DiagnosticDescriptor> All => ById.Values;

        public static DiagnosticDescriptor Get(string id) => ById[id];

        // The ID and severity are written as literals (the release-tracking analyzer reads them from here); the catalog
        // test checks that each equals its IssueKinds entry, which shape inference uses without Roslyn.
        private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity) =>
            new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
    }
}
