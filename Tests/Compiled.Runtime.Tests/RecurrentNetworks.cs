namespace Compiled.Runtime.Tests.Networks;

// Recurrent networks of odd sizes (features and units not multiples of 8) for the gradient checks and streaming tests.

// The seeds' Elman network: a state per step and a per-step head.
[Network(MaxBatchSize = 8)]
[Input(4, 3)]
[SimpleRnn(5, ReturnSequences = true)]
[Dense(2)]
public partial class ElmanSequence;

// The loss on the last state only, with a ReLU cell.
[Network(MaxBatchSize = 8)]
[Input(4, 3)]
[SimpleRnn(5, Activation = Activation.Relu)]
[Dense(2)]
public partial class ElmanLast;

// Two LSTMs stacked: the first returns every step, the second its last state.
[Network(MaxBatchSize = 8)]
[Input(3, 2)]
[Lstm(5, ReturnSequences = true)]
[Lstm(3)]
[Dense(2, Activation = Activation.Tanh)]
public partial class LstmStack;

// A GRU with a per-step softmax head and a label per step.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(4, 3)]
[Gru(5, ReturnSequences = true)]
[Dense(3)]
public partial class GruTagger;

// A GRU on its last state.
[Network(MaxBatchSize = 8)]
[Input(3, 2)]
[Gru(6)]
[Dense(1)]
public partial class GruLast;

// Token ids through an embedding into an LSTM, padded sequences (token 0), a label per step.
[Network(Loss = Loss.SoftmaxCrossEntropy, MaxBatchSize = 8)]
[Input(6, Vocabulary = 5, PaddingToken = 0)]
[Embedding(3)]
[Lstm(4, ReturnSequences = true)]
[Dense(5)]
public partial class PaddedLstmTagger;

// Padded token sequences into a GRU and an Elman layer, the loss on the last state.
[Network(MaxBatchSize = 8)]
[Input(6, Vocabulary = 5, PaddingToken = 0)]
[Embedding(3)]
[Gru(4, ReturnSequences = true)]
[SimpleRnn(3)]
[Dense(2)]
public partial class PaddedStackLast;

// Float sequences padded with steps of zeros (Keras' Masking), an Elman layer returning every step.
[Network(MaxBatchSize = 8)]
[Input(5, 2, MaskValue = 0f)]
[SimpleRnn(4, ReturnSequences = true)]
[Lstm(3)]
[Dense(2)]
public partial class MaskedFloats;
