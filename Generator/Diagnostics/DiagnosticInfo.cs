using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Compiled.Generator.Diagnostics
{
    /// <summary>
    /// A diagnostic as plain values (ID, where, message arguments), so that it can travel through the
    /// incremental pipeline and be compared; turned into a <see cref="Diagnostic"/> only when reported.
    /// </summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            new(descriptor.Id, location, arguments.ToEquatableArray());

        /// <summary>Creates the diagnostic, in <paramref name="tree"/> when the location is in it: a SourceLocation, which
        /// #pragma warning disable applies to (an external-file location would ignore it).</summary>
        public Diagnostic ToDiagnostic(SyntaxTree? tree)
        {
            Location location = Location is null
                ? Microsoft.CodeAnalysis.Location.None
                : tree is not null && tree.FilePath == Location.FilePath
                ? Microsoft.CodeAnalysis.Location.Create(tree, new TextSpan(Location.Start, Location.Length))
                : Microsoft.CodeAnalysis.Location.Create(
                    Location.FilePath,
                    new TextSpan(Location.Start, Location.Length),
                    new LinePositionSpan(
                        new LinePosition(Location.StartLine, Location.StartColumn),
                        new LinePosition(Location.EndLine, Location.EndColumn)));
            object[] args = new object[Arguments.Count];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = Arguments[i];
            }

            return Diagnostic.Create(DiagnosticDescriptors.Get(Id), location, args);
        }
    }
}
