using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Compiled.Data
{
    /// <summary>A table of numbers: <see cref="Rows"/> rows of <see cref="Columns"/> values, row-major.</summary>
    /// <param name="Values">The values.</param>
    /// <param name="Rows">The row count.</param>
    /// <param name="Columns">The column count.</param>
    public sealed record NumericTable(float[] Values, int Rows, int Columns)
    {
        /// <summary>One column as a new array.</summary>
        public float[] Column(int column)
        {
            if ((uint)column >= (uint)Columns)
            {
                throw new ArgumentOutOfRangeException(nameof(column), column, $"Expected a column in [0, {Columns}), but got {column}.");
            }

            return ColumnRange(column, 1);
        }

        /// <summary>Columns [first, first + count) of every row, as a new row-major array.</summary>
        public float[] ColumnRange(int first, int count)
        {
            if (first < 0 || count < 0 || first + count > Columns)
            {
                throw new ArgumentOutOfRangeException(nameof(count), $"Expected columns within [0, {Columns}), but asked for [{first}, {first + count}).");
            }

            var values = new float[Rows * count];
            for (int r = 0; r < Rows; r++)
            {
                Array.Copy(Values, (r * Columns) + first, values, r * count, count);
            }

            return values;
        }
    }

    /// <summary>
    /// Reads numeric CSV (or whitespace-separated) files, raw or gzip-compressed. Every row must have the same number
    /// of columns and every cell must be a number in invariant culture; otherwise <see cref="InvalidDataException"/>
    /// names the file, line and column.
    /// </summary>
    public static class Csv
    {
        /// <summary>Reads the file. Cells are separated by commas, or by whitespace on lines without a comma.</summary>
        /// <param name="path">The file.</param>
        /// <param name="skipHeader">Skip the first line (a header of names or counts).</param>
        public static NumericTable Read(string path, bool skipHeader = false)
        {
            byte[] bytes = Idx.ReadMaybeGzip(path);
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8);
            var values = new List<float>();
            int columns = -1, rows = 0, lineNumber = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNumber++;
                if (skipHeader && lineNumber == 1)
                {
                    continue;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                string[] cells = line.IndexOf(',') >= 0
                    ? line.Split(',')
                    : line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (columns < 0)
                {
                    columns = cells.Length;
                }
                else if (cells.Length != columns)
                {
                    throw new InvalidDataException($"'{path}' line {lineNumber} has {cells.Length} columns, but the rows before it have {columns}.");
                }

                if ((long)values.Count + cells.Length > Array.MaxLength)
                {
                    throw new InvalidDataException($"'{path}' line {lineNumber}: the table would hold more than {Array.MaxLength} values, more than one array can.");
                }

                for (int c = 0; c < cells.Length; c++)
                {
                    string cell = cells[c].Trim();
                    if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                    {
                        throw new InvalidDataException($"'{path}' line {lineNumber}, column {c + 1}: '{cell}' is not a finite number.");
                    }

                    values.Add(value);
                }

                rows++;
            }

            if (rows == 0)
            {
                throw new InvalidDataException($"'{path}' has no data rows.");
            }

            return new NumericTable(values.ToArray(), rows, columns);
        }

        /// <summary>
        /// Reads a CSV file (raw or gzip-compressed) whose first line names its columns; cells may be text (class names)
        /// or numbers, and fields in double quotes may hold commas. Every row must have as many cells as the header.
        /// </summary>
        /// <example><code>
        /// CsvTable table = Csv.ReadTable("penguins.csv");
        /// float[] features = table.Numbers("bill_length", "bill_depth", "flipper_length", "body_mass");
        /// int[] labels = table.Labels("species", out ClassLabels species);
        /// var data = Dataset.WithLabels(features, 4, labels);
        /// </code></example>
        /// <exception cref="InvalidDataException">No header, no data rows, a row of another width, or a quote not closed.</exception>
        public static CsvTable ReadTable(string path)
        {
            byte[] bytes = Idx.ReadMaybeGzip(path ?? throw new ArgumentNullException(nameof(path)));
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8);
            string[]? header = null;
            var rows = new List<string[]>();
            var lines = new List<int>();
            int lineNumber = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                List<string> cells = CsvTable.SplitLine(line, path, lineNumber);
                if (header is null)
                {
                    header = cells.ToArray();
                    if (header.Any(h => h.Length == 0))
                    {
                        throw new InvalidDataException($"'{path}' line {lineNumber}: the header has an empty column name (column {Array.FindIndex(header, h => h.Length == 0) + 1}); every column needs a name.");
                    }

                    if (header.All(h => float.TryParse(h, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                    {
                        throw new InvalidDataException($"'{path}' line {lineNumber}: the first line is all numbers, not a header of column names; read a file without a header with Csv.Read.");
                    }

                    continue;
                }

                if (cells.Count != header.Length)
                {
                    throw new InvalidDataException($"'{path}' line {lineNumber} has {cells.Count} cells, but the header names {header.Length} columns.");
                }

                rows.Add(cells.ToArray());
                lines.Add(lineNumber);
            }

            if (header is null || rows.Count == 0)
            {
                throw new InvalidDataException($"'{path}' has {(header is null ? "no header and " : string.Empty)}no data rows.");
            }

            return new CsvTable(path, header, rows.ToArray(), lines.ToArray());
        }
    }
}
