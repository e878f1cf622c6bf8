using System.Globalization;
using System.Runtime.InteropServices;
using Compiled;
using Compiled.CrashChild;

// train <checkpoint or -> <output>: trains CrashMlp, printing "epoch N" after each epoch, then writes the parameters.
// save <path>: saves CrashWide over and over, every value of save i equal to i, printing "saved i" after each.
switch (args.Length > 0 ? args[0] : string.Empty)
{
    case "train" when args.Length == 3:
        var network = new CrashMlp(7);
        var adam = new Adam(0.003f);
        var train = CrashRun.Blobs(12_000, 1);
        var validation = CrashRun.Blobs(1_000, 2);
        TrainingResult result = Trainer.Fit(network, train, validation, CrashRun.Options(args[1] == "-" ? null : args[1]), ref adam, [new Print()]);
        File.WriteAllBytes(args[2], MemoryMarshal.AsBytes(network.Parameters).ToArray());
        Console.WriteLine($"done: resumed from {result.ResumedFromEpoch}, {result.Epochs} epochs");
        return 0;
    case "save" when args.Length == 2:
        var wide = new CrashWide(1);
        for (int i = 1; ; i++)
        {
            wide.Parameters.Fill(i);
            wide.SaveParameters(args[1]);
            Console.WriteLine("saved " + i.ToString(CultureInfo.InvariantCulture));
        }

    default:
        Console.Error.WriteLine("usage: Compiled.CrashChild train <checkpoint|-> <output> | save <path>");
        return 2;
}

/// <summary>Prints each epoch as it ends, for the parent to kill this process at a known point.</summary>
internal sealed class Print : ITrainingCallback
{
    public TrainingDecision OnEpochEnd(EpochReport epoch)
    {
        Console.WriteLine("epoch " + epoch.Epoch.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        return TrainingDecision.Continue;
    }
}
