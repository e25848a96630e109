namespace Kraft.Machines;

/// <summary>
/// One --network entry, <c>NAME[:ip[/mask][:gw[:dns0[:dns1[:hostname[:domain]]]]]]</c>: a machine
/// interface on a kraft network (a Linux bridge). The user's fields come from the flag; the
/// resolved ones (<see cref="Bridge"/>, <see cref="Tap"/>, <see cref="Mac"/>, an allocated
/// <see cref="Cidr"/>) are filled in by the networks code when the machine is created.
/// </summary>
public sealed record NetworkAttachment
{
    public required string Network { get; init; }
    /// <summary>The interface address with its prefix ("172.18.0.2/16"); null until allocated.</summary>
    public string? Cidr { get; init; }
    public string? Gateway { get; init; }
    public IReadOnlyList<string> Dns { get; init; } = [];
    public string? Hostname { get; init; }
    public string? Domain { get; init; }
    /// <summary>The bridge interface on the host.</summary>
    public string? Bridge { get; init; }
    /// <summary>The machine's tap device on that bridge.</summary>
    public string? Tap { get; init; }
    public string? Mac { get; init; }
}

/// <summary>
/// A host directory shared with the guest (-v HOST:GUEST[:ro] or the Kraftfile's volumes:), or
/// the initrd extracted as the root filesystem (<see cref="Driver"/> "initrd").
/// </summary>
public sealed record VolumeMount
{
    public const string NinePfs = "9pfs";
    public const string Initrd = "initrd";
    /// <summary>An empty ramfs at "/" that kraft adds so 9pfs shares have a root to be made in.</summary>
    public const string Ramfs = "ramfs";

    /// <summary>Absolute host path (for 9pfs); unused for "initrd".</summary>
    public required string Source { get; init; }
    /// <summary>Mount point inside the guest ("/data", or "/" for the root filesystem).</summary>
    public required string GuestPath { get; init; }
    public bool ReadOnly { get; init; }
    public string Driver { get; init; } = NinePfs;
    /// <summary>The named volume (kraft vol) this mount uses, when it is one.</summary>
    public string? VolumeName { get; init; }
}

/// <summary>What the user asked for with --accel / -W; the driver turns it into an <see cref="Acceleration"/>.</summary>
public enum AccelRequest
{
    /// <summary>KVM when the guest matches the host and KVM is known (or found) to run it here; else TCG.</summary>
    Auto,
    Kvm,
    Tcg,
}
