using System;

namespace Compiled.Generator.Model
{
    // The model is plain values only: no ISymbol, SyntaxNode, Compilation or Location. Roslyn objects
    // are not equatable across compilations, so a model holding one would never compare equal, every
    // keystroke would re-run shape inference and emission, and it would keep whole compilations alive.

    /// <summary>Mirrors <c>Compiled.Activation</c>; the generator does not load the attributes assembly.</summary>
    internal enum ActivationKind
    {
        Identity = 0,
        Relu = 1,
        LeakyRelu = 2,
        Sigmoid = 3,
        Tanh = 4,
        Softmax = 5,
    }

    /// <summary>Mirrors <c>Compiled.Loss</c>.</summary>
    internal enum LossKind
    {
        MeanSquaredError = 0,
        BinaryCrossEntropy = 1,
        SoftmaxCrossEntropy = 2,
    }

    internal enum LayerKind
    {
        Dense,
        Dropout,
        Conv2D,
        MaxPool2D,
        AveragePool2D,
        GlobalAveragePool2D,
        Flatten,
    }

    /// <summary>Mirrors <c>Compiled.Padding</c>.</summary>
    internal enum PaddingKind
    {
        Valid = 0,
        Same = 1,
    }

    /// <summary>One layer attribute as written: its kind and arguments, not yet checked.</summary>
    /// <param name="Kind">Which layer.</param>
    /// <param name="Size">Dense: units; Conv2D: filters. Unused otherwise.</param>
    /// <param name="Rate">Dropout: the rate. Unused otherwise.</param>
    /// <param name="Activation">Dense and Conv2D: the activation.</param>
    /// <param name="Name">The explicit <c>Name</c>, or null.</param>
    internal sealed record LayerSpec(LayerKind Kind, int Size, float Rate, ActivationKind Activation, string? Name)
    {
        /// <summary>Conv2D: the kernel's height; pooling: the window's height.</summary>
        public int WindowHeight { get; init; }

        /// <summary>Conv2D: the kernel's width; pooling: the window's width.</summary>
        public int WindowWidth { get; init; }

        /// <summary>Conv2D and pooling: the stride as written; 0 (pooling's default) means the window size.</summary>
        public int Stride { get; init; }

        /// <summary>Conv2D and pooling: the padding.</summary>
        public PaddingKind Padding { get; init; }
    }

    /// <summary>A network declaration as written on the class.</summary>
    /// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
    /// <param name="ClassName">The class name.</param>
    /// <param name="Loss">The loss.</param>
    /// <param name="MaxBatchSize">The workspace's batch capacity.</param>
    /// <param name="Seed">The default seed.</param>
    /// <param name="InputShape">The <c>[Input]</c> shape, or empty when there is no <c>[Input]</c>.</param>
    /// <param name="Layers">The layers in source order.</param>
    internal sealed record NetworkSpec(
        string? Namespace,
        string ClassName,
        LossKind Loss,
        int MaxBatchSize,
        int Seed,
        EquatableArray<int> InputShape,
        EquatableArray<LayerSpec> Layers);

    /// <summary>Where something is in source, as plain values (a <c>Location</c> is not equatable).</summary>
    internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn);
}
