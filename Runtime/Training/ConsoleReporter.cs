using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace Compiled
{
    /// <summary>
    /// Prints training as it goes: one line per epoch (loss, validation loss and accuracy when there is a validation set,
    /// learning rate, the epoch's time and the total), and on a terminal a progress line that is redrawn in place during the
    /// epoch. When the output is redirected to a file or pipe there is no progress line, only the epoch lines, so a log
    /// stays readable. Synchronous: each line is written before <see cref="Trainer.Fit"/> goes on.
    /// </summary>
    /// <example><code>Trainer.Fit(network, train, test, options, ref adam, [new ConsoleReporter()]);</code></example>
    public sealed class ConsoleReporter : ITrainingCallback
    {
        private const int BarWidth = 24;
        private readonly TextWriter? _writer;
        private readonly bool _progress;
        private readonly Stopwatch _sinceDrawn = new();
        private int _epochs;
        private int _drawnLength;
        private TimeSpan _epochStart;

        /// <summary>Reports to <paramref name="writer"/> (default: the console).</summary>
        /// <param name="writer">Where lines go; null for <see cref="Console.Out"/>, read at each write so that a redirected console is followed.</param>
        /// <param name="progress">Whether to draw the per-batch progress line. Default (null): only when writing to a console
        /// whose output is not redirected.</param>
        public ConsoleReporter(TextWriter? writer = null, bool? progress = null)
        {
            _writer = writer;
            _progress = progress ?? (writer is null && !Console.IsOutputRedirected);
        }

        /// <summary>Least time between two redraws of the progress line. Default 0.1 s.</summary>
        public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(0.1);

        private TextWriter Writer => _writer ?? Console.Out;

        /// <inheritdoc/>
        public void OnTrainingBegin(TrainingStart start)
        {
            _epochs = start.Epochs;
            _epochStart = TimeSpan.Zero;
            _drawnLength = 0;
            _sinceDrawn.Restart();
            string validation = start.HasValidation ? ", validating after each epoch" : string.Empty;
            string resumed = start.FirstEpoch > 1 ? $", resuming at epoch {start.FirstEpoch}" : string.Empty;
            Writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training: {start.Samples} samples, {start.StepsPerEpoch} steps per epoch, {start.Epochs} epochs{validation}{resumed}"));
        }

        /// <inheritdoc/>
        public void OnBatchEnd(in BatchReport batch)
        {
            if (batch.Step == 1)
            {
                _epochStart = batch.Elapsed;
            }

            if (!_progress || (batch.Step < batch.StepsPerEpoch && _sinceDrawn.Elapsed < ProgressInterval))
            {
                return;
            }

            _sinceDrawn.Restart();
            int filled = (int)((long)BarWidth * batch.Step / batch.StepsPerEpoch);
            var line = new StringBuilder(96);
            line.Append(CultureInfo.InvariantCulture, $"epoch {EpochNumber(batch.Epoch)} [");
            line.Append('=', filled).Append(filled < BarWidth ? ">" : string.Empty).Append(' ', Math.Max(0, BarWidth - filled - 1));
            line.Append(CultureInfo.InvariantCulture, $"] {batch.Step}/{batch.StepsPerEpoch}  loss {batch.MeanLoss:F4}  {Seconds(batch.Elapsed - _epochStart)}");
            Draw(line.ToString());
        }

        /// <inheritdoc/>
        public TrainingDecision OnEpochEnd(EpochReport epoch)
        {
            Draw(string.Empty);
            Writer.WriteLine(Line(epoch, _epochs));
            return TrainingDecision.Continue;
        }

        /// <inheritdoc/>
        public void OnTrainingEnd(TrainingResult result)
        {
            string why = result.StoppedEarly ? $", stopped early; parameters of epoch {result.BestEpoch} restored"
                : result.StoppedByCallback ? ", stopped by a callback"
                : string.Empty;
            Writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {result.Epochs} epochs in {Seconds(result.Last.Elapsed)}{why}"));
        }

        /// <summary>The epoch line this reporter prints: <c>epoch 3/10  loss 0.1234  validation loss 0.1100  accuracy 0.9650
        /// rate 0.001  2.1 s (6.3 s)</c>; the validation figures only where there is a validation set.</summary>
        public static string Line(EpochReport epoch, int epochs)
        {
            var line = new StringBuilder(128);
            string width = epochs > 0 ? new string(' ', Math.Max(0, Digits(epochs) - Digits(epoch.Epoch))) : string.Empty;
            line.Append(CultureInfo.InvariantCulture, $"epoch {width}{epoch.Epoch}{(epochs > 0 ? "/" + epochs.ToString(CultureInfo.InvariantCulture) : string.Empty)}  loss {epoch.TrainLoss:F4}");
            if (!float.IsNaN(epoch.ValidationLoss))
            {
                line.Append(CultureInfo.InvariantCulture, $"  validation loss {epoch.ValidationLoss:F4}");
            }

            if (!float.IsNaN(epoch.ValidationAccuracy))
            {
                line.Append(CultureInfo.InvariantCulture, $"  accuracy {epoch.ValidationAccuracy:F4}");
            }

            if (!float.IsNaN(epoch.LearningRate))
            {
                line.Append(CultureInfo.InvariantCulture, $"  rate {epoch.LearningRate:G3}");
            }

            line.Append(CultureInfo.InvariantCulture, $"  {Seconds(epoch.EpochTime)} ({Seconds(epoch.Elapsed)})");
            return line.ToString();
        }

        private string EpochNumber(int epoch) => string.Create(CultureInfo.InvariantCulture, $"{epoch}/{_epochs}");

        private static int Digits(int value) => value.ToString(CultureInfo.InvariantCulture).Length;

        private static string Seconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:F1} s");

        /// <summary>Replaces the progress line (carriage return, the text, blanks over what was longer before).</summary>
        private void Draw(string text)
        {
            if (!_progress || (text.Length == 0 && _drawnLength == 0))
            {
                return;
            }

            Writer.Write('\r' + text + new string(' ', Math.Max(0, _drawnLength - text.Length)) + (text.Length == 0 ? "\r" : string.Empty));
            Writer.Flush();
            _drawnLength = text.Length;
        }
    }
}
