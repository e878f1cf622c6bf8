using System;
using System.Globalization;
using System.Text;

namespace Compiled.Generator.Emit
{
    /// <summary>An indent-aware text writer for emitted source. Blocks open with <see cref="OpenBlock(string, string)"/> and close with Dispose.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _builder = new();
        private int _indent;

        public void Line(string text = "")
        {
            if (text.Length > 0)
            {
                _builder.Append(' ', _indent * 4);
                _builder.Append(text);
            }

            _builder.Append('\n');
        }

        public Block OpenBlock(string header, string closing = "}")
        {
            Line(header);
            Line("{");
            _indent++;
            return new Block(this, closing);
        }

        public Block OpenBlock()
        {
            Line("{");
            _indent++;
            return new Block(this, "}");
        }

        public override string ToString() => _builder.ToString();

        /// <summary>A float literal that round-trips, in invariant culture, with the f suffix.</summary>
        public static string Float(float value)
        {
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            if (text.IndexOf('E') >= 0 || text.IndexOf('.') >= 0)
            {
                return text + "f";
            }

            return text + ".0f";
        }

        public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A name as C# code: <c>@class</c> for a reserved keyword, the name itself otherwise.</summary>
        public static string Identifier(string name) =>
            Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsReservedKeyword(Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name)) ? "@" + name : name;

        /// <summary>A dotted namespace as C# code, each part escaped: <c>Contoso.@internal</c>.</summary>
        public static string QualifiedName(string name) => string.Join(".", Array.ConvertAll(name.Split('.'), Identifier));

        public readonly struct Block : IDisposable
        {
            private readonly SourceWriter _writer;
            private readonly string _closing;

            public Block(SourceWriter writer, string closing)
            {
                _writer = writer;
                _closing = closing;
            }

            public void Dispose()
            {
                _writer._indent--;
                _writer.Line(_closing);
            }
        }
    }
}
