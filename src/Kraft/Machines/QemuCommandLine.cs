using System.Text;

namespace Kraft.Machines;

public enum Acceleration
{
    /// <summary>Hardware virtualization through /dev/kvm.</summary>
    Kvm,
    /// <summary>QEMU's software emulator (TCG).</summary>
    Tcg,
}

/// <summary>
/// Builds QEMU's argv for a foreground run: the guest console on stdio, no display, no default
/// devices. A pure function of the spec and the probe results, so every case is unit-testable.
/// </summary>
/// <summary>What makes a QEMU process a stored machine: its name, control socket, pid file and (detached) console log.</summary>
/// <param name="ConsoleLog">Absolute path the serial console is appended to; null: on stdio (a foreground run copies it).</param>
/// <param name="QmpSocketName">The QMP socket's name relative to QEMU's working directory (the machine folder).</param>
public sealed record QemuMachineArgs(string Name, string? ConsoleLog, string QmpSocketName, string PidFile);

public static class QemuCommandLine
{
    /// <summary>isa-debug-exit port that Unikraft writes its shutdown status to on QEMU/x86.</summary>
    public const string DebugExitDevice = "isa-debug-exit,iobase=0x501,iosize=2";

    /// <summary>QEMU's exit code when Unikraft halts normally with isa-debug-exit (41·2+1).</summary>
    public const int DebugExitHalt = 83;
    /// <summary>QEMU's exit code when Unikraft crashes with isa-debug-exit (42·2+1).</summary>
    public const int DebugExitCrash = 85;

    /// <summary>From this QEMU version on, TCG x86 accepts +rdrand,+rdseed in -cpu (older ones only warn and ignore rdseed).</summary>
    public static readonly Version RdseedFlagsFrom = new(8, 0, 0);

    /// <summary>From this QEMU version on, TCG really emulates RDSEED (needed by Unikraft ≥ 0.17 lib/ukrandom).</summary>
    public static readonly Version TcgRdseedWorksFrom = new(8, 1, 3);

    /// <summary>
    /// The arguments after the program name. <paramref name="qemuVersion"/> is only consulted for
    /// x86_64 under TCG (to decide on +rdrand,+rdseed); null there means "assume old".
    /// <paramref name="leadingArgs"/> (from KRAFTKIT_QEMU) come first.
    /// </summary>
    public static IReadOnlyList<string> Build(MachineSpec spec, Acceleration accel, Version? qemuVersion = null,
        IReadOnlyList<string>? leadingArgs = null, QemuMachineArgs? machine = null)
    {
        var a = new List<string>();
        if (leadingArgs is not null) a.AddRange(leadingArgs);

        switch (spec.Arch)
        {
            case GuestArch.X86_64:
                if (accel == Acceleration.Kvm)
                    a.AddRange(["-machine", "pc,accel=kvm", "-enable-kvm", "-cpu", "host,+x2apic,-pmu"]);
                else
                    a.AddRange(["-machine", "pc", "-cpu", TcgX86Cpu(qemuVersion)]);
                break;
            case GuestArch.Arm64:
            case GuestArch.Arm:
                if (accel == Acceleration.Kvm)
                    a.AddRange(["-machine", "virt,accel=kvm", "-cpu", "host"]);
                else
                    a.AddRange(["-machine", "virt", "-cpu", "max"]);
                break;
            default:
                throw new KraftException($"unsupported architecture {spec.Arch}");
        }

        a.AddRange(["-m", $"{spec.MemoryMiB}M", "-smp", $"cpus={spec.Cpus}"]);
        // -nodefaults drops the default NIC (and its iPXE ROM) and VGA: measured ~90 ms faster boots
        // under TCG. The serial port we ask for below is still created.
        a.AddRange(["-nodefaults", "-no-reboot", "-display", "none"]);
        if (spec.Arch == GuestArch.X86_64) a.AddRange(["-vga", "none"]);
        if (machine is not null)
        {
            // The host's `ps` shows which QEMU is which machine.
            a.AddRange(["-name", machine.Name.Replace(",", ",,")]);
            // A relative socket name: QEMU runs in the machine folder, whose path may be longer
            // than a unix socket address allows.
            a.AddRange(["-qmp", $"unix:{machine.QmpSocketName},server=on,wait=off"]);
            a.AddRange(["-pidfile", machine.PidFile]);
        }
        if (machine?.ConsoleLog is { } log)
            a.AddRange(["-chardev", $"file,id=console,path={log.Replace(",", ",,")},append=on", "-serial", "chardev:console"]);
        else
            a.AddRange(["-serial", "stdio"]);
        if (HasDebugExit(spec.Arch)) a.AddRange(["-device", DebugExitDevice]);

        a.AddRange(["-kernel", spec.KernelPath]);
        if (spec.InitrdPath is not null) a.AddRange(["-initrd", spec.InitrdPath]);
        a.AddRange(Guest.GuestMounts.QemuArgs(spec.Volumes, passthrough: Environment.IsPrivilegedProcess));
        a.AddRange(Networks.NetworkFlag.QemuArgs(spec.Networks));
        // The port NIC after the network NICs (KraftKit's order): Unikraft numbers netdevs in PCI
        // order and netdev.ip's entries are by that number, so the bridge NICs must come first.
        a.AddRange(PortArgs(spec.Ports));
        var append = Append(spec);
        if (append.Length > 0) a.AddRange(["-append", append]);
        return a;
    }

