// The networks of the CharRnn sample, in a file of its own so that Tests/Compiled.Samples.Tests and the benchmarks
// compile these same declarations (a top-level program cannot be referenced).
using Compiled;

/// <summary>
/// The seeds' Elman network as a character model: h_t = f(x_t W_ih + b_ih + h_{t-1} W_hh + b_hh) over embedded
/// characters (an embedding is a one-hot input times a weight, without building the one-hot vector), then
/// o_t = softmax(h_t W + b) over the 27 characters (a-z and the end of a word). Token 0 is the end of a word, 1-26 are
/// a-z, 27 pads a word to the 24 steps; a padded step leaves the state alone and has no label. f is ReLU here
/// (nn.RNN's nonlinearity='relu'): on this protocol it ends 0.02 bits per character below tanh in the same three minutes
/// (2.641 against 2.658); <see cref="CharElmanTanh"/> is the seeds' formula as written.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[SimpleRnn(128, Activation = Activation.Relu, ReturnSequences = true)]
[Dense(CharWords.Classes)]
public partial class CharElman;

/// <summary>The Elman model with tanh, the seeds' formula as written: <c>--activation tanh</c>.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[SimpleRnn(128, ReturnSequences = true)]
[Dense(CharWords.Classes)]
public partial class CharElmanTanh;

/// <summary>The same character model with an LSTM cell (nn.LSTM's equations): <c>--cell lstm --layers 1</c>, the model of
/// the libtorch reference figures.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[Lstm(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Dense(CharWords.Classes)]
public partial class CharLstm;

/// <summary>The same character model with a GRU cell (nn.GRU's equations): <c>--cell gru --layers 1</c>.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[Gru(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Dense(CharWords.Classes)]
public partial class CharGru;

/// <summary>The LSTM model of <c>--cell lstm</c>: two LSTM layers of 128 units, dropout between and after.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[Lstm(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Lstm(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Dense(CharWords.Classes)]
public partial class CharLstm2;

/// <summary>The GRU model of <c>--cell gru</c>: two GRU layers of 128 units, dropout between and after.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[Gru(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Gru(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Dense(CharWords.Classes)]
public partial class CharGru2;
