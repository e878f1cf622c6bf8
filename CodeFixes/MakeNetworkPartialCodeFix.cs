using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.CodeFixes
{
    /// <summary>CMP0001 (a network class must be partial): adds <c>partial</c> to the class, in the place C# wants it
    /// (after the other modifiers, before <c>class</c>), keeping the declaration's trivia. Every declaration of a class
    /// split over several files must say partial, so each one the diagnostic marks is fixed.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeNetworkPartialCodeFix))]
    [Shared]
    public sealed class MakeNetworkPartialCodeFix : CodeFixProvider
    {
        /// <summary>The diagnostic this fixes, as the generator reports it.</summary>
        public const string DiagnosticId = "CMP0001";

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticId);

        /// <inheritdoc/>
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc/>
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                TypeDeclarationSyntax? declaration = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>();
                if (declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        title: $"Make '{declaration.Identifier.ValueText}' partial",
                        createChangedDocument: cancellationToken => AddPartialAsync(context.Document, declaration, cancellationToken),
                        equivalenceKey: DiagnosticId),
                    diagnostic);
            }
        }

        private static async Task<Document> AddPartialAsync(Document document, TypeDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            return document.WithSyntaxRoot(root.ReplaceNode(declaration, WithPartial(declaration)));
        }

        /// <summary>The declaration with <c>partial</c> as its last modifier. Without modifiers the keyword takes the
        /// leading trivia of the declaration's first token after the attributes (<c>class</c>), so comments and indentation
        /// stay in front.</summary>
        internal static TypeDeclarationSyntax WithPartial(TypeDeclarationSyntax declaration)
        {
            SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            if (declaration.Modifiers.Count > 0)
            {
                return declaration.WithModifiers(declaration.Modifiers.Add(partial));
            }

            SyntaxToken keyword = declaration.Keyword;
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
        }
    }
}
