using System;

namespace Compiled
{
    /// <summary>
    /// The argument checks of generated networks, in one place so every network says the same thing. Each throws
    /// an <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>) that names the argument,
    /// what was expected and what came. They run before any buffer is touched.
    /// </summary>
    public static class NetworkGuard
    {
        /// <summary>A name map applies to PyTorch files only; any other layout must be one this library knows.</summary>
        public static void NoNameMap(ParameterLayout layout, System.Collections.Generic.IReadOnlyDictionary<string, string>? names)
        {
            if (layout != ParameterLayout.Compiled)
            {
                throw new ArgumentOutOfRangeException(nameof(layout), layout, $"Expected ParameterLayout.Compiled or ParameterLayout.PyTorch, but got {layout}.");
            }

            if (names is not null)
            {
                throw new ArgumentException("A name map applies to ParameterLayout.PyTorch files; this library's own files use the network's tensor names.", nameof(names));
            }
        }

        /// <summary>When float targets hold one value per sample for a network of several outputs, the usual cause: class
        /// indices given as targets (<c>Dataset.WithTargets</c> or the float overload) where labels were meant.</summary>
        private static string LabelHint(int inputsLength, int targetsLength, int inputSize, int outputSize) =>
            outputSize > 1 && targetsLength > 0 && (long)targetsLength * inputSize == inputsLength
                ? $" There is one target per sample: if these are class indices, pass them as labels (the ReadOnlySpan<int> overload, or Dataset.WithLabels instead of Dataset.WithTargets); float targets are rows of {outputSize} (one-hot or probabilities)."
                : string.Empty;

        /// <summary>For inference: inputs hold whole samples and outputs one row per sample. Returns the sample count.</summary>
        public static int SampleCount(int inputsLength, int outputsLength, int inputSize, int outputSize, string inputsName = "inputs", string outputsName = "outputs")
        {
            if (inputsLength == 0 || inputsLength % inputSize != 0)
            {
                throw new ArgumentException(
                    $"Expected {inputsName} to hold whole samples of {inputSize} values (a positive multiple of {inputSize}), but it has {inputsLength} values.", inputsName);
            }

            int count = inputsLength / inputSize;
            if (outputsLength != (long)count * outputSize)
            {
                throw new ArgumentException(
                    $"Expected {outputsName} to have {(long)count * outputSize} values ({count} sample(s) x {outputSize} outputs), but it has {outputsLength}.{(outputsName == "targets" ? LabelHint(inputsLength, outputsLength, inputSize, outputSize) : string.Empty)}", outputsName);
            }

            return count;
        }

        /// <summary>For training on class-index labels: 1..maxBatch labels and one input sample per label.</summary>
        public static void LabelBatch(int inputsLength, ReadOnlySpan<int> labels, int inputSize, int classes, int maxBatch, string inputsName = "inputs", string labelsName = "labels")
        {
            int batch = labels.Length;
            CheckBatchSize(batch, maxBatch, labelsName, "labels");
            if (inputsLength != (long)batch * inputSize)
            {
                throw new ArgumentException(
                    $"Expected {inputsName} to have {(long)batch * inputSize} values ({batch} label(s) x {inputSize} inputs), but it has {inputsLength}.", inputsName);
            }

            Labels(labels, classes, labelsName);
        }

        /// <summary>Every label is a class index in [0, classes).</summary>
        public static void Labels(ReadOnlySpan<int> labels, int classes, string labelsName = "labels")
        {
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                {
                    throw new ArgumentOutOfRangeException(labelsName, labels[i], $"Expected class indices in [0, {classes}), but {labelsName}[{i}] is {labels[i]}.");
                }
            }
        }

        /// <summary>For training on float targets: whole samples, one target row per sample, 1..maxBatch samples. Returns the batch size.</summary>
        public static int TargetBatch(int inputsLength, int targetsLength, int inputSize, int outputSize, int maxBatch, string inputsName = "inputs", string targetsName = "targets")
        {
            if (targetsLength % outputSize != 0)
            {
                throw new ArgumentException(
                    $"Expected {targetsName} to hold whole rows of {outputSize} values, but it has {targetsLength} values.{LabelHint(inputsLength, targetsLength, inputSize, outputSize)}", targetsName);
            }

            int batch = targetsLength / outputSize;
            CheckBatchSize(batch, maxBatch, targetsName, "target rows");
            if (inputsLength != (long)batch * inputSize)
            {
                throw new ArgumentException(
                    $"Expected {inputsName} to have {(long)batch * inputSize} values ({batch} target row(s) x {inputSize} inputs), but it has {inputsLength}.{LabelHint(inputsLength, targetsLength, inputSize, outputSize)}", inputsName);
            }

            return batch;
        }

