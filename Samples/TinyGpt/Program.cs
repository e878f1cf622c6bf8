// A tiny GPT on English words: the CharRnn protocol (the same words, split and bits per character on the test words),
// with causal self-attention in place of a recurrent cell.
// dotnet run -c Release --project Samples/TinyGpt [-- --epochs N] [--minutes M] [--threads N] [--seed N] [--temperature T]
//     [--rate R] [--batch N] [--decay D] [--data FILE] [--save FILE]
using System.Diagnostics;
using System.Globalization;
using Compiled;

string dataPath = Path.Combine(AppContext.BaseDirectory, "data", "words", "american-english");
int epochs = 19;
double minutes = 5;
int threads = Environment.ProcessorCount;
int seed = 1;
float temperature = 1f;
string? savePath = null;
float peakRate = 3e-3f;
int batchSize = 64;
float weightDecay = 0.01f;
for (int i = 0; i < args.Length; i++)
{
    string? next = i + 1 < args.Length ? args[i + 1] : null;
    bool taken = true;
    switch (args[i])
    {
        case "--epochs" when int.TryParse(next, out int n) && n > 0:
            epochs = n;
            break;
        case "--minutes" when double.TryParse(next, CultureInfo.InvariantCulture, out double m) && m > 0:
            minutes = m;
            break;
        case "--threads" when int.TryParse(next, out int t) && t > 0:
            threads = t;
            break;
        case "--seed" when int.TryParse(next, out int s):
            seed = s;
            break;
        case "--temperature" when float.TryParse(next, CultureInfo.InvariantCulture, out float temp) && temp > 0:
            temperature = temp;
            break;
        case "--rate" when float.TryParse(next, CultureInfo.InvariantCulture, out float r) && r > 0:
            peakRate = r;
            break;
        case "--batch" when int.TryParse(next, out int size) && size is > 0 and <= TinyGpt.MaxBatchSize:
            batchSize = size;
            break;
        case "--decay" when float.TryParse(next, CultureInfo.InvariantCulture, out float decay) && decay >= 0:
            weightDecay = decay;
            break;
        case "--data" when next is not null:
            dataPath = next;
            break;
        case "--save" when next is not null:
            savePath = next;
            break;
        default:
            taken = false;
            break;
    }

    if (!taken)
    {
        Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: TinyGpt [--epochs N] [--minutes M] [--threads N] [--seed N] [--temperature T] [--rate R] [--batch N] [--decay D] [--data FILE] [--save FILE]");
        return 2;
    }

    i++;
}

CharWords words = CharWords.Load(dataPath);
long trainCharacters = CharWords.PredictedCharacters(words.Train), testCharacters = CharWords.PredictedCharacters(words.Test);
Console.WriteLine($"{words.Train.Length + words.Test.Length} words of a-z from {dataPath}: {words.Train.Length} to train ({trainCharacters} predicted characters), {words.Test.Length} to test ({testCharacters})");

var model = new TinyGpt(seed) { Threads = threads, MaxGradientNorm = 1f };

// The same model over 8, 10, 12, 14, 16 and 24 steps: every network has the same parameters (the position embedding has
// rows for 24 positions in each), so a batch whose longest word fits in fewer steps trains the network of that many steps,
// after the parameters move over from the one that trained last. A batch of words of similar lengths (CharWords.Batches
// sorts them) then costs about 1.12 times its real characters instead of 2.6 times (1.22 with 10, 12, 16 and 24 alone).
(int Steps, ITokenLabelNetwork Network)[] contexts =
[
    (8, new TinyGpt8(seed) { Threads = threads, MaxGradientNorm = 1f }),
    (10, new TinyGpt10(seed) { Threads = threads, MaxGradientNorm = 1f }),
    (12, new TinyGpt12(seed) { Threads = threads, MaxGradientNorm = 1f }),
    (14, new TinyGpt14(seed) { Threads = threads, MaxGradientNorm = 1f }),
    (16, new TinyGpt16(seed) { Threads = threads, MaxGradientNorm = 1f }),
    (CharWords.Steps, model),
];
int trained = contexts.Length - 1;
void Use(int context)
{
    if (context != trained)
    {
        contexts[trained].Network.Parameters.CopyTo(contexts[context].Network.Parameters);
        trained = context;
    }
}

