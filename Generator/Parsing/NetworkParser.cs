using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Compiled.Generator.Diagnostics;
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
        private const string DenseAttributeName = "Compiled.DenseAttribute";
        private const string DropoutAttributeName = "Compiled.DropoutAttribute";
        private const string Conv2DAttributeName = "Compiled.Conv2DAttribute";
        private const string MaxPool2DAttributeName = "Compiled.MaxPool2DAttribute";
        private const string AveragePool2DAttributeName = "Compiled.AveragePool2DAttribute";
        private const string GlobalAveragePool2DAttributeName = "Compiled.GlobalAveragePool2DAttribute";
        private const string FlattenAttributeName = "Compiled.FlattenAttribute";

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not ClassDeclarationSyntax declaration)
            {
                return new ParseResult(null, null, EquatableArray<DiagnosticInfo>.Empty, null);
            }

            try
            {
                return ParseCore(type, declaration, cancellationToken);
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
                        inputArgumentLocations.AddRange(PositionalArgumentLocations(syntax));
                        continue;

                    default:
                        if (LayerKindOf(attributeName) is null)
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

                LayerSpec? layer = ReadLayer(LayerKindOf(attributeName)!.Value, attribute);
                if (layer is null)
                {
                    continue; // half-typed: the compiler reports it
                }

                LocationInfo[] positional = PositionalArgumentLocations(syntax).ToArray();
                LocationInfo? window = positional.Length < 2 ? (layer.Kind is LayerKind.MaxPool2D or LayerKind.AveragePool2D ? positional.FirstOrDefault() : null)
                    : layer.Kind == LayerKind.Conv2D ? Span(positional[1], positional[positional.Length - 1])
                    : Span(positional[0], positional[positional.Length - 1]);
                layers.Add(layer);
                layerLocations.Add(new LayerLocations(
                    attributeLocation,
                    positional.FirstOrDefault(),
                    window,
                    NamedArgumentLocation(syntax, "Stride"),
                    NamedArgumentLocation(syntax, "Padding"),
                    NamedArgumentLocation(syntax, "Activation"),
                    NamedArgumentLocation(syntax, "Name")));
            }

            if (!canHost)
            {
                return new ParseResult(null, null, diagnostics.ToEquatableArray(), declaration.SyntaxTree);
            }

            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() : null;
            var spec = new NetworkSpec(ns, name, loss, maxBatch, seed, inputShape.ToEquatableArray(), layers.ToEquatableArray());
            var map = new SourceMap(classLocation, networkLocation, lossLocation, maxBatchLocation, inputLocation, inputArgumentLocations.ToEquatableArray(), layerLocations.ToEquatableArray());
            return new ParseResult(spec, map, diagnostics.ToEquatableArray(), declaration.SyntaxTree);
        }

        private static LayerKind? LayerKindOf(string attributeName) => attributeName switch
        {
            DenseAttributeName => LayerKind.Dense,
            DropoutAttributeName => LayerKind.Dropout,
            Conv2DAttributeName => LayerKind.Conv2D,
            MaxPool2DAttributeName => LayerKind.MaxPool2D,
            AveragePool2DAttributeName => LayerKind.AveragePool2D,
            GlobalAveragePool2DAttributeName => LayerKind.GlobalAveragePool2D,
            FlattenAttributeName => LayerKind.Flatten,
            _ => null,
        };

        /// <summary>Reads a layer attribute's arguments, or returns null when they are not all constants yet (half-typed code).</summary>
        private static LayerSpec? ReadLayer(LayerKind kind, AttributeData attribute)
        {
            var arguments = attribute.ConstructorArguments;
            if (arguments.Any(a => a.Kind == TypedConstantKind.Error || a.Value is null))
            {
                return null;
            }

            string? layerName = null;
            var activation = ActivationKind.Identity;
            int stride = kind == LayerKind.Conv2D ? 1 : 0;
            var padding = PaddingKind.Valid;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Name" when argument.Value.Value is string s:
                        layerName = s;
                        break;
                    case "Activation" when argument.Value.Value is int a:
                        activation = (ActivationKind)a;
                        break;
                    case "Stride" when argument.Value.Value is int i:
                        stride = i;
                        break;
                    case "Padding" when argument.Value.Value is int p:
                        padding = (PaddingKind)p;
                        break;
                }
            }

            int Int(int index) => arguments[index].Value is int i ? i : 0;
            switch (kind)
            {
                case LayerKind.Dense when arguments.Length == 1:
                    return new LayerSpec(kind, Int(0), 0f, activation, layerName);
                case LayerKind.Dropout when arguments.Length == 1:
                    return new LayerSpec(kind, 0, ToSingle(arguments[0].Value), ActivationKind.Identity, layerName);
                case LayerKind.Conv2D when arguments.Length is 2 or 3:
                    return new LayerSpec(kind, Int(0), 0f, activation, layerName)
                    {
                        WindowHeight = Int(1),
                        WindowWidth = Int(arguments.Length - 1),
                        Stride = stride,
                        Padding = padding,
                    };
                case LayerKind.MaxPool2D or LayerKind.AveragePool2D when arguments.Length is 1 or 2:
                    return new LayerSpec(kind, 0, 0f, ActivationKind.Identity, layerName)
                    {
                        WindowHeight = Int(0),
                        WindowWidth = Int(arguments.Length - 1),
                        Stride = stride,
                        Padding = padding,
                    };
                case LayerKind.GlobalAveragePool2D or LayerKind.Flatten when arguments.Length == 0:
                    return new LayerSpec(kind, 0, 0f, ActivationKind.Identity, layerName);
                default:
                    return null;
            }
        }

        private static LocationInfo Span(LocationInfo first, LocationInfo last) =>
            first with { Length = last.Start + last.Length - first.Start, EndLine = last.EndLine, EndColumn = last.EndColumn };

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

        private static float ToSingle(object? value) => value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            _ => float.NaN,
        };

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

        internal static string Invariant(float value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
