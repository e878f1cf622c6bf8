using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Compiled
{
    /// <summary>
    /// Saves and restores everything training depends on: the parameters, the optimizer's state (settings, learning rate,
    /// step count, moments) and the dropout masks' random state, in one safetensors file. The network's tensors keep their
    /// names, so the file also loads with <c>LoadParameters</c> and in Python; the optimizer's tensors are named
    /// <c>optimizer/m</c> and so on, which no layer's tensor can be. Written atomically like <see cref="Safetensors.Save"/>;
    /// proved completely before anything is restored, so a bad or mismatched file leaves network and optimizer unchanged.
    /// <see cref="Trainer.Fit"/> writes and resumes from these files with <see cref="TrainingOptions.CheckpointPath"/>.
    /// </summary>
    public static class Checkpoint
    {
        internal const string Format = "compiled.checkpoint.v1";
        internal const string OptimizerPrefix = "optimizer/";
        internal const string BestName = "trainer/best";
        internal const string TrainerPrefix = "trainer.";

        /// <summary>Whether a tensor is the optimizer's or the training loop's rather than the network's.</summary>
        internal static bool IsOwnTensor(string name) => name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || name == BestName;

        /// <summary>Writes the network's parameters and random state and the optimizer's state to <paramref name="path"/>.</summary>
        /// <exception cref="NotSupportedException">The optimizer does not implement <see cref="IOptimizer.ExportState"/>.</exception>
        public static void Save<TOptimizer>(string path, INetwork network, ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer =>
            Write(path ?? throw new ArgumentNullException(nameof(path)), network ?? throw new ArgumentNullException(nameof(network)), optimizer.ExportState(), trainer: null, best: null);

        /// <summary>Restores a checkpoint written by <see cref="Save"/> (or by <see cref="Trainer.Fit"/>) into the network and the
        /// optimizer, which must be of the kind and settings it was written with.</summary>
        /// <exception cref="InvalidDataException">The file is malformed, holds NaN or infinities, or belongs to another network,
        /// optimizer or thread count; nothing was changed.</exception>
        public static void Load<TOptimizer>(string path, INetwork network, ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer
        {
            CheckpointContents contents = Read(path ?? throw new ArgumentNullException(nameof(path)), network ?? throw new ArgumentNullException(nameof(network)), optimizer.ExportState(), expectBest: null);
            contents.Restore(network, ref optimizer);
        }

        internal static void Write(string path, INetwork network, OptimizerState optimizer, IReadOnlyDictionary<string, string>? trainer, float[]? best)
        {
            int count = network.Parameters.Length;
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["format"] = Format,
                ["optimizer.kind"] = optimizer.Kind,
                ["optimizer.learning_rate"] = Text(optimizer.LearningRate),
                ["optimizer.step"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
                ["network.random_state"] = string.Join(",", network.RandomState.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            };
            foreach (KeyValuePair<string, float> setting in optimizer.Settings)
            {
                metadata["optimizer.setting." + setting.Key] = Text(setting.Value);
            }

            foreach (KeyValuePair<string, string> entry in trainer ?? new Dictionary<string, string>())
            {
                metadata[TrainerPrefix + entry.Key] = entry.Value;
            }

            var tensors = network.Tensors.Select(t => (t.Name, t.Shape)).ToList();
            var extra = new List<(string Name, float[] Values)>();
            foreach (KeyValuePair<string, float[]> tensor in optimizer.Tensors)
            {
                if (tensor.Value.Length != count)
                {
                    throw new ArgumentException($"The optimizer's tensor '{tensor.Key}' has {tensor.Value.Length} values, but the network has {count} parameters; use one optimizer per network.", nameof(optimizer));
                }

                extra.Add((OptimizerPrefix + tensor.Key, tensor.Value));
            }

            if (best is not null)
            {
                extra.Add((BestName, best));
            }

            tensors.AddRange(extra.Select(e => (e.Name, new[] { count })));
            using var writer = new SafetensorsWriter(path, tensors, metadata);
            ReadOnlySpan<float> parameters = network.Parameters;
            foreach (TensorInfo tensor in network.Tensors)
            {
                writer.Write(parameters.Slice(tensor.Offset, tensor.Length));
            }

            foreach ((string _, float[] values) in extra)
            {
                writer.Write(values);
            }

            writer.Commit();
        }

        /// <summary>Reads and proves a checkpoint for <paramref name="network"/> and an optimizer like <paramref name="current"/>
        /// without changing either. <paramref name="expectBest"/>: whether the early-stopping copy must be there (null: it must not
        /// matter, for <see cref="Load"/>).</summary>
        internal static CheckpointContents Read(string path, INetwork network, OptimizerState current, bool? expectBest)
        {
            using var reader = new SafetensorsReader(path);
            IReadOnlyDictionary<string, string> metadata = reader.Metadata;
            string Field(string name) =>
                metadata.TryGetValue(name, out string? value) ? value : throw reader.Invalid($"its metadata has no '{name}', so it is not a checkpoint of this library (a parameters file loads with LoadParameters)");

            if (Field("format") != Format)
            {
                throw reader.Invalid($"its format is '{Field("format")}', but this library reads '{Format}'");
            }

            string kind = Field("optimizer.kind");
            if (kind != current.Kind)
            {
                throw reader.Invalid($"it was written with a {kind} optimizer, but the optimizer given is a {current.Kind}");
            }

            var settings = new Dictionary<string, float>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, string> entry in metadata.Where(m => m.Key.StartsWith("optimizer.setting.", StringComparison.Ordinal)))
            {
                settings[entry.Key.Substring("optimizer.setting.".Length)] = ParseSingle(reader, entry.Key, entry.Value);
            }

            foreach (KeyValuePair<string, float> setting in current.Settings)
            {
                if (!settings.TryGetValue(setting.Key, out float saved) || !saved.Equals(setting.Value))
                {
                    throw reader.Invalid($"it was written with {kind} {setting.Key} = {(settings.ContainsKey(setting.Key) ? Text(saved) : "(none)")}, but the optimizer given has {Text(setting.Value)}");
                }
            }

            if (settings.Count != current.Settings.Count)
            {
                throw reader.Invalid($"its {kind} has settings {string.Join(", ", settings.Keys)}, but the optimizer given has {string.Join(", ", current.Settings.Keys)}");
            }

            float learningRate = ParseSingle(reader, "optimizer.learning_rate", Field("optimizer.learning_rate"));
            if (!(learningRate >= 0f) || float.IsInfinity(learningRate))
            {
                throw reader.Invalid($"its learning rate is {Text(learningRate)}; expected zero or a positive finite number");
            }

            int step = ParseInt32(reader, "optimizer.step", Field("optimizer.step"));
            ulong[] randomState = ParseRandomState(reader, Field("network.random_state"));
            int expectedStates = network.RandomState.Length;
            if (randomState.Length != expectedStates)
            {
                throw reader.Invalid(expectedStates == 0 || randomState.Length == 0
                    ? $"it holds {randomState.Length} dropout random states, but this network has {expectedStates} (is it another network?)"
                    : $"it was written with Threads = {randomState.Length}, but the network has Threads = {expectedStates}; set Threads to {randomState.Length} to resume it");
            }

            int count = network.Parameters.Length;
            var optimizerTensors = reader.Entries.Keys.Where(n => n.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal).ToList();
            bool hasBest = reader.Entries.ContainsKey(BestName);
            if (expectBest is bool expected && hasBest != expected)
            {
                throw reader.Invalid(expected
                    ? "it has no early-stopping copy of the best parameters, but Patience is set (it was written by a run without early stopping)"
                    : "it holds an early-stopping copy of the best parameters, but Patience is 0 (it was written by a run with early stopping)");
            }

            var expectedTensors = network.Tensors.Select(t => (t.Name, t.Shape)).ToList();
            expectedTensors.AddRange(optimizerTensors.Select(n => (n, new[] { count })));
            if (hasBest)
            {
                expectedTensors.Add((BestName, new[] { count }));
            }

            reader.Expect(expectedTensors, exact: true);
            foreach ((string name, int[] _) in expectedTensors)
            {
                reader.CheckFinite(name);
            }

            var parameters = new float[count];
            foreach (TensorInfo tensor in network.Tensors)
            {
                reader.Read(tensor.Name, parameters.AsSpan(tensor.Offset, tensor.Length));
            }

            var moments = new Dictionary<string, float[]>(StringComparer.Ordinal);
            foreach (string name in optimizerTensors)
            {
                var values = new float[count];
                reader.Read(name, values);
                moments[name.Substring(OptimizerPrefix.Length)] = values;
            }

            float[]? best = null;
            if (hasBest)
            {
                best = new float[count];
                reader.Read(BestName, best);
            }

            var trainer = metadata.Where(m => m.Key.StartsWith(TrainerPrefix, StringComparison.Ordinal))
                .ToDictionary(m => m.Key.Substring(TrainerPrefix.Length), m => m.Value, StringComparer.Ordinal);
            OptimizerState state;
            try
            {
                state = new OptimizerState(kind, learningRate, settings, step, moments);
            }
            catch (ArgumentException exception)
            {
                throw reader.Invalid(exception.Message);
            }

            return new CheckpointContents(reader.Path, parameters, state, randomState, best, trainer);
        }

        internal static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

        internal static float ParseSingle(SafetensorsReader reader, string name, string text) =>
            float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
                ? value
                : throw reader.Invalid($"its metadata '{name}' is '{text}', not a number");

        internal static int ParseInt32(SafetensorsReader reader, string name, string text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
                ? value
                : throw reader.Invalid($"its metadata '{name}' is '{text}', not a whole number from 0 to {int.MaxValue}");

        private static ulong[] ParseRandomState(SafetensorsReader reader, string text)
        {
            if (text.Length == 0)
            {
                return [];
            }

            string[] parts = text.Split(',');
            var state = new ulong[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!ulong.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out state[i]))
                {
                    throw reader.Invalid($"its metadata 'network.random_state' holds '{parts[i]}', not a 64-bit unsigned number");
                }
            }

            return state;
        }
    }

    /// <summary>A proved checkpoint, read into memory and not yet applied.</summary>
    internal sealed class CheckpointContents(string path, float[] parameters, OptimizerState optimizerState, ulong[] randomState, float[]? best, IReadOnlyDictionary<string, string> trainer)
    {
        public string Path { get; } = path;

        public float[]? Best { get; } = best;

        /// <summary>The <c>trainer.</c> metadata of a checkpoint written by <see cref="Trainer.Fit"/>, without the prefix.</summary>
        public IReadOnlyDictionary<string, string> Trainer { get; } = trainer;

        public InvalidDataException Invalid(string what) =>
            new($"'{Path}' is not a checkpoint this training can resume from: {what}. Nothing was changed.");

        /// <summary>Restores the optimizer first (its import is the one step that checks more and may refuse, before any change),
        /// then the network.</summary>
        public void Restore<TOptimizer>(INetwork network, ref TOptimizer optimizer)
            where TOptimizer : struct, IOptimizer
        {
            try
            {
                optimizer.ImportState(optimizerState);
            }
            catch (ArgumentException exception)
            {
                throw Invalid(exception.Message);
            }

            network.RandomState = randomState;
            parameters.CopyTo(network.Parameters);
        }
    }
}
