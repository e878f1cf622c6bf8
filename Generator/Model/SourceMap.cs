using Compiled.Generator.Diagnostics;

namespace Compiled.Generator.Model
{
    /// <summary>Where each part of a declaration is, so that a diagnostic can point at the exact argument.</summary>
    /// <param name="Attribute">The whole attribute.</param>
    /// <param name="SizeArgument">Dense units, Conv2D filters, the dropout rate, or a pool's window.</param>
    /// <param name="WindowArgument">Conv2D's kernel size(s), or a pool's window size(s): from the first to the last.</param>
    /// <param name="StrideArgument">The <c>Stride</c> argument.</param>
    /// <param name="PaddingArgument">The <c>Padding</c> argument.</param>
    /// <param name="ActivationArgument">The <c>Activation</c> argument.</param>
    /// <param name="NameArgument">The <c>Name</c> argument.</param>
    internal sealed record LayerLocations(
        LocationInfo Attribute,
        LocationInfo? SizeArgument,
        LocationInfo? WindowArgument,
        LocationInfo? StrideArgument,
        LocationInfo? PaddingArgument,
        LocationInfo? ActivationArgument,
        LocationInfo? NameArgument);

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
    /// the diagnostics found while parsing, the source map for diagnostics found later, and the syntax tree.</summary>
    /// <remarks>
    /// The tree is the one Roslyn object in the pipeline, and it stays on the diagnostics side: it lets diagnostics be
    /// reported at a real <c>SourceLocation</c>, the only kind that <c>#pragma warning disable</c> applies to
    /// (dotnet/roslyn#68291, dotnet/runtime#124994). The source side selects <see cref="Spec"/> out of this result
    /// first, and the spec compares by value, so emission stays cached when only the tree object changes.
    /// </remarks>
    internal sealed record ParseResult(NetworkSpec? Spec, SourceMap? Map, EquatableArray<DiagnosticInfo> Diagnostics, Microsoft.CodeAnalysis.SyntaxTree? Tree);
}
