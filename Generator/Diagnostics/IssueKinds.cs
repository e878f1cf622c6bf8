using System.Collections.Generic;
using System.Linq;

namespace Compiled.Generator.Diagnostics
{
    /// <summary>How bad an issue is. Mirrors Roslyn's DiagnosticSeverity, which the shaper does not use.</summary>
    internal enum IssueSeverity
    {
        Info,
        Warning,
        Error,
    }

    /// <summary>A kind of problem the generator finds: its stable ID and its severity, as plain values, so that shape
    /// inference and the layer definitions need no Roslyn. <see cref="DiagnosticDescriptors"/> gives each its words.</summary>
    internal sealed record IssueKind(string Id, IssueSeverity Severity)
    {
        public bool IsError => Severity == IssueSeverity.Error;
    }

    /// <summary>
    /// Every kind of problem the generator reports. IDs are stable: never renumber or reuse one; add new ones at the end
    /// and list them in AnalyzerReleases.Unshipped.md. Severity is chosen on purpose: Error where the emitted code would be
    /// wrong, Warning where it is suspicious, Info where it is only a remark. An error stops emission.
    /// </summary>
    internal static class IssueKinds
    {
        public static readonly IssueKind NotPartial = new("CMP0001", IssueSeverity.Error);
        public static readonly IssueKind MissingInput = new("CMP0002", IssueSeverity.Error);
        public static readonly IssueKind MultipleInputs = new("CMP0003", IssueSeverity.Error);
        public static readonly IssueKind ValueOutOfRange = new("CMP0004", IssueSeverity.Error);
        public static readonly IssueKind RateOutOfRange = new("CMP0005", IssueSeverity.Error);
        public static readonly IssueKind LossDoesNotFitOutput = new("CMP0006", IssueSeverity.Error);
        public static readonly IssueKind ActivationAppliedTwice = new("CMP0007", IssueSeverity.Warning);
        public static readonly IssueKind DuplicateLayerName = new("CMP0008", IssueSeverity.Error);
        public static readonly IssueKind NestedClass = new("CMP0009", IssueSeverity.Error);
        public static readonly IssueKind GenericClass = new("CMP0010", IssueSeverity.Error);
        public static readonly IssueKind StaticClass = new("CMP0011", IssueSeverity.Error);
        public static readonly IssueKind NoLayers = new("CMP0012", IssueSeverity.Error);
        public static readonly IssueKind LayersOnSeveralDeclarations = new("CMP0013", IssueSeverity.Error);
        public static readonly IssueKind InputAfterLayer = new("CMP0014", IssueSeverity.Error);
        public static readonly IssueKind ImplicitFlatten = new("CMP0015", IssueSeverity.Info);
        public static readonly IssueKind InvalidLayerName = new("CMP0016", IssueSeverity.Error);
        public static readonly IssueKind WindowLargerThanInput = new("CMP0017", IssueSeverity.Error);
        public static readonly IssueKind OutputShrinksToZero = new("CMP0018", IssueSeverity.Error);
        public static readonly IssueKind StrideLeavesInputUnused = new("CMP0019", IssueSeverity.Info);
        public static readonly IssueKind DenseAfterSpatialLayer = new("CMP0020", IssueSeverity.Error);
        public static readonly IssueKind SpatialLayerAfterFlat = new("CMP0021", IssueSeverity.Error);
        public static readonly IssueKind InputRankDoesNotFit = new("CMP0022", IssueSeverity.Error);
        public static readonly IssueKind UnknownLayerInput = new("CMP0023", IssueSeverity.Error);
        public static readonly IssueKind JoinShapesDiffer = new("CMP0024", IssueSeverity.Error);
        public static readonly IssueKind UnusedLayerOutput = new("CMP0025", IssueSeverity.Error);
        public static readonly IssueKind TokensNeedEmbedding = new("CMP0026", IssueSeverity.Error);
        public static readonly IssueKind EmbeddingNeedsTokens = new("CMP0027", IssueSeverity.Error);
        public static readonly IssueKind CannotHostCode = new("CMP0028", IssueSeverity.Error);
        public static readonly IssueKind MemberClash = new("CMP0029", IssueSeverity.Error);
        public static readonly IssueKind NeedsSequence = new("CMP0030", IssueSeverity.Error);
        public static readonly IssueKind MaskWithoutEffect = new("CMP0031", IssueSeverity.Error);
        public static readonly IssueKind HeadsDoNotDivideWidth = new("CMP0032", IssueSeverity.Error);
        public static readonly IssueKind ReshapeSizeDiffers = new("CMP0033", IssueSeverity.Error);

        /// <summary>A &lt;CompiledWeights&gt; file whose tensors are not the network's.</summary>
        public static readonly IssueKind WeightsDoNotMatch = new("CMP0034", IssueSeverity.Error);

        /// <summary>A &lt;CompiledWeights&gt; file for a network the project does not declare.</summary>
        public static readonly IssueKind WeightsNetworkUnknown = new("CMP0035", IssueSeverity.Error);
        public static readonly IssueKind GeneratorFailed = new("CMP0099", IssueSeverity.Error);

        private static readonly Dictionary<string, IssueKind> ById = typeof(IssueKinds)
            .GetFields()
            .Select(field => field.GetValue(null))
            .OfType<IssueKind>()
            .ToDictionary(kind => kind.Id);

        /// <summary>Whether the issue of this ID is an error (and so stops emission).</summary>
        public static bool IsError(string id) => ById[id].IsError;
    }
}
