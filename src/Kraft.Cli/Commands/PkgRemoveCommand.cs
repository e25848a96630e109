using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg rm</c> (skeleton, to be written).</summary>
public static class PkgRemoveCommand
{
    public static Command Create() => new("rm", "(not written yet)");
}
