using Kraft.Host;

namespace Kraft.Build;

/// <summary>One invocation of make, as an argv list (printed by --dry-run, run by the builder).</summary>
public sealed record MakeCommand(string Purpose, IReadOnlyList<string> Arguments)
{
    public string File => "make";
    public override string ToString() => ProcessRunner.Quote(File, Arguments);
}