// AdamW with a warm-up of 200 steps and a cosine decay over the run, as makemore's GPT is trained.
var adam = new AdamW(peakRate, weightDecay);
int stepsPerEpoch = (words.Train.Length + batchSize - 1) / batchSize, totalSteps = epochs * stepsPerEpoch, warmUp = Math.Min(200, totalSteps / 10);
Console.WriteLine($"training a GPT of {model.Parameters.Length} parameters (4 blocks, width 80, 4 heads, residual dropout 0.05, context {CharWords.Steps}) for {epochs} epochs of {stepsPerEpoch} batches of {batchSize} on {threads} thread(s), at most {minutes:0.#} minutes");

// The model evaluated is an exponential moving average of the parameters over the last steps (Polyak averaging), as in
// CharRnn: it smooths out the noise of the last minibatches' steps.
var average = new ParameterAverage(model.Parameters, 0.999f);
var (testInputs, testLabels) = CharWords.Encode(words.Test);
var inputs = new int[batchSize * CharWords.Steps];
var labels = new int[batchSize * CharWords.Steps];
var shuffle = new Xoshiro((ulong)seed);
var clock = Stopwatch.StartNew();
double testBits = double.NaN;
int completed = 0, step = 0;
for (int epoch = 1; epoch <= epochs && clock.Elapsed.TotalMinutes < minutes; epoch++)
{
    TimeSpan start = clock.Elapsed;
    double nats = 0;
    long predicted = 0;
    foreach (string[] batch in CharWords.Batches(words.Train, batchSize, ref shuffle))
    {
        adam.LearningRate = step < warmUp ? peakRate * (step + 1) / warmUp : peakRate * 0.5f * (1f + MathF.Cos(MathF.PI * (step - warmUp) / Math.Max(1, totalSteps - warmUp)));
        step++;
        int longest = batch.Max(w => w.Length) + 1, context = Array.FindIndex(contexts, c => c.Steps >= longest), steps = contexts[context].Steps;
        Use(context);
        CharWords.Encode(batch, inputs, labels, steps); // what would come after the first steps is padding with no label
        int rows = batch.Length * steps;
        float loss = contexts[context].Network.TrainStep(inputs.AsSpan(0, rows), labels.AsSpan(0, rows), ref adam);
        average.Update(contexts[context].Network.Parameters);
        long count = CharWords.PredictedCharacters(batch);
        nats += loss * (double)count;
        predicted += count;
    }

    double seconds = (clock.Elapsed - start).TotalSeconds;
    Use(contexts.Length - 1);
    average.SwapInto(model.Parameters); // evaluated with the averaged parameters, then training goes on from its own
    testBits = model.Evaluate(testInputs, testLabels).Loss / Math.Log(2);
    average.SwapInto(model.Parameters);
    completed = epoch;
    Console.WriteLine($"epoch {epoch,2}: train bits/char {nats / predicted / Math.Log(2):F3}, test bits/char {testBits:F3}, {seconds:F1} s, {predicted / seconds:F0} characters/s");
}

double trainSeconds = clock.Elapsed.TotalSeconds;
Use(contexts.Length - 1);
average.SwapInto(model.Parameters); // the model that is kept, sampled and saved is the averaged one
if (savePath is not null)
{
    Safetensors.Save(savePath, model.Parameters, model.Tensors);
    Console.WriteLine($"saved parameters to {Path.GetFullPath(savePath)}");
}

// Ten words sampled one character at a time: the prefix so far through the whole context (the causal mask makes the
// padding after it irrelevant), the next character drawn from step t's probabilities.
var sampler = new Xoshiro((ulong)seed + 1);
var prefix = new int[CharWords.Steps];
var probabilities = new float[TinyGpt.OutputSize];
var sampled = new List<string>();
for (int w = 0; w < 10; w++)
{
    Array.Fill(prefix, CharWords.Padding);
    prefix[0] = CharWords.End;
    var letters = new System.Text.StringBuilder();
    for (int t = 0; t < CharWords.Steps; t++)
    {
        model.Predict(prefix, probabilities);
        int token = CharSampling.Draw(probabilities.AsSpan(t * CharWords.Classes, CharWords.Classes), temperature, ref sampler);
        if (token == CharWords.End || t + 1 == CharWords.Steps)
        {
            break;
        }

        letters.Append((char)('a' + token - 1));
        prefix[t + 1] = token;
    }

    sampled.Add(letters.ToString());
}

Console.WriteLine($"sampled at temperature {temperature:0.##}: {string.Join(" ", sampled)}");
Console.WriteLine($"test bits per char: {testBits:F3}, model: gpt 4x80, parameters: {model.Parameters.Length}, epochs: {completed}, threads: {threads}, train seconds: {trainSeconds:F1}, characters/s: {trainCharacters * completed / trainSeconds:F0}");
return 0;