        /// <summary>For evaluation on labels: one input sample per label, at least one.</summary>
        public static void EvaluationLabels(int inputsLength, ReadOnlySpan<int> labels, int inputSize, int classes, string inputsName = "inputs", string labelsName = "labels")
        {
            if (labels.Length == 0)
            {
                throw new ArgumentException($"Expected at least one label, but {labelsName} is empty.", labelsName);
            }

            if (inputsLength != (long)labels.Length * inputSize)
            {
                throw new ArgumentException(
                    $"Expected {inputsName} to have {(long)labels.Length * inputSize} values ({labels.Length} label(s) x {inputSize} inputs), but it has {inputsLength}.", inputsName);
            }

            Labels(labels, classes, labelsName);
        }

        /// <summary>Every token id is in [0, vocabulary).</summary>
        public static void TokenIds(ReadOnlySpan<int> ids, int vocabulary, string idsName = "inputs")
        {
            for (int i = 0; i < ids.Length; i++)
            {
                if ((uint)ids[i] >= (uint)vocabulary)
                {
                    throw new ArgumentOutOfRangeException(idsName, ids[i], $"Expected token ids in [0, {vocabulary}), but {idsName}[{i}] is {ids[i]}.");
                }
            }
        }

        /// <summary>
        /// For training on per-step labels (a sequence output): whole samples of <paramref name="labelsPerSample"/> labels,
        /// 1..maxBatch samples, one input sample per sample of labels; every label a class index in [0, classes) or
        /// <see cref="Kernels.Losses.IgnoreIndex"/>. Returns the batch size.
        /// </summary>
        public static int StepLabelBatch(int inputsLength, ReadOnlySpan<int> labels, int inputSize, int labelsPerSample, int classes, int maxBatch, string inputsName = "inputs", string labelsName = "labels")
        {
            if (labels.Length % labelsPerSample != 0)
            {
                throw new ArgumentException(
                    $"Expected {labelsName} to hold whole samples of {labelsPerSample} labels (one per step), but it has {labels.Length}.", labelsName);
            }

            int batch = labels.Length / labelsPerSample;
            CheckBatchSize(batch, maxBatch, labelsName, "samples (of one label per step)");
            CheckSampleInputs(inputsLength, batch, inputSize, inputsName);
            StepLabels(labels, classes, labelsName);
            return batch;
        }

        /// <summary>For evaluation on per-step labels: at least one sample; the same checks as <see cref="StepLabelBatch"/> without the batch limit. Returns the sample count.</summary>
        public static int EvaluationStepLabels(int inputsLength, ReadOnlySpan<int> labels, int inputSize, int labelsPerSample, int classes, string inputsName = "inputs", string labelsName = "labels")
        {
            if (labels.Length == 0 || labels.Length % labelsPerSample != 0)
            {
                throw new ArgumentException(
                    $"Expected {labelsName} to hold one or more whole samples of {labelsPerSample} labels (one per step), but it has {labels.Length}.", labelsName);
            }

            int count = labels.Length / labelsPerSample;
            CheckSampleInputs(inputsLength, count, inputSize, inputsName);
            StepLabels(labels, classes, labelsName);
            return count;
        }

