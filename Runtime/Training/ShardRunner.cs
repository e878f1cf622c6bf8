using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Compiled
{
    /// <summary>
    /// One share of a data-parallel run: a generated network implements this to run rows <see cref="ShardArguments.Rows"/>
    /// with the workspace (and, in training, the gradient buffer) of its shard, as
    /// <see cref="ShardArguments.Mode"/> says. Called by <see cref="ShardRunner"/>, once per shard, on different threads at once.
    /// </summary>
    public interface IShardedStep
    {
        /// <summary>Runs shard <paramref name="shard"/> of the step described by <paramref name="arguments"/>.</summary>
        void RunShard(int shard, in ShardArguments arguments);
    }

    /// <summary>What a sharded run does with its rows.</summary>
    public enum ShardMode
    {
        /// <summary>A training step: forward and backward in training mode; gradients into each shard's buffer.</summary>
        Train,

        /// <summary>Inference: the forward pass, outputs into <see cref="ShardArguments.Outputs"/>.</summary>
        Forward,

        /// <summary>Inference: the loss and the number of correct answers of each shard's rows.</summary>
        Evaluate,
    }

    /// <summary>
    /// The minibatch of one sharded step, as seen by each shard. The spans point into the caller's memory, which stays
    /// pinned while <c>ShardRunner.Run</c> runs; they are valid only inside <see cref="IShardedStep.RunShard"/>.
    /// </summary>
    public readonly unsafe struct ShardArguments
    {
        private readonly float* _inputs;
        private readonly int _inputLength;
        private readonly float* _targets;
        private readonly int _targetLength;
        private readonly int* _labels;
        private readonly int _labelLength;
        private readonly float* _outputs;
        private readonly int _outputLength;

        internal ShardArguments(ShardMode mode, float* inputs, int inputLength, float* targets, int targetLength, int* labels, int labelLength, float* outputs, int outputLength, int batch, int shards)
        {
            Mode = mode;
            _outputs = outputs;
            _outputLength = outputLength;
            _inputs = inputs;
            _inputLength = inputLength;
            _targets = targets;
            _targetLength = targetLength;
            _labels = labels;
            _labelLength = labelLength;
            Batch = batch;
            Shards = shards;
        }

        /// <summary>What to do with the rows.</summary>
        public ShardMode Mode { get; }

        /// <summary>Samples in the whole minibatch (or, for inference, in the whole call).</summary>
        public int Batch { get; }

        /// <summary>How many shards the minibatch is split into.</summary>
        public int Shards { get; }

        /// <summary>The whole minibatch's inputs.</summary>
        public ReadOnlySpan<float> Inputs => new(_inputs, _inputLength);

        /// <summary>The whole minibatch's float targets (empty when it has labels).</summary>
        public ReadOnlySpan<float> Targets => new(_targets, _targetLength);

        /// <summary>The whole minibatch's class-index labels (empty when it has float targets).</summary>
        public ReadOnlySpan<int> Labels => new(_labels, _labelLength);

        /// <summary><see cref="ShardMode.Forward"/>: where the outputs of all rows go.</summary>
        public Span<float> Outputs => new(_outputs, _outputLength);

        /// <summary>Whether the targets are class-index labels.</summary>
        public bool HasLabels => _labelLength > 0;

        /// <summary>The rows of shard <paramref name="shard"/>: an even split in shard order, so the same batch and shard count
        /// always give the same shares.</summary>
        public (int Start, int Count) Rows(int shard)
        {
            if ((uint)shard >= (uint)Shards)
            {
                throw new ArgumentOutOfRangeException(nameof(shard), shard, $"Expected a shard from 0 to {Shards - 1}; these arguments have {Shards} shard(s).");
            }

            int start = (int)((long)shard * Batch / Shards), end = (int)((long)(shard + 1) * Batch / Shards);
            return (start, end - start);
        }
    }

    /// <summary>
    /// Runs a step's shards at once: shard 0 on the calling thread, the others on worker threads of its own, started
    /// here and woken for each step, so a steady-state step allocates nothing on any thread (the thread pool's queue
    /// allocates a new segment now and then). The caller waits for all of them; an exception in any shard is rethrown
    /// on the caller's thread. The workers are background threads; <see cref="Dispose"/> (or the finalizer, once the
    /// runner is unreachable) ends them.
    /// </summary>
    public sealed class ShardRunner : IDisposable
    {
        private readonly Workers _workers;
        private object? _update;

        /// <summary>Starts <paramref name="threads"/> - 1 worker threads (1 to 64 threads in all).</summary>
        public ShardRunner(int threads)
        {
            if (threads < 1 || threads > 64)
            {
                throw new ArgumentOutOfRangeException(nameof(threads), threads, $"Expected 1 to 64 threads, but got {threads}.");
            }

            _workers = new Workers(threads);
        }

        /// <summary>Ends the worker threads if <see cref="Dispose"/> was not called: they hold the shared state, not this object.</summary>
        ~ShardRunner() => _workers.Stop();

        /// <summary>The most shards a step is split into.</summary>
        public int Threads => _workers.Threads;

        /// <summary>
        /// Splits <paramref name="batch"/> samples into min(<see cref="Threads"/>, batch) shards and runs
        /// <paramref name="step"/> on each at once; returns the number of shards. Pass either
        /// <paramref name="targets"/> or <paramref name="labels"/> (the other empty). Not reentrant: one step at a time.
        /// </summary>
        public int Run(IShardedStep step, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, int batch) =>
            Run(ShardMode.Train, step, inputs, targets, labels, default, batch);

        /// <summary>Splits <paramref name="count"/> samples over the threads for a forward pass that writes <paramref name="outputs"/>.</summary>
        public int RunForward(IShardedStep step, ReadOnlySpan<float> inputs, Span<float> outputs, int count) =>
            Run(ShardMode.Forward, step, inputs, default, default, outputs, count);

        /// <summary>Splits <paramref name="count"/> samples over the threads to evaluate them against <paramref name="targets"/> or <paramref name="labels"/>.</summary>
        public int RunEvaluation(IShardedStep step, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, int count) =>
            Run(ShardMode.Evaluate, step, inputs, targets, labels, default, count);

        private int Run(ShardMode mode, IShardedStep step, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, Span<float> outputs, int batch)
        {
            if (step is null)
            {
                throw new ArgumentNullException(nameof(step));
            }

            if (batch < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Expected at least 1 sample, but got {batch}.");
            }

            int shards = _workers.Run(mode, step, inputs, targets, labels, outputs, batch);
            GC.KeepAlive(this); // the finalizer must not stop the workers while a step runs
            return shards;
        }

        /// <summary>Bytes allocated on the worker threads since they started (for the zero-allocation tests, which cannot tell
        /// other threads' allocations in a test host from these).</summary>
        internal long WorkerAllocatedBytes => Volatile.Read(ref _workers.AllocatedBytes);

        /// <summary>How long a waiting thread of this runner spins before it blocks, in <see cref="Stopwatch"/> ticks (0: none).</summary>
        internal long SpinTicks => _workers.SpinTicks;

        /// <summary>Waits of the worker threads that ended in blocking rather than spinning (their first wait included).</summary>
        internal long WorkerBlockedWaits
        {
            get
            {
                long blocked = 0;
                for (int shard = 1; shard < _workers.Threads; shard++)
                {
                    blocked += _workers.BlockedWaits(shard);
                }

                return blocked;
            }
        }

        /// <summary>Worker threads of all runners in the process that have not ended yet (for the tests that check none leak).</summary>
        internal static int LiveWorkerThreads => Volatile.Read(ref Workers.Live);

        /// <summary>Ends the worker threads. A disposed runner refuses to run.</summary>
        public void Dispose()
        {
            _workers.Stop();
            GC.SuppressFinalize(this);
        }

        /// <summary>values *= factor: weights a shard's loss gradient (a mean over its rows) by its share of the batch.</summary>
        public static void Scale(Span<float> values, float factor) => TensorPrimitives.Multiply(values, factor, values);

        /// <summary>destination += others[0] + ... + others[count - 1], added in that order, so that the sum of the shards'
        /// gradients is the same on every run with the same thread count.</summary>
        public static void SumInto(Span<float> destination, Kernels.AlignedFloats[] others, int count)
        {
            CheckSummands(destination.Length, others, count);
            for (int i = 0; i < count; i++)
            {
                TensorPrimitives.Add(destination, others[i].Span, destination);
            }
        }

        internal static void CheckSummands(int length, Kernels.AlignedFloats[] others, int count)
        {
            if (others is null || count < 0 || count > others.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, $"Expected 0 to {others?.Length ?? 0} buffers to add.");
            }

            for (int i = 0; i < count; i++)
            {
                if (others[i].Length != length)
                {
                    throw new ArgumentException($"Buffer {i} holds {others[i].Length} values, but the destination {length}.", nameof(others));
                }
            }
        }

        /// <summary>Splits <paramref name="count"/> items (<see cref="ShardArguments.Rows"/>) over the threads for work that is
        /// not a network's rows; the arguments' spans are empty.</summary>
        internal void RunSplit(IShardedStep step, int count) => Run(ShardMode.Train, step, default, default, default, default, count);

        /// <summary>The runner's <see cref="ShardedUpdate{TOptimizer}"/>, made on the first sharded step with that optimizer type.</summary>
        internal ShardedUpdate<TOptimizer> Update<TOptimizer>()
            where TOptimizer : struct, IOptimizer =>
            _update as ShardedUpdate<TOptimizer> ?? (ShardedUpdate<TOptimizer>)(_update = new ShardedUpdate<TOptimizer>());

        /// <summary>The state the worker threads share; kept apart from <see cref="ShardRunner"/> so that the threads do not
        /// keep the runner alive and its finalizer can end them.</summary>
        private sealed class Workers
        {
            private readonly Signal[] _start;
            private readonly Signal _done;
            private IShardedStep? _step;
            private ShardArguments _arguments;
            private int _pending;
            private Exception? _error;
            private volatile bool _stopped;

            /// <summary>Allocations of the worker threads, counted once per step (wait included).</summary>
            public long AllocatedBytes;

            /// <summary>Worker threads started and not yet ended, over all runners.</summary>
            public static int Live;

            public Workers(int threads)
            {
                Threads = threads;

                // Spinning pays only while every thread has a core to itself; with more threads than cores a spinning
                // waiter would take the time of the shard it waits for.
                SpinTicks = threads <= Environment.ProcessorCount ? Stopwatch.Frequency * SpinMicroseconds / 1_000_000 : 0;
                _done = new Signal(SpinTicks);
                _start = new Signal[threads];
                for (int shard = 1; shard < threads; shard++)
                {
                    _start[shard] = new Signal(SpinTicks);
                    int index = shard;
                    Interlocked.Increment(ref Live);
                    new Thread(() => Work(index)) { IsBackground = true, Name = "Compiled shard " + shard }.Start();
                }
            }

            public int Threads { get; }

            public long SpinTicks { get; }

            public long BlockedWaits(int shard) => Volatile.Read(ref _start[shard].BlockedWaits);

            /// <summary>
            /// How long a waiting thread spins before it blocks: a worker between steps, the caller while the last shard
            /// finishes. A blocked thread takes tens of microseconds to wake on a virtual machine (its idle vCPU is halted),
            /// and a training loop's gap between steps (the gradient sum and the optimizer's pass, 40-100 µs for the seed
            /// CNN) is shorter than this, so the workers of a running loop never block. OpenMP runtimes spin too before they
            /// block (libgomp 300,000 rounds, LLVM's and Intel's 200 ms), and hardly at all with more threads than cores.
            /// </summary>
            private const long SpinMicroseconds = 1000;

            public unsafe int Run(ShardMode mode, IShardedStep step, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, Span<float> outputs, int batch)
            {
                if (_stopped)
                {
                    throw new ObjectDisposedException(nameof(ShardRunner));
                }

                if (Interlocked.CompareExchange(ref _step, step, null) is not null)
                {
                    throw new InvalidOperationException("A sharded step is already running on this ShardRunner; a network is not thread-safe, use one per thread.");
                }

                int shards = Math.Min(Threads, batch);
                try
                {
                    fixed (float* pinnedInputs = inputs)
                    fixed (float* pinnedTargets = targets)
                    fixed (int* pinnedLabels = labels)
                    fixed (float* pinnedOutputs = outputs)
                    {
                        _arguments = new ShardArguments(mode, pinnedInputs, inputs.Length, pinnedTargets, targets.Length, pinnedLabels, labels.Length, pinnedOutputs, outputs.Length, batch, shards);
                        _error = null;
                        Volatile.Write(ref _pending, shards - 1);
                        for (int shard = 1; shard < shards; shard++)
                        {
                            _start[shard].Set();
                        }

                        Execute(0);
                        if (shards > 1)
                        {
                            // The memory stays pinned until every shard is done with it.
                            _done.WaitAndReset();
                        }
                    }
                }
                finally
                {
                    _arguments = default;
                    Volatile.Write(ref _step, null);
                }

                if (_error is Exception error)
                {
                    _error = null;
                    ExceptionDispatchInfo.Capture(error).Throw();
                }

                return shards;
            }

            public void Stop()
            {
                _stopped = true;
                for (int shard = 1; shard < Threads; shard++)
                {
                    _start[shard].Set();
                }
            }

            private void Work(int shard)
            {
                try
                {
                    WorkLoop(shard);
                }
                finally
                {
                    Interlocked.Decrement(ref Live);
                }
            }

            private void WorkLoop(int shard)
            {
                Signal start = _start[shard];
                start.PrepareToWait(); // this thread's own waiter, before the count starts
                long mark = GC.GetAllocatedBytesForCurrentThread();
                while (true)
                {
                    start.WaitAndReset(); // the next Set comes only after this step's _done, so no wake-up is lost
                    if (_stopped)
                    {
                        return;
                    }

                    Execute(shard);
                    long now = GC.GetAllocatedBytesForCurrentThread();
                    Interlocked.Add(ref AllocatedBytes, now - mark);
                    mark = now;
                    if (Interlocked.Decrement(ref _pending) == 0)
                    {
                        _done.Set();
                    }
                }
            }

            private void Execute(int shard)
            {
                try
                {
                    _step!.RunShard(shard, in _arguments);
                }
                catch (Exception exception)
                {
                    Interlocked.CompareExchange(ref _error, exception, null);
                }
            }
        }

        /// <summary>
        /// An auto-reset signal between exactly one setter and one waiter, which spins for a while and then blocks on a monitor.
        /// Not <see cref="ManualResetEventSlim"/>: that creates its lock object on the first wait that blocks, on whichever
        /// thread that happens to be, so one step in a long run allocated 24 bytes on a worker whenever the timing kept it
        /// from blocking during warm-up (a CI run failed on it). Everything here is allocated in the constructor or by
        /// <see cref="PrepareToWait"/>.
        /// </summary>
        private sealed class Signal
        {
            private static readonly long YieldTicks = Stopwatch.Frequency / 50_000; // 20 µs
            private readonly object _gate = new();
            private readonly long _spinTicks;
            private volatile bool _set;

            /// <summary>Waits that blocked (for the tests).</summary>
            public long BlockedWaits;

            /// <summary>A signal whose waiter spins for <paramref name="spinTicks"/> <see cref="Stopwatch"/> ticks before it blocks.</summary>
            public Signal(long spinTicks)
            {
                _spinTicks = spinTicks;
                PrepareToWait();
            }

            /// <summary>
            /// Makes the monitor ready for the calling thread to block on it. Under Native AOT the first blocking wait on an
            /// object creates its condition, and a thread's first blocking wait its waiter (736 bytes measured); doing that
            /// here, at construction and at a worker's start, keeps it out of the steady state. Free under the JIT.
            /// </summary>
            public void PrepareToWait()
            {
                lock (_gate)
                {
                    Monitor.Wait(_gate, 0);
                }
            }

            public void Set()
            {
                lock (_gate)
                {
                    _set = true;
                    Monitor.Pulse(_gate);
                }
            }

            /// <summary>Returns once <see cref="Set"/> has been called, and clears the signal for the next round.</summary>
            public void WaitAndReset()
            {
                if (!_set && _spinTicks > 0)
                {
                    long now = Stopwatch.GetTimestamp(), deadline = now + _spinTicks, yieldAt = now + YieldTicks;
                    while (!_set && now < deadline)
                    {
                        Thread.SpinWait(8);
                        now = Stopwatch.GetTimestamp();
                        if (now >= yieldAt)
                        {
                            // Lets a thread that is ready to run have this core (the JIT compiling the step's methods at
                            // their next tier, the garbage collector, the caller's own threads); returns at once if none is.
                            Thread.Yield();
                            yieldAt = now + YieldTicks;
                        }
                    }
                }

                if (!_set)
                {
                    Interlocked.Increment(ref BlockedWaits);
                    lock (_gate)
                    {
                        while (!_set)
                        {
                            Monitor.Wait(_gate);
                        }
                    }
                }

                _set = false;
            }
        }
    }
}
