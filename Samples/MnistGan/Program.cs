// A GAN on MNIST: a dense generator from 64 noise values to a 28x28 digit against a dense discriminator, trained on the
// 8,000 digits carried here; the generator learns only through the discriminator's input gradient. The sample then
// judges 1,000 generated digits with the MnistCnn sample's classifier, trained here on the real digits, and writes a
// PNG of 100 of them.
// dotnet run -c Release --project Samples/MnistGan [-- --epochs N] [--minutes M] [--threads N] [--seed N] [--out FILE]
//     [--data DIR] [--rate R] [--drate R] [--average D] [--judge-epochs N] [--save FILE]
using System.Diagnostics;
using System.Globalization;
using Compiled;
using Compiled.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

string dataDirectory = Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
int epochs = 100;
double minutes = 10;
int threads = Environment.ProcessorCount;
int seed = 1;
float rate = 3e-4f;
float discriminatorRate = 3e-4f;
int judgeEpochs = 10;
float averageDecay = 0.9995f;
string outPath = "mnist-gan.png";
string? savePath = null;
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
        case "--rate" when float.TryParse(next, CultureInfo.InvariantCulture, out float r) && r > 0:
            rate = r;
            break;
        case "--drate" when float.TryParse(next, CultureInfo.InvariantCulture, out float dr) && dr > 0:
            discriminatorRate = dr;
            break;
        case "--judge-epochs" when int.TryParse(next, out int je) && je > 0:
            judgeEpochs = je;
            break;
        case "--average" when float.TryParse(next, CultureInfo.InvariantCulture, out float ad) && ad is >= 0 and < 1:
            averageDecay = ad;
            break;
        case "--out" when next is not null:
            outPath = next;
            break;
        case "--save" when next is not null:
            savePath = next;
            break;
        case "--data" when next is not null:
            dataDirectory = next;
            break;
        default:
            taken = false;
            break;
    }

    if (!taken)
    {
        Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: MnistGan [--epochs N] [--minutes M] [--threads N] [--seed N] [--out FILE] [--data DIR] [--rate R] [--drate R] [--average D] [--judge-epochs N] [--save FILE]");
        return 2;
    }

    i++;
}

float[] trainImages = Idx.ReadImages(MnistFiles.Find(dataDirectory, "train-images-idx3-ubyte"), out int trainCount, out int pixels);
int[] trainLabels = Idx.ReadLabels(MnistFiles.Find(dataDirectory, "train-labels-idx1-ubyte"));
float[] testImages = Idx.ReadImages(MnistFiles.Find(dataDirectory, "t10k-images-idx3-ubyte"), out int testCount, out _);
int[] testLabels = Idx.ReadLabels(MnistFiles.Find(dataDirectory, "t10k-labels-idx1-ubyte"));
if (pixels != GanTraining.Pixels || trainLabels.Length != trainCount || testLabels.Length != testCount)
{
    throw new InvalidDataException($"Expected 28x28 images with one label each, but got {pixels} pixels, {trainCount} training images with {trainLabels.Length} labels and {testCount} test images with {testLabels.Length}.");
}

Console.WriteLine($"MNIST-format data from {dataDirectory}: {trainCount} training digits (the GAN's data and the judge's), {testCount} test digits (the judge's test)");

// The judge: the MnistCnn sample's network and schedule, 10 epochs (--judge-epochs N for others).
var clock = Stopwatch.StartNew();
var judge = new MnistCnn(seed) { Threads = threads };
var judgeAdam = new Adam(1e-3f);
Trainer.Fit(judge, Dataset.WithLabels(trainImages, pixels, trainLabels), null,
    new TrainingOptions { Epochs = judgeEpochs, BatchSize = 32, ShuffleSeed = seed, LearningRateSchedule = epoch => epoch <= (judgeEpochs + 1) / 2 ? 1e-3f : epoch <= (int)Math.Ceiling(0.8 * judgeEpochs) ? 3e-4f : 1e-4f }, ref judgeAdam);
Console.WriteLine($"judge: a MnistCnn trained on the real digits in {clock.Elapsed.TotalSeconds:F1} s, test accuracy {judge.Evaluate(testImages, testLabels).Accuracy:F4}");

float[] real = GanTraining.ToTanhRange(trainImages);
var generator = new DigitGenerator(seed);
var discriminator = new DigitDiscriminator(seed + 1) { Threads = threads };
var gan = new GanTraining(generator, discriminator, seed, rate, discriminatorRate);
Console.WriteLine($"generator {DigitGenerator.ParameterCount} parameters, discriminator {DigitDiscriminator.ParameterCount}; batches of {GanTraining.BatchSize} real and {GanTraining.BatchSize} generated digits, Adam (beta1 0.5) at {rate:G3} for the generator and {discriminatorRate:G3} for the discriminator, {threads} thread(s) for the discriminator's step, at most {epochs} epochs or {minutes:G3} minutes");

