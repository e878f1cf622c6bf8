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

        public Diagnostic ToDiagnostic()
        {
            Location location = Location is null
                ? Microsoft.CodeAnalysis.Location.None
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
