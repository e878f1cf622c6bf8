using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Shapes
{
    /// <summary>
    /// The shape rules of each layer kind: what input it takes, what output it gives, and what is wrong with its
    /// arguments. One instance per layer, used by <see cref="NetworkShaper"/>, which does the bookkeeping (names,
    /// offsets, workspace). A new layer kind adds one case here and one emitter; nothing else needs to know it.
    /// </summary>
    internal sealed class LayerRules
    {
        private readonly NetworkSpec _spec;
        private readonly int _index;
        private readonly string _name;
        private readonly TensorShape _input;
        private readonly Action<DiagnosticDescriptor, IssueTarget, int, string[]> _report;

        public LayerRules(NetworkSpec spec, int index, string name, TensorShape input, bool shapeKnown, Action<DiagnosticDescriptor, IssueTarget, int, string[]> report)
        {
            _spec = spec;
            _index = index;
            _name = name;
            _input = input;
            ShapeKnown = shapeKnown;
            _report = report;
        }

        /// <summary>False once some layer's shape is wrong: later layers skip their shape checks, which would only repeat it.</summary>
        public bool ShapeKnown { get; private set; }

        /// <summary>Conv2D and pooling: the resolved window, strides and padding.</summary>
        public Window Window { get; private set; }

        /// <summary>The output shape of <paramref name="layer"/>; reports what is wrong with it. <paramref name="trail"/> is the
        /// list of spatial shapes so far (<c>26x26x32 (conv0)</c>), which this adds to.</summary>
        public TensorShape OutputShape(LayerSpec layer, List<string> trail)
        {
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    return Dense(layer);
                case LayerKind.Dropout:
                    if (!(layer.Rate >= 0f && layer.Rate < 1f))
                    {
                        Report(DiagnosticDescriptors.RateOutOfRange, IssueTarget.LayerSizeArgument, _name, layer.Rate.ToString("R", CultureInfo.InvariantCulture));
                    }

                    return _input;
                case LayerKind.Flatten:
                    return TensorShape.Vector(_input.Size);
                case LayerKind.GlobalAveragePool2D:
                    return SpatialInput() ? TensorShape.Vector(_input.Channels) : Unknown();
                default:
                    return Windowed(layer, trail);
            }
        }

        private TensorShape Dense(LayerSpec layer)
        {
            CheckAtLeastOne(layer.Size, IssueTarget.LayerSizeArgument, "units");
            CheckActivation(layer);
            if (ShapeKnown && FromInput() && _spec.InputShape.Count > 1)
            {
                // A sample straight from a multi-dimensional [Input] is read as one vector, as the user likely meant.
                _report(DiagnosticDescriptors.ImplicitFlatten, IssueTarget.LayerAttribute, _index, new[] { _name, string.Join("x", _spec.InputShape), _input.Size.ToString() });
            }
            else if (ShapeKnown && _input.Spatial)
            {
                // After a convolution or pooling Keras' Dense would work on the channels only; say which is meant.
                Report(DiagnosticDescriptors.DenseAfterSpatialLayer, IssueTarget.LayerAttribute, _name, LastShaping(), _input.ToString());
            }

            ShapeKnown = layer.Size >= 1;
            return TensorShape.Vector(Math.Max(layer.Size, 1));
        }

        private TensorShape Windowed(LayerSpec layer, List<string> trail)
        {
            bool conv = layer.Kind == LayerKind.Conv2D;
            if (conv)
            {
                CheckAtLeastOne(layer.Size, IssueTarget.LayerSizeArgument, "filters");
                CheckActivation(layer);
            }

            string what = conv ? "kernel" : "window";
            bool valid = CheckAtLeastOne(layer.WindowHeight, IssueTarget.LayerWindowArgument, what + " height")
                & CheckAtLeastOne(layer.WindowWidth, IssueTarget.LayerWindowArgument, what + " width");
            if (layer.Stride < (conv ? 1 : 0))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.LayerStrideArgument, $"The stride of '{_name}'", conv ? "at least 1" : "at least 1 (or 0 for the window size)", layer.Stride.ToString());
                valid = false;
            }

            if (!Enum.IsDefined(typeof(PaddingKind), layer.Padding))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.LayerPaddingArgument, $"The padding of '{_name}'", "a defined Padding value", ((int)layer.Padding).ToString());
                valid = false;
            }

            if (!SpatialInput() || !valid)
            {
                return Unknown();
            }

            int kh = layer.WindowHeight, kw = layer.WindowWidth;
            int sh = layer.Stride == 0 ? kh : layer.Stride, sw = layer.Stride == 0 ? kw : layer.Stride;
            int channels = conv ? Math.Max(layer.Size, 1) : _input.Channels;
            int height, width, padTop = 0, padLeft = 0;
            if (layer.Padding == PaddingKind.Same)
            {
                height = (_input.Height + sh - 1) / sh;
                width = (_input.Width + sw - 1) / sw;
                padTop = Math.Max(((height - 1) * sh) + kh - _input.Height, 0) / 2;
                padLeft = Math.Max(((width - 1) * sw) + kw - _input.Width, 0) / 2;
            }
            else
            {
                if (kh > _input.Height || kw > _input.Width)
                {
                    if (trail.Count == 0)
                    {
                        Report(DiagnosticDescriptors.WindowLargerThanInput, IssueTarget.LayerWindowArgument, $"{kh}x{kw}", _name, _input.ToString());
                    }
                    else
                    {
                        Report(DiagnosticDescriptors.OutputShrinksToZero, IssueTarget.LayerAttribute, _name, $"{kh}x{kw}", _input.ToString(),
                            string.Join("x", _spec.InputShape) + " -> " + string.Join(" -> ", trail));
                    }

                    return Unknown();
                }

                height = ((_input.Height - kh) / sh) + 1;
                width = ((_input.Width - kw) / sw) + 1;
                int rows = (_input.Height - kh) % sh, columns = (_input.Width - kw) % sw;
                if (rows > 0 || columns > 0)
                {
                    string unused = string.Join(" and ", new[]
                    {
                        rows > 0 ? Count(rows, "row") : null,
                        columns > 0 ? Count(columns, "column") : null,
                    }.Where(part => part is not null));
                    Report(DiagnosticDescriptors.StrideLeavesInputUnused, IssueTarget.LayerStrideArgument, $"{kh}x{kw}", sh == sw ? sh.ToString() : $"{sh}x{sw}", _name, unused, _input.ToString());
                }
            }

            Window = new Window(kh, kw, sh, sw, padTop, padLeft, layer.Padding);
            var output = new TensorShape(height, width, channels, Spatial: true);
            trail.Add($"{output} ({_name})");
            return output;
        }

        /// <summary>Whether the input is height x width x channels; reports why not (the [Input]'s rank, or a flattening layer before).</summary>
        private bool SpatialInput()
        {
            if (!ShapeKnown || _input.Spatial)
            {
                return ShapeKnown;
            }

            if (FromInput())
            {
                string hint = _spec.InputShape.Count == 2 ? $"; for one channel write [Input({_spec.InputShape[0]}, {_spec.InputShape[1]}, 1)]" : string.Empty;
                Report(DiagnosticDescriptors.InputRankDoesNotFit, IssueTarget.InputAttribute, _name, string.Join(", ", _spec.InputShape), hint);
            }
            else
            {
                Report(DiagnosticDescriptors.SpatialLayerAfterFlat, IssueTarget.LayerAttribute, _name, LastShaping(), _input.Size.ToString());
            }

            ShapeKnown = false;
            return false;
        }

        /// <summary>Whether the shape is still the [Input]'s: only dropout (which keeps it) comes before.</summary>
        private bool FromInput() => _spec.Layers.Take(_index).All(l => l.Kind == LayerKind.Dropout);

        /// <summary>The last layer before this one that changed the shape (dropout does not).</summary>
        private string LastShaping()
        {
            for (int i = _index - 1; i >= 0; i--)
            {
                if (_spec.Layers[i].Kind != LayerKind.Dropout)
                {
                    return _spec.Layers[i].Name ?? NetworkShaper.DefaultName(_spec, i);
                }
            }

            return "[Input]";
        }

        private TensorShape Unknown()
        {
            ShapeKnown = false;
            return TensorShape.Vector(1);
        }

        private bool CheckAtLeastOne(int value, IssueTarget target, string what)
        {
            if (value >= 1)
            {
                return true;
            }

            Report(DiagnosticDescriptors.ValueOutOfRange, target, $"The {what} of '{_name}'", "at least 1", value.ToString());
            return false;
        }

        private void CheckActivation(LayerSpec layer)
        {
            if (!Enum.IsDefined(typeof(ActivationKind), layer.Activation))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, IssueTarget.LayerActivationArgument, $"The activation of '{_name}'", "a defined Activation value", ((int)layer.Activation).ToString());
            }
        }

        private void Report(DiagnosticDescriptor descriptor, IssueTarget target, params string[] arguments) =>
            _report(descriptor, target, _index, arguments);

        private static string Count(int n, string noun) => n == 1 ? "1 " + noun : $"{n} {noun}s";
    }
}
