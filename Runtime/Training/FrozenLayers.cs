using System;
using System.Collections.Generic;

namespace Compiled
{
    /// <summary>
    /// Which layers of a network are frozen, and the step that keeps them so: their gradients are cleared before clipping
    /// (so they do not count in the global norm) and their parameters are restored after the optimizer's step, so that no
    /// optimizer (momentum, Adam's moments, AdamW's decay) moves them. Their input gradients still flow, so the layers
    /// before a frozen one train. Created by a generated network when a layer is first frozen or queried; after the first step that keeps a layer frozen, allocation-free.
    /// </summary>
    public sealed class FrozenLayers
    {
        private readonly List<(string Name, int Offset, int Length)> _layers = new();
        private readonly bool[] _frozen;
        private readonly int _parameterCount;
        private float[]? _saved; // allocated by the first step with a frozen layer, not by a query

        /// <summary>Groups the tensors by layer (the name before the last '.', <c>dense0</c> of <c>dense0.weight</c>).</summary>
        public FrozenLayers(IReadOnlyList<TensorInfo> tensors, int parameterCount)
        {
            foreach (TensorInfo tensor in tensors)
            {
                int dot = tensor.Name.LastIndexOf('.');
                string layer = dot < 0 ? tensor.Name : tensor.Name.Substring(0, dot);
                int last = _layers.Count - 1;
                if (last >= 0 && _layers[last].Name == layer && _layers[last].Offset + _layers[last].Length == tensor.Offset)
                {
                    _layers[last] = (layer, _layers[last].Offset, _layers[last].Length + tensor.Length);
                }
                else
                {
                    _layers.Add((layer, tensor.Offset, tensor.Length));
                }
            }

            _frozen = new bool[_layers.Count];
            _parameterCount = parameterCount;
        }

        /// <summary>Whether any layer is frozen: only then does a step need this class (and the fused SGD path stays off).</summary>
        public bool Any { get; private set; }

        /// <summary>Freezes or thaws the layer of this name.</summary>
        public void Set(string layer, bool frozen)
        {
            _frozen[IndexOf(layer)] = frozen;
            Any = Array.IndexOf(_frozen, true) >= 0;
        }

        /// <summary>Whether the layer of this name is frozen.</summary>
        public bool IsFrozen(string layer) => _frozen[IndexOf(layer)];

        /// <summary>Clears the frozen layers' gradients.</summary>
        public void ClearGradients(Span<float> gradients)
        {
            for (int i = 0; i < _layers.Count; i++)
            {
                if (_frozen[i])
                {
                    gradients.Slice(_layers[i].Offset, _layers[i].Length).Clear();
                }
            }
        }

        /// <summary>Copies the frozen layers' parameters aside, before the optimizer's step.</summary>
        public void Save(ReadOnlySpan<float> parameters) => Copy(parameters, _saved ??= new float[_parameterCount]);

        /// <summary>Puts them back, after the step.</summary>
        public void Restore(Span<float> parameters) => Copy(_saved ?? throw new InvalidOperationException("Restore comes after Save."), parameters);

        private void Copy(ReadOnlySpan<float> from, Span<float> to)
        {
            for (int i = 0; i < _layers.Count; i++)
            {
                if (_frozen[i])
                {
                    from.Slice(_layers[i].Offset, _layers[i].Length).CopyTo(to.Slice(_layers[i].Offset, _layers[i].Length));
                }
            }
        }

        private int IndexOf(string layer)
        {
            if (layer is null)
            {
                throw new ArgumentNullException(nameof(layer));
            }

            for (int i = 0; i < _layers.Count; i++)
            {
                if (_layers[i].Name == layer)
                {
                    return i;
                }
            }

            var names = new List<string>();
            foreach (var entry in _layers)
            {
                names.Add(entry.Name);
            }

            throw new ArgumentException($"Expected the name of a layer with parameters ({string.Join(", ", names)}), but got '{layer}'.", nameof(layer));
        }
    }
}
