using System.Buffers.Binary;

namespace Kraft.Machines;

/// <summary>
/// What can be told about a kernel before a VMM sees it, so that a wrong image gets a clear error
/// instead of QEMU's own ("Error loading uncompressed kernel without PVH ELF Note") or a silent hang.
/// </summary>
public static class BootChecks
{
    const uint PT_LOAD = 1, PT_NOTE = 4;
    const uint XenElfNotePhys32Entry = 18;
    const int MaxProgramHeaders = 256;

    /// <summary>Facts read from the kernel's ELF program headers (null fields when it is not an ELF).</summary>
    public sealed record ImageLayout(ulong? LoadEnd, ulong? LoadStart, bool HasPvhNote);

    /// <summary>
    /// Refuses what QEMU cannot boot as <paramref name="spec"/> asks: a .dbg file, an image built for
    /// Firecracker or Xen (by its .config, else its name, else an ELF64 x86_64 without a PVH note),
    /// memory below what the image occupies, more CPUs than the image was built for.
    /// </summary>
    public static void ForQemu(MachineSpec spec)
    {
        var kernel = spec.KernelPath;
        var name = Path.GetFileName(kernel);
        var config = ReadConfig(spec.KernelConfigPath ?? ConfigBeside(kernel));
        if (name.EndsWith(".dbg", StringComparison.Ordinal))
            throw new KraftException($"{kernel} is the debug ELF of a unikernel (for gdb), not a bootable image",
                hint: $"run the image beside it: {Path.GetFileName(name[..^4])}");

        var builtFor = PlatformOf(config, name);
        if (builtFor is { } other && other != Platform.Qemu)
            throw new KraftException($"{kernel} was built for {Describe(other)}, not for QEMU",
                hint: $"build the qemu target (kraft build --plat qemu) or run it with --plat {other.Name()}");

        var layout = Layout(kernel);
        if (spec.Arch == GuestArch.X86_64 && spec.Image?.Elf is { Class: ElfClass.Elf64 } && !layout.HasPvhNote)
            throw new KraftException($"{kernel} is a 64-bit ELF without a PVH entry point, which QEMU cannot boot on x86_64 "
                                     + "(Unikraft's QEMU images are 32-bit multiboot ELFs; Firecracker and Xen images and .dbg files are 64-bit)",
                hint: "run the qemu build of the kernel: .unikraft/build/<name>_qemu-x86_64");

        if (layout.LoadEnd is { } end)
        {
            // Guest RAM starts at 0 on x86 and at 1 GiB on arm virt; what the image occupies from there,
            // plus 1 MiB for the boot stack, page tables and a first heap.
            var ramBase = spec.Arch == GuestArch.X86_64 ? 0UL : 0x4000_0000UL;
            var need = end > ramBase ? end - ramBase : end;
            var needMiB = (long)((need + (1UL << 20) + (1UL << 20) - 1) >> 20);
            if (spec.MemoryMiB < needMiB)
                throw new KraftException(
                    $"{spec.MemoryMiB} MiB of memory is too little for {name}: its {FormatSize(end - (layout.LoadStart ?? end))} image is loaded "
                    + $"at 0x{layout.LoadStart ?? 0:x} (up to 0x{end:x}), so it needs at least {needMiB} MiB",
                    hint: $"give it more, e.g. -M {Math.Max(needMiB, MachineSpec.DefaultMemoryMiB)}Mi");
        }

        if (spec.Cpus > 1)
        {
            var max = config.TryGetValue("CONFIG_UKPLAT_LCPU_MAXCOUNT", out var v) && int.TryParse(v, out var n) ? n : (int?)null;
            if (config.Count > 0 && (max is null || max < spec.Cpus))
                throw new KraftException(max is null
                        ? $"--smp {spec.Cpus}: {name} was built without SMP support (its .config has no CONFIG_UKPLAT_LCPU_MAXCOUNT)"
                        : $"--smp {spec.Cpus}: {name} was built for at most {max} CPU{(max == 1 ? "" : "s")} (CONFIG_UKPLAT_LCPU_MAXCOUNT={max})",
                    hint: $"drop --smp, or rebuild with CONFIG_LIBUKSMP: 'y' and CONFIG_UKPLAT_LCPU_MAXCOUNT: {spec.Cpus} in the target's kconfig");
        }
    }

    static string Describe(Platform p) => p switch
    {
        Platform.Firecracker => "Firecracker",
        Platform.Xen => "Xen",
        Platform.Linuxu => "linuxu (a Linux process)",
        _ => p.Name(),
    };

