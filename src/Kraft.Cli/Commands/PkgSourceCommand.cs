using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg source</c> (skeleton, to be written).</summary>
public static class PkgSourceCommand
{
    public static Command Create() => new("source", "(not written yet)");
}