    /// <summary>
    /// Every -p mapping on one user-mode (SLIRP) NIC, one hostfwd each, so they all reach the
    /// guest's single interface; the host address is honoured (127.0.0.1 binds loopback only).
    /// </summary>
    public static IReadOnlyList<string> PortArgs(IReadOnlyList<PortMapping> ports)
    {
        if (ports.Count == 0) return [];
        var netdev = new StringBuilder("user,id=ports0");
        foreach (var p in ports)
        {
            var ip = p.HostIp.Contains(':') ? $"[{p.HostIp}]" : p.HostIp;
            netdev.Append($",hostfwd={p.ProtocolName}:{ip}:{p.HostPort}-:{p.GuestPort}");
        }
        return ["-netdev", netdev.ToString(), "-device", "virtio-net-pci,netdev=ports0"];
    }

    /// <summary>The -cpu value for x86_64 under TCG.</summary>
    public static string TcgX86Cpu(Version? qemuVersion) =>
        qemuVersion is not null && qemuVersion >= RdseedFlagsFrom
            ? "qemu64,+pdpe1gb,+rdrand,+rdseed,-vmx,-svm"
            : "qemu64,+pdpe1gb,-vmx,-svm";

    /// <summary>Only x86 has the isa-debug-exit device that tells a halt from a crash.</summary>
    public static bool HasDebugExit(GuestArch arch) => arch == GuestArch.X86_64;

    /// <summary>
    /// The kernel command line. Unikraft (with LIBUKLIBPARAM) only parses library parameters
    /// when a "--" follows them, so: "&lt;kernel args&gt; -- &lt;app args&gt;" when there are kernel args
    /// (env counts as one: env.vars=[ ... ]), and just the app args otherwise. Kernel args are
    /// passed verbatim; app args are quoted for Unikraft's argument splitter when needed.
    /// QEMU's multiboot loader supplies argv[0] (the kernel path) itself on x86.
    /// </summary>
    public static string Append(MachineSpec spec)
    {
        var kernel = new List<string>(spec.KernelArgs);
        if (spec.Env.Count > 0) kernel.Add(EnvVarsParam(spec.Env));
        // Each bridge interface's address, as lwIP's netdev.ip reads it.
        foreach (var n in spec.Networks)
            if (n.Cidr is not null) kernel.Add(Networks.NetworkFlag.NetdevIpParam(n));
        // The mounts' vfs.fstab, unless -a gave one (which then wins, as in KraftKit).
        if (Guest.GuestMounts.FstabParam(spec.Volumes) is { } fstab && !kernel.Any(k => k.StartsWith("vfs.fstab=", StringComparison.Ordinal)))
            kernel.Add(fstab);
        var parts = new List<string>();
        if (kernel.Count > 0)
        {
            parts.AddRange(kernel);
            parts.Add("--");
        }
        parts.AddRange(spec.AppArgs.Select(QuoteForGuest));
        return string.Join(' ', parts);
    }

    /// <summary>env.vars=[ K=V ... ] (posix-environ's list parameter); entries are quoted when needed.</summary>
    public static string EnvVarsParam(IEnumerable<KeyValuePair<string, string>> env)
    {
        var sb = new StringBuilder("env.vars=[ ");
        foreach (var (k, v) in env)
            sb.Append(QuoteForGuest($"{k}={v}")).Append(' ');
        return sb.Append(']').ToString();
    }

    /// <summary>
    /// Quotes one argument for Unikraft's uk_argnparse, which splits on whitespace and knows
    /// shell-like quotes: inside '...' nothing is special, and outside quotes \' is a literal quote.
    /// </summary>
    public static string QuoteForGuest(string arg)
    {
        if (arg.Length == 0) return "''";
        var plain = true;
        foreach (var c in arg)
            if (char.IsWhiteSpace(c) || c is '\'' or '"' or '\\') { plain = false; break; }
        return plain ? arg : "'" + arg.Replace("'", "'\\''") + "'";
    }
}
