using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Compiled.Kernels;

namespace Compiled
{
    /// <summary>
    /// An update rule over the flat parameter span. Implementations are structs passed by <c>ref</c> to
    /// <c>TrainStep&lt;TOptimizer&gt;</c>, so the JIT specialises the step for each one and there is no
    /// interface call or allocation in the loop. State (moments) is allocated on the first step, once.
    /// </summary>
    public interface IOptimizer
    {
        /// <summary>The step size; a schedule may change it between steps.</summary>
        float LearningRate { get; set; }

        /// <summary>Updates <paramref name="parameters"/> from <paramref name="gradients"/> of the same length.</summary>
        void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

        /// <summary>A snapshot of the optimizer (settings, learning rate, step count, moments) for a checkpoint. The built-in
        /// optimizers implement it; an optimizer of one's own that does not cannot be checkpointed.</summary>
        OptimizerState ExportState() =>
            throw new NotSupportedException($"{GetType().Name} does not implement ExportState, so its state cannot be saved in a checkpoint.");

        /// <summary>Restores a snapshot from <see cref="ExportState"/> of an optimizer of the same kind and settings (checked:
        /// an <see cref="ArgumentException"/> says what differs, and nothing changes). The learning rate is restored too.</summary>
        void ImportState(OptimizerState state) =>
            throw new NotSupportedException($"{GetType().Name} does not implement ImportState, so it cannot resume from a checkpoint.");
    }

    /// <summary>
    /// Where Adam (and AdamW) and RMSprop store a moment below the normal range as 0. A weight whose gradient has been 0 for a while
    /// (behind a dead ReLU unit) has its moments decay into the subnormal range and stay there (at the smallest subnormal,
    /// m times beta1 and v times beta2 round back to it), and x86 takes every multiply, square root and division that
    /// produces or reads a subnormal value through a slow assist: the Adam pass over such moments ran at 45-55 us against
    /// 32 (docs/performance.md). Stored as 0 instead, as libtorch does under <c>torch.set_flush_denormal(True)</c>. The
    /// parameters keep their bits: a second moment under 2^-126 has a root under 2^-63, which added to an epsilon of
    /// 2^-38 or more rounds back to epsilon, so the denominator is the same; a first moment under 2^-126 changes the
    /// update by less than 2^-126 a / eps' (a the step size, eps' epsilon, both after the bias corrections), under 2^-88 a,
    /// below half an ulp of every parameter farther than 2^-64 a from 0, which keep their bits. Where epsilon is below
    /// 2^-38, nothing is flushed (<see cref="Floor"/>).
    /// </summary>
    internal static class Subnormals
    {
        /// <summary>The magnitude below which a moment is stored as 0: the smallest normal float, 2^-126, where
        /// <paramref name="epsilon"/> (after any bias correction) is 2^-38 or more, else 0 (none). A scalar, to be
        /// broadcast with a pass's other constants.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static float Floor(float epsilon) => epsilon >= SmallestExactEpsilon ? SmallestNormal : 0f;

        /// <summary>2^-126.</summary>
        private const float SmallestNormal = 1.17549435E-38f;

        /// <summary>2^-38: half an ulp of any epsilon from here on is 2^-62 or more, above the square root of a subnormal.</summary>
        private const float SmallestExactEpsilon = 3.637978807091713E-12f;
    }

    internal static class OptimizerChecks
    {
        public static void SameLength(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            if (parameters.Length != gradients.Length)
            {
                throw new ArgumentException($"Expected as many gradients as parameters ({parameters.Length}), but got {gradients.Length}.", nameof(gradients));
            }
        }

        public static void Positive(float value, string name)
        {
            if (!(value > 0f) || float.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"Expected {name} to be a positive, finite number, but it is {value}.");
            }
        }

        /// <summary>A learning rate as set (by a user or a schedule): zero is a step that changes nothing (a schedule may end
        /// there); NaN, infinities and negatives are refused where they are set, rather than turning every parameter into NaN
        /// at the next step.</summary>
        public static float LearningRate(float value)
        {
            NonNegative(value, nameof(LearningRate));
            return value;
        }

        public static void UnitInterval(float value, string name)
        {
            if (!(value >= 0f && value < 1f))
            {
                throw new ArgumentOutOfRangeException(name, value, $"Expected {name} in [0, 1), but it is {value}.");
            }
        }

