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
                    predicate: static (node, _) => node is ClassDeclarationSyntax,
                    transform: static (context, cancellationToken) => NetworkParser.Parse(context, cancellationToken))
                .WithTrackingName(TrackingNames.Parse);

            IncrementalValuesProvider<ShapedNetwork> networks = parsed
                .Select(static (result, _) => result.Spec)
                .WithTrackingName(TrackingNames.Spec)
                .Where(static spec => spec is not null)
                .Select(static (spec, _) => NetworkShaper.Shape(spec!).Network)
                .WithTrackingName(TrackingNames.Shape)
                .Where(static network => network is not null)
                .Select(static (network, _) => network!)
                .WithTrackingName(TrackingNames.Network);

            context.RegisterSourceOutput(networks, static (context, network) =>
            {
                string source;
                try
                {
                    source = NetworkEmitter.Emit(network, Version);
                }
                catch (Exception exception)
                {
                    // Never throw from a generator: report, and emit nothing for this network.
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailed, Location.None, network.ClassName, exception.GetType().Name + ": " + exception.Message));
                    return;
                }

                context.AddSource(NetworkEmitter.HintName(network), source);
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
            try
            {
                foreach (ShapeIssue issue in NetworkShaper.Shape(result.Spec).Issues)
                {
                    all.Add(new DiagnosticInfo(issue.Id, Locate(result.Map, issue), issue.Arguments));
                }
            }
            catch (Exception exception)
            {
                all.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratorFailed, result.Map.ClassName, result.Spec.ClassName, exception.GetType().Name + ": " + exception.Message));
            }

            return all.ToEquatableArray();
        }

        private static LocationInfo Locate(SourceMap map, ShapeIssue issue) => issue.Target switch
        {
            IssueTarget.LossArgument => map.LossArgument ?? map.NetworkAttribute,
            IssueTarget.MaxBatchSizeArgument => map.MaxBatchSizeArgument ?? map.NetworkAttribute,
            IssueTarget.InputArgument => issue.Index < map.InputArguments.Count ? map.InputArguments[issue.Index] : map.InputAttribute ?? map.ClassName,
            IssueTarget.InputAttribute => map.InputAttribute ?? map.ClassName,
            IssueTarget.VocabularyArgument => map.VocabularyArgument ?? map.InputAttribute ?? map.ClassName,
            IssueTarget.Layer when issue.Index >= 0 && issue.Index < map.Layers.Count => map.Layers[issue.Index].Find(issue.Argument),
            _ => map.ClassName,
        };
    }
}
