using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace Compiled.Plots
{
    /// <summary>
    /// Training curves of a <see cref="TrainingResult.History"/> as a PNG: the loss per epoch (training, and validation
    /// where there is a validation set) and, beside it, the validation accuracy where the history has one.
    /// </summary>
    /// <example><code>
    /// TrainingResult result = Trainer.Fit(network, train, test, options, ref adam, [new ConsoleReporter()]);
    /// TrainingPlots.SaveCurves(result.History, "mnist-cnn.png", title: "MnistCnn");
    /// </code></example>
    public static class TrainingPlots
    {
        /// <summary>Writes the curves to <paramref name="path"/> (a temporary file first, renamed over the target, so an
        /// existing picture is never left half written).</summary>
        /// <param name="history">Every epoch's report, in order (at least one).</param>
        /// <param name="path">The PNG file to write.</param>
        /// <param name="title">A title above the curves, or null.</param>
        /// <param name="width">Width in pixels, 200 to 10,000.</param>
        /// <param name="height">Height in pixels, 150 to 10,000.</param>
        public static void SaveCurves(IReadOnlyList<EpochReport> history, string path, string? title = null, int width = 1000, int height = 420)
        {
            Check(history, path, width, height);
            string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            string temporary = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}.png");
            try
            {
                Render(history, title, temporary, width, height);
                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }

        private static void Render(IReadOnlyList<EpochReport> history, string? title, string path, int width, int height)
        {
            double[] epochs = history.Select(r => (double)r.Epoch).ToArray();
            bool validated = history.Any(r => !float.IsNaN(r.ValidationLoss));
            bool accuracy = history.Any(r => !float.IsNaN(r.ValidationAccuracy));

            var loss = new Plot();
            Line(loss, epochs, history.Select(r => (double)r.TrainLoss), "training loss", Colors.C0);
            if (validated)
            {
                Line(loss, epochs, history.Select(r => (double)r.ValidationLoss), "validation loss", Colors.C1);
            }

            Decorate(loss, title is null ? "Loss" : title + ": loss", "loss");
            if (!accuracy)
            {
                loss.SavePng(path, width, height);
                return;
            }

            var right = new Plot();
            Line(right, epochs, history.Select(r => (double)r.ValidationAccuracy), "validation accuracy", Colors.C2);
            Decorate(right, title is null ? "Accuracy" : title + ": accuracy", "accuracy");

            var both = new Multiplot();
            both.Reset(loss); // a new multiplot holds one empty plot of its own

            both.AddPlot(right);
            both.Layout = new ScottPlot.MultiplotLayouts.Columns();
            both.SavePng(path, width, height);
        }

        private static void Line(Plot plot, double[] epochs, IEnumerable<double> values, string label, Color color)
        {
            // NaN (a missing figure) breaks the line rather than drawing it to zero.
            double[] ys = values.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray();
            var line = plot.Add.Scatter(epochs, ys, color);
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = epochs.Length <= 30 ? 5 : 0;
        }

        private static void Decorate(Plot plot, string title, string yLabel)
        {
            plot.Title(title);
            plot.XLabel("epoch");
            plot.YLabel(yLabel);
            plot.ShowLegend(Alignment.UpperRight);
        }

        private static void Check(IReadOnlyList<EpochReport> history, string path, int width, int height)
        {
            if (history is null)
            {
                throw new ArgumentNullException(nameof(history));
            }

            if (history.Count == 0)
            {
                throw new ArgumentException("Expected a history of at least one epoch (TrainingResult.History), but it is empty.", nameof(history));
            }

            for (int i = 0; i < history.Count; i++)
            {
                if (history[i].Epoch <= (i == 0 ? 0 : history[i - 1].Epoch))
                {
                    throw new ArgumentException($"Expected epochs in increasing order from 1, but report {i} is epoch {history[i].Epoch}.", nameof(history));
                }
            }

            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException($"Expected a file path for the PNG, but it is '{path}'.", nameof(path));
            }

            if (width is < 200 or > 10_000 || height is < 150 or > 10_000)
            {
                throw new ArgumentOutOfRangeException(nameof(width), $"Expected a picture from 200x150 to 10,000x10,000 pixels, but asked for {width}x{height}.");
            }
        }
    }
}