    /// <summary>The platform an image was built for: from its .config when there is one, else from its Unikraft name (name_plat-arch).</summary>
    public static Platform? PlatformOf(IReadOnlyDictionary<string, string> config, string fileName)
    {
        if (config.Count > 0)
        {
            if (config.GetValueOrDefault("CONFIG_PLAT_XEN") == "y") return Platform.Xen;
            if (config.GetValueOrDefault("CONFIG_PLAT_LINUXU") == "y") return Platform.Linuxu;
            if (config.GetValueOrDefault("CONFIG_KVM_VMM_FIRECRACKER") == "y") return Platform.Firecracker;
            if (config.GetValueOrDefault("CONFIG_PLAT_KVM") == "y") return Platform.Qemu;
        }
        foreach (var p in new[] { Platform.Firecracker, Platform.Xen, Platform.Linuxu, Platform.Qemu })
            if (fileName.Contains($"_{p.Name()}-", StringComparison.Ordinal)) return p;
        return null;
    }

    /// <summary>The build's copy of the configuration: O/config beside O/&lt;image&gt; (Unikraft's prepare writes it).</summary>
    public static string? ConfigBeside(string kernel)
    {
        var dir = Path.GetDirectoryName(kernel);
        return dir is null ? null : Path.Combine(dir, "config");
    }

    /// <summary>CONFIG_X=value lines of a .config; empty when there is none. Bounded to 4 MB.</summary>
    public static IReadOnlyDictionary<string, string> ReadConfig(string? path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (path is null || !File.Exists(path) || new FileInfo(path).Length > 4 << 20) return result;
            foreach (var line in File.ReadLines(path))
            {
                var eq = line.IndexOf('=');
                if (!line.StartsWith("CONFIG_", StringComparison.Ordinal) || eq < 0) continue;
                result[line[..eq]] = line[(eq + 1)..].Trim('"');
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return result;
    }

    /// <summary>Reads the program headers: the end of the highest PT_LOAD (physical addresses) and whether a Xen PVH entry note exists.</summary>
    public static ImageLayout Layout(string kernel)
    {
        try
        {
            using var f = File.OpenRead(kernel);
            var header = new byte[64];
            if (f.ReadAtLeast(header, 64, throwOnEndOfStream: false) < 52 || ElfInfo.TryParse(header) is not { } elf || !elf.LittleEndian)
                return new ImageLayout(null, null, false);
            var is64 = elf.Class == ElfClass.Elf64;
            var phoff = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(32)) : BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(28));
            var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(is64 ? 54 : 42));
            var phnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(is64 ? 56 : 44));
            if (phnum == 0 || phnum > MaxProgramHeaders || phentsize < (is64 ? 56 : 32) || (long)phoff + phnum * phentsize > f.Length)
                return new ImageLayout(null, null, false);
            var table = new byte[phnum * phentsize];
            f.Position = (long)phoff;
            f.ReadExactly(table);
            ulong? start = null, end = null;
            var pvh = false;
            for (var i = 0; i < phnum; i++)
            {
                var e = table.AsSpan(i * phentsize, phentsize);
                var type = BinaryPrimitives.ReadUInt32LittleEndian(e);
                ulong offset, paddr, filesz, memsz;
                if (is64)
                {
                    offset = BinaryPrimitives.ReadUInt64LittleEndian(e[8..]);
                    paddr = BinaryPrimitives.ReadUInt64LittleEndian(e[24..]);
                    filesz = BinaryPrimitives.ReadUInt64LittleEndian(e[32..]);
                    memsz = BinaryPrimitives.ReadUInt64LittleEndian(e[40..]);
                }
                else
                {
                    offset = BinaryPrimitives.ReadUInt32LittleEndian(e[4..]);
                    paddr = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
                    filesz = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
                    memsz = BinaryPrimitives.ReadUInt32LittleEndian(e[20..]);
                }
                if (type == PT_LOAD && memsz > 0)
                {
                    start = start is null ? paddr : Math.Min(start.Value, paddr);
                    end = end is null ? paddr + memsz : Math.Max(end.Value, paddr + memsz);
                }
                else if (type == PT_NOTE && filesz is > 0 and < 1 << 16 && (long)(offset + filesz) <= f.Length)
                    pvh |= HasPvhNote(f, (long)offset, (int)filesz);
            }
            return new ImageLayout(end, start, pvh);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new ImageLayout(null, null, false); }
    }

    static bool HasPvhNote(FileStream f, long offset, int size)
    {
        var notes = new byte[size];
        f.Position = offset;
        f.ReadExactly(notes);
        var at = 0;
        while (at + 12 <= size)
        {
            var namesz = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at));
            var descsz = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at + 4));
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at + 8));
            if (namesz < 0 || descsz < 0 || namesz > size || descsz > size) return false;
            var name = notes.AsSpan(at + 12, Math.Min(namesz, size - at - 12));
            if (type == XenElfNotePhys32Entry && name.StartsWith("Xen"u8)) return true;
            at += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
        }
        return false;
    }

    static string FormatSize(ulong bytes) =>
        bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.#} MiB" : $"{bytes / 1024.0:0.#} KiB";
}
