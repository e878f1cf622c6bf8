using System;

namespace Compiled
{
    /// <summary>
    /// xoshiro128** seeded through SplitMix64: small, fast and, unlike <see cref="Random"/>, fixed by its
    /// published definition, so a seed gives the same parameters, shuffles and dropout masks on every .NET
    /// version and machine. A struct: passing it by ref keeps state without allocation.
    /// </summary>
    public struct Xoshiro
    {
        private uint _s0, _s1, _s2, _s3;

        /// <summary>Seeds the generator; every seed, including 0, gives a valid, distinct stream.</summary>
        public Xoshiro(ulong seed)
        {
            ulong x = seed;
            ulong a = SplitMix64(ref x), b = SplitMix64(ref x);
            _s0 = (uint)a;
            _s1 = (uint)(a >> 32);
            _s2 = (uint)b;
            _s3 = (uint)(b >> 32);
            if ((_s0 | _s1 | _s2 | _s3) == 0)
            {
                _s0 = 1;
            }
        }

        /// <summary>The next 32 random bits.</summary>
        public uint NextUInt32()
        {
            uint result = RotateLeft(_s1 * 5, 7) * 9;
            uint t = _s1 << 9;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = RotateLeft(_s3, 11);
            return result;
        }

        /// <summary>The next 64 random bits.</summary>
        public ulong NextUInt64() => ((ulong)NextUInt32() << 32) | NextUInt32();

        /// <summary>Uniform in [0, 1), 24 bits of precision.</summary>
        public float NextSingle() => (NextUInt32() >> 8) * (1f / (1 << 24));

        /// <summary>Uniform integer in [0, maxExclusive).</summary>
        public int NextInt32(int maxExclusive)
        {
            if (maxExclusive <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"The bound must be positive, but is {maxExclusive}.");
            }

            // Lemire's multiply-shift; the bias is below 2^-32 * maxExclusive, negligible for shuffling.
            return (int)(((ulong)NextUInt32() * (ulong)maxExclusive) >> 32);
        }

        /// <summary>Standard normal, by Box-Muller.</summary>
        public float NextGaussian()
        {
            double u1 = 1.0 - (NextUInt32() * (1.0 / 4294967296.0)); // (0, 1]
            double u2 = NextUInt32() * (1.0 / 4294967296.0);
            return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        private static uint RotateLeft(uint value, int count) => (value << count) | (value >> (32 - count));

        private static ulong SplitMix64(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
