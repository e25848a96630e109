namespace Kraft.Machines;

/// <summary>
/// The platforms a Unikraft target can be built for. The one alias table for them: a Kraftfile's
/// targets, -p/--plat filters and machine specs all go through <see cref="Platforms"/>.
/// </summary>
public enum Platform
{
    /// <summary>QEMU (Unikraft's KVM platform with the QEMU VMM); "kvm" is an alias.</summary>
    Qemu,
    /// <summary>Firecracker (KVM platform, Firecracker VMM); "firecracker" is an alias.</summary>
    Firecracker,
    Xen,
    /// <summary>Unikraft as a Linux user-space process (build only).</summary>
    Linuxu,
    /// <summary>Unikraft Cloud (build only).</summary>
    Kraftcloud,
}

public static class Platforms
{
    /// <summary>Every platform, in the order help texts list them.</summary>
    public static readonly IReadOnlyList<Platform> All = [Platform.Qemu, Platform.Firecracker, Platform.Xen, Platform.Linuxu, Platform.Kraftcloud];

    /// <summary>The platforms kraft can run machines on.</summary>
    public static readonly IReadOnlyList<Platform> Runnable = [Platform.Qemu, Platform.Firecracker, Platform.Xen];

    /// <summary>The Unikraft / KraftKit spelling: qemu, fc, xen, linuxu, kraftcloud.</summary>
    public static string Name(this Platform platform) => platform switch
    {
        Platform.Qemu => "qemu",
        Platform.Firecracker => "fc",
        Platform.Xen => "xen",
        Platform.Linuxu => "linuxu",
        Platform.Kraftcloud => "kraftcloud",
        _ => throw new ArgumentOutOfRangeException(nameof(platform)),
    };

    /// <summary>Accepts the canonical names and the aliases kvm (qemu) and firecracker (fc), in any case.</summary>
    public static bool TryParse(string? value, out Platform platform)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "qemu" or "kvm": platform = Platform.Qemu; return true;
            case "fc" or "firecracker": platform = Platform.Firecracker; return true;
            case "xen": platform = Platform.Xen; return true;
            case "linuxu": platform = Platform.Linuxu; return true;
            case "kraftcloud": platform = Platform.Kraftcloud; return true;
            default: platform = default; return false;
        }
    }

    public static Platform Parse(string value, SourceLocation? location = null) =>
        TryParse(value, out var p)
            ? p
            : throw new KraftException($"unknown platform '{value}'", location,
                hint: $"use one of: {string.Join(", ", All.Select(Name))} (kvm and firecracker are aliases)");

    /// <summary>The canonical name when <paramref name="value"/> is a known platform, else the value lower-cased (for messages about unknown ones).</summary>
    public static string Normalise(string value) => TryParse(value, out var p) ? p.Name() : value.ToLowerInvariant();
}
