using System.Collections.Generic;
using System.Linq;

namespace Compiled.Generator.Layers
{
    /// <summary>Every layer kind the generator knows, by kind and by attribute. A new kind is a definition file and one line here.</summary>
    internal static class LayerRegistry
    {
        private static readonly LayerDefinition[] Definitions =
        {
            DenseLayer.Instance,
            DropoutLayer.Instance,
            Conv2DLayer.Instance,
            PoolLayer.Max,
            PoolLayer.Average,
            GlobalAveragePoolLayer.Instance,
            FlattenLayer.Instance,
            ReshapeLayer.Instance,
            UpSamplingLayer.Instance,
            AddLayer.Instance,
            LayerNormLayer.Instance,
            EmbeddingLayer.Instance,
            RecurrentLayer.SimpleRnn,
            RecurrentLayer.Lstm,
            RecurrentLayer.Gru,
            SelfAttentionLayer.Instance,
            PositionalEmbeddingLayer.Instance,
        };

        private static readonly Dictionary<string, LayerDefinition> ByKind = Definitions.ToDictionary(d => d.Kind);

        private static readonly Dictionary<string, LayerDefinition> ByAttribute = Definitions.ToDictionary(d => d.AttributeName);

        public static IReadOnlyList<LayerDefinition> All => Definitions;

        /// <summary>The definition of a kind the spec names; throws for a kind no definition has (a hand-built spec's bug).</summary>
        public static LayerDefinition Get(string kind) =>
            ByKind.TryGetValue(kind, out LayerDefinition? definition) ? definition : throw new KeyNotFoundException($"No layer kind '{kind}' is registered.");

        public static bool IsKnown(string kind) => ByKind.ContainsKey(kind);

        /// <summary>The definition whose attribute has this metadata name, or null when it is not a layer attribute.</summary>
        public static LayerDefinition? ForAttribute(string attributeName) =>
            ByAttribute.TryGetValue(attributeName, out LayerDefinition? definition) ? definition : null;
    }
}