// The digits are judged and drawn from an exponential moving average of the generator's parameters (decay 0.9995 per
// step unless --average says otherwise), which wanders less than the parameters of the last step (as in progressive
// GANs and StyleGAN).
var average = new ParameterAverage(generator.Parameters, averageDecay);
int[] order = Enumerable.Range(0, trainCount).ToArray();
var shuffle = new Xoshiro((ulong)seed + 7);
var batch = new float[GanTraining.BatchSize * pixels];
int stepsPerEpoch = trainCount / GanTraining.BatchSize;
DigitJudgement judgement = Judge();
clock.Restart();
int epoch = 0;
while (epoch < epochs && clock.Elapsed.TotalMinutes < minutes)
{
    epoch++;

    // The rate holds for the first half of the run (by epochs or by time, whichever is further along), then falls
    // linearly toward zero, as pix2pix and CycleGAN schedule theirs: the two networks settle instead of chasing each other.
    double progress = Math.Max((epoch - 1) / (double)epochs, clock.Elapsed.TotalMinutes / minutes);
    float decay = (float)Math.Clamp(2 * (1 - progress), 0.02, 1);
    gan.GeneratorRate = rate * decay;
    gan.DiscriminatorRate = discriminatorRate * decay;
    for (int i = order.Length - 1; i > 0; i--)
    {
        int j = shuffle.NextInt32(i + 1);
        (order[i], order[j]) = (order[j], order[i]);
    }

    double discriminatorLoss = 0, generatorLoss = 0;
    for (int step = 0; step < stepsPerEpoch; step++)
    {
        for (int row = 0; row < GanTraining.BatchSize; row++)
        {
            real.AsSpan(order[(step * GanTraining.BatchSize) + row] * pixels, pixels).CopyTo(batch.AsSpan(row * pixels));
        }

        (float d, float g) = gan.Step(batch);
        discriminatorLoss += d;
        generatorLoss += g;
        average.Update(generator.Parameters);
    }

    string judged = "";
    if (epoch % 5 == 0 || epoch == epochs)
    {
        judgement = Judge();
        judged = ", " + judgement;
    }

    Console.WriteLine($"epoch {epoch}: discriminator loss {discriminatorLoss / stepsPerEpoch:F3}, generator loss {generatorLoss / stepsPerEpoch:F3}, rates {gan.GeneratorRate:G2}/{gan.DiscriminatorRate:G2}, {clock.Elapsed.TotalSeconds:F0} s{judged}");
}

double seconds = clock.Elapsed.TotalSeconds;
judgement = Judge(drawTo: outPath);
Console.WriteLine($"wrote 100 generated digits to {Path.GetFullPath(outPath)}");
Console.WriteLine("share of each digit among the confident: " + string.Join(", ", judgement.ClassShares.Select((s, d) => $"{d}: {s:F3}")));
if (savePath is not null)
{
    average.SwapInto(generator.Parameters);
    generator.SaveParameters(savePath);
    average.SwapInto(generator.Parameters);
    Console.WriteLine($"saved the averaged generator to {Path.GetFullPath(savePath)}");
}

Console.WriteLine($"1,000 generated digits: {judgement.Confident:F3} classified with probability >= {DigitJudgement.Threshold} (aim 0.80), smallest digit share {judgement.SmallestShare:F3} (aim 0.04); epochs: {epoch}, train seconds: {seconds:F0}, images/s: {(double)epoch * stepsPerEpoch * GanTraining.BatchSize / seconds:F0}");
return 0;

DigitJudgement Judge(string? drawTo = null)
{
    average.SwapInto(generator.Parameters);
    DigitJudgement result = DigitJudgement.Of(generator, judge, 1000, seed + 1000, out float[] images);
    average.SwapInto(generator.Parameters);
    if (drawTo is not null)
    {
        WriteGrid(drawTo, images);
    }

    return result;
}

// The first 100 images, 10 by 10, each drawn at twice its size, white on black as MNIST, 4 dark-grey pixels apart.
static void WriteGrid(string path, float[] images)
{
    const int Side = 28, Scale = 2, Gap = 4, Cell = (Side * Scale) + Gap;
    using var picture = new Image<L8>((10 * Cell) + Gap, (10 * Cell) + Gap, new L8(48));
    for (int n = 0; n < 100; n++)
    {
        int left = Gap + ((n % 10) * Cell), top = Gap + ((n / 10) * Cell);
        for (int y = 0; y < Side * Scale; y++)
        {
            for (int x = 0; x < Side * Scale; x++)
            {
                float value = images[(n * Side * Side) + ((y / Scale) * Side) + (x / Scale)];
                picture[left + x, top + y] = new L8((byte)MathF.Round(255f * value));
            }
        }
    }

    string temporary = path + ".tmp";
    picture.SaveAsPng(temporary);
    File.Move(temporary, path, overwrite: true);
}
