// The networks of the CharRnn sample, in a file of its own so that Tests/Compiled.Samples.Tests and the benchmarks
// compile these same declarations (a top-level program cannot be referenced).
using Compiled;

/// <summary>
/// The seeds' Elman network as a character model: h_t = tanh(x_t W_ih + b_ih + h_{t-1} W_hh + b_hh) over embedded
/// characters (an embedding is a one-hot input times a weight, without building the one-hot vector), then
/// o_t = softmax(h_t W + b) over the 27 characters (a-z and the end of a word). Token 0 is the end of a word, 1-26 are
/// a-z, 27 pads a word to the 24 steps; a padded step leaves the state alone and has no label.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[SimpleRnn(128, ReturnSequences = true)]
[Dense(CharWords.Classes)]
public partial class CharElman;

/// <summary>The same character model with an LSTM cell (nn.LSTM's equations).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[Lstm(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Dense(CharWords.Classes)]
public partial class CharLstm;

/// <summary>The same character model with a GRU cell (nn.GRU's equations).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 64)]
[Input(CharWords.Steps, Vocabulary = CharWords.Vocabulary, PaddingToken = CharWords.Padding)]
[Embedding(32)]
[Gru(128, ReturnSequences = true)]
[Dropout(0.1f)]
[Dense(CharWords.Classes)]
public partial class CharGru;
