using Compiled.Generator.Model;

namespace Compiled.Generator.Emit
{
    /// <summary>How each activation is written: as a runtime call over a span (forward and backward) and, for
    /// unrolled layers, as a scalar expression of the pre-activation z and of the output y.</summary>
    internal static class ActivationEmitter
    {
        private const string Activations = "global::Compiled.Kernels.Activations";

        /// <summary>Leaky ReLU's slope for negative inputs unless a layer sets <c>NegativeSlope</c> (PyTorch's default).</summary>
        public const float DefaultSlope = 0.01f;

        // The default slope is the runtime's default argument, so code that uses it names none.
        private static string SlopeArgument(float negativeSlope) => negativeSlope == DefaultSlope ? string.Empty : ", " + SourceWriter.Float(negativeSlope);

        /// <summary>"leaky ReLU" or "leaky ReLU (slope 0.2)": what a layer's comments call its activation.</summary>
        public static string Describe(ActivationKind activation, float negativeSlope) =>
            activation == ActivationKind.LeakyRelu && negativeSlope != DefaultSlope
                ? $"leaky ReLU (slope {negativeSlope.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})"
                : Describe(activation);

        public static string Describe(ActivationKind activation) => activation switch
        {
            ActivationKind.Identity => "identity",
            ActivationKind.Relu => "ReLU",
            ActivationKind.LeakyRelu => "leaky ReLU",
            ActivationKind.Sigmoid => "sigmoid",
            ActivationKind.Tanh => "tanh",
            ActivationKind.Gelu => "GELU",
            _ => "softmax",
        };

        /// <summary>Whether the backward pass needs the pre-activation z (kept in a buffer of the layer's own), not just y.</summary>
        public static bool KeepsPreActivation(ActivationKind activation) => activation == ActivationKind.Gelu;

        /// <summary>Whether unrolled layers can apply it per value inline (cheap, elementwise); the others run as one
        /// vectorized call over the whole batch afterwards, forward and backward.</summary>
        public static bool Inlines(ActivationKind activation) => activation is ActivationKind.Relu or ActivationKind.LeakyRelu;

        /// <summary>The in-place forward call on <paramref name="values"/> rows of <paramref name="columns"/>, or null for identity;
        /// <paramref name="preActivation"/> is where GELU keeps z.</summary>
        public static string? ForwardCall(ActivationKind activation, string values, int columns, string? preActivation = null, float negativeSlope = DefaultSlope) => activation switch
        {
            ActivationKind.Gelu => $"{Activations}.Gelu({values}, {preActivation});",
            ActivationKind.Identity => null,
            ActivationKind.Relu => $"{Activations}.Relu({values});",
            ActivationKind.LeakyRelu => $"{Activations}.LeakyRelu({values}{SlopeArgument(negativeSlope)});",
            ActivationKind.Sigmoid => $"{Activations}.Sigmoid({values});",
            ActivationKind.Tanh => $"{Activations}.Tanh({values});",
            _ => $"{Activations}.Softmax({values}, {columns});",
        };

        /// <summary>The in-place backward call turning dL/dy into dL/dz, given the output y (GELU: the kept z); null for identity.</summary>
        public static string? BackwardCall(ActivationKind activation, string output, string gradient, int columns, string? preActivation = null, float negativeSlope = DefaultSlope) => activation switch
        {
            ActivationKind.Gelu => $"{Activations}.GeluBackward({preActivation}, {gradient});",
            ActivationKind.Identity => null,
            ActivationKind.Relu => $"{Activations}.ReluBackward({output}, {gradient});",
            ActivationKind.LeakyRelu => $"{Activations}.LeakyReluBackward({output}, {gradient}{SlopeArgument(negativeSlope)});",
            ActivationKind.Sigmoid => $"{Activations}.SigmoidBackward({output}, {gradient});",
            ActivationKind.Tanh => $"{Activations}.TanhBackward({output}, {gradient});",
            _ => $"{Activations}.SoftmaxBackward({output}, {gradient}, {columns});",
        };

        /// <summary>y as a scalar expression of the local <paramref name="z"/>. Softmax is not elementwise: unrolled layers
        /// write z and then call <see cref="ForwardCall"/>.</summary>
        public static string ScalarForward(ActivationKind activation, string z, float negativeSlope = DefaultSlope) => activation switch
        {
            ActivationKind.Relu => $"global::System.MathF.Max({z}, 0f)",
            ActivationKind.LeakyRelu => $"({z} > 0f ? {z} : {SourceWriter.Float(negativeSlope)} * {z})",
            ActivationKind.Sigmoid => $"1f / (1f + global::System.MathF.Exp(-{z}))",
            ActivationKind.Tanh => $"global::System.MathF.Tanh({z})",
            _ => z,
        };

        /// <summary>dL/dz as a scalar expression of dL/dy <paramref name="dy"/> and the output <paramref name="y"/>.</summary>
        public static string ScalarBackward(ActivationKind activation, string dy, string y, float negativeSlope = DefaultSlope) => activation switch
        {
            ActivationKind.Relu => $"({y} > 0f ? {dy} : 0f)",
            ActivationKind.LeakyRelu => $"({y} > 0f ? {dy} : {SourceWriter.Float(negativeSlope)} * {dy})",
            ActivationKind.Sigmoid => $"{dy} * {y} * (1f - {y})",
            ActivationKind.Tanh => $"{dy} * (1f - ({y} * {y}))",
            _ => dy,
        };

        /// <summary>The exported activation of the graph value <paramref name="value"/> (a <c>Compiled.ModelGraph</c> call), or
        /// null for identity.</summary>
        public static string? ExportCall(ActivationKind activation, string value, float negativeSlope = DefaultSlope) => activation switch
        {
            ActivationKind.Identity => null,
            ActivationKind.Relu => $"graph.Relu({value})",
            ActivationKind.LeakyRelu => $"graph.LeakyRelu({value}, {SourceWriter.Float(negativeSlope)})",
            ActivationKind.Sigmoid => $"graph.Sigmoid({value})",
            ActivationKind.Tanh => $"graph.Tanh({value})",
            ActivationKind.Gelu => $"graph.Gelu({value})",
            _ => $"graph.Softmax({value})",
        };

        /// <summary>Writes <c>{value} = activation({value});</c> for the graph, unless the activation is identity.</summary>
        public static void EmitExport(SourceWriter w, ActivationKind activation, string value, float negativeSlope = DefaultSlope)
        {
            if (ExportCall(activation, value, negativeSlope) is { } call)
            {
                w.Line($"{value} = {call};");
            }
        }

        /// <summary>Whether the scalar backward reads y.</summary>
        public static bool BackwardReadsOutput(ActivationKind activation) =>
            activation is ActivationKind.Relu or ActivationKind.LeakyRelu or ActivationKind.Sigmoid or ActivationKind.Tanh;
    }
}
