using System.Linq;
using Compiled.Generator.Diagnostics;

namespace Compiled.Generator.Model
{
    /// <summary>Where a named argument (<c>Stride = 2</c>) is: its value expression.</summary>
    internal sealed record NamedLocation(string Name, LocationInfo Location);

    /// <summary>Where each part of a layer attribute is, so that a diagnostic can point at the exact argument.</summary>
    /// <param name="Attribute">The whole attribute.</param>
    /// <param name="Positional">The positional arguments' expressions, in order.</param>
    /// <param name="Named">The named arguments' expressions.</param>
    internal sealed record LayerLocations(LocationInfo Attribute, EquatableArray<LocationInfo> Positional, EquatableArray<NamedLocation> Named)
    {
        /// <summary>The location an <see cref="ArgumentRef"/> names, trying its alternatives in order; the attribute when none is written.</summary>
        public LocationInfo Find(ArgumentRef? argument)
        {
            for (ArgumentRef? current = argument; current is not null; current = current.Otherwise)
            {
                LocationInfo? found = current.NamedArgument is { } name
                    ? Named.FirstOrDefault(n => n.Name == name)?.Location
                    : current.FirstPositional < Positional.Count
                    ? Span(Positional[current.FirstPositional], Positional[current.LastPositional < 0 ? Positional.Count - 1 : System.Math.Min(current.LastPositional, Positional.Count - 1)])
                    : null;
                if (found is not null)
                {
                    return found;
                }
            }

            return Attribute;
        }

        private static LocationInfo Span(LocationInfo first, LocationInfo last) =>
            first with { Length = last.Start + last.Length - first.Start, EndLine = last.EndLine, EndColumn = last.EndColumn };
    }

    /// <summary>
    /// An argument of a layer attribute that a diagnostic points at, as a plain value: a named argument, or a run of
    /// positional ones (to the last one written when <see cref="LastPositional"/> is -1), with an alternative to point
    /// at when this one is not written (a defaulted <c>Stride</c> points at the window instead).
    /// </summary>
    internal sealed record ArgumentRef(string? NamedArgument, int FirstPositional, int LastPositional, ArgumentRef? Otherwise)
    {
        public static ArgumentRef Named(string name, ArgumentRef? otherwise = null) => new(name, 0, 0, otherwise);

        public static ArgumentRef Positional(int index) => new(null, index, index, null);

        /// <summary>The positional arguments from <paramref name="first"/> to the last one written (a window's one or two sizes).</summary>
        public static ArgumentRef PositionalFrom(int first) => new(null, first, -1, null);
    }

    /// <summary>The locations of a network declaration, kept apart from <see cref="NetworkSpec"/> so that moving code
    /// (which changes locations only) does not re-run shape inference or emission.</summary>
    internal sealed record SourceMap(
        LocationInfo ClassName,
        LocationInfo NetworkAttribute,
        LocationInfo? LossArgument,
        LocationInfo? MaxBatchSizeArgument,
        LocationInfo? InputAttribute,
        EquatableArray<LocationInfo> InputArguments,
        EquatableArray<LayerLocations> Layers)
    {
        /// <summary>The <c>[Input]</c>'s <c>Vocabulary = n</c> value, when written.</summary>
        public LocationInfo? VocabularyArgument { get; init; }

        /// <summary>The <c>[Input]</c>'s <c>PaddingToken</c> or <c>MaskValue</c> argument, when written.</summary>
        public LocationInfo? MaskArgument { get; init; }
    }

    /// <summary>What the parse step produces for one class: the spec (null when the class cannot host a network),
    /// the diagnostics found while parsing, the source map for diagnostics found later, and the syntax tree.</summary>
    /// <remarks>
    /// The tree is the one Roslyn object in the pipeline, and it stays on the diagnostics side: it lets diagnostics be
    /// reported at a real <c>SourceLocation</c>, the only kind that <c>#pragma warning disable</c> applies to
    /// (dotnet/roslyn#68291, dotnet/runtime#124994). The source side selects <see cref="Spec"/> out of this result
    /// first, and the spec compares by value, so emission stays cached when only the tree object changes.
    /// </remarks>
    internal sealed record ParseResult(NetworkSpec? Spec, SourceMap? Map, EquatableArray<DiagnosticInfo> Diagnostics, Microsoft.CodeAnalysis.SyntaxTree? Tree)
    {
        /// <summary>The spec's shapes and issues, inferred once per parse; its network is null when the parse or the shapes
        /// found an error, so that nothing is emitted for a declaration with errors.</summary>
        public Shapes.ShapeResult? Shape { get; init; }
    }
}
