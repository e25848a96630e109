using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg pull</c> (skeleton, to be written).</summary>
public static class PkgPullCommand
{
    public static Command Create() => new("pull", "(not written yet)");
}
