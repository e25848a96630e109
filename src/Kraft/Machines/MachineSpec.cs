using System.Globalization;
using System.Text.Json.Serialization;

namespace Kraft.Machines;

/// <summary>
/// Everything needed to boot one unikernel, already validated. Build it with <see cref="Create"/>
/// from the raw `kraft run` options; the record constructor does no checking.
/// </summary>
public sealed record MachineSpec
{
    public const long DefaultMemoryMiB = 64;

    /// <summary>Absolute path of the kernel image.</summary>
    public required string KernelPath { get; init; }
    public required GuestArch Arch { get; init; }
    public Platform Platform { get; init; } = Platform.Qemu;
    public long MemoryMiB { get; init; } = DefaultMemoryMiB;
    public int Cpus { get; init; } = 1;
    /// <summary>Unikraft library parameters, each "lib.param=value", passed verbatim before "--".</summary>
    public IReadOnlyList<string> KernelArgs { get; init; } = [];
    /// <summary>Arguments for the application's main (after argv[0]).</summary>
    public IReadOnlyList<string> AppArgs { get; init; } = [];
    /// <summary>Environment for the guest; becomes env.vars=[ ... ] (needs LIBPOSIX_ENVIRON_LIBPARAM in the image).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];
    /// <summary>Absolute path of an initrd (a given cpio, or the one built from <see cref="Rootfs"/>), or null.</summary>
    public string? InitrdPath { get; init; }
    /// <summary>What the user asked to become the root filesystem (--rootfs / Kraftfile rootfs: a directory, cpio or Dockerfile), as given.</summary>
    public string? Rootfs { get; init; }
    /// <summary>kvm, tcg, or chosen per host (auto: KVM when it works here, see <see cref="AccelVerdicts"/>).</summary>
    public AccelRequest Accel { get; init; } = AccelRequest.Auto;
    /// <summary>-p mappings, all on one user-mode NIC (one hostfwd each).</summary>
    public IReadOnlyList<PortMapping> Ports { get; init; } = [];
    /// <summary>--network attachments (bridge + tap per entry), filled in by the networks code.</summary>
    public IReadOnlyList<NetworkAttachment> Networks { get; init; } = [];
    /// <summary>-v / Kraftfile volumes (9pfs shares, or the initrd mounted as /).</summary>
    public IReadOnlyList<VolumeMount> Volumes { get; init; } = [];
    /// <summary>What the user ran, for `kraft ps`' KERNEL column: "project:/dir (qemu/x86_64)" or the kernel path.</summary>
    public string? Source { get; init; }
    /// <summary>The project directory the kernel came from, if any.</summary>
    public string? WorkDir { get; init; }
    /// <summary>The image's .config (beside the kernel in the build folder), when known: SMP, 9pfs and automount checks read it.</summary>
    public string? KernelConfigPath { get; init; }

    /// <summary>-W: never use KVM, always emulate.</summary>
    [JsonIgnore]
    public bool DisableAcceleration => Accel == AccelRequest.Tcg;

    /// <summary>What <see cref="KernelImage.Inspect"/> found, when the spec came from <see cref="Create"/> (not stored).</summary>
    [JsonIgnore]
    public KernelImageInfo? Image { get; init; }

