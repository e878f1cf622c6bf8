// A yardstick outside the solution (never built by CI: TorchSharp restores about 1.4 GB), beside
// ../../shared/peers/torchsharp-bench, whose NativeFixup.cs (Debian 12's libstdc++) is copied here.
// dotnet run -c Release --project peers/torchsharp-gpt -- [threads] [epochs] [minutes] [full|cut] [width] [dropout]
// makemore's GPT (4 blocks, width 64, 4 heads, GELU MLP of 256, pre-norm) in libtorch through TorchSharp, trained on
// exactly the TinyGpt sample's protocol and batches: the CharRnn split, batches of 64 words sorted by length through
// CharWords.Batches, each batch cut to the steps its longest word needs (as TinyGpt trains on its shortest network),
// AdamW 3e-3 / 0.01 with 200 warm-up steps and cosine decay, clipping at 1. Prints characters per second per epoch and
// the test bits per character (full 24 steps, no parameter average). With "full", every batch runs all 24 steps, as
// makemore's loop does.
using System.Diagnostics;
using Compiled;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

PeerBench.NativeFixup.EnsureLoadable();
int threads = args.Length > 0 ? int.Parse(args[0]) : 2;
int epochs = args.Length > 1 ? int.Parse(args[1]) : 16;
double minutes = args.Length > 2 ? double.Parse(args[2]) : 5;
torch.set_num_threads(threads);
torch.manual_seed(1);
string root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "Compiled.sln")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run this from inside the repository.");
}

CharWords words = CharWords.Load(Path.Combine(root, "Samples", "data", "words", "american-english"));
const int BatchSize = 64;
// Optional: the width (64, makemore's; 80, the sample's since 2026-12-06) and the residual dropout (0; the sample's 0.05).
int width = args.Length > 4 ? int.Parse(args[4]) : 64;
double dropout = args.Length > 5 ? double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 0;
var model = new Gpt(CharWords.Vocabulary, CharWords.Classes, width, 4, 4, CharWords.Steps, dropout);
long parameters = model.parameters().Sum(p => p.numel());
var optimizer = torch.optim.AdamW(model.parameters(), lr: 3e-3, weight_decay: 0.01);
int stepsPerEpoch = (words.Train.Length + BatchSize - 1) / BatchSize, total = epochs * stepsPerEpoch, warmUp = Math.Min(200, total / 10);
Console.WriteLine($"libtorch {torch.__version__}, {threads} thread(s), {parameters} parameters, {stepsPerEpoch} batches of {BatchSize} per epoch");
var shuffle = new Xoshiro(1);
var inputs = new int[BatchSize * CharWords.Steps];
var labels = new int[BatchSize * CharWords.Steps];
var clock = Stopwatch.StartNew();
int step = 0;
for (int epoch = 1; epoch <= epochs && clock.Elapsed.TotalMinutes < minutes; epoch++)
{
    TimeSpan start = clock.Elapsed;
    double nats = 0;
    long predicted = 0;
    model.train();
    foreach (string[] batch in CharWords.Batches(words.Train, BatchSize, ref shuffle))
    {
        double rate = step < warmUp ? 3e-3 * (step + 1) / warmUp : 3e-3 * 0.5 * (1 + Math.Cos(Math.PI * (step - warmUp) / Math.Max(1, total - warmUp)));
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
        step++;
        int steps = args.Length > 3 && args[3] == "full" ? CharWords.Steps : batch.Max(w => w.Length) + 1;
        CharWords.Encode(batch, inputs, labels, steps);
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(inputs.AsSpan(0, batch.Length * steps).ToArray(), dtype: ScalarType.Int64).reshape(batch.Length, steps);
        var y = torch.tensor(labels.AsSpan(0, batch.Length * steps).ToArray(), dtype: ScalarType.Int64).reshape(batch.Length * steps);
        optimizer.zero_grad();
        var logits = model.call(x);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, CharWords.Classes), y, ignore_index: -100);
        loss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
        long count = CharWords.PredictedCharacters(batch);
        nats += loss.item<float>() * (double)count;
        predicted += count;
    }

    double seconds = (clock.Elapsed - start).TotalSeconds;
    double testBits = Evaluate(model, words.Test) / Math.Log(2);
    Console.WriteLine($"epoch {epoch,2}: train bits/char {nats / predicted / Math.Log(2):F3}, test bits/char {testBits:F3}, {seconds:F1} s, {predicted / seconds:F0} characters/s");
}

static double Evaluate(Gpt model, string[] test)
{
    model.eval();
    using var noGrad = torch.no_grad();
    using var scope = torch.NewDisposeScope();
    var (inputs, labels) = CharWords.Encode(test);
    var x = torch.tensor(inputs.Select(i => (long)i).ToArray()).reshape(test.Length, CharWords.Steps);
    var y = torch.tensor(labels.Select(i => (long)i).ToArray());
    var logits = model.call(x);
    return nn.functional.cross_entropy(logits.reshape(-1, CharWords.Classes), y, ignore_index: -100).item<float>();
}

sealed class Block : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1, ln_2;
    private readonly Linear c_attn, c_proj, c_fc, mlp_proj;
    private readonly Dropout attn_drop, mlp_drop;
    private readonly int heads;

    public Block(int width, int heads, double dropout) : base("Block")
    {
        this.heads = heads;
        attn_drop = nn.Dropout(dropout);
        mlp_drop = nn.Dropout(dropout);
        ln_1 = nn.LayerNorm(width);
        ln_2 = nn.LayerNorm(width);
        c_attn = nn.Linear(width, 3 * width);
        c_proj = nn.Linear(width, width);
        c_fc = nn.Linear(width, 4 * width);
        mlp_proj = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1], c = x.shape[2];
        var qkv = c_attn.call(ln_1.call(x)).split(c, 2);
        var q = qkv[0].view(b, t, heads, c / heads).transpose(1, 2);
        var k = qkv[1].view(b, t, heads, c / heads).transpose(1, 2);
        var v = qkv[2].view(b, t, heads, c / heads).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true).transpose(1, 2).contiguous().view(b, t, c);
        x = x + attn_drop.call(c_proj.call(attended));
        return x + mlp_drop.call(mlp_proj.call(nn.functional.gelu(c_fc.call(ln_2.call(x)))));
    }
}

sealed class Gpt : nn.Module<Tensor, Tensor>
{
    private readonly Embedding wte, wpe;
    private readonly ModuleList<Block> h;
    private readonly LayerNorm ln_f;
    private readonly Linear lm_head;

    public Gpt(int vocabulary, int classes, int width, int heads, int blocks, int steps, double dropout) : base("Gpt")
    {
        wte = nn.Embedding(vocabulary, width);
        wpe = nn.Embedding(steps, width);
        h = nn.ModuleList(Enumerable.Range(0, blocks).Select(_ => new Block(width, heads, dropout)).ToArray());
        ln_f = nn.LayerNorm(width);
        lm_head = nn.Linear(width, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var positions = torch.arange(x.shape[1], dtype: ScalarType.Int64);
        var hidden = wte.call(x) + wpe.call(positions);
        foreach (Block block in h)
        {
            hidden = block.call(hidden);
        }

        return lm_head.call(ln_f.call(hidden));
    }
}
