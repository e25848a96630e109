using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg update</c> (skeleton, to be written).</summary>
public static class PkgUpdateCommand
{
    public static Command Create() => new("update", "(not written yet)");
}
