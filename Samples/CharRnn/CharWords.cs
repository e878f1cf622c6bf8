// The CharRnn protocol, shared by the sample and its test: which words, in which order, split how, encoded how.
using Compiled;

/// <summary>
/// The words of the list that are only the letters a-z, shuffled with a fixed seed and split 90 % train / 10 % test.
/// A word is read from an end-of-word token and predicts each letter and then the end-of-word token: "cat" is the
/// inputs [end, c, a, t] and the labels [c, a, t, end], padded to <see cref="Steps"/>. Bits per character count every
/// predicted character, the end tokens included.
/// </summary>
public sealed class CharWords
{
    /// <summary>Steps per sample: the longest word (22 letters) plus its end token, rounded up.</summary>
    public const int Steps = 24;

    /// <summary>The token and class of the end of a word; a-z are 1-26.</summary>
    public const int End = 0;

    /// <summary>Classes a step predicts: the end of a word and a-z.</summary>
    public const int Classes = 27;

    /// <summary>The input token that pads a word to <see cref="Steps"/>.</summary>
    public const int Padding = 27;

    /// <summary>Input tokens: the classes and the padding.</summary>
    public const int Vocabulary = 28;

    /// <summary>The seed of the protocol's shuffle (fixed, so that every run splits alike).</summary>
    public const ulong SplitSeed = 20261203;

    private CharWords(string[] train, string[] test) => (Train, Test) = (train, test);

    public string[] Train { get; }

    public string[] Test { get; }

    public static CharWords Load(string path)
    {
        string[] words = File.ReadAllLines(path).Where(w => w.Length > 0 && w.Length < Steps && w.All(c => c is >= 'a' and <= 'z')).ToArray();
        var random = new Xoshiro(SplitSeed);
        for (int i = words.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (words[i], words[j]) = (words[j], words[i]);
        }

        int train = (int)(words.Length * 0.9);
        return new CharWords(words[..train], words[train..]);
    }

    /// <summary>The predicted characters of some words: their letters and end tokens.</summary>
    public static long PredictedCharacters(IEnumerable<string> words) => words.Sum(w => (long)w.Length + 1);

    /// <summary>Writes the inputs and labels of <paramref name="words"/>, one sample of <see cref="Steps"/> each.</summary>
    public static void Encode(ReadOnlySpan<string> words, Span<int> inputs, Span<int> labels) => Encode(words, inputs, labels, Steps);

    /// <summary>The same with samples of <paramref name="steps"/> (at most <see cref="Steps"/>): the first steps of the
    /// protocol's samples side by side, for words of fewer than <paramref name="steps"/> letters.</summary>
    public static void Encode(ReadOnlySpan<string> words, Span<int> inputs, Span<int> labels, int steps)
    {
        for (int s = 0; s < words.Length; s++)
        {
            string word = words[s];
            if (word.Length >= steps)
            {
                throw new ArgumentException($"'{word}' has {word.Length} letters; samples of {steps} steps hold words of at most {steps - 1}.", nameof(words));
            }

            Span<int> input = inputs.Slice(s * steps, steps);
            Span<int> label = labels.Slice(s * steps, steps);
            input.Fill(Padding);
            label.Fill(-100); // the loss's ignore index: padded steps count for nothing
            input[0] = End;
            for (int i = 0; i < word.Length; i++)
            {
                input[i + 1] = word[i] - 'a' + 1;
                label[i] = word[i] - 'a' + 1;
            }

            label[word.Length] = End;
        }
    }

    /// <summary>The inputs and labels of <paramref name="words"/> in new arrays, one sample of <see cref="Steps"/> each.</summary>
    public static (int[] Inputs, int[] Labels) Encode(string[] words)
    {
        var inputs = new int[words.Length * Steps];
        var labels = new int[words.Length * Steps];
        Encode(words, inputs, labels);
        return (inputs, labels);
    }

    /// <summary>
    /// The training words in minibatches for one epoch: shuffled by <paramref name="random"/>, then sorted by length,
    /// longest first, within groups of 32 batches, so that the words of a batch have similar lengths and the recurrent
    /// layers skip the padded tail of the shorter ones; the order of the batches is shuffled too.
    /// </summary>
    public static List<string[]> Batches(string[] words, int batchSize, ref Xoshiro random)
    {
        string[] order = (string[])words.Clone();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var batches = new List<string[]>();
        int group = 32 * batchSize;
        for (int start = 0; start < order.Length; start += group)
        {
            string[] sorted = order.Skip(start).Take(group).OrderByDescending(w => w.Length).ToArray();
            for (int b = 0; b < sorted.Length; b += batchSize)
            {
                batches.Add(sorted.Skip(b).Take(batchSize).ToArray());
            }
        }

        for (int i = batches.Count - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (batches[i], batches[j]) = (batches[j], batches[i]);
        }

        return batches;
    }
}
