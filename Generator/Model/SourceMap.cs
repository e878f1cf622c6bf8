using Compiled.Generator.Diagnostics;

namespace Compiled.Generator.Model
{
    /// <summary>Where each part of a declaration is, so that a diagnostic can point at the exact argument.</summary>
    internal sealed record LayerLocations(LocationInfo Attribute, LocationInfo? SizeArgument, LocationInfo? ActivationArgument, LocationInfo? NameArgument);

    /// <summary>The locations of a network declaration, kept apart from <see cref="NetworkSpec"/> so that moving code
    /// (which changes locations only) does not re-run shape inference or emission.</summary>
    internal sealed record SourceMap(
        LocationInfo ClassName,
        LocationInfo NetworkAttribute,
        LocationInfo? LossArgument,
        LocationInfo? MaxBatchSizeArgument,
        LocationInfo? InputAttribute,
        EquatableArray<LocationInfo> InputArguments,
        EquatableArray<LayerLocations> Layers);

    /// <summary>What the parse step produces for one class: the spec (null when the class cannot host a network),
    /// the diagnostics found while parsing, and the source map for diagnostics found later.</summary>
    internal sealed record ParseResult(NetworkSpec? Spec, SourceMap? Map, EquatableArray<DiagnosticInfo> Diagnostics);
}
