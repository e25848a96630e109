using Kraft.Machines;
using Kraft.Project;

namespace Kraft.Build;

/// <summary>Picks the targets a command works on from -t, -p and -m.</summary>
public static class TargetSelector
{
    static readonly string[] KnownArchitectures = ["x86_64", "arm64", "arm"];
    static readonly IEnumerable<string> KnownPlatforms = Platforms.All.Select(p => p.Name());

    /// <summary>The same aliases the Kraftfile accepts (<see cref="Platforms"/>): kvm→qemu, firecracker→fc.</summary>
    public static string NormalisePlatform(string plat) => Platforms.Normalise(plat);

    /// <summary>The same aliases as <see cref="GuestArchNames"/>: amd64→x86_64, aarch64→arm64; unknown ones unchanged (for the message).</summary>
    public static string NormaliseArchitecture(string arch) => GuestArchNames.TryParse(arch, out var a) ? a.Name() : arch.ToLowerInvariant();

    public static IReadOnlyList<Target> Select(KraftProject project, string? target, string? plat, string? arch)
    {
        if (project.Targets.Count == 0)
            throw new KraftException("the Kraftfile declares no targets", new SourceLocation(project.KraftfilePath),
                "add one, e.g.\n  targets:\n    - qemu/x86_64");
        plat = plat is null ? null : NormalisePlatform(plat);
        arch = arch is null ? null : NormaliseArchitecture(arch);
        if (arch is not null && !KnownArchitectures.Contains(arch))
            throw new KraftException($"unknown architecture '{arch}'", hint: $"use one of: {string.Join(", ", KnownArchitectures)}");
        if (plat is not null && !KnownPlatforms.Contains(plat))
            throw new KraftException($"unknown platform '{plat}'", hint: $"use one of: {string.Join(", ", KnownPlatforms)} (kvm and firecracker are aliases)");

        string? tName = null;
        if (target is not null)
        {
            var slash = target.IndexOf('/');
            if (slash > 0)
            {
                plat ??= NormalisePlatform(target[..slash]);
                arch ??= NormaliseArchitecture(target[(slash + 1)..]);
            }
            else tName = target;
        }

        var chosen = project.Targets.Where(t =>
            (tName is null || t.Name == tName || t.KernelName == tName)
            && (plat is null || t.Platform == plat)
            && (arch is null || t.Architecture == arch)).ToList();
        if (chosen.Count == 0)
        {
            var asked = string.Join(" ", new[] { target is null ? null : $"-t {target}", plat is null ? null : $"-p {plat}", arch is null ? null : $"-m {arch}" }.Where(s => s is not null));
            throw new KraftException($"no target matches {asked}",
                new SourceLocation(project.KraftfilePath),
                "the Kraftfile's targets are: " + string.Join(", ", project.Targets.Select(t => $"{t.Name} ({t.PlatArch})")));
        }
        return chosen;
    }
}
