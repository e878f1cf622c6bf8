using System.Buffers.Binary;
using System.Text;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests
{
    /// <summary>PyTorch-layout files: built here from known values in PyTorch's names and layouts, loaded, and checked
    /// against PyTorch's equations written out in the test; round trips for every layer kind; F16 and BF16; refusals.</summary>
    public sealed class PyTorchLayoutTests : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("compiled-torch-").FullName;

        public void Dispose() => Directory.Delete(_directory, recursive: true);

        private string PathOf(string name) => Path.Combine(_directory, name);

        private static float[] Values(int count, int seed)
        {
            var random = new Xoshiro((ulong)seed);
            return Enumerable.Range(0, count).Select(_ => random.NextGaussian() * 0.5f).ToArray();
        }

        /// <summary>A safetensors file of these tensors, as <c>safetensors.torch.save_file</c> writes a state_dict.</summary>
        private string TorchFile(string name, params (string Name, int[] Shape, float[] Values)[] tensors)
        {
            var infos = new List<TensorInfo>();
            var all = new List<float>();
            foreach ((string tensor, int[] shape, float[] values) in tensors)
            {
                infos.Add(new TensorInfo(tensor, shape, all.Count));
                all.AddRange(values);
            }

            string path = PathOf(name);
            Safetensors.Save(path, all.ToArray(), infos);
            return path;
        }

        [Fact]
        public void A_linear_weight_is_transposed_even_when_it_is_square_and_predicts_as_pytorch_computes()
        {
            float[] w1 = Values(9, 1), b1 = Values(3, 2), w2 = Values(6, 3), b2 = Values(2, 4);   // fc1 [3 out, 3 in], fc2 [2, 3]
            string path = TorchFile("mlp.safetensors", ("fc1.weight", [3, 3], w1), ("fc1.bias", [3], b1), ("fc2.weight", [2, 3], w2), ("fc2.bias", [2], b2));
            var network = new TorchMlp(7);
            network.LoadParameters(path, ParameterLayout.PyTorch);

            float[] x = [0.3f, -1.2f, 2f];
            var hidden = new float[3];
            for (int o = 0; o < 3; o++)
            {
                float z = b1[o];
                for (int i = 0; i < 3; i++)
                {
                    z += w1[(o * 3) + i] * x[i];   // y = x W^T + b, W [out, in]
                }

                hidden[o] = Math.Max(z, 0f);
            }

            var expected = new float[2];
            for (int o = 0; o < 2; o++)
            {
                expected[o] = b2[o] + Enumerable.Range(0, 3).Sum(i => w2[(o * 3) + i] * hidden[i]);
            }

            var actual = new float[2];
            network.Predict(x, actual);
            Assert.Equal(expected[0], actual[0], 5);
            Assert.Equal(expected[1], actual[1], 5);
            Assert.Equal(w1[1], network.Fc1Weight[3]); // ours [in, out]: row 1, column 0 is PyTorch's [0, 1]

            // A file that says it is PyTorch's (format pt, as this library and Hugging Face write them) is refused by the
            // plain loader, where the square fc1 weight would otherwise pass the shape check and be used transposed.
            string exported = PathOf("exported.safetensors");
            network.SaveParameters(exported, ParameterLayout.PyTorch);
            var fresh = new TorchMlp(8);
            float[] before = fresh.Parameters.ToArray();
            var error = Assert.Throws<InvalidDataException>(() => fresh.LoadParameters(exported));
            Assert.Contains("ParameterLayout.PyTorch", error.Message);
            Assert.Equal(before, fresh.Parameters.ToArray());
        }

        [Fact]
        public void A_conv2d_kernel_and_the_dense_layer_after_a_flattened_image_are_permuted_from_nchw()
        {
            // conv: Conv2d(2, 3, 2) on a 4x5 image of 2 channels -> 3x4x3; then Flatten (PyTorch: channels first) and Linear(36, 2).
            float[] convWeight = Values(3 * 2 * 2 * 2, 5), convBias = Values(3, 6), fcWeight = Values(2 * 36, 7), fcBias = Values(2, 8);
            string path = TorchFile("cnn.safetensors", ("conv.weight", [3, 2, 2, 2], convWeight), ("conv.bias", [3], convBias), ("fc.weight", [2, 36], fcWeight), ("fc.bias", [2], fcBias));
            var network = new TorchCnn(1);
            network.LoadParameters(path, ParameterLayout.PyTorch);

            float[] image = Values(4 * 5 * 2, 9);   // ours: height x width x channels
            float Pixel(int c, int y, int x) => image[(((y * 5) + x) * 2) + c];
            var feature = new float[3, 3, 4];       // PyTorch: [channels, height, width]
            for (int o = 0; o < 3; o++)
            {
                for (int y = 0; y < 3; y++)
                {
                    for (int x = 0; x < 4; x++)
                    {
                        float z = convBias[o];
                        for (int c = 0; c < 2; c++)
                        {
                            for (int ky = 0; ky < 2; ky++)
                            {
                                for (int kx = 0; kx < 2; kx++)
                                {
                                    z += convWeight[(((((o * 2) + c) * 2) + ky) * 2) + kx] * Pixel(c, y + ky, x + kx);
                                }
                            }
                        }

                        feature[o, y, x] = z;
                    }
                }
            }

            float[] flat = feature.Cast<float>().ToArray();   // C, H, W order: nn.Flatten on NCHW
            var actual = new float[2];
            network.Predict(image, actual);
            for (int o = 0; o < 2; o++)
            {
                float expected = fcBias[o] + Enumerable.Range(0, 36).Sum(i => fcWeight[(o * 36) + i] * flat[i]);
                Assert.Equal(expected, actual[o], 4);
            }
        }

        [Fact]
        public void A_dense_layer_reshaped_into_an_image_has_its_outputs_permuted_from_channels_first()
        {
            // PyTorch: conv(linear(z).view(-1, 2, 2, 3)), Conv2d(2, 1, 2) -> [1, 1, 2], flattened. Here: Dense(12), Reshape(2, 3, 2).
            float[] fcWeight = Values(12 * 3, 11), fcBias = Values(12, 12), convWeight = Values(8, 13), convBias = Values(1, 14);
            string path = TorchFile("generator.safetensors", ("fc.weight", [12, 3], fcWeight), ("fc.bias", [12], fcBias), ("conv.weight", [1, 2, 2, 2], convWeight), ("conv.bias", [1], convBias));
            var network = new TorchGenerator(1);
            network.LoadParameters(path, ParameterLayout.PyTorch);
            Assert.Equal(TorchPermutation.None, network.Tensors.Single(t => t.Name == "fc.bias").PyTorch!.Permutation);
            Assert.Equal([2, 3, 2], network.Tensors.Single(t => t.Name == "fc.bias").PyTorch!.OutputImage!);

            float[] z = [0.5f, -1f, 2f];
            float Feature(int c, int y, int x)
            {
                int row = (((c * 2) + y) * 3) + x;   // the view's channel-height-width order
                return fcBias[row] + Enumerable.Range(0, 3).Sum(i => fcWeight[(row * 3) + i] * z[i]);
            }

            var actual = new float[2];
            network.Predict(z, actual);
            for (int x = 0; x < 2; x++)
            {
                float expected = convBias[0];
                for (int c = 0; c < 2; c++)
                {
                    for (int ky = 0; ky < 2; ky++)
                    {
                        for (int kx = 0; kx < 2; kx++)
                        {
                            expected += convWeight[(((c * 2) + ky) * 2) + kx] * Feature(c, ky, x + kx);
                        }
                    }
                }

                Assert.Equal(expected, actual[x], 4);
            }

            string again = PathOf("generator-again.safetensors");
            network.SaveParameters(again, ParameterLayout.PyTorch);
            var copy = new TorchGenerator(2);
            copy.LoadParameters(again, ParameterLayout.PyTorch);
            Assert.Equal(network.Parameters.ToArray(), copy.Parameters.ToArray());
        }

        [Theory]
        [InlineData("lstm")]
        [InlineData("gru")]
        public void Recurrent_weights_in_pytorch_layout_predict_what_pytorchs_equations_give(string cell)
        {
            const int Steps = 3, Features = 2, Units = 2;
            int gates = cell == "lstm" ? 4 : 3;
            float[] wIh = Values(gates * Units * Features, 21), wHh = Values(gates * Units * Units, 22), bIh = Values(gates * Units, 23), bHh = Values(gates * Units, 24);
            float[] fcWeight = Values(Units, 25), fcBias = Values(1, 26);
            string path = TorchFile(cell + ".safetensors",
                ("rnn.weight_ih_l0", [gates * Units, Features], wIh), ("rnn.weight_hh_l0", [gates * Units, Units], wHh),
                ("rnn.bias_ih_l0", [gates * Units], bIh), ("rnn.bias_hh_l0", [gates * Units], bHh),
                ("fc.weight", [1, Units], fcWeight), ("fc.bias", [1], fcBias));
            float[] x = Values(Steps * Features, 27);

            // PyTorch's nn.LSTM / nn.GRU, one layer, batch_first, h0 = c0 = 0; rows of W are the gates in PyTorch's order.
            static float Row(float[] w, int row, int width, float[] v)
            {
                float sum = 0;
                for (int k = 0; k < width; k++)
                {
                    sum += w[(row * width) + k] * v[k];
                }

                return sum;
            }

            static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));
            var h = new float[Units];
            var c = new float[Units];
            for (int t = 0; t < Steps; t++)
            {
                float[] xt = x.AsSpan(t * Features, Features).ToArray();
                var next = new float[Units];
                for (int u = 0; u < Units; u++)
                {
                    float Input(int gate) => Row(wIh, (gate * Units) + u, Features, xt) + bIh[(gate * Units) + u];
                    float Hidden(int gate) => Row(wHh, (gate * Units) + u, Units, h) + bHh[(gate * Units) + u];
                    if (cell == "lstm")
                    {
                        float i = Sigmoid(Input(0) + Hidden(0)), f = Sigmoid(Input(1) + Hidden(1)), g = MathF.Tanh(Input(2) + Hidden(2)), o = Sigmoid(Input(3) + Hidden(3));
                        c[u] = (f * c[u]) + (i * g);
                        next[u] = o * MathF.Tanh(c[u]);
                    }
                    else
                    {
                        float r = Sigmoid(Input(0) + Hidden(0)), z = Sigmoid(Input(1) + Hidden(1)), n = MathF.Tanh(Input(2) + (r * Hidden(2)));
                        next[u] = ((1 - z) * n) + (z * h[u]);
                    }
                }

                h = next;
            }

            float expected = fcBias[0] + (fcWeight[0] * h[0]) + (fcWeight[1] * h[1]);
            var actual = new float[1];
            if (cell == "lstm")
            {
                var network = new TorchLstm(1);
                network.LoadParameters(path, ParameterLayout.PyTorch);
                network.Predict(x, actual);
            }
            else
            {
                var network = new TorchGru(1);
                network.LoadParameters(path, ParameterLayout.PyTorch);
                network.Predict(x, actual);
            }

            Assert.Equal(expected, actual[0], 5);
        }

        [Fact]
        public void Every_layer_kind_round_trips_through_a_pytorch_layout_file_with_pytorchs_names_and_shapes()
        {
            CnnDeep cnnA = new(1), cnnB = new(2);
            AssertRoundTrip("cnn", cnnA.Tensors, cnnA.Parameters.ToArray(), () => cnnB.Parameters.ToArray(), p => cnnA.SaveParameters(p, ParameterLayout.PyTorch), p => cnnB.LoadParameters(p, ParameterLayout.PyTorch),
                ("conv0.weight", [4, 1, 3, 3]), ("dense0.weight", [5, 24]));
            TensorInfo flattened = cnnA.Tensors.Single(t => t.Name == "dense0.weight");
            Assert.Equal(TorchPermutation.FlattenedImage, flattened.PyTorch!.Permutation);
            Assert.Equal([2, 2, 6], flattened.PyTorch.Image!);
            Assert.Equal(TorchPermutation.Transpose, cnnA.Tensors.Single(t => t.Name == "dense1.weight").PyTorch!.Permutation);
            LstmStack lstmA = new(1), lstmB = new(2);
            AssertRoundTrip("lstm", lstmA.Tensors, lstmA.Parameters.ToArray(), () => lstmB.Parameters.ToArray(), p => lstmA.SaveParameters(p, ParameterLayout.PyTorch), p => lstmB.LoadParameters(p, ParameterLayout.PyTorch),
                ("lstm0.weight_ih_l0", null), ("lstm0.bias_hh_l0", null));
            GruTagger gruA = new(1), gruB = new(2);
            AssertRoundTrip("gru", gruA.Tensors, gruA.Parameters.ToArray(), () => gruB.Parameters.ToArray(), p => gruA.SaveParameters(p, ParameterLayout.PyTorch), p => gruB.LoadParameters(p, ParameterLayout.PyTorch),
                ("gru0.weight_hh_l0", null));
            ElmanSequence elmanA = new(1), elmanB = new(2);
            AssertRoundTrip("elman", elmanA.Tensors, elmanA.Parameters.ToArray(), () => elmanB.Parameters.ToArray(), p => elmanA.SaveParameters(p, ParameterLayout.PyTorch), p => elmanB.LoadParameters(p, ParameterLayout.PyTorch));
            TwoBlockGpt gptA = new(1), gptB = new(2);
            AssertRoundTrip("gpt", gptA.Tensors, gptA.Parameters.ToArray(), () => gptB.Parameters.ToArray(), p => gptA.SaveParameters(p, ParameterLayout.PyTorch), p => gptB.LoadParameters(p, ParameterLayout.PyTorch),
                ("attn0.in_proj_weight", [24, 8]), ("attn1.out_proj.bias", null));
            TokenTagger tokensA = new(1), tokensB = new(2);
            AssertRoundTrip("tokens", tokensA.Tensors, tokensA.Parameters.ToArray(), () => tokensB.Parameters.ToArray(), p => tokensA.SaveParameters(p, ParameterLayout.PyTorch), p => tokensB.LoadParameters(p, ParameterLayout.PyTorch));
            TorchCnn torchA = new(1), torchB = new(2);
            AssertRoundTrip("torchcnn", torchA.Tensors, torchA.Parameters.ToArray(), () => torchB.Parameters.ToArray(), p => torchA.SaveParameters(p, ParameterLayout.PyTorch), p => torchB.LoadParameters(p, ParameterLayout.PyTorch),
                ("conv.weight", [3, 2, 2, 2]), ("fc.weight", [2, 36]));
        }

        private void AssertRoundTrip(string name, IReadOnlyList<TensorInfo> tensors, float[] saved, Func<float[]> loaded, Action<string> save, Action<string> load, params (string Name, int[]? Shape)[] expected)
        {
            string path = PathOf(name + ".safetensors");
            save(path);
            using (var reader = new SafetensorsReader(path))
            {
                foreach ((string tensor, int[]? shape) in expected)
                {
                    Assert.True(reader.Entries.ContainsKey(tensor), $"{name}: no '{tensor}' in {string.Join(", ", reader.Entries.Keys)}");
                    if (shape is not null)
                    {
                        Assert.Equal(shape.Select(d => (long)d), reader.Entries[tensor].Shape);
                    }
                }

                // Linear, recurrent and attention weights are PyTorch's [out, in]: ours transposed.
                foreach (TensorInfo tensor in tensors.Where(t => t.PyTorch!.Permutation is TorchPermutation.Transpose or TorchPermutation.FlattenedImage))
                {
                    Assert.Equal([tensor.Shape[1], tensor.Shape[0]], reader.Entries[tensor.PyTorch!.Name].Shape);
                }
            }

            Assert.NotEqual(saved, loaded());
            load(path);
            Assert.Equal(saved, loaded());
        }

        [Theory]
        [InlineData("F16")]
        [InlineData("BF16")]
        public void Half_precision_tensors_are_read_as_f32(string dtype)
        {
            // Values exact in both formats, so the F32 they become is known.
            float[] w1 = [1f, -2f, 0.5f, 0.25f, -0.125f, 3f, 4f, -1.5f, 0.75f], b1 = [0f, 1f, -1f], w2 = [2f, 0f, -0.5f, 1f, 1.25f, -3f], b2 = [0.5f, -0.25f];
            string path = HalfFile(dtype, ("fc1.weight", [3, 3], w1), ("fc1.bias", [3], b1), ("fc2.weight", [2, 3], w2), ("fc2.bias", [2], b2));
            var network = new TorchMlp(3);
            network.LoadParameters(path, ParameterLayout.PyTorch);
            Assert.Equal(w1[1], network.Fc1Weight[3]);
            Assert.Equal(b2, network.Fc2Bias.ToArray());

            // Half precision is for PyTorch files only: this library's own loader stays F32.
            var error = Assert.Throws<InvalidDataException>(() => network.LoadParameters(path));
            Assert.Contains("only F32", error.Message);
        }

        [Fact]
        public void Names_map_a_sequential_state_dict_onto_the_layers()
        {
            float[] w1 = Values(9, 1), b1 = Values(3, 2), w2 = Values(6, 3), b2 = Values(2, 4);
            string path = TorchFile("sequential.safetensors", ("0.weight", [3, 3], w1), ("0.bias", [3], b1), ("2.weight", [2, 3], w2), ("2.bias", [2], b2));
            var network = new TorchMlp(7);
            var names = new Dictionary<string, string> { ["fc1.weight"] = "0.weight", ["fc1.bias"] = "0.bias", ["fc2.weight"] = "2.weight", ["fc2.bias"] = "2.bias" };
            network.LoadParameters(path, ParameterLayout.PyTorch, names);
            Assert.Equal(w1[1], network.Fc1Weight[3]);

            Assert.Contains("neither a tensor of this network", Assert.Throws<ArgumentException>(() => network.LoadParameters(path, ParameterLayout.PyTorch, new Dictionary<string, string> { ["fc9.weight"] = "x" })).Message);
            Assert.Throws<ArgumentException>(() => network.LoadParameters(path, ParameterLayout.Compiled, names));
        }

        [Theory]
        [InlineData("missing", "tensor 'fc2.bias' is missing")]
        [InlineData("compiled shape", "has shape [3, 2], but the network expects [2, 3]")]
        [InlineData("nan", "values must be finite")]
        [InlineData("extra", "that this network does not have")]
        public void A_bad_pytorch_file_is_refused_and_changes_nothing(string kind, string message)
        {
            float[] w2 = Values(6, 3);
            if (kind == "nan")
            {
                w2[4] = float.NaN;
            }

            var tensors = new List<(string, int[], float[])> { ("fc1.weight", [3, 3], Values(9, 1)), ("fc1.bias", [3], Values(3, 2)), ("fc2.weight", kind == "compiled shape" ? [3, 2] : [2, 3], w2) };
            if (kind != "missing")
            {
                tensors.Add(("fc2.bias", [2], Values(2, 4)));
            }

            if (kind == "extra")
            {
                tensors.Add(("bn.num_batches_tracked", [1], [1f]));
            }

            string path = TorchFile("bad.safetensors", tensors.ToArray());
            var network = new TorchMlp(7);
            float[] before = network.Parameters.ToArray();
            var error = Assert.Throws<InvalidDataException>(() => network.LoadParameters(path, ParameterLayout.PyTorch));
            Assert.Contains(message, error.Message);
            Assert.Equal(before, network.Parameters.ToArray());
        }

        /// <summary>A safetensors file of F16 or BF16 tensors, written byte by byte as PyTorch would.</summary>
        private string HalfFile(string dtype, params (string Name, int[] Shape, float[] Values)[] tensors)
        {
            var header = new StringBuilder("{");
            var data = new List<byte>();
            foreach ((string name, int[] shape, float[] values) in tensors)
            {
                int begin = data.Count;
                foreach (float value in values)
                {
                    ushort bits = dtype == "F16" ? BitConverter.HalfToUInt16Bits((Half)value) : (ushort)(BitConverter.SingleToInt32Bits(value) >> 16);
                    data.Add((byte)bits);
                    data.Add((byte)(bits >> 8));
                }

                header.Append($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{data.Count}]}},");
            }

            header.Length--;
            header.Append('}');
            while ((8 + header.Length) % 8 != 0)
            {
                header.Append(' ');
            }

            byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
            var file = new byte[8 + headerBytes.Length + data.Count];
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
            headerBytes.CopyTo(file, 8);
            data.CopyTo(file, 8 + headerBytes.Length);
            string path = PathOf(dtype + ".safetensors");
            File.WriteAllBytes(path, file);
            return path;
        }
    }
}

namespace Compiled.Runtime.Tests.Networks
{
    [Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 4)]
    [Input(3)]
    [Dense(3, Activation = Activation.Relu, Name = "fc1")]
    [Dense(2, Name = "fc2")]
    public partial class TorchMlp;

    [Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 4)]
    [Input(4, 5, 2)]
    [Conv2D(3, 2, Name = "conv")]
    [Flatten]
    [Dense(2, Name = "fc")]
    public partial class TorchCnn;

    [Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 4)]
    [Input(3)]
    [Dense(12, Name = "fc")]
    [Reshape(2, 3, 2)]
    [Conv2D(1, 2, Name = "conv")]
    [Flatten]
    public partial class TorchGenerator;

    [Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 4)]
    [Input(3, 2)]
    [Lstm(2, Name = "rnn")]
    [Dense(1, Name = "fc")]
    public partial class TorchLstm;

    [Network(Loss = Loss.MeanSquaredError, MaxBatchSize = 4)]
    [Input(3, 2)]
    [Gru(2, Name = "rnn")]
    [Dense(1, Name = "fc")]
    public partial class TorchGru;
}
