// A character-level language model on English words: the seeds' Elman network (or an LSTM or GRU) learns to spell, one
// character at a time, and is measured in bits per character on words it never saw.
// dotnet run -c Release --project Samples/CharRnn [-- --cell elman|lstm|gru] [--layers 1|2] [--epochs N] [--minutes M] [--threads N]
//     [--seed N] [--temperature T] [--rate R] [--batch N] [--decay D] [--data FILE] [--save FILE]
using System.Diagnostics;
using Compiled;

string dataPath = Path.Combine(AppContext.BaseDirectory, "data", "words", "american-english");
string cell = "elman";
int? epochs = null;
double minutes = 3;
int threads = Environment.ProcessorCount;
int seed = 1;
float temperature = 1f;
string? savePath = null;
float? rate = null;
int batchSize = 32;
float weightDecay = 0f;
int layers = 2;
bool tanh = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cell" when i + 1 < args.Length && args[i + 1] is "elman" or "lstm" or "gru":
            cell = args[++i];
            break;
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
            epochs = n;
            i++;
            break;
        case "--minutes" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out double m) && m > 0:
            minutes = m;
            i++;
            break;
        case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t > 0:
            threads = t;
            i++;
            break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s):
            seed = s;
            i++;
            break;
        case "--temperature" when i + 1 < args.Length && float.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out float temp) && temp > 0:
            temperature = temp;
            i++;
            break;
        case "--rate" when i + 1 < args.Length && float.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out float r) && r > 0:
            rate = r;
            i++;
            break;
        case "--activation" when i + 1 < args.Length && args[i + 1] is "relu" or "tanh":
            tanh = args[++i] == "tanh";
            break;
        case "--layers" when i + 1 < args.Length && args[i + 1] is "1" or "2":
            layers = args[++i][0] - '0';
            break;
        case "--batch" when i + 1 < args.Length && int.TryParse(args[i + 1], out int size) && size is > 0 and <= 64:
            batchSize = size;
            i++;
            break;
        case "--decay" when i + 1 < args.Length && float.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out float decay) && decay >= 0:
            weightDecay = decay;
            i++;
            break;
        case "--data" when i + 1 < args.Length:
            dataPath = args[++i];
            break;
        case "--save" when i + 1 < args.Length:
            savePath = args[++i];
            break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: CharRnn [--cell elman|lstm|gru] [--activation relu|tanh] [--layers 1|2] [--epochs N] [--minutes M] [--threads N] [--seed N] [--temperature T] [--rate R] [--batch N] [--decay D] [--data FILE] [--save FILE]");
            return 2;
    }
}

CharWords words = CharWords.Load(dataPath);
long trainCharacters = CharWords.PredictedCharacters(words.Train), testCharacters = CharWords.PredictedCharacters(words.Test);
Console.WriteLine($"{words.Train.Length + words.Test.Length} words of a-z from {dataPath}: {words.Train.Length} to train ({trainCharacters} predicted characters), {words.Test.Length} to test ({testCharacters})");

// --cell elman: the seeds' Elman network (ReLU; --activation tanh for tanh); lstm and gru: two layers of 128 (--layers 1: one, the libtorch figures' model).
// Threads and clipping by global norm (it keeps the occasional large step of backpropagation through time from undoing
// what was learned) are set where each network is made.
// Epochs and peak learning rates chosen so that each run ends within three minutes on this project's 2-core machine.
return (cell, layers) switch
{
    ("lstm", 1) => Run(new CharLstm(seed) { Threads = threads, MaxGradientNorm = 1f }, epochs ?? 20, rate ?? 3e-3f),
    ("lstm", _) => Run(new CharLstm2(seed) { Threads = threads, MaxGradientNorm = 1f }, epochs ?? 12, rate ?? 4e-3f),
    ("gru", 1) => Run(new CharGru(seed) { Threads = threads, MaxGradientNorm = 1f }, epochs ?? 28, rate ?? 3e-3f),
    ("gru", _) => Run(new CharGru2(seed) { Threads = threads, MaxGradientNorm = 1f }, epochs ?? 20, rate ?? 2e-3f),
    _ when tanh => Run(new CharElmanTanh(seed) { Threads = threads, MaxGradientNorm = 1f }, epochs ?? 60, rate ?? 3e-3f),
    _ => Run(new CharElman(seed) { Threads = threads, MaxGradientNorm = 1f }, epochs ?? 60, rate ?? 3e-3f),
};

