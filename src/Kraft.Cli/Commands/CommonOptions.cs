using System.CommandLine;
using Kraft.Build;
using Kraft.Project;

namespace Kraft.Cli;

/// <summary>
/// The options that pick a project and its targets (DIR, -K, -p, -m, -t), shared by build,
/// clean and run. A symbol has one parent, so each command gets its own instance.
/// </summary>
public sealed class ProjectTargetOptions
{
    public Argument<string?> Directory { get; }
    public Option<string?> Kraftfile { get; } = new("--kraftfile", "-K") { Description = "Use this Kraftfile instead of searching the directory" };
    public Option<string?> Plat { get; }
    public Option<string?> Arch { get; } = new("--arch", "-m") { Description = "Only targets of this architecture (x86_64, arm64, arm)" };
    public Option<string?> Target { get; } = new("--target", "-t") { Description = "Only this target (its name, or plat/arch)" };

    /// <param name="platShortAlias">false for the machine commands, where -p publishes a port (as in KraftKit and Docker).</param>
    public ProjectTargetOptions(string argumentName = "dir", string description = "The project directory (default: the current one)", bool platShortAlias = true)
    {
        Directory = new Argument<string?>(argumentName) { Description = description, Arity = ArgumentArity.ZeroOrOne };
        Plat = platShortAlias
            ? new("--plat", "-p") { Description = "Only targets of this platform (qemu, fc, xen; kvm and firecracker are aliases)" }
            : new("--plat") { Description = "The platform: qemu, fc, xen (kvm and firecracker are aliases)" };
    }

    public void AddTo(Command command)
    {
        command.Arguments.Add(Directory);
        foreach (var o in new[] { Kraftfile, Plat, Arch, Target })
            command.Options.Add(o);
    }

    /// <summary>Loads the project from DIR (or -K) and selects the targets -t, -p and -m ask for.</summary>
    public (KraftProject Project, IReadOnlyList<Target> Targets) Select(ParseResult r, string? directory = null) =>
        Select(r, Load(r, directory));

    /// <summary>Loads the project from DIR (or -K), showing the loader's warnings.</summary>
    public KraftProject Load(ParseResult r, string? directory = null) => ProjectLoading.Load(directory ?? r.GetValue(Directory), r.GetValue(Kraftfile));

    /// <summary>The targets of a loaded project that -t, -p and -m ask for.</summary>
    public (KraftProject Project, IReadOnlyList<Target> Targets) Select(ParseResult r, KraftProject project) =>
        (project, TargetSelector.Select(project, r.GetValue(Target), r.GetValue(Plat), r.GetValue(Arch)));
}
