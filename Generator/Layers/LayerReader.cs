using System.Collections.Immutable;
using System.Linq;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Layers
{
    /// <summary>
    /// A layer attribute's arguments as a definition reads them. Code in an editor is often half-typed, so every read
    /// tolerates missing arguments and error types: <see cref="Complete"/> says whether the positional arguments are all
    /// constants, and a named argument that is not (yet) a constant of the right type reads as its default.
    /// </summary>
    internal sealed class LayerReader
    {
        private readonly ImmutableArray<TypedConstant> _positional;
        private readonly ImmutableArray<System.Collections.Generic.KeyValuePair<string, TypedConstant>> _named;

        public LayerReader(AttributeData attribute)
        {
            _positional = attribute.ConstructorArguments;
            _named = attribute.NamedArguments;
        }

        /// <summary>How many positional (constructor) arguments were bound, defaults included.</summary>
        public int Count => _positional.Length;

        /// <summary>Whether every positional argument is a constant (none is missing or of an error type).</summary>
        public bool Complete => !_positional.Any(a => a.Kind == TypedConstantKind.Error || (a.Kind != TypedConstantKind.Array && a.Value is null));

        public int Int(int index) => index < _positional.Length && _positional[index].Value is int i ? i : 0;

        public float Float(int index) => index < _positional.Length ? ToSingle(_positional[index].Value) : float.NaN;

        /// <summary>A <c>params string[]</c> argument (a join's inputs); an element that is not a constant string reads as "".</summary>
        public EquatableArray<string> Strings(int index) =>
            index < _positional.Length && _positional[index].Kind == TypedConstantKind.Array && !_positional[index].IsNull
                ? _positional[index].Values.Select(v => v.Value as string ?? string.Empty).ToEquatableArray()
                : EquatableArray<string>.Empty;

        public int NamedInt(string name, int fallback) => Named(name) is int i ? i : fallback;

        public float NamedFloat(string name, float fallback) => Named(name) is { } value ? ToSingle(value) : fallback;

        public bool NamedBool(string name, bool fallback) => Named(name) is bool b ? b : fallback;

        public string? NamedString(string name) => Named(name) as string;

        private object? Named(string name)
        {
            foreach (var argument in _named)
            {
                if (argument.Key == name && argument.Value.Kind != TypedConstantKind.Error && argument.Value.Kind != TypedConstantKind.Array)
                {
                    return argument.Value.Value;
                }
            }

            return null;
        }

        private static float ToSingle(object? value) => value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            _ => float.NaN,
        };
    }
}
