using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Generator.Parsing
{
    /// <summary>
    /// Step 1 of the pipeline: reads the attributes on a <c>[Network]</c> class into a <see cref="NetworkSpec"/>
    /// of plain values. Checks only what needs Roslyn (the class declaration, attribute order); every check of
    /// sizes and shapes lives in <see cref="Shapes.NetworkShaper"/>. Code in an editor is often half-typed, so
    /// every read here tolerates missing arguments and error types: such an attribute is skipped, and the
    /// compiler's own error explains it.
    /// </summary>
    internal static class NetworkParser
    {
        public const string NetworkAttributeName = "Compiled.NetworkAttribute";
        private const string InputAttributeName = "Compiled.InputAttribute";

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            {
                return new ParseResult(null, null, EquatableArray<DiagnosticInfo>.Empty, null);
            }

            if (declaration is not ClassDeclarationSyntax)
            {
                // [Network] is only valid on classes, so this is a record (a struct gets the compiler's CS0592).
                return new ParseResult(null, null, new[]
                {
                    DiagnosticInfo.Create(DiagnosticDescriptors.CannotHostCode, LocationOf(declaration.Identifier.GetLocation()), type.Name, "a record"),
                }.ToEquatableArray(), declaration.SyntaxTree);
            }

            try
            {
                ParseResult result = ParseCore(type, (ClassDeclarationSyntax)declaration, cancellationToken);
                if (result.Spec is null)
                {
                    return result;
                }

                // Shapes are inferred here, once per parse, for both the source and the diagnostics; an error from either
                // stage stops emission.
                Shapes.ShapeResult shape = Shapes.NetworkShaper.Shape(result.Spec);
                bool parseErrors = result.Diagnostics.Any(d => IssueKinds.IsError(d.Id));
                if (parseErrors || shape.Network is null)
                {
                    return result with { Shape = shape with { Network = null } };
                }

                // Members of the user's own that the generated code would declare again: errors at those members.
                var clashes = MemberClashes.Find(type, Emit.NetworkEmitter.Emit(shape.Network, "0.0.0.0"), cancellationToken)
                    .Select(clash => DiagnosticInfo.Create(DiagnosticDescriptors.MemberClash, LocationOf(clash.Member.Locations.First(l => l.IsInSource)), clash.Member.Name, type.Name, clash.Generated))
                    .ToList();
                return clashes.Count == 0
                    ? result with { Shape = shape }
                    : result with { Shape = shape with { Network = null }, Diagnostics = result.Diagnostics.Concat(clashes).ToEquatableArray() };
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception exception)
            {
                // The generator must never throw: an exception here would turn into a warning that hides the
                // real problem and removes every generated member. Report it as a diagnostic instead.
                var location = LocationOf(declaration.Identifier.GetLocation());
                return new ParseResult(null, null, new[]
                {
                    DiagnosticInfo.Create(DiagnosticDescriptors.GeneratorFailed, location, type.Name, exception.GetType().Name + ": " + exception.Message),
                }.ToEquatableArray(), declaration.SyntaxTree);
            }
        }

        private static ParseResult ParseCore(INamedTypeSymbol type, ClassDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            LocationInfo classLocation = LocationOf(declaration.Identifier.GetLocation())!;
            string name = type.Name;

            bool canHost = true;
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classLocation, name));
                canHost = false;
            }

            if (type.IsStatic)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StaticClass, classLocation, name));
                canHost = false;
            }

            if (type.ContainingType is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedClass, classLocation, name));
                canHost = false;
            }

            string? cannotHost = declaration.Modifiers.Any(SyntaxKind.FileKeyword) ? "file-local (the generated part is in another file)"
                : declaration.ParameterList is not null ? "declared with a primary constructor (the generated constructors would have to call it)"
                : null;
            if (cannotHost is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CannotHostCode, classLocation, name, cannotHost));
                canHost = false;
            }

            if (type.IsGenericType)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericClass, classLocation, name));
                canHost = false;
            }

            LossKind loss = LossKind.MeanSquaredError;
            int maxBatch = 64;
            int seed = 0;
            LocationInfo networkLocation = classLocation;
            LocationInfo? lossLocation = null;
            LocationInfo? maxBatchLocation = null;
            int[] inputShape = Array.Empty<int>();
            LocationInfo? inputLocation = null;
            int vocabulary = 0;
            LocationInfo? vocabularyLocation = null;
            int? paddingToken = null;
            float? maskValue = null;
            LocationInfo? maskLocation = null;
            var inputArgumentLocations = new List<LocationInfo>();
            var layers = new List<LayerSpec>();
            var layerLocations = new List<LayerLocations>();
            SyntaxNode? layerDeclaration = null;

            foreach (AttributeData attribute in type.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? attributeName = attribute.AttributeClass?.ToDisplayString();
                if (attributeName is null || attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
                {
                    continue;
                }

                LocationInfo attributeLocation = LocationOf(syntax.GetLocation())!;
                switch (attributeName)
                {
                    case NetworkAttributeName:
                        networkLocation = attributeLocation;
                        foreach (var argument in attribute.NamedArguments)
                        {
                            switch (argument.Key)
                            {
                                case "Loss" when argument.Value.Value is int lossValue:
                                    loss = (LossKind)lossValue;
                                    lossLocation = NamedArgumentLocation(syntax, "Loss");
                                    break;
                                case "MaxBatchSize" when argument.Value.Value is int batchValue:
                                    maxBatch = batchValue;
                                    maxBatchLocation = NamedArgumentLocation(syntax, "MaxBatchSize");
                                    break;
                                case "Seed" when argument.Value.Value is int seedValue:
                                    seed = seedValue;
                                    break;
                            }
                        }

                        continue;

                    case InputAttributeName:
                        if (inputLocation is not null)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleInputs, attributeLocation, name));
                            continue;
                        }

                        if (layers.Count > 0)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputAfterLayer, attributeLocation, name));
                        }

                        inputLocation = attributeLocation;
                        inputShape = ReadInputShape(attribute);
                        foreach (var argument in attribute.NamedArguments)
                        {
                            if (argument.Key == "Vocabulary" && argument.Value.Value is int vocabularyValue)
                            {
                                vocabulary = vocabularyValue;
                                vocabularyLocation = NamedArgumentLocation(syntax, "Vocabulary");
                            }
                            else if (argument.Key == "PaddingToken" && argument.Value.Value is int paddingValue && paddingValue != -1)
                            {
                                paddingToken = paddingValue;
                                maskLocation = NamedArgumentLocation(syntax, "PaddingToken");
                            }
                            else if (argument.Key == "MaskValue" && argument.Value.Value is float maskFloat && !float.IsNaN(maskFloat))
                            {
                                maskValue = maskFloat;
                                maskLocation = NamedArgumentLocation(syntax, "MaskValue");
                            }
                        }

                        inputArgumentLocations.AddRange(PositionalArgumentLocations(syntax));
                        continue;

                    default:
                        if (LayerRegistry.ForAttribute(attributeName) is null)
                        {
                            continue;
                        }

                        break;
                }

                // A layer. Attributes on different partial declarations come back in an order that depends on
                // the order of files, so layers must all sit on one declaration.
                SyntaxNode? owner = syntax.Parent?.Parent;
                if (layerDeclaration is null)
                {
                    layerDeclaration = owner;
                }
                else if (owner != layerDeclaration)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, attributeLocation, name));
                    canHost = false;
                }

                LayerDefinition definition = LayerRegistry.ForAttribute(attributeName)!;
                var reader = new LayerReader(attribute);
                LayerArguments? arguments = reader.Complete ? definition.Read(reader) : null;
                if (arguments is null)
                {
                    continue; // half-typed: the compiler reports it
                }

                layers.Add(new LayerSpec(definition.Kind, reader.NamedString("Name"), definition.ReadInputs(reader), arguments));
                layerLocations.Add(new LayerLocations(attributeLocation, PositionalArgumentLocations(syntax).ToEquatableArray(), NamedArgumentLocations(syntax).ToEquatableArray()));
            }

            if (!canHost)
            {
                return new ParseResult(null, null, diagnostics.ToEquatableArray(), declaration.SyntaxTree);
            }

            // Names as declared, without the '@' of an escaped keyword (@class is the class 'class'): the emitter escapes
            // them where they are code, and hint names must not contain '@'.
            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing ? NamespaceName(containing) : null;
            var spec = new NetworkSpec(ns, name, loss, maxBatch, seed, inputShape.ToEquatableArray(), layers.ToEquatableArray()) { Vocabulary = vocabulary, InputDeclared = inputLocation is not null, PaddingToken = paddingToken, MaskValue = maskValue };
            var map = new SourceMap(classLocation, networkLocation, lossLocation, maxBatchLocation, inputLocation, inputArgumentLocations.ToEquatableArray(), layerLocations.ToEquatableArray())
            {
                VocabularyArgument = vocabularyLocation,
                MaskArgument = maskLocation,
            };
            return new ParseResult(spec, map, diagnostics.ToEquatableArray(), declaration.SyntaxTree);
        }

        private static string NamespaceName(INamespaceSymbol symbol)
        {
            var parts = new Stack<string>();
            for (INamespaceSymbol? current = symbol; current is { IsGlobalNamespace: false }; current = current.ContainingNamespace)
            {
                parts.Push(current.Name);
            }

            return string.Join(".", parts);
        }

        private static int[] ReadInputShape(AttributeData attribute)
        {
            if (attribute.ConstructorArguments.Length != 1)
            {
                return Array.Empty<int>();
            }

            TypedConstant argument = attribute.ConstructorArguments[0];
            if (argument.Kind != TypedConstantKind.Array || argument.IsNull)
            {
                return Array.Empty<int>();
            }

            // An element that is not a constant int (half-typed code) reads as 0 and is reported as out of range.
            return argument.Values.Select(v => v.Value is int i ? i : 0).ToArray();
        }

        private static IEnumerable<LocationInfo> PositionalArgumentLocations(AttributeSyntax syntax)
        {
            if (syntax.ArgumentList is null)
            {
                yield break;
            }

            foreach (AttributeArgumentSyntax argument in syntax.ArgumentList.Arguments)
            {
                if (argument.NameEquals is null && argument.NameColon is null)
                {
                    yield return LocationOf(argument.Expression.GetLocation())!;
                }
            }
        }

        private static IEnumerable<NamedLocation> NamedArgumentLocations(AttributeSyntax syntax)
        {
            if (syntax.ArgumentList is null)
            {
                yield break;
            }

            foreach (AttributeArgumentSyntax argument in syntax.ArgumentList.Arguments)
            {
                if (argument.NameEquals is not null)
                {
                    yield return new NamedLocation(argument.NameEquals.Name.Identifier.ValueText, LocationOf(argument.Expression.GetLocation())!);
                }
            }
        }

        private static LocationInfo? NamedArgumentLocation(AttributeSyntax syntax, string name)
        {
            AttributeArgumentSyntax? argument = syntax.ArgumentList?.Arguments
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
            return argument is null ? null : LocationOf(argument.Expression.GetLocation());
        }

        internal static LocationInfo? LocationOf(Location location)
        {
            if (location.SourceTree is null)
            {
                return null;
            }

            var span = location.GetLineSpan();
            return new LocationInfo(
                location.SourceTree.FilePath,
                location.SourceSpan.Start,
                location.SourceSpan.Length,
                span.StartLinePosition.Line,
                span.StartLinePosition.Character,
                span.EndLinePosition.Line,
                span.EndLinePosition.Character);
        }

    }
}
