using Kraft.Project;

namespace Kraft.Build;

/// <summary>
/// Collects every Kconfig value a target asks for, in KraftKit's order (later wins): the
/// project name, the top-level, core and library kconfig (with CONFIG_LIB&lt;NAME&gt;=y for each
/// library), the implicit architecture and platform symbols, then the target's own kconfig.
/// </summary>
public static class RequestedOptions
{
    /// <param name="librarySymbols">Each library's enabling symbol by component name (LibrarySymbols); missing ones are guessed.</param>
    public static IReadOnlyList<RequestedOption> For(KraftProject project, Target target, IReadOnlyDictionary<string, string>? librarySymbols = null)
    {
        var byName = new Dictionary<string, RequestedOption>(StringComparer.Ordinal);
        var order = new List<string>();
        void Add(string name, string value, string origin)
        {
            if (!byName.ContainsKey(name)) order.Add(name);
            byName[name] = new RequestedOption(name, ConfigValues.Normalise(value), origin);
        }
        void AddAll(IEnumerable<KconfigOption> options, string what)
        {
            foreach (var o in options)
                Add(o.Name, o.Value, o.Location is { } at ? $"{what} ({at})" : what);
        }

        Add("CONFIG_UK_NAME", target.Name, "target name");
        AddAll(project.Kconfig, "kconfig");
        if (project.Unikraft is { } core) AddAll(core.Kconfig, "unikraft.kconfig");
        if (project.Template is { } template) AddAll(template.Kconfig, "template.kconfig");
        foreach (var lib in project.Libraries)
        {
            Add(librarySymbols?.GetValueOrDefault(lib.Name) ?? LibrarySymbol(lib.Name), "y", $"library '{lib.Name}'");
            AddAll(lib.Kconfig, $"libraries.{lib.Name}.kconfig");
        }
        foreach (var (name, value) in ArchitectureSymbols(target.Architecture))
            Add(name, value, $"architecture {target.Architecture}");
        foreach (var (name, value) in PlatformSymbols(target.Platform))
            Add(name, value, $"platform {target.Platform}");
        AddAll(target.Kconfig, $"target {target.PlatArch} kconfig");
        // As KraftKit: an embedded initrd without a path is the project's initramfs (the rootfs packed as cpio).
        string[] embedding = ["CONFIG_LIBVFSCORE_FSTAB", "CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD", "CONFIG_LIBVFSCORE_AUTOMOUNT_CI_EINITRD"];
        if (embedding.Any(e => byName.TryGetValue(e, out var o) && o.Value == "y") && !byName.ContainsKey("CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH"))
            Add("CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH", Path.Combine(project.OutDir, $"initramfs-{target.Architecture}.cpio"),
                "embedded initrd (KraftKit's default path)");
        return order.Select(n => byName[n]).ToList();
    }

    /// <summary>CONFIG_LIB&lt;NAME&gt;, without doubling "LIB" for names that already start with it.</summary>
    public static string LibrarySymbol(string name)
    {
        var upper = name.ToUpperInvariant().Replace('-', '_').Replace('.', '_');
        return upper.StartsWith("LIB", StringComparison.Ordinal) ? "CONFIG_" + upper : "CONFIG_LIB" + upper;
    }

    public static IEnumerable<(string, string)> ArchitectureSymbols(string arch) => arch switch
    {
        "x86_64" => [("CONFIG_ARCH_X86_64", "y")],
        "arm64" => [("CONFIG_ARCH_ARM_64", "y")],
        "arm" => [("CONFIG_ARCH_ARM_32", "y")],
        _ => throw new KraftException($"unknown architecture '{arch}'", hint: "use x86_64, arm64 or arm"),
    };

    public static IEnumerable<(string, string)> PlatformSymbols(string plat) => plat switch
    {
        "qemu" => [("CONFIG_PLAT_KVM", "y"), ("CONFIG_KVM_VMM_QEMU", "y")],
        "fc" => [("CONFIG_PLAT_KVM", "y"), ("CONFIG_KVM_VMM_FIRECRACKER", "y")],
        "kraftcloud" => [("CONFIG_PLAT_KVM", "y"), ("CONFIG_KVM_VMM_FIRECRACKER", "y"),
            ("CONFIG_KVM_DEBUG_VGA_CONSOLE", "n"), ("CONFIG_KVM_KERNEL_VGA_CONSOLE", "n")],
        "xen" => [("CONFIG_PLAT_XEN", "y")],
        "linuxu" => [("CONFIG_PLAT_LINUXU", "y")],
        _ => [],
    };

    /// <summary>Compares what was asked with what a .config ended up holding.</summary>
    public static IReadOnlyList<ConfigMismatch> Verify(IEnumerable<RequestedOption> requested, IReadOnlyDictionary<string, string> actual)
    {
        var mismatches = new List<ConfigMismatch>();
        foreach (var r in requested)
        {
            actual.TryGetValue(r.Name, out var got);
            // An unset symbol is n for bools; asking for n and getting nothing is a match.
            var matches = got == r.Value || (r.Value == "n" && got is null)
                || (got is not null && IsSameNumber(r.Value, got));
            if (!matches)
                mismatches.Add(new ConfigMismatch(r.Name, r.Value, got, r.Origin));
        }
        return mismatches;
    }

    static bool IsSameNumber(string a, string b) =>
        TryNumber(a, out var x) && TryNumber(b, out var y) && x == y;

    static bool TryNumber(string s, out long v) =>
        s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(s[2..], System.Globalization.NumberStyles.HexNumber, null, out v)
            : long.TryParse(s, out v);
}
