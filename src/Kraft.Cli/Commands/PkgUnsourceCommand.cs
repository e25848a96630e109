using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg unsource</c> (skeleton, to be written).</summary>
public static class PkgUnsourceCommand
{
    public static Command Create() => new("unsource", "(not written yet)");
}
