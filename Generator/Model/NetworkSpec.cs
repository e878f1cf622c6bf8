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
        Gelu = 6,
    }

    /// <summary>Mirrors <c>Compiled.Loss</c>.</summary>
    internal enum LossKind
    {
        MeanSquaredError = 0,
        BinaryCrossEntropy = 1,
        SoftmaxCrossEntropy = 2,
        None = 3,
    }

    /// <summary>Mirrors <c>Compiled.Padding</c>.</summary>
    internal enum PaddingKind
    {
        Valid = 0,
        Same = 1,
    }

    /// <summary>
    /// A layer kind's arguments as written, not yet checked: one sealed record per kind, declared in that kind's
    /// definition file (<c>Layers/</c>). Records compare by value, so a spec holding them stays equatable.
    /// </summary>
    internal abstract record LayerArguments;

    /// <summary>One layer attribute as written.</summary>
    /// <param name="Kind">The kind's key in <see cref="Layers.LayerRegistry"/> (<c>Dense</c>, <c>Conv2D</c>, ...).</param>
    /// <param name="Name">The explicit <c>Name</c>, or null.</param>
    /// <param name="Inputs">The names of the layers it reads; empty for the default, the layer above.</param>
    /// <param name="Arguments">The kind's own arguments.</param>
    internal sealed record LayerSpec(string Kind, string? Name, EquatableArray<string> Inputs, LayerArguments Arguments)
    {
        /// <summary>A layer that reads the layer above, as every layer of a chain does.</summary>
        public LayerSpec(string kind, string? name, LayerArguments arguments)
            : this(kind, name, EquatableArray<string>.Empty, arguments)
        {
        }
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
        EquatableArray<LayerSpec> Layers)
    {
        /// <summary>The <c>[Input]</c>'s <c>Vocabulary</c>: the input is token ids in [0, Vocabulary); 0 (the default) for floats.</summary>
        public int Vocabulary { get; init; }

        /// <summary>Whether an <c>[Input]</c> is written, so that an empty one (<c>[Input()]</c>) is told apart from none.</summary>
        public bool InputDeclared { get; init; }

        /// <summary>The <c>[Input]</c>'s <c>PaddingToken</c>, or null when none is set.</summary>
        public int? PaddingToken { get; init; }

        /// <summary>The <c>[Input]</c>'s <c>MaskValue</c>, or null when none is set.</summary>
        public float? MaskValue { get; init; }

        /// <summary>Whether the input marks padded steps, which recurrent layers skip.</summary>
        public bool MasksSteps => PaddingToken is not null || MaskValue is not null;
    }

    /// <summary>Where something is in source, as plain values (a <c>Location</c> is not equatable).</summary>
    internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn);
}
