using System.CommandLine;

namespace Kraft.Cli;

/// <summary>Options several commands share, created fresh per command (a symbol has one parent).</summary>
public static class CommonOptions
{
    public static Argument<string?> Directory(string description = "The project directory (default: the current one)") =>
        new("dir") { Description = description, Arity = ArgumentArity.ZeroOrOne };

    public static Option<string?> Kraftfile() => new("--kraftfile", "-K") { Description = "Use this Kraftfile instead of searching the directory" };
    public static Option<string?> Plat() => new("--plat", "-p") { Description = "Only targets of this platform (qemu, fc, xen; kvm and firecracker are aliases)" };
    public static Option<string?> Arch() => new("--arch", "-m") { Description = "Only targets of this architecture (x86_64, arm64, arm)" };
    public static Option<string?> Target() => new("--target", "-t") { Description = "Only this target (its name, or plat/arch)" };
}
