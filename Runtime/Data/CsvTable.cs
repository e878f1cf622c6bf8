using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Compiled.Data
{
    /// <summary>
    /// A CSV file with a header row of column names, its cells kept as text until a column is asked for: as numbers
    /// (<see cref="Numbers(string[])"/>), or as class labels mapped to indices (<see cref="Labels(string, out ClassLabels)"/>).
    /// Read with <see cref="Csv.ReadTable"/>. Errors name the file, the line and the column.
    /// </summary>
    public sealed class CsvTable
    {
        private readonly string[][] _rows;
        private readonly int[] _lines;
        private readonly Dictionary<string, int> _columnIndex;

        internal CsvTable(string path, string[] columns, string[][] rows, int[] lines)
        {
            Path = path;
            Columns = columns;
            _rows = rows;
            _lines = lines;
            _columnIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int c = 0; c < columns.Length; c++)
            {
                if (!_columnIndex.TryAdd(columns[c], c))
                {
                    throw new InvalidDataException($"'{path}' names the column '{columns[c]}' twice in its header (columns {_columnIndex[columns[c]] + 1} and {c + 1}).");
                }
            }
        }

        /// <summary>The file the table came from.</summary>
        public string Path { get; }

        /// <summary>The column names, from the header, in order.</summary>
        public IReadOnlyList<string> Columns { get; }

        /// <summary>Data rows (the header not counted).</summary>
        public int Rows => _rows.Length;

        /// <summary>The columns other than <paramref name="excluded"/>, in order: the usual features, all but the label.</summary>
        public string[] ColumnsExcept(params string[] excluded)
        {
            foreach (string name in excluded)
            {
                IndexOf(name);
            }

            return Columns.Where(c => Array.IndexOf(excluded, c) < 0).ToArray();
        }

        /// <summary>The named columns as numbers, row-major (<see cref="Rows"/> rows of <paramref name="columns"/>.Length values):
        /// features for <see cref="Dataset.WithLabels"/> or <see cref="Dataset.WithTargets"/>.</summary>
        /// <exception cref="InvalidDataException">A cell is not a finite number in invariant culture.</exception>
        public float[] Numbers(params string[] columns)
        {
            if (columns is null || columns.Length == 0)
            {
                throw new ArgumentException("Expected at least one column name.", nameof(columns));
            }

            int[] indices = columns.Select(IndexOf).ToArray();
            var values = new float[(long)Rows * indices.Length];
            for (int r = 0; r < Rows; r++)
            {
                for (int c = 0; c < indices.Length; c++)
                {
                    string cell = _rows[r][indices[c]];
                    if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                    {
                        throw new InvalidDataException($"'{Path}' line {_lines[r]}, column '{columns[c]}': '{cell}' is not a finite number. If the column holds class names, read it with Labels.");
                    }

                    values[((long)r * indices.Length) + c] = value;
                }
            }

            return values;
        }

        /// <summary>One column's text, row by row.</summary>
        public string[] Text(string column)
        {
            int index = IndexOf(column);
            return _rows.Select(row => row[index]).ToArray();
        }

        /// <summary>The column's class names as indices, with the mapping made from the names it holds (sorted ordinally, as
        /// scikit-learn's <c>LabelEncoder</c> does, so the same names give the same indices in every run). Keep
        /// <paramref name="classes"/> for the test set and give it to the network's <c>ClassNames</c> to save it.</summary>
        public int[] Labels(string column, out ClassLabels classes)
        {
            string[] text = Text(column);
            classes = new ClassLabels(text.Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal));
            return Labels(column, classes);
        }

        /// <summary>The column's class names as indices of an existing mapping (the training set's).</summary>
        /// <exception cref="InvalidDataException">A row holds a class the mapping does not know.</exception>
        public int[] Labels(string column, ClassLabels classes)
        {
            if (classes is null)
            {
                throw new ArgumentNullException(nameof(classes));
            }

            int index = IndexOf(column);
            var labels = new int[Rows];
            for (int r = 0; r < Rows; r++)
            {
                string name = _rows[r][index];
                labels[r] = classes.IndexOf(name) is int i and >= 0
                    ? i
                    : throw new InvalidDataException($"'{Path}' line {_lines[r]}, column '{column}': the class '{name}' is not one of the {classes.Count} known ({string.Join(", ", classes.Names)}).");
            }

            return labels;
        }

        private int IndexOf(string column) =>
            column is not null && _columnIndex.TryGetValue(column, out int index)
                ? index
                : throw new ArgumentException($"'{Path}' has no column '{column}'; its columns are {string.Join(", ", Columns.Select(c => "'" + c + "'"))}.", nameof(column));

        /// <summary>Splits one CSV line: commas, fields in double quotes may hold commas and doubled quotes.</summary>
        internal static List<string> SplitLine(string line, string path, int lineNumber)
        {
            var cells = new List<string>();
            var cell = new StringBuilder();
            bool quoted = false, wasQuoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                    {
                        cell.Append('"');
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        cell.Append(c);
                    }
                }
                else if (c == '"' && cell.ToString().Trim().Length == 0)
                {
                    quoted = wasQuoted = true;
                    cell.Clear();
                }
                else if (c == ',')
                {
                    cells.Add(wasQuoted ? cell.ToString() : cell.ToString().Trim());
                    cell.Clear();
                    wasQuoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }

            if (quoted)
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: a quoted field is not closed.");
            }

            cells.Add(wasQuoted ? cell.ToString() : cell.ToString().Trim());
            return cells;
        }
    }

    /// <summary>Class names and their indices: index i is <see cref="Names"/>[i], the network's output i.</summary>
    public sealed class ClassLabels
    {
        private readonly string[] _names;
        private readonly Dictionary<string, int> _indices = new(StringComparer.Ordinal);

        /// <summary>A mapping of these names, in this order (at least one, none repeated, none null).</summary>
        public ClassLabels(IEnumerable<string> names)
        {
            _names = (names ?? throw new ArgumentNullException(nameof(names))).ToArray();
            if (_names.Length == 0)
            {
                throw new ArgumentException("Expected at least one class name.", nameof(names));
            }

            for (int i = 0; i < _names.Length; i++)
            {
                if (_names[i] is null || !_indices.TryAdd(_names[i], i))
                {
                    throw new ArgumentException($"Expected distinct class names, but '{_names[i]}' (index {i}) is {(_names[i] is null ? "null" : "repeated")}.", nameof(names));
                }
            }
        }

        /// <summary>The names, by index.</summary>
        public IReadOnlyList<string> Names => _names;

        /// <summary>How many classes.</summary>
        public int Count => _names.Length;

        /// <summary>The name of class <paramref name="index"/>.</summary>
        public string this[int index] => (uint)index < (uint)_names.Length
            ? _names[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected a class index in [0, {_names.Length}), but got {index}.");

        /// <summary>Checks that <paramref name="classNames"/> fits a network of <paramref name="classCount"/> classes (0: a network
        /// without classes, which takes none).</summary>
        public static ClassLabels? CheckFor(ClassLabels? classNames, int classCount, string network) =>
            classNames is null || classNames.Count == classCount
                ? classNames
                : throw new ArgumentException(
                    classCount == 0
                        ? $"{network} does not classify (its loss has no classes), so it takes no class names, but got {classNames.Count}."
                        : $"{network} has {classCount} classes, but got {classNames.Count} class names ({string.Join(", ", classNames.Names)}).",
                    nameof(classNames));

        /// <summary>The index of <paramref name="name"/>, or -1.</summary>
        public int IndexOf(string name) => name is not null && _indices.TryGetValue(name, out int index) ? index : -1;
    }
}
