using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg info</c> (skeleton, to be written).</summary>
public static class PkgInfoCommand
{
    public static Command Create() => new("info", "(not written yet)");
}
