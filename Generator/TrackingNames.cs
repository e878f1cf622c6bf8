namespace Compiled.Generator
{
    /// <summary>Names of the incremental pipeline's steps, so tests can check what ran and what was cached.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Spec = nameof(Spec);
        public const string Shape = nameof(Shape);
        public const string Network = nameof(Network);
        public const string Diagnostics = nameof(Diagnostics);
        public const string Weights = nameof(Weights);
    }
}