        public static void NonNegative(float value, string name)
        {
            if (!(value >= 0f) || float.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"Expected {name} to be zero or positive, but it is {value}.");
            }
        }

        /// <summary><c>default(T)</c> of an optimizer struct has every setting zero, which would silently do nothing or divide by zero.</summary>
        public static void Constructed(float positiveSetting, string optimizer) => Constructed(positiveSetting > 0f, optimizer);

        public static void Constructed(bool constructed, string optimizer)
        {
            if (!constructed)
            {
                throw new InvalidOperationException($"This {optimizer} has no settings (it is default({optimizer})); create it with a constructor, e.g. new {optimizer}().");
            }
        }

        public static readonly IReadOnlyDictionary<string, float> NoSettings = new Dictionary<string, float>();

        public static readonly IReadOnlyDictionary<string, float[]> NoTensors = new Dictionary<string, float[]>();

        public static IReadOnlyDictionary<string, float> Dictionary((string Name, float Value)[] settings) =>
            settings.ToDictionary(s => s.Name, s => s.Value);

        /// <summary>The state tensors by name (copies), or none before the first step (when they are not allocated yet).</summary>
        public static IReadOnlyDictionary<string, float[]> Tensors(params (string Name, AlignedFloats? Values)[] tensors) =>
            tensors[0].Values is null ? NoTensors : tensors.ToDictionary(t => t.Name, t => t.Values!.Value.Span.ToArray());

        /// <summary>A state tensor from a snapshot (null before the first step), copied onto a cache line as the step
        /// allocates it.</summary>
        public static AlignedFloats? Aligned(float[]? values)
        {
            if (values is null)
            {
                return null;
            }

            var aligned = new AlignedFloats(values.Length);
            values.CopyTo(aligned.Span);
            return aligned;
        }

        /// <summary>Returns <paramref name="state"/>, allocating it on first use and checking it still fits. State starts on a
        /// cache line, as the parameters and gradients do: the one-pass steps read all three at the same offsets.</summary>
        public static Span<float> State(ref AlignedFloats? state, int length)
        {
            if (state is null)
            {
                state = new AlignedFloats(length);
            }
            else if (state.Value.Length != length)
            {
                throw new InvalidOperationException($"This optimizer was used with {state.Value.Length} parameters and now gets {length}; use one optimizer per network.");
            }

            return state.Value.Span;
        }
    }

    /// <summary>Plain stochastic gradient descent: p -= lr * g.</summary>
    public struct Sgd : IOptimizer
    {
        private float _learningRate;
        private readonly bool _constructed; // false only in default(Sgd)

        /// <summary>Creates the optimizer with learning rate 0.01 (Keras' default).</summary>
        public Sgd()
            : this(0.01f)
        {
        }

        /// <summary>Creates the optimizer.</summary>
        public Sgd(float learningRate)
        {
            OptimizerChecks.Positive(learningRate, nameof(learningRate));
            LearningRate = learningRate;
            _constructed = true;
        }

        /// <summary>The step size.</summary>
        public float LearningRate
        {
            readonly get => _learningRate;
            set => _learningRate = OptimizerChecks.LearningRate(value);
        }

        /// <summary>The learning rate, after checking that this optimizer was constructed: for generated code that fuses the
        /// SGD step into the backward pass.</summary>
        public readonly float CheckedLearningRate()
        {
            OptimizerChecks.Constructed(_constructed, nameof(Sgd));
            return LearningRate;
        }

        /// <inheritdoc/>
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            OptimizerChecks.SameLength(parameters, gradients);
            Begin(parameters.Length);
            Pass(parameters, gradients, 1f, 0);
        }

        /// <summary>The checks before a step over <paramref name="length"/> parameters (see <see cref="OptimizerStep.SumAndStep"/>).</summary>
        internal readonly void Begin(int length) => OptimizerChecks.Constructed(_constructed, nameof(Sgd));

        /// <summary>The step's pass over <paramref name="parameters"/> (the values from <paramref name="offset"/> on) for the
        /// gradients times <paramref name="gradientScale"/> (clipping): p += (g scale) (-lr), a multiply and an add each (not
        /// fused), so a scale of 1 gives the bits of p += g (-lr). Its own loop rather than <c>TensorPrimitives.MultiplyAdd</c>
        /// into the parameters, which moved them at 47 GB/s where this moves 130 or more (docs/performance.md).</summary>
        // Compiled on its own: inlined into a caller's Tier-1 code, the pass ran out of the JIT's inlining budget and kept
        // its broadcast constants on the stack (docs/performance.md, optimizers).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        internal readonly void Pass(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset)
        {
            float step = -LearningRate;
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // The widest vectors, as in Adam's pass: Vector<float> stays 256 bits, and 512-bit loads read L2 faster.
                Vector512<float> scale = Vector512.Create(gradientScale), stepv = Vector512.Create(step);
                var pv = MemoryMarshal.Cast<float, Vector512<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector512<float>>(gradients);
                for (int j = 0; j < pv.Length; j++)
                {
                    pv[j] = (gv[j] * scale * stepv) + pv[j];
                }

                i = pv.Length * Vector512<float>.Count;
            }
            else if (Vector.IsHardwareAccelerated)
            {
                Vector<float> scale = new(gradientScale), stepv = new(step);
                var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                for (int j = 0; j < pv.Length; j++)
                {
                    pv[j] = (gv[j] * scale * stepv) + pv[j];
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < parameters.Length; i++)
            {
                parameters[i] = (gradients[i] * gradientScale * step) + parameters[i];
            }
        }

        /// <inheritdoc/>
        public readonly OptimizerState ExportState()
        {
            OptimizerChecks.Constructed(_constructed, nameof(Sgd));
            return new OptimizerState(nameof(Sgd), LearningRate, OptimizerChecks.NoSettings, 0, OptimizerChecks.NoTensors);
        }

        /// <inheritdoc/>
        public void ImportState(OptimizerState state)
        {
            OptimizerChecks.Constructed(_constructed, nameof(Sgd));
            (state ?? throw new ArgumentNullException(nameof(state))).Match(nameof(Sgd), [], []);
            LearningRate = state.LearningRate;
        }
    }

    /// <summary>SGD with momentum: v = mu v + g; p -= lr * v, or with Nesterov p -= lr * (g + mu v) (PyTorch's formulation).</summary>
    public struct Momentum : IOptimizer
    {
        private float _learningRate;
        private readonly bool _constructed; // false only in default(Momentum)
        private AlignedFloats? _velocity;

        /// <summary>Creates the optimizer with learning rate 0.01 and momentum 0.9.</summary>
        public Momentum()
            : this(0.01f)
        {
        }

        /// <summary>Creates the optimizer.</summary>
        public Momentum(float learningRate, float momentum = 0.9f, bool nesterov = false)
        {
            OptimizerChecks.Positive(learningRate, nameof(learningRate));
            OptimizerChecks.UnitInterval(momentum, nameof(momentum));
            LearningRate = learningRate;
            Coefficient = momentum;
            Nesterov = nesterov;
            _velocity = null;
            _constructed = true;
        }

        /// <summary>The step size.</summary>
        public float LearningRate
        {
            readonly get => _learningRate;
            set => _learningRate = OptimizerChecks.LearningRate(value);
        }

        /// <summary>The momentum coefficient mu.</summary>
        public float Coefficient { get; }

        /// <summary>Whether the Nesterov variant is used.</summary>
        public bool Nesterov { get; }

        /// <inheritdoc/>
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            OptimizerChecks.SameLength(parameters, gradients);
            Begin(parameters.Length);
            Pass(parameters, gradients, 1f, 0);
        }

        /// <summary>The checks before a step over <paramref name="length"/> parameters, and the velocity allocated on the first.</summary>
        internal void Begin(int length)
        {
            OptimizerChecks.Constructed(_constructed, nameof(Momentum));
            OptimizerChecks.State(ref _velocity, length);
        }

        /// <summary>The step's pass over <paramref name="parameters"/> (the values from <paramref name="offset"/> on) for the
        /// gradients times <paramref name="gradientScale"/> (clipping), in one pass.</summary>
        // Compiled on its own: inlined into a caller's Tier-1 code, the pass ran out of the JIT's inlining budget and kept
        // its broadcast constants on the stack (docs/performance.md, optimizers).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        internal readonly void Pass(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset)
        {
            Span<float> v = _velocity!.Value.Slice(offset, parameters.Length);
            float lr = LearningRate, mu = Coefficient;
            bool nesterov = Nesterov;
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // The widest vectors, as in Adam's pass.
                Vector512<float> scale = Vector512.Create(gradientScale), coefficient = Vector512.Create(mu), step = Vector512.Create(lr);
                var pv = MemoryMarshal.Cast<float, Vector512<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector512<float>>(gradients);
                var vv = MemoryMarshal.Cast<float, Vector512<float>>(v);
                for (int j = 0; j < pv.Length; j++)
                {
                    Vector512<float> g = gv[j] * scale;
                    Vector512<float> velocity = (vv[j] * coefficient) + g;
                    vv[j] = velocity;
                    pv[j] -= step * (nesterov ? g + (velocity * coefficient) : velocity);
                }

                i = pv.Length * Vector512<float>.Count;
            }
            else if (Vector.IsHardwareAccelerated)
            {
                Vector<float> scale = new(gradientScale), coefficient = new(mu), step = new(lr); // broadcast once (see Adam)
                var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
                for (int j = 0; j < pv.Length; j++)
                {
                    Vector<float> g = gv[j] * scale;
                    Vector<float> velocity = (vv[j] * coefficient) + g;
                    vv[j] = velocity;
                    pv[j] -= step * (nesterov ? g + (velocity * coefficient) : velocity);
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < parameters.Length; i++)
            {
                float g = gradients[i] * gradientScale;
                float velocity = (v[i] * mu) + g;
                v[i] = velocity;
                parameters[i] -= lr * (Nesterov ? g + (velocity * mu) : velocity);
            }
        }

        private readonly (string, float)[] Settings => [("momentum", Coefficient), ("nesterov", Nesterov ? 1f : 0f)];

        /// <inheritdoc/>
        public readonly OptimizerState ExportState()
        {
            OptimizerChecks.Constructed(_constructed, nameof(Momentum));
            return new OptimizerState(nameof(Momentum), LearningRate, OptimizerChecks.Dictionary(Settings), 0, OptimizerChecks.Tensors(("velocity", _velocity)));
        }

        /// <inheritdoc/>
        public void ImportState(OptimizerState state)
        {
            OptimizerChecks.Constructed(_constructed, nameof(Momentum));
            float[][]? tensors = (state ?? throw new ArgumentNullException(nameof(state))).Match(nameof(Momentum), Settings, ["velocity"]);
            LearningRate = state.LearningRate;
            _velocity = OptimizerChecks.Aligned(tensors?[0]);
        }
    }

    /// <summary>
    /// Adam (Kingma and Ba): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr * m^ / (sqrt(v^) + eps)
    /// with bias-corrected m^ and v^. With <see cref="WeightDecay"/> it is AdamW (decoupled decay, Loshchilov
    /// and Hutter): p -= lr * wd * p before the Adam step.
    /// </summary>
    public struct Adam : IOptimizer
    {
        private float _learningRate;
        private AlignedFloats? _m;
        private AlignedFloats? _v;
        private int _t;

        /// <summary>Creates the optimizer with Keras' defaults: learning rate 0.001, betas 0.9 and 0.999, epsilon 1e-7.</summary>
        public Adam()
            : this(1e-3f)
        {
        }

        /// <summary>Creates the optimizer; the defaults are Keras'.</summary>
        public Adam(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        {
            OptimizerChecks.Positive(learningRate, nameof(learningRate));
            OptimizerChecks.UnitInterval(beta1, nameof(beta1));
            OptimizerChecks.UnitInterval(beta2, nameof(beta2));
            OptimizerChecks.Positive(epsilon, nameof(epsilon));
            LearningRate = learningRate;
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
            WeightDecay = 0f;
            _m = null;
            _v = null;
            _t = 0;
        }

        /// <summary>The step size.</summary>
        public float LearningRate
        {
            readonly get => _learningRate;
            set => _learningRate = OptimizerChecks.LearningRate(value);
        }

        /// <summary>Decay rate of the first moment.</summary>
        public float Beta1 { get; }

        /// <summary>Decay rate of the second moment.</summary>
        public float Beta2 { get; }

        /// <summary>Added to the denominator for stability.</summary>
        public float Epsilon { get; }

        /// <summary>Decoupled weight decay (0 for plain Adam).</summary>
        public float WeightDecay { get; internal set; }

        /// <summary>Steps taken so far.</summary>
        public readonly int StepCount => _t;

        /// <inheritdoc/>
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            OptimizerChecks.SameLength(parameters, gradients);
            Begin(parameters.Length);
            Pass(parameters, gradients, 1f, 0);
        }

        /// <summary>The checks before a step over <paramref name="length"/> parameters, the moments allocated on the first,
        /// and the step counted.</summary>
        internal void Begin(int length)
        {
            OptimizerChecks.Constructed(Epsilon, nameof(Adam));
            OptimizerChecks.State(ref _m, length);
            OptimizerChecks.State(ref _v, length);
            _t++;
        }

        /// <summary>The step's pass over <paramref name="parameters"/> (the values from <paramref name="offset"/> on) for the
        /// gradients times <paramref name="gradientScale"/> (clipping), in one pass.</summary>
        // Compiled on its own: inlined into a caller's Tier-1 code, the pass ran out of the JIT's inlining budget and kept
        // its broadcast constants on the stack (docs/performance.md, optimizers).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        internal readonly void Pass(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset)
        {
            Span<float> m = _m!.Value.Slice(offset, parameters.Length);
            Span<float> v = _v!.Value.Slice(offset, parameters.Length);
            float b1 = Beta1, b2 = Beta2, eps = Epsilon;
            // Fold both bias corrections into the step size and epsilon:
            // lr m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps) = a m / (sqrt(v) + eps'), a = lr sqrt(1-b2^t)/(1-b1^t), eps' = eps sqrt(1-b2^t).
            float c2 = MathF.Sqrt(1f - MathF.Pow(b2, _t));
            float stepSize = LearningRate * c2 / (1f - MathF.Pow(b1, _t));
            float epsHat = eps * c2;
            float decay = 1f - (LearningRate * WeightDecay), smallest = Subnormals.Floor(epsHat);
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // The widest vectors: Vector<float> stays 256 bits where Vector512 is accelerated, and this pass runs at the
                // rate of its square roots and divisions, which a core with whole 512-bit units does sixteen at a time
                // (docs/performance.md, optimizers). The same operations lane by lane, so the same bits.
                Vector512<float> scale = Vector512.Create(gradientScale), beta1 = Vector512.Create(b1), rest1 = Vector512.Create(1f - b1);
                Vector512<float> beta2 = Vector512.Create(b2), rest2 = Vector512.Create(1f - b2), step = Vector512.Create(stepSize);
                Vector512<float> epsilon = Vector512.Create(epsHat), keep = Vector512.Create(decay), floor = Vector512.Create(smallest);
                var pv = MemoryMarshal.Cast<float, Vector512<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector512<float>>(gradients);
                var mv = MemoryMarshal.Cast<float, Vector512<float>>(m);
                var vv = MemoryMarshal.Cast<float, Vector512<float>>(v);
                for (int j = 0; j < pv.Length; j++)
                {
                    Vector512<float> g = gv[j] * scale;
                    Vector512<float> mj = (mv[j] * beta1) + (g * rest1);
                    Vector512<float> vj = (vv[j] * beta2) + (g * g * rest2);
                    mj = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(mj), floor), Vector512<float>.Zero, mj); // Subnormals
                    vj = Vector512.ConditionalSelect(Vector512.LessThan(vj, floor), Vector512<float>.Zero, vj);
                    mv[j] = mj;
                    vv[j] = vj;
                    pv[j] = (pv[j] * keep) - (step * mj / (Vector512.Sqrt(vj) + epsilon));
                }

                i = pv.Length * Vector512<float>.Count;
            }
            else if (Vector.IsHardwareAccelerated)
            {
                // Every constant broadcast once, before the loop: the JIT does not hoist a broadcast of a local out of it,
                // and the pass is short enough for seven of them to show (docs/performance.md).
                Vector<float> scale = new(gradientScale), beta1 = new(b1), rest1 = new(1f - b1), beta2 = new(b2), rest2 = new(1f - b2);
                Vector<float> step = new(stepSize), epsilon = new(epsHat), keep = new(decay), floor = new(smallest);
                var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
                var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
                for (int j = 0; j < pv.Length; j++)
                {
                    Vector<float> g = gv[j] * scale;
                    Vector<float> mj = (mv[j] * beta1) + (g * rest1);
                    Vector<float> vj = (vv[j] * beta2) + (g * g * rest2);
                    mj = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(mj), floor), Vector<float>.Zero, mj); // Subnormals
                    vj = Vector.ConditionalSelect(Vector.LessThan(vj, floor), Vector<float>.Zero, vj);
                    mv[j] = mj;
                    vv[j] = vj;
                    pv[j] = (pv[j] * keep) - (step * mj / (Vector.SquareRoot(vj) + epsilon));
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < parameters.Length; i++)
            {
                float g = gradients[i] * gradientScale;
                float mj = (m[i] * b1) + (g * (1f - b1));
                float vj = (v[i] * b2) + (g * g * (1f - b2));
                mj = MathF.Abs(mj) < smallest ? 0f : mj;
                vj = vj < smallest ? 0f : vj;
                m[i] = mj;
                v[i] = vj;
                parameters[i] = (parameters[i] * decay) - (stepSize * mj / (MathF.Sqrt(vj) + epsHat));
            }
        }

        private readonly (string, float)[] Settings => [("beta1", Beta1), ("beta2", Beta2), ("epsilon", Epsilon), ("weight_decay", WeightDecay)];

        /// <inheritdoc/>
        public readonly OptimizerState ExportState() => Export(nameof(Adam));

        /// <inheritdoc/>
        public void ImportState(OptimizerState state) => Import(state, nameof(Adam));

        internal readonly OptimizerState Export(string kind)
        {
            OptimizerChecks.Constructed(Epsilon, kind);
            return new OptimizerState(kind, LearningRate, OptimizerChecks.Dictionary(Settings), _t, OptimizerChecks.Tensors(("m", _m), ("v", _v)));
        }

        internal void Import(OptimizerState state, string kind)
        {
            OptimizerChecks.Constructed(Epsilon, kind);
            float[][]? tensors = (state ?? throw new ArgumentNullException(nameof(state))).Match(kind, Settings, ["m", "v"]);
            LearningRate = state.LearningRate;
            _m = OptimizerChecks.Aligned(tensors?[0]);
            _v = OptimizerChecks.Aligned(tensors?[1]);
            _t = state.StepCount;
        }
    }

    /// <summary>AdamW: Adam with decoupled weight decay p -= lr * wd * p (default wd 0.01, as in PyTorch).</summary>
    public struct AdamW : IOptimizer
    {
        private Adam _adam;

        /// <summary>Creates the optimizer with learning rate 0.001 and weight decay 0.01 (PyTorch's defaults).</summary>
        public AdamW()
            : this(1e-3f)
        {
        }

        /// <summary>Creates the optimizer.</summary>
        public AdamW(float learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        {
            OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
            _adam = new Adam(learningRate, beta1, beta2, epsilon) { WeightDecay = weightDecay };
        }

        /// <summary>The step size.</summary>
        public float LearningRate
        {
            readonly get => _adam.LearningRate;
            set => _adam.LearningRate = value;
        }

        /// <summary>The decoupled weight decay.</summary>
        public readonly float WeightDecay => _adam.WeightDecay;

        /// <inheritdoc/>
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => _adam.Step(parameters, gradients);

        internal void Begin(int length) => _adam.Begin(length);

        internal readonly void Pass(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset) => _adam.Pass(parameters, gradients, gradientScale, offset);

        /// <inheritdoc/>
        public readonly OptimizerState ExportState() => _adam.Export(nameof(AdamW));

        /// <inheritdoc/>
        public void ImportState(OptimizerState state) => _adam.Import(state, nameof(AdamW));
    }

    /// <summary>RMSprop: s = rho s + (1 - rho) g^2; p -= lr * g / (sqrt(s) + eps).</summary>
    public struct RmsProp : IOptimizer
    {
        private float _learningRate;
        private AlignedFloats? _square;

        /// <summary>Creates the optimizer with Keras' defaults: learning rate 0.001, rho 0.9, epsilon 1e-7.</summary>
        public RmsProp()
            : this(1e-3f)
        {
        }

        /// <summary>Creates the optimizer; the defaults are Keras'.</summary>
        public RmsProp(float learningRate, float rho = 0.9f, float epsilon = 1e-7f)
        {
            OptimizerChecks.Positive(learningRate, nameof(learningRate));
            OptimizerChecks.UnitInterval(rho, nameof(rho));
            OptimizerChecks.Positive(epsilon, nameof(epsilon));
            LearningRate = learningRate;
            Rho = rho;
            Epsilon = epsilon;
            _square = null;
        }

        /// <summary>The step size.</summary>
        public float LearningRate
        {
            readonly get => _learningRate;
            set => _learningRate = OptimizerChecks.LearningRate(value);
        }

        /// <summary>Decay rate of the mean square.</summary>
        public float Rho { get; }

        /// <summary>Added to the denominator for stability.</summary>
        public float Epsilon { get; }

        /// <inheritdoc/>
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            OptimizerChecks.SameLength(parameters, gradients);
            Begin(parameters.Length);
            Pass(parameters, gradients, 1f, 0);
        }

        /// <summary>The checks before a step over <paramref name="length"/> parameters, and the mean square allocated on the first.</summary>
        internal void Begin(int length)
        {
            OptimizerChecks.Constructed(Epsilon, nameof(RmsProp));
            OptimizerChecks.State(ref _square, length);
        }

        /// <summary>The step's pass over <paramref name="parameters"/> (the values from <paramref name="offset"/> on) for the
        /// gradients times <paramref name="gradientScale"/> (clipping), in one pass.</summary>
        // Compiled on its own: inlined into a caller's Tier-1 code, the pass ran out of the JIT's inlining budget and kept
        // its broadcast constants on the stack (docs/performance.md, optimizers).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        internal readonly void Pass(Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset)
        {
            Span<float> s = _square!.Value.Slice(offset, parameters.Length);
            float rho = Rho, lr = LearningRate, eps = Epsilon, smallest = Subnormals.Floor(eps);
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // The widest vectors, as in Adam's pass.
                Vector512<float> scale = Vector512.Create(gradientScale), decay = Vector512.Create(rho), rest = Vector512.Create(1f - rho);
                Vector512<float> step = Vector512.Create(lr), epsilon = Vector512.Create(eps), floor = Vector512.Create(smallest);
                var pv = MemoryMarshal.Cast<float, Vector512<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector512<float>>(gradients);
                var sv = MemoryMarshal.Cast<float, Vector512<float>>(s);
                for (int j = 0; j < pv.Length; j++)
                {
                    Vector512<float> g = gv[j] * scale;
                    Vector512<float> sj = (sv[j] * decay) + (rest * g * g);
                    sj = Vector512.ConditionalSelect(Vector512.LessThan(sj, floor), Vector512<float>.Zero, sj); // Subnormals
                    sv[j] = sj;
                    pv[j] -= step * g / (Vector512.Sqrt(sj) + epsilon);
                }

                i = pv.Length * Vector512<float>.Count;
            }
            else if (Vector.IsHardwareAccelerated)
            {
                // One pass: parameters, gradients and the running square are each read once and written once; the
                // constants broadcast once (see Adam).
                Vector<float> scale = new(gradientScale), decay = new(rho), rest = new(1f - rho), step = new(lr), epsilon = new(eps), floor = new(smallest);
                var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                var sv = MemoryMarshal.Cast<float, Vector<float>>(s);
                for (int j = 0; j < pv.Length; j++)
                {
                    Vector<float> g = gv[j] * scale;
                    Vector<float> sj = (sv[j] * decay) + (rest * g * g);
                    sj = Vector.ConditionalSelect(Vector.LessThan(sj, floor), Vector<float>.Zero, sj); // Subnormals
                    sv[j] = sj;
                    pv[j] -= step * g / (Vector.SquareRoot(sj) + epsilon);
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < parameters.Length; i++)
            {
                float g = gradients[i] * gradientScale;
                float si = (s[i] * rho) + ((1f - rho) * g * g);
                si = si < smallest ? 0f : si;
                s[i] = si;
                parameters[i] -= lr * g / (MathF.Sqrt(si) + eps);
            }
        }

        private readonly (string, float)[] Settings => [("rho", Rho), ("epsilon", Epsilon)];

        /// <inheritdoc/>
        public readonly OptimizerState ExportState()
        {
            OptimizerChecks.Constructed(Epsilon, nameof(RmsProp));
            return new OptimizerState(nameof(RmsProp), LearningRate, OptimizerChecks.Dictionary(Settings), 0, OptimizerChecks.Tensors(("square", _square)));
        }

        /// <inheritdoc/>
        public void ImportState(OptimizerState state)
        {
            OptimizerChecks.Constructed(Epsilon, nameof(RmsProp));
            float[][]? tensors = (state ?? throw new ArgumentNullException(nameof(state))).Match(nameof(RmsProp), Settings, ["square"]);
            LearningRate = state.LearningRate;
            _square = OptimizerChecks.Aligned(tensors?[0]);
        }
    }

    /// <summary>
    /// An optimizer's step for the gradients times a factor, which is how <c>TrainStep</c> applies clipping: the built-in
    /// optimizers (<see cref="Sgd"/>, <see cref="Momentum"/>, <see cref="Adam"/>, <see cref="AdamW"/>, <see cref="RmsProp"/>)
    /// multiply each gradient as they read it in their one pass, so the gradients are read once and never rewritten; any
    /// other optimizer gets the gradients scaled in place and then its <see cref="IOptimizer.Step"/>. Either way the step
    /// is the one for the scaled gradients, bit for bit.
    /// </summary>
    public static class OptimizerStep
    {
        /// <summary>Steps <paramref name="optimizer"/> with <paramref name="gradients"/> x <paramref name="gradientScale"/>.
        /// <paramref name="gradients"/> is left as it came for the built-in optimizers and scaled in place for others.</summary>
        public static void WithGradientScale<TOptimizer>(ref TOptimizer optimizer, Span<float> parameters, Span<float> gradients, float gradientScale)
            where TOptimizer : struct, IOptimizer
        {
            if (IsBuiltIn<TOptimizer>())
            {
                OptimizerChecks.SameLength(parameters, gradients);
                Begin(ref optimizer, parameters.Length);
                Pass(ref optimizer, parameters, gradients, gradientScale, 0);
                return;
            }

            if (gradientScale != 1f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, gradientScale, gradients);
            }

            optimizer.Step(parameters, gradients);
        }

        // The type tests are constants in each struct instantiation: the JIT keeps only the taken branch.
        private static bool IsBuiltIn<TOptimizer>()
            where TOptimizer : struct, IOptimizer =>
            typeof(TOptimizer) == typeof(Adam) || typeof(TOptimizer) == typeof(AdamW) || typeof(TOptimizer) == typeof(Sgd)
            || typeof(TOptimizer) == typeof(Momentum) || typeof(TOptimizer) == typeof(RmsProp);

        /// <summary>
        /// A data-parallel step's end: adds <paramref name="others"/>[0 .. <paramref name="count"/>) to
        /// <paramref name="gradients"/> (in that order, as <see cref="ShardRunner.SumInto"/>) and steps
        /// <paramref name="optimizer"/>, both split over <paramref name="runner"/>'s threads by ranges of the parameters: each
        /// thread sums and updates its own range, with the same bits as the sum and the step on one thread. For the built-in
        /// optimizers and at least <see cref="SplitFrom"/> parameters; otherwise the same on the calling thread.
        /// </summary>
        public static void SumAndStep<TOptimizer>(ref TOptimizer optimizer, ShardRunner runner, AlignedFloats parameters, AlignedFloats gradients, AlignedFloats[] others, int count)
            where TOptimizer : struct, IOptimizer
        {
            if (runner is null)
            {
                throw new ArgumentNullException(nameof(runner));
            }

            OptimizerChecks.SameLength(parameters.Span, gradients.Span);
            ShardRunner.CheckSummands(gradients.Length, others, count);
            if (!IsBuiltIn<TOptimizer>() || runner.Threads == 1 || parameters.Length < SplitFrom)
            {
                ShardRunner.SumInto(gradients.Span, others, count);
                WithGradientScale(ref optimizer, parameters.Span, gradients.Span, 1f);
                return;
            }

            Begin(ref optimizer, parameters.Length);
            ShardedUpdate<TOptimizer> update = runner.Update<TOptimizer>();
            update.Start(optimizer, parameters, gradients, others, count);
            try
            {
                runner.RunSplit(update, (parameters.Length + AlignedFloats.ValuesPerLine - 1) / AlignedFloats.ValuesPerLine);
            }
            finally
            {
                update.End();
            }
        }

        /// <summary>The parameters from which <see cref="SumAndStep"/> splits its work: 32 Ki (128 KB), a pass of 10-40 µs
        /// (Adam's), where waking the other threads and waiting for them costs a few.</summary>
        public const int SplitFrom = 32 * 1024;

        /// <summary>A built-in optimizer's checks, state and step count before its <see cref="Pass"/> (nothing for others).</summary>
        private static void Begin<TOptimizer>(ref TOptimizer optimizer, int length)
            where TOptimizer : struct, IOptimizer
        {
            if (typeof(TOptimizer) == typeof(Adam))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, Adam>(ref optimizer).Begin(length);
            }
            else if (typeof(TOptimizer) == typeof(AdamW))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, AdamW>(ref optimizer).Begin(length);
            }
            else if (typeof(TOptimizer) == typeof(Sgd))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, Sgd>(ref optimizer).Begin(length);
            }
            else if (typeof(TOptimizer) == typeof(Momentum))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, Momentum>(ref optimizer).Begin(length);
            }
            else if (typeof(TOptimizer) == typeof(RmsProp))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, RmsProp>(ref optimizer).Begin(length);
            }
        }

        /// <summary>A built-in optimizer's pass over a range of the parameters, after its <c>Begin</c>; reads the optimizer only,
        /// so that threads run it at once on ranges of their own.</summary>
        internal static void Pass<TOptimizer>(ref TOptimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, float gradientScale, int offset)
            where TOptimizer : struct, IOptimizer
        {
            if (typeof(TOptimizer) == typeof(Adam))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, Adam>(ref optimizer).Pass(parameters, gradients, gradientScale, offset);
            }
            else if (typeof(TOptimizer) == typeof(AdamW))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, AdamW>(ref optimizer).Pass(parameters, gradients, gradientScale, offset);
            }
            else if (typeof(TOptimizer) == typeof(Sgd))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, Sgd>(ref optimizer).Pass(parameters, gradients, gradientScale, offset);
            }
            else if (typeof(TOptimizer) == typeof(Momentum))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, Momentum>(ref optimizer).Pass(parameters, gradients, gradientScale, offset);
            }
            else if (typeof(TOptimizer) == typeof(RmsProp))
            {
                System.Runtime.CompilerServices.Unsafe.As<TOptimizer, RmsProp>(ref optimizer).Pass(parameters, gradients, gradientScale, offset);
            }
            else
            {
                throw new InvalidOperationException($"{typeof(TOptimizer).Name} is not a built-in optimizer; its step cannot be split.");
            }
        }
    }

    /// <summary>
    /// The work of <see cref="OptimizerStep.SumAndStep"/> on each thread: the shard's range of the parameters, whole cache
    /// lines (so that no two threads write one), the other shards' gradients added in order, then the optimizer's pass.
    /// Holds a copy of the optimizer taken after its <c>Begin</c> (the step count advanced, the state allocated): the
    /// copies share the state's arrays. One per runner and optimizer type, reused from step to step.
    /// </summary>
    internal sealed class ShardedUpdate<TOptimizer> : IShardedStep
        where TOptimizer : struct, IOptimizer
    {
        private TOptimizer _optimizer;
        private AlignedFloats _parameters;
        private AlignedFloats _gradients;
        private AlignedFloats[] _others = [];
        private int _count;

        public void Start(in TOptimizer optimizer, AlignedFloats parameters, AlignedFloats gradients, AlignedFloats[] others, int count)
        {
            _optimizer = optimizer;
            _parameters = parameters;
            _gradients = gradients;
            _others = others;
            _count = count;
        }

        /// <summary>Lets go of the buffers between steps.</summary>
        public void End()
        {
            _optimizer = default;
            _parameters = default;
            _gradients = default;
            _others = [];
            _count = 0;
        }

        public void RunShard(int shard, in ShardArguments arguments)
        {
            (int startLine, int lines) = arguments.Rows(shard);
            int start = startLine * AlignedFloats.ValuesPerLine;
            int length = Math.Min(_parameters.Length, (startLine + lines) * AlignedFloats.ValuesPerLine) - start;
            Span<float> gradients = _gradients.Slice(start, length);
            for (int i = 0; i < _count; i++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(gradients, _others[i].Slice(start, length), gradients);
            }

            OptimizerStep.Pass(ref _optimizer, _parameters.Slice(start, length), gradients, 1f, start);
        }
    }
}
