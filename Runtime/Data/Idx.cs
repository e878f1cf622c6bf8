using System;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Compiled.Data
{
    /// <summary>An IDX file (the MNIST format): unsigned bytes with their dimensions.</summary>
    /// <param name="Dimensions">The sizes, outermost (sample count) first.</param>
    /// <param name="Data">The bytes, row-major.</param>
    public sealed record IdxFile(int[] Dimensions, byte[] Data);

    /// <summary>
    /// Reads IDX files, raw or gzip-compressed (told apart by the gzip magic bytes, not the name): a big-endian
    /// magic 0x0000 TT NN (TT the type, NN the number of dimensions), NN big-endian 32-bit sizes, then the data.
    /// Only unsigned bytes (TT = 0x08), the type of MNIST and Fashion-MNIST, are supported.
    /// </summary>
    public static class Idx
    {
        /// <summary>Reads and validates a whole file; throws <see cref="InvalidDataException"/> naming the file and the problem.</summary>
        public static IdxFile Read(string path)
        {
            byte[] bytes = ReadMaybeGzip(path);
            if (bytes.Length < 4)
            {
                throw Invalid(path, $"it has {bytes.Length} bytes, too few for the 4-byte magic number");
            }

            if (bytes[0] != 0 || bytes[1] != 0)
            {
                throw Invalid(path, $"the magic number starts {bytes[0]:X2} {bytes[1]:X2}, not 00 00");
            }

            if (bytes[2] != 0x08)
            {
                throw Invalid(path, $"the data type is 0x{bytes[2]:X2}, but only unsigned bytes (0x08) are supported");
            }

            int rank = bytes[3];
            if (rank < 1 || rank > 4)
            {
                throw Invalid(path, $"it declares {rank} dimensions; expected 1 to 4");
            }

            if (bytes.Length < 4 + (4 * rank))
            {
                throw Invalid(path, $"it ends inside the header ({bytes.Length} bytes for {rank} dimensions)");
            }

            var dimensions = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++)
            {
                int offset = 4 + (4 * i);
                uint size = ((uint)bytes[offset] << 24) | ((uint)bytes[offset + 1] << 16) | ((uint)bytes[offset + 2] << 8) | bytes[offset + 3];
                if (size == 0 || size > int.MaxValue)
                {
                    throw Invalid(path, $"dimension {i} is {size}");
                }

                dimensions[i] = (int)size;

                // Four dimensions below 2^31 can multiply past 2^63 (2^21 x 2^21 x 2^22 wraps to 0): stop as soon as the
                // product exceeds what any file here can hold.
                count *= size;
                if (count > int.MaxValue)
                {
                    throw Invalid(path, $"the dimensions [{string.Join(", ", dimensions.Take(i + 1))}{(i + 1 < rank ? ", ..." : string.Empty)}] already need more than {int.MaxValue} data bytes");
                }
            }

            long available = bytes.Length - 4 - (4 * rank);
            if (available != count)
            {
                throw Invalid(path, $"the dimensions [{string.Join(", ", dimensions)}] need {count} data bytes, but the file has {available}");
            }

            return new IdxFile(dimensions, bytes.AsSpan(4 + (4 * rank)).ToArray());
        }

        /// <summary>Reads an image file ([count, rows, columns]) as floats scaled to [0, 1], one row of rows*columns per image.</summary>
        public static float[] ReadImages(string path, out int count, out int pixelsPerImage)
        {
            IdxFile file = Read(path);
            if (file.Dimensions.Length != 3)
            {
                throw Invalid(path, $"an image file has 3 dimensions [count, rows, columns], but this one has {file.Dimensions.Length}");
            }

            count = file.Dimensions[0];
            pixelsPerImage = file.Dimensions[1] * file.Dimensions[2];
            var images = new float[file.Data.Length];
            for (int i = 0; i < images.Length; i++)
            {
                images[i] = file.Data[i] * (1f / 255f);
            }

            return images;
        }

        /// <summary>Reads a label file ([count]) as class indices.</summary>
        public static int[] ReadLabels(string path)
        {
            IdxFile file = Read(path);
            if (file.Dimensions.Length != 1)
            {
                throw Invalid(path, $"a label file has 1 dimension, but this one has {file.Dimensions.Length}");
            }

            var labels = new int[file.Data.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = file.Data[i];
            }

            return labels;
        }

        internal static byte[] ReadMaybeGzip(string path)
        {
            byte[] raw = File.ReadAllBytes(path ?? throw new ArgumentNullException(nameof(path)));
            if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B)
            {
                return raw;
            }

            byte[] data;
            try
            {
                using var input = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var output = new MemoryStream();
                input.CopyTo(output);
                data = output.ToArray();
            }
            catch (InvalidDataException exception)
            {
                throw new InvalidDataException($"'{path}' starts like gzip but does not decompress: {exception.Message}.", exception);
            }

            // The decompressor stops quietly at the end of what it was given, so a truncated file would read as fewer values:
            // the trailer (CRC-32 and length of the uncompressed data, RFC 1952) proves the stream was read to its end.
            if (raw.Length < 18)
            {
                throw new InvalidDataException($"'{path}' starts like gzip but has {raw.Length} bytes, fewer than a gzip header and trailer.");
            }

            uint crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 8));
            uint size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4));
            uint actualCrc = Crc32.Of(data);
            if (size != (uint)data.LongLength || crc != actualCrc)
            {
                throw new InvalidDataException(
                    $"'{path}' is a truncated or damaged gzip file: its trailer says {size} bytes with CRC-32 {crc:x8}, but it decompresses to {data.LongLength} bytes with CRC-32 {actualCrc:x8} "
                    + "(a file of several concatenated gzip members is not supported either: recompress it as one).");
            }

            return data;
        }

        private static InvalidDataException Invalid(string path, string what) => new($"'{path}' is not a valid IDX file: {what}.");
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected, as gzip and zlib compute it). The BCL has it only in a separate package.</summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        public static uint Of(ReadOnlySpan<byte> bytes)
        {
            uint crc = 0xFFFFFFFFu;
            foreach (byte b in bytes)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return ~crc;
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}
