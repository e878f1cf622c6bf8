using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Generator.Parsing
{
    /// <summary>
    /// The members of a network class that the generated code would declare again (a field <c>_parameters</c>, a property
    /// <c>Parameters</c>, a constructor <c>(int seed)</c>, a method <c>Predict(ReadOnlySpan&lt;float&gt;, Span&lt;float&gt;)</c>):
    /// each would be a compiler error inside the generated file, so it is reported at the user's member instead. What the
    /// generator declares is read from the code it would emit, so this list never falls behind the emitter.
    /// </summary>
    internal static class MemberClashes
    {
        /// <summary>The user's members that clash, with what they clash with.</summary>
        public static IEnumerable<(ISymbol Member, string Generated)> Find(INamedTypeSymbol type, string generatedSource, CancellationToken cancellationToken)
        {
            List<ISymbol> own = type.GetMembers().Where(m => !m.IsImplicitlyDeclared && m.Locations.Any(l => l.IsInSource)).ToList();
            var names = new Dictionary<string, string>();
            var signatures = new Dictionary<string, string>();
            var methodNames = new HashSet<string>();
            var root = CSharpSyntaxTree.ParseText(generatedSource, cancellationToken: cancellationToken).GetRoot(cancellationToken);
            foreach (MemberDeclarationSyntax member in root.DescendantNodes().OfType<TypeDeclarationSyntax>().First().Members)
            {
                switch (member)
                {
                    case MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } method:
                        string description = "the method " + method.Identifier.ValueText + Readable(method.ParameterList);
                        names[method.Identifier.ValueText] = description;
                        methodNames.Add(method.Identifier.ValueText);
                        signatures[Signature(method.Identifier.ValueText, method.ParameterList, method.TypeParameterList)] = description;
                        break;
                    case ConstructorDeclarationSyntax constructor:
                        signatures[Signature(".ctor", constructor.ParameterList, null)] = "the constructor " + type.Name + Readable(constructor.ParameterList);
                        break;
                    case PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } property:
                        names[property.Identifier.ValueText] = "the property " + property.Identifier.ValueText;
                        break;
                    case BaseFieldDeclarationSyntax field:
                        foreach (VariableDeclaratorSyntax variable in field.Declaration.Variables)
                        {
                            names[variable.Identifier.ValueText] = "the field " + variable.Identifier.ValueText;
                        }

                        break;
                }
            }

            // A member may not have its class's name (CS0542), so a class named like a generated member cannot host it.
            if (names.TryGetValue(type.Name, out string? sameName))
            {
                yield return (type, sameName);
            }

            foreach (ISymbol member in own)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member is IMethodSymbol method && method.MethodKind is MethodKind.Ordinary or MethodKind.Constructor)
                {
                    string key = Signature(method.MethodKind == MethodKind.Constructor ? ".ctor" : method.Name, method);
                    if (signatures.TryGetValue(key, out string? generated))
                    {
                        yield return (member, generated);
                    }
                    else if (method.MethodKind == MethodKind.Ordinary && !methodNames.Contains(method.Name) && names.TryGetValue(method.Name, out string? other))
                    {
                        yield return (member, other); // a method named like a generated field or property
                    }
                }
                else if (member is not IMethodSymbol && names.TryGetValue(member.Name, out string? generated))
                {
                    yield return (member, generated);
                }
            }
        }

        /// <summary><c>Predict(ReadOnlySpan&lt;float&gt;,Span&lt;float&gt;)</c>: the name, generic arity and parameter types, with
        /// type parameters by position, the form in which C# tells overloads apart.</summary>
        private static string Signature(string name, ParameterListSyntax parameters, TypeParameterListSyntax? typeParameters)
        {
            List<string> generic = typeParameters?.Parameters.Select(p => p.Identifier.ValueText).ToList() ?? new List<string>();
            IEnumerable<string> types = parameters.Parameters.Select(p =>
            {
                string modifiers = string.Concat(p.Modifiers.Where(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword)).Select(m => m.ValueText + " "));
                string typeName = p.Type!.ToString().Replace("global::", string.Empty);
                int index = generic.IndexOf(typeName);
                return modifiers + (index >= 0 ? "!!" + index : Shorten(typeName));
            });
            return name + "`" + generic.Count + "(" + string.Join(",", types) + ")";
        }

        private static string Signature(string name, IMethodSymbol method)
        {
            IEnumerable<string> types = method.Parameters.Select(p =>
            {
                string modifiers = p.RefKind switch { RefKind.Ref => "ref ", RefKind.Out => "out ", RefKind.In => "in ", _ => string.Empty };
                return modifiers + (p.Type is ITypeParameterSymbol parameter ? "!!" + parameter.Ordinal : Shorten(p.Type.ToDisplayString()));
            });
            return name + "`" + method.TypeParameters.Length + "(" + string.Join(",", types) + ")";
        }

        private static string Readable(ParameterListSyntax parameters) => parameters.ToString().Replace("global::System.", string.Empty).Replace("global::", string.Empty);

        /// <summary>Types as the generated code and the symbols both can write them: no <c>System.</c> namespace, keywords for the built-ins.</summary>
        private static string Shorten(string type) => type.Replace("System.", string.Empty).Replace(" ", string.Empty);
    }
}
