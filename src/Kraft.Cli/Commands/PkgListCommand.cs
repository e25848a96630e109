using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg ls</c> (skeleton, to be written).</summary>
public static class PkgListCommand
{
    public static Command Create() => new("ls", "(not written yet)");
}