        /// <summary>Every label is a class index in [0, classes) or <see cref="Kernels.Losses.IgnoreIndex"/> (a step that does not count).</summary>
        public static void StepLabels(ReadOnlySpan<int> labels, int classes, string labelsName = "labels")
        {
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes && labels[i] != Kernels.Losses.IgnoreIndex)
                {
                    throw new ArgumentOutOfRangeException(labelsName, labels[i],
                        $"Expected class indices in [0, {classes}) or {Kernels.Losses.IgnoreIndex} (ignore the step), but {labelsName}[{i}] is {labels[i]}.");
                }
            }
        }

        /// <summary>Binary cross-entropy targets are probabilities in [0, 1].</summary>
        public static void Probabilities(ReadOnlySpan<float> targets, string targetsName = "targets")
        {
            for (int i = 0; i < targets.Length; i++)
            {
                float t = targets[i];
                if (!(t >= 0f && t <= 1f))
                {
                    throw new ArgumentOutOfRangeException(targetsName, t, $"Expected binary targets in [0, 1], but {targetsName}[{i}] is {t}.");
                }
            }
        }

        /// <summary>Softmax cross-entropy targets are one-hot or probability rows: every value finite and at least 0 (a negative
        /// weight would reward the wrong class).</summary>
        public static void ProbabilityRows(ReadOnlySpan<float> targets, string targetsName = "targets")
        {
            for (int i = 0; i < targets.Length; i++)
            {
                float t = targets[i];
                if (!(t >= 0f) || float.IsInfinity(t))
                {
                    throw new ArgumentOutOfRangeException(targetsName, t, $"Expected one-hot or probability rows (finite values of at least 0), but {targetsName}[{i}] is {t}.");
                }
            }
        }

        /// <summary>A single sample has exactly inputSize values.</summary>
        public static void SingleSample(int inputLength, int inputSize, string inputName = "input")
        {
            if (inputLength != inputSize)
            {
                throw new ArgumentException($"Expected one sample of {inputSize} values in {inputName}, but it has {inputLength}.", inputName);
            }
        }

        /// <summary>For a streaming step: exactly one step of input and room for exactly one step of output.</summary>
        public static void StepSizes(int inputLength, int outputLength, int stepInputSize, int stepOutputSize)
        {
            if (inputLength != stepInputSize)
            {
                throw new ArgumentException($"Expected one step of {stepInputSize} input value(s), but the input has {inputLength}.", "input");
            }

            if (outputLength != stepOutputSize)
            {
                throw new ArgumentException($"Expected room for one step of {stepOutputSize} output value(s), but the output has {outputLength}.", "output");
            }
        }

        /// <summary>For a gradient that comes from outside (<c>Loss.None</c>): whole rows of outputSize, 1..maxBatch of them, one
        /// input sample per row. Returns the batch size.</summary>
        public static int OutputGradientBatch(int inputsLength, int outputGradientLength, int inputSize, int outputSize, int maxBatch) =>
            TargetBatch(inputsLength, outputGradientLength, inputSize, outputSize, maxBatch, "inputs", "outputGradient");

        /// <summary>An input-gradient span has one value per input value.</summary>
        public static void InputGradient(int inputsLength, int inputGradientLength, string name = "inputGradient")
        {
            if (inputGradientLength != inputsLength)
            {
                throw new ArgumentException($"Expected {name} to have one value per input value, {inputsLength}, but it has {inputGradientLength}.", name);
            }
        }

        /// <summary>Throws <see cref="NonFiniteLossException"/> when a gradient is NaN or infinite, before a step is applied.</summary>
        public static void FiniteGradients(ReadOnlySpan<float> gradients)
        {
            for (int i = 0; i < gradients.Length; i++)
            {
                if (!float.IsFinite(gradients[i]))
                {
                    throw new NonFiniteLossException($"Gradient {i} is {gradients[i]}; the step was not applied, so the parameters are the last good ones.");
                }
            }
        }

        /// <summary>Throws <see cref="NonFiniteLossException"/> when a training step's loss is NaN or infinite, before the step is applied.</summary>
        public static void FiniteLoss(float loss)
        {
            if (float.IsNaN(loss) || float.IsInfinity(loss))
            {
                throw new NonFiniteLossException($"The loss is {loss}; the step was not applied, so the parameters are the last good ones.");
            }
        }

        /// <summary>The inputs hold exactly <paramref name="samples"/> samples (per-step labels give the count).</summary>
        private static void CheckSampleInputs(int inputsLength, int samples, int inputSize, string inputsName)
        {
            if (inputsLength != (long)samples * inputSize)
            {
                throw new ArgumentException(
                    $"Expected {inputsName} to have {(long)samples * inputSize} values ({samples} sample(s) x {inputSize} inputs), but it has {inputsLength}.", inputsName);
            }
        }

        private static void CheckBatchSize(int batch, int maxBatch, string name, string what)
        {
            if (batch < 1 || batch > maxBatch)
            {
                throw new ArgumentException(
                    $"Expected a batch of 1 to {maxBatch} {what} (the network's MaxBatchSize), but {name} has {batch}. Split larger batches, or raise MaxBatchSize in [Network].", name);
            }
        }
    }

    /// <summary>Thrown when a training step's loss is NaN or infinite. The step is not applied, so the parameters are
    /// the last good ones.</summary>
    public sealed class NonFiniteLossException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public NonFiniteLossException(string message)
            : base(message)
        {
        }
    }
}
