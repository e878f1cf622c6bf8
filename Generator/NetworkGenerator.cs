using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Model;
using Compiled.Generator.Parsing;
using Compiled.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Generator
{
    /// <summary>
    /// Turns each <c>[Network]</c> class into its forward, backward and training code. Three pure stages:
    /// parse (<see cref="NetworkParser"/>), infer shapes (<see cref="NetworkShaper"/>), emit (<see cref="NetworkEmitter"/>).
    /// Source comes from the spec alone; diagnostics go out on their own pipeline, so that an edit that only moves
    /// code (new locations, same spec) re-reports diagnostics but does not re-emit source.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        private static readonly string Version = typeof(NetworkGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    NetworkParser.NetworkAttributeName,
                    predicate: static (node, _) => node is TypeDeclarationSyntax, // records too, to say why they cannot be networks
                    transform: static (context, cancellationToken) => NetworkParser.Parse(context, cancellationToken))
                .WithTrackingName(TrackingNames.Parse);

            // The source side sees plain values only: the spec, then its shapes (inferred once, in the parse step), then the
            // network, each compared by value, so that an edit that changes only locations re-emits nothing.
            IncrementalValuesProvider<ShapedNetwork> networks = parsed
                .Select(static (result, _) => result.Spec is null ? null : new SpecAndShape(result.Spec, result.Shape!))
                .WithTrackingName(TrackingNames.Spec)
                .Where(static pair => pair is not null)
                .Select(static (pair, _) => pair!.Shape)
                .WithTrackingName(TrackingNames.Shape)
                .Select(static (shape, _) => shape.Network)
                .Where(static network => network is not null)
                .Select(static (network, _) => network!)
                .WithTrackingName(TrackingNames.Network);

            context.RegisterSourceOutput(networks, static (context, network) =>
            {
                try
                {
                    context.AddSource(NetworkEmitter.HintName(network), NetworkEmitter.Emit(network, Version));
                }
                catch (Exception exception)
                {
                    // Never throw from a generator (an invalid hint name throws from AddSource): report, and emit nothing.
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailed, Location.None, network.ClassName, exception.GetType().Name + ": " + exception.Message));
                }
            });

            // Weights compiled into the assembly (<CompiledWeights> in the project): the build hands over a text form of each
            // file's header. Each network is checked against the file for it; a file for no network is an error of its own.
            IncrementalValuesProvider<WeightsFile> weights = context.AdditionalTextsProvider
                .Where(static text => text.Path.EndsWith(WeightsFile.Suffix, StringComparison.OrdinalIgnoreCase))
                .Select(static (text, cancellationToken) => WeightsFile.Parse(text.Path, text.GetText(cancellationToken)?.ToString()))
                .WithTrackingName(TrackingNames.Weights);
            IncrementalValueProvider<EquatableArray<WeightsFile>> allWeights = weights.Collect().Select(static (files, _) => files.ToEquatableArray());

            context.RegisterSourceOutput(networks.Combine(allWeights), static (context, pair) =>
            {
                (ShapedNetwork network, EquatableArray<WeightsFile> files) = pair;
                WeightsFile? file = files.FirstOrDefault(f => f.IsFor(network));
                if (file is null)
                {
                    return;
                }

                string? mismatch = file.Mismatch(network);
                if (mismatch is not null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WeightsDoNotMatch, file.Location, file.SourcePath, WeightsFile.FullName(network), mismatch));
                    return;
                }

                context.AddSource(NetworkEmitter.HintName(network).Replace(".g.cs", ".Weights.g.cs"), file.Emit(network, Version));
            });

            IncrementalValueProvider<EquatableArray<string>> networkNames = networks
                .Select(static (network, _) => WeightsFile.FullName(network))
                .Collect()
                .Select(static (names, _) => names.ToEquatableArray());
            context.RegisterSourceOutput(weights.Combine(networkNames), static (context, pair) =>
            {
                (WeightsFile file, EquatableArray<string> names) = pair;
                if (!names.Any(name => name == file.Network || name.EndsWith("." + file.Network, StringComparison.Ordinal)))
                {
                    string known = names.Count == 0 ? string.Empty : $" (it declares {string.Join(", ", names)})";
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WeightsNetworkUnknown, file.Location, file.SourcePath, file.Network, known));
                }
            });

            IncrementalValuesProvider<ImmutableArray<Diagnostic>> diagnostics = parsed
                .Select(static (result, _) => CollectDiagnostics(result).Select(info => info.ToDiagnostic(result.Tree)).ToImmutableArray())
                .WithTrackingName(TrackingNames.Diagnostics);

            context.RegisterSourceOutput(diagnostics, static (context, found) =>
            {
                foreach (Diagnostic diagnostic in found)
                {
                    context.ReportDiagnostic(diagnostic);
                }
            });
        }

        /// <summary>Parse diagnostics plus shape diagnostics, the latter located through the source map.</summary>
        internal static EquatableArray<DiagnosticInfo> CollectDiagnostics(ParseResult result)
        {
            if (result.Spec is null || result.Map is null)
            {
                return result.Diagnostics;
            }

            var all = new List<DiagnosticInfo>(result.Diagnostics);
            foreach (ShapeIssue issue in result.Shape?.Issues ?? EquatableArray<ShapeIssue>.Empty)
            {
                all.Add(new DiagnosticInfo(issue.Id, Locate(result.Map, issue), issue.Arguments));
            }

            return all.ToEquatableArray();
        }

        /// <summary>What the source side takes from a parse: the spec and its shapes, both plain values.</summary>
        private sealed record SpecAndShape(NetworkSpec Spec, ShapeResult Shape);

        private static LocationInfo Locate(SourceMap map, ShapeIssue issue) => issue.Target switch
        {
            IssueTarget.LossArgument => map.LossArgument ?? map.NetworkAttribute,
            IssueTarget.MaxBatchSizeArgument => map.MaxBatchSizeArgument ?? map.NetworkAttribute,
            IssueTarget.InputArgument => issue.Index < map.InputArguments.Count ? map.InputArguments[issue.Index] : map.InputAttribute ?? map.ClassName,
            IssueTarget.InputAttribute => map.InputAttribute ?? map.ClassName,
            IssueTarget.VocabularyArgument => map.VocabularyArgument ?? map.InputAttribute ?? map.ClassName,
            IssueTarget.MaskArgument => map.MaskArgument ?? map.InputAttribute ?? map.ClassName,
            IssueTarget.Layer when issue.Index >= 0 && issue.Index < map.Layers.Count => map.Layers[issue.Index].Find(issue.Argument),
            _ => map.ClassName,
        };
    }
}