    /// <summary>
    /// Validates `kraft run` options and fills in defaults: the kernel must be a kernel image (its
    /// architecture is used when <paramref name="arch"/> is null, and must match otherwise), memory
    /// is parsed by <see cref="ParseMemoryMiB"/>, every kernel arg must be lib.param=value and the
    /// initrd must exist.
    /// </summary>
    public static MachineSpec Create(
        string kernel,
        string? arch = null,
        string? platform = null,
        string? memory = null,
        int? cpus = null,
        IEnumerable<string>? kernelArgs = null,
        IEnumerable<string>? appArgs = null,
        string? initrd = null,
        bool disableAcceleration = false,
        IEnumerable<KeyValuePair<string, string>>? env = null,
        AccelRequest accel = AccelRequest.Auto)
    {
        var plat = platform is null or "" or "auto" ? Platform.Qemu : Platforms.Parse(platform);
        if (!Platforms.Runnable.Contains(plat))
            throw new KraftException($"the {plat.Name()} platform cannot run machines", hint: "use --plat qemu");
        var image = KernelImage.Inspect(kernel);
        var guest = image.Arch;
        if (arch is not null)
        {
            var wanted = GuestArchNames.Parse(arch);
            if (wanted != image.Arch)
                throw new KraftException(
                    $"{kernel} is an {image.Arch.Name()} kernel ({image.Description}) but -m {arch} was given",
                    hint: $"drop -m, or pass the {wanted.Name()} build of the kernel");
            guest = wanted;
        }
        if (cpus is < 1 or > 255)
            throw new KraftException($"invalid CPU count {cpus}", hint: "--smp takes a number from 1 to 255");

        var kargs = (kernelArgs ?? []).ToList();
        foreach (var a in kargs) ValidateKernelArg(a);

        string? initrdPath = null;
        if (!string.IsNullOrEmpty(initrd))
        {
            if (!File.Exists(initrd))
                throw new KraftException(Directory.Exists(initrd)
                    ? $"initrd {initrd} is a directory"
                    : $"initrd {initrd} does not exist",
                    hint: "--initrd takes a file (e.g. a cpio archive)");
            initrdPath = Path.GetFullPath(initrd);
        }

        return new MachineSpec
        {
            KernelPath = Path.GetFullPath(kernel),
            Arch = guest,
            Platform = plat,
            MemoryMiB = memory is null ? DefaultMemoryMiB : ParseMemoryMiB(memory),
            Cpus = cpus ?? 1,
            KernelArgs = kargs,
            AppArgs = (appArgs ?? []).ToList(),
            Env = (env ?? []).ToList(),
            InitrdPath = initrdPath,
            Accel = disableAcceleration ? AccelRequest.Tcg : accel,
            Image = image,
        };
    }

    /// <summary>
    /// Parses a memory size into whole MiB. A bare number means MiB (as for QEMU's -m). Suffixes
    /// K/Ki, M/Mi, G/Gi, T/Ti (optionally followed by B, any case) are all binary multiples; the
    /// number may have a fraction ("1.5G"). The result is rounded down and must be at least 1 MiB.
    /// </summary>
    public static long ParseMemoryMiB(string value)
    {
        var s = value.Trim();
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        var number = s[..i];
        var unit = s[i..].Trim().ToLowerInvariant();
        if (unit.EndsWith('b')) unit = unit[..^1];
        if (unit.EndsWith('i')) unit = unit[..^1];
        decimal? bytesPerUnit = unit switch
        {
            "" or "m" => 1024m * 1024,
            "k" => 1024m,
            "g" => 1024m * 1024 * 1024,
            "t" => 1024m * 1024 * 1024 * 1024,
            _ => null,
        };
        if (number.Length == 0 || bytesPerUnit is null
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            throw new KraftException($"invalid memory size '{value}'",
                hint: "use a number of MiB or a size with a unit, e.g. 64, 64Mi, 512M, 1G, 1536Ki");
        var mib = n * bytesPerUnit.Value / (1024m * 1024);
        if (mib < 1)
            throw new KraftException($"memory size '{value}' is below the minimum of 1 MiB", hint: "e.g. -M 64Mi");
        if (mib > 16L * 1024 * 1024)
            throw new KraftException($"memory size '{value}' is unreasonably large");
        return (long)Math.Floor(mib);
    }

    /// <summary>Checks that <paramref name="arg"/> is "libname.param=value" (value may be empty or a [ list ]).</summary>
    public static void ValidateKernelArg(string arg)
    {
        if (!IsValidKernelArg(arg))
            throw new KraftException($"invalid kernel argument '{arg}': expected the format 'libname.param=value'",
                hint: "kernel arguments (-a) set Unikraft library parameters, e.g. -a env.vars=[ FOO=1 ] or -a netdev.ip=10.0.2.15/24; "
                      + "arguments for the application go after --");
    }

    public static bool IsValidKernelArg(string arg)
    {
        var eq = arg.IndexOf('=');
        if (eq <= 0) return false;
        var key = arg.AsSpan(0, eq);
        var dot = key.IndexOf('.');
        if (dot <= 0 || dot == key.Length - 1 || key[(dot + 1)..].Contains('.')) return false;
        foreach (var c in key)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) return false;
        return true;
    }
}