int Run<TNetwork>(TNetwork model, int epochCount, float peakRate)
    where TNetwork : ITokenLabelNetwork, ITokenStreamingNetwork
{
    // AdamW (with --decay 0, the default, plain Adam) with a short warm-up and a cosine decay over the run.
    var adam = new AdamW(peakRate, weightDecay);

    // The model evaluated is an exponential moving average of the parameters over the last steps (Polyak averaging): it
    // smooths out the noise of the last minibatches' steps.
    const float AverageDecay = 0.999f;
    int stepsPerEpoch = (words.Train.Length + batchSize - 1) / batchSize, totalSteps = epochCount * stepsPerEpoch, warmUp = Math.Min(200, totalSteps / 10);
    Console.WriteLine($"training a {cell} model of {model.Parameters.Length} parameters for {epochCount} epochs of {stepsPerEpoch} batches of {batchSize} on {threads} thread(s), at most {minutes:0.#} minutes");

    var (testInputs, testLabels) = CharWords.Encode(words.Test);
    var average = new ParameterAverage(model.Parameters, AverageDecay);
    var inputs = new int[batchSize * CharWords.Steps];
    var labels = new int[batchSize * CharWords.Steps];
    var shuffle = new Xoshiro((ulong)seed);
    var clock = Stopwatch.StartNew();
    double testBits = double.NaN;
    int completed = 0, step = 0;
    for (int epoch = 1; epoch <= epochCount && clock.Elapsed.TotalMinutes < minutes; epoch++)
    {
        TimeSpan start = clock.Elapsed;
        double nats = 0;
        long predicted = 0;
        foreach (string[] batch in CharWords.Batches(words.Train, batchSize, ref shuffle))
        {
            adam.LearningRate = step < warmUp ? peakRate * (step + 1) / warmUp : peakRate * 0.5f * (1f + MathF.Cos(MathF.PI * (step - warmUp) / Math.Max(1, totalSteps - warmUp)));
            step++;
            int rows = batch.Length * CharWords.Steps;
            CharWords.Encode(batch, inputs, labels);
            float loss = model.TrainStep(inputs.AsSpan(0, rows), labels.AsSpan(0, rows), ref adam);
            average.Update(model.Parameters);
            long count = CharWords.PredictedCharacters(batch);
            nats += loss * (double)count;
            predicted += count;
        }

        double seconds = (clock.Elapsed - start).TotalSeconds;
        average.SwapInto(model.Parameters); // evaluated with the averaged parameters, then training goes on from its own
        testBits = model.Evaluate(testInputs, testLabels).Loss / Math.Log(2);
        average.SwapInto(model.Parameters);
        completed = epoch;
        Console.WriteLine($"epoch {epoch,2}: train bits/char {nats / predicted / Math.Log(2):F3}, test bits/char {testBits:F3}, {seconds:F1} s, {predicted / seconds:F0} characters/s");
    }

    double trainSeconds = clock.Elapsed.TotalSeconds;
    average.SwapInto(model.Parameters); // the model that is kept, sampled and saved is the averaged one
    if (savePath is not null)
    {
        Safetensors.Save(savePath, model.Parameters, model.Tensors);
        Console.WriteLine($"saved parameters to {Path.GetFullPath(savePath)}");
    }

    // Ten words sampled one character at a time through the streaming Step, from the end-of-word token until the next one.
    var sampler = new Xoshiro((ulong)seed + 1);
    var probabilities = new float[CharWords.Classes];
    var sampled = new List<string>();
    for (int w = 0; w < 10; w++)
    {
        model.ResetState();
        var letters = new System.Text.StringBuilder();
        int token = CharWords.End;
        do
        {
            model.Step(token, probabilities);
            token = CharSampling.Draw(probabilities, temperature, ref sampler);
            if (token != CharWords.End)
            {
                letters.Append((char)('a' + token - 1));
            }
        }
        while (token != CharWords.End && letters.Length < 30);
        sampled.Add(letters.ToString());
    }

    Console.WriteLine($"sampled at temperature {temperature:0.##}: {string.Join(" ", sampled)}");
    Console.WriteLine($"test bits per char: {testBits:F3}, cell: {(cell == "elman" ? (tanh ? "elman tanh" : "elman relu") : cell)}, layers: {(cell == "elman" ? 1 : layers)}, epochs: {completed}, threads: {threads}, train seconds: {trainSeconds:F1}, characters/s: {trainCharacters * completed / trainSeconds:F0}");
    return 0;
}
