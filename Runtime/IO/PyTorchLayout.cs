using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Compiled
{
    /// <summary>How a parameter file lays out its tensors.</summary>
    public enum ParameterLayout
    {
        /// <summary>This library's names and layouts (what <c>SaveParameters(path)</c> writes).</summary>
        Compiled,

        /// <summary>PyTorch's: a <c>state_dict</c> saved with <c>safetensors.torch.save_file</c>. <c>nn.Linear</c> weights are
        /// [out, in], <c>nn.Conv2d</c> kernels [out, in, kh, kw], images flatten channels first, recurrent weights are
        /// <c>weight_ih_l0</c> [gates x units, in] with two biases, attention is <c>nn.MultiheadAttention</c>'s
        /// <c>in_proj_weight</c> and <c>out_proj</c>. F16 and BF16 tensors are read as F32.</summary>
        PyTorch,
    }

    /// <summary>How a tensor's axes in PyTorch relate to this library's.</summary>
    public enum TorchPermutation
    {
        /// <summary>The same layout (biases, embeddings, layer norms).</summary>
        None,

        /// <summary>A matrix stored the other way round: ours [in, out], PyTorch's [out, in].</summary>
        Transpose,

        /// <summary>A convolution kernel: ours [kh, kw, in, out] (Keras'), PyTorch's [out, in, kh, kw].</summary>
        ConvKernel,

        /// <summary>The weight of a dense layer that reads a flattened image: ours [h*w*c, out] with rows in
        /// height-width-channel order, PyTorch's [out, c*h*w] with columns in channel-height-width order.</summary>
        FlattenedImage,
    }

    /// <summary>A tensor as PyTorch holds it: its name in the <c>state_dict</c> and how its axes map onto ours.</summary>
    /// <param name="Name">The name (the layer's name, then PyTorch's parameter name: <c>conv1.weight</c>,
    /// <c>lstm0.weight_ih_l0</c>, <c>attn.in_proj_weight</c>).</param>
    /// <param name="Permutation">How the axes map.</param>
    public sealed record TorchTensor(string Name, TorchPermutation Permutation)
    {
        /// <summary>For <see cref="TorchPermutation.FlattenedImage"/>: the height, width and channels of the image the layer reads.</summary>
        public int[]? Image { get; init; }

        /// <summary>For a dense layer whose outputs are reshaped into an image (<c>linear(z).view(-1, c, h, w)</c> in PyTorch,
        /// <c>[Reshape(h, w, c)]</c> here): that image's height, width and channels. The weight's output axis and the bias
        /// are then in channel-height-width order in PyTorch, height-width-channel order here.</summary>
        public int[]? OutputImage { get; init; }

        /// <summary>The shape PyTorch gives the tensor of <paramref name="shape"/> (ours).</summary>
        public int[] ShapeOf(int[] shape) => Permutation switch
        {
            TorchPermutation.Transpose or TorchPermutation.FlattenedImage => [shape[1], shape[0]],
            TorchPermutation.ConvKernel => [shape[3], shape[2], shape[0], shape[1]],
            _ => shape,
        };

        /// <summary>Index in PyTorch's flat tensor of our flat index <paramref name="index"/>, for a tensor of our <paramref name="shape"/>.</summary>
        internal int TorchIndex(int index, int[] shape)
        {
            if (Permutation == TorchPermutation.ConvKernel)
            {
                int kh = shape[0], kw = shape[1], cin = shape[2], cout = shape[3];
                int o = index % cout, rest = index / cout, c = rest % cin, yx = rest / cin, x = yx % kw, y = yx / kw;
                return (((((o * cin) + c) * kh) + y) * kw) + x;
            }

            if (Permutation is TorchPermutation.Transpose or TorchPermutation.FlattenedImage)
            {
                // Ours [in, out], PyTorch's [out, in]; either axis may be an image, channels-last here and channels-first there.
                int rows = shape[0], columns = shape[1], row = index / columns, column = index % columns;
                int torchColumn = Image is null ? row : ChannelsFirst(row, Image);
                int torchRow = OutputImage is null ? column : ChannelsFirst(column, OutputImage);
                return (torchRow * rows) + torchColumn;
            }

            return OutputImage is null ? index : ChannelsFirst(index, OutputImage);
        }

        /// <summary>The channel-height-width index of the height-width-channel index <paramref name="index"/> in an image of
        /// [height, width, channels].</summary>
        private static int ChannelsFirst(int index, int[] image)
        {
            int height = image[0], width = image[1], channels = image[2];
            int channel = index % channels, pixel = index / channels, x = pixel % width, y = pixel / width;
            return (((channel * height) + y) * width) + x;
        }
    }

    /// <summary>Reads and writes parameters in PyTorch's names and layouts (see <see cref="ParameterLayout.PyTorch"/>).
    /// The generated <c>LoadParameters(path, layout)</c> and <c>SaveParameters(path, layout)</c> call this.</summary>
    public static class PyTorchParameters
    {
        /// <summary>
        /// Loads a PyTorch-layout file: every tensor is found under its PyTorch name (or the name <paramref name="names"/>
        /// maps it to: our tensor name or PyTorch name as key, the file's name as value), checked against the shape PyTorch
        /// gives it, read (F16 and BF16 converted), and permuted into place. A layout is never guessed from a shape: a
        /// square weight is transposed like any other. The whole file is proved and read before anything is written, so a
        /// bad file leaves <paramref name="parameters"/> unchanged.
        /// </summary>
        /// <exception cref="InvalidDataException">A tensor is missing, has another shape, a value is not finite (unless
        /// <paramref name="allowNonFinite"/>), the file has tensors the network does not, or it is malformed.</exception>
        public static void Load(string path, Span<float> parameters, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string>? names = null, bool allowNonFinite = false)
        {
            if (tensors is null)
            {
                throw new ArgumentNullException(nameof(tensors));
            }

            (TensorInfo Tensor, string FileName, int[] TorchShape)[] plan = Plan(tensors, names);
            using var reader = new SafetensorsReader(path ?? throw new ArgumentNullException(nameof(path)), acceptHalfPrecision: true);
            reader.Expect(plan.Select(p => (p.FileName, p.TorchShape)), exact: true);
            float[] staged = parameters.ToArray();
            foreach ((TensorInfo tensor, string fileName, _) in plan)
            {
                if (!allowNonFinite)
                {
                    reader.CheckFinite(fileName);
                }

                var torch = new float[tensor.Length];
                reader.Read(fileName, torch);
                TorchTensor layout = TorchOf(tensor);
                Span<float> target = staged.AsSpan(tensor.Offset, tensor.Length);
                for (int i = 0; i < target.Length; i++)
                {
                    target[i] = torch[layout.TorchIndex(i, tensor.Shape)];
                }
            }

            staged.CopyTo(parameters);
        }

        /// <summary>Writes the parameters in PyTorch's names and layouts (F32), so that <c>model.load_state_dict(
        /// safetensors.torch.load_file(path))</c> loads them into the matching PyTorch module.</summary>
        public static void Save(string path, ReadOnlySpan<float> parameters, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string>? names = null)
        {
            (TensorInfo Tensor, string FileName, int[] TorchShape)[] plan = Plan(tensors ?? throw new ArgumentNullException(nameof(tensors)), names);
            var torchTensors = new List<TensorInfo>(plan.Length);
            var values = new float[plan.Sum(p => p.Tensor.Length)];
            int offset = 0;
            foreach ((TensorInfo tensor, string fileName, int[] torchShape) in plan)
            {
                TorchTensor layout = TorchOf(tensor);
                ReadOnlySpan<float> ours = parameters.Slice(tensor.Offset, tensor.Length);
                for (int i = 0; i < ours.Length; i++)
                {
                    values[offset + layout.TorchIndex(i, tensor.Shape)] = ours[i];
                }

                torchTensors.Add(new TensorInfo(fileName, torchShape, offset));
                offset += tensor.Length;
            }

            Safetensors.Save(path, values, torchTensors, new Dictionary<string, string> { ["format"] = "pt" });
        }

        private static TorchTensor TorchOf(TensorInfo tensor) => tensor.PyTorch ?? new TorchTensor(tensor.Name, TorchPermutation.None);

        private static (TensorInfo Tensor, string FileName, int[] TorchShape)[] Plan(IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string>? names)
        {
            var plan = new (TensorInfo, string, int[])[tensors.Count];
            var used = new HashSet<string>(StringComparer.Ordinal);
            var known = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < tensors.Count; i++)
            {
                TensorInfo tensor = tensors[i];
                TorchTensor torch = TorchOf(tensor);
                known.Add(tensor.Name);
                known.Add(torch.Name);
                string fileName = names is not null && names.TryGetValue(tensor.Name, out string? byOurs) ? byOurs
                    : names is not null && names.TryGetValue(torch.Name, out string? byTorch) ? byTorch
                    : torch.Name;
                if (!used.Add(fileName))
                {
                    throw new ArgumentException($"Two of the network's tensors would be read from the file's tensor '{fileName}'; each needs a name of its own.", nameof(names));
                }

                plan[i] = (tensor, fileName, torch.ShapeOf(tensor.Shape));
            }

            foreach (string key in names?.Keys ?? Enumerable.Empty<string>())
            {
                if (!known.Contains(key))
                {
                    throw new ArgumentException($"The name map has '{key}', which is neither a tensor of this network nor its PyTorch name (the network's tensors: {string.Join(", ", tensors.Select(t => t.Name))}).", nameof(names));
                }
            }

            return plan;
        }
    }
}
