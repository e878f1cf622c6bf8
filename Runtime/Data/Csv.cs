using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
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
    }
}
