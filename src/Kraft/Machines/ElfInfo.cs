using System.Buffers.Binary;

namespace Kraft.Machines;

public enum ElfClass
{
    Elf32 = 1,
    Elf64 = 2,
}

/// <summary>How a kernel file is laid out on disk.</summary>
public enum KernelFormat
{
    /// <summary>An ELF executable (QEMU x86 loads Unikraft images as multiboot ELFs).</summary>
    Elf,
    /// <summary>
    /// A Linux-style arm64 boot Image ("ARM\x64" magic at 0x38). Unikraft's qemu-arm64 build output is
    /// such an image, not an ELF; only its .dbg companion is an ELF.
    /// </summary>
    Arm64Image,
}

/// <summary>The fields of an ELF header that matter for picking a machine.</summary>
public sealed record ElfInfo(ElfClass Class, bool LittleEndian, ushort Type, ushort Machine)
{
    public const ushort EM_386 = 3;
    public const ushort EM_ARM = 40;
    public const ushort EM_X86_64 = 62;
    public const ushort EM_AARCH64 = 183;

    /// <summary>Readable machine name: x86_64, i386, aarch64, arm, or "machine N".</summary>
    public string MachineName => Machine switch
    {
        EM_X86_64 => "x86_64",
        EM_386 => "i386",
        EM_AARCH64 => "aarch64",
        EM_ARM => "arm",
        _ => $"machine {Machine}",
    };

    /// <summary>
    /// The guest architecture this ELF runs as. An i386 ELF counts as x86_64: Unikraft's x86_64 QEMU
    /// image is patched into a 32-bit multiboot ELF after linking, and Unikraft has no i386 port.
    /// </summary>
    public GuestArch? Arch => Machine switch
    {
        EM_X86_64 or EM_386 => GuestArch.X86_64,
        EM_AARCH64 => GuestArch.Arm64,
        EM_ARM => GuestArch.Arm,
        _ => null,
    };

    /// <summary>Parses an ELF header; null when <paramref name="header"/> does not start one.</summary>
    public static ElfInfo? TryParse(ReadOnlySpan<byte> header)
    {
        if (header.Length < 20 || header[0] != 0x7F || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
            return null;
        if (header[4] is not (1 or 2) || header[5] is not (1 or 2))
            return null;
        var cls = (ElfClass)header[4];
        var little = header[5] == 1;
        // The full header is 52 bytes for ELF32 and 64 for ELF64; anything shorter is truncated.
        if (header.Length < (cls == ElfClass.Elf32 ? 52 : 64))
            return null;
        var type = little ? BinaryPrimitives.ReadUInt16LittleEndian(header[16..]) : BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        var machine = little ? BinaryPrimitives.ReadUInt16LittleEndian(header[18..]) : BinaryPrimitives.ReadUInt16BigEndian(header[18..]);
        return new ElfInfo(cls, little, type, machine);
    }
}

/// <summary>What <see cref="KernelImage.Inspect"/> found out about a kernel file.</summary>
public sealed record KernelImageInfo(string Path, KernelFormat Format, GuestArch Arch, ElfInfo? Elf)
{
    /// <summary>For messages: "ELF32 i386 (multiboot x86_64)", "ELF64 aarch64", "arm64 Image".</summary>
    public string Description => Elf is null
        ? "arm64 boot Image"
        : $"ELF{(Elf.Class == ElfClass.Elf32 ? "32" : "64")} {Elf.MachineName}"
          + (Elf.Machine == ElfInfo.EM_386 ? ", multiboot x86_64" : "");
}

/// <summary>Reads just enough of a kernel file to know its format and architecture.</summary>
public static class KernelImage
{
    const int HeaderBytes = 64;

    public static KernelImageInfo Inspect(string path)
    {
        if (Directory.Exists(path))
            throw NotAKernel(path, $"{path} is a directory, not a kernel image");
        if (!File.Exists(path))
            throw new KraftException($"kernel image {path} does not exist", hint: BuildOutputHint(path));

        var buf = new byte[HeaderBytes];
        int n;
        try
        {
            using var f = File.OpenRead(path);
            n = f.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Kraft.Host.IoErrors.Wrap(e, "read kernel image", path);
        }
        return Identify(path, buf.AsSpan(0, n));
    }

    /// <summary>Identifies a kernel from its first bytes (64 are enough); <paramref name="path"/> is only for messages.</summary>
    public static KernelImageInfo Identify(string path, ReadOnlySpan<byte> header)
    {
        if (ElfInfo.TryParse(header) is { } elf)
        {
            if (elf.Arch is not { } arch)
                throw new KraftException($"{path} is an ELF for {elf.MachineName}, which Unikraft does not run on",
                    hint: "kraft runs x86_64, arm64 and arm kernels");
            return new KernelImageInfo(path, KernelFormat.Elf, arch, elf);
        }
        if (header.Length >= 0x40 && BinaryPrimitives.ReadUInt32LittleEndian(header[0x38..]) == 0x644D5241)
            return new KernelImageInfo(path, KernelFormat.Arm64Image, GuestArch.Arm64, null);
        throw NotAKernel(path, $"{path} is not an ELF kernel image");
    }

    static KraftException NotAKernel(string path, string message) =>
        new(message, hint: BuildOutputHint(path));

    /// <summary>Points at the build output, listing the kernels found under .unikraft/build when there are any.</summary>
    internal static string BuildOutputHint(string path)
    {
        var dir = Directory.Exists(path) ? path : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
        var buildDir = System.IO.Path.Combine(dir, ".unikraft", "build");
        var found = new List<string>();
        try
        {
            if (Directory.Exists(buildDir))
                foreach (var f in Directory.EnumerateFiles(buildDir, "*_*-*"))
                {
                    var name = System.IO.Path.GetFileName(f);
                    if (!name.Contains('.')) found.Add(System.IO.Path.GetRelativePath(Environment.CurrentDirectory, f));
                }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        found.Sort(StringComparer.Ordinal);
        return found.Count > 0
            ? "did you mean " + string.Join(" or ", found) + "?"
            : "pass the build output, e.g. .unikraft/build/<name>_<plat>-<arch> (run 'kraft build' first)";
    }
}
