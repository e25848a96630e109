using System.Buffers.Binary;
using System.Text;

namespace Kraft.Apps;

/// <summary>
/// What kraft needs to know of a Linux program: its architecture, whether it is position
/// independent (static-pie or dynamic), and the dynamic loader it asks for (PT_INTERP). Unikraft's
/// own images are ELF files too; they are told apart by their <c>.uk_*</c> sections.
/// </summary>
public sealed record LinuxElf(string Path, ushort Machine, bool Is64, ushort Type, string? Interpreter, bool IsUnikraftImage)
{
    public const ushort EM_386 = 3, EM_ARM = 40, EM_X86_64 = 62, EM_AARCH64 = 183, EM_RISCV = 243;
    const int MaxHeaderTable = 1 << 20;

    public string MachineName => Machine switch
    {
        EM_X86_64 => "x86_64", EM_386 => "i386", EM_AARCH64 => "aarch64", EM_ARM => "arm", EM_RISCV => "riscv",
        _ => $"machine {Machine}",
    };

    public bool IsStatic => Interpreter is null;
    public string Kind => Interpreter is not null ? "dynamic" : Type == 3 ? "static-pie" : "static";

    /// <summary>The program's ELF facts, or null when the file is not an ELF executable.</summary>
    public static LinuxElf? TryRead(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[64];
        if (f.Read(head) < 52 || head[0] != 0x7F || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') return null;
        var is64 = head[4] == 2;
        if (head[5] != 1) return null; // every architecture the ELF loader has is little-endian
        var type = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(16));
        if (type is not (2 or 3)) return null; // ET_EXEC or ET_DYN
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(18));
        long phoff = is64 ? (long)BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(32)) : BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(28));
        long shoff = is64 ? (long)BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(40)) : BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(32));
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(is64 ? 54 : 42));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(is64 ? 56 : 44));
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(is64 ? 58 : 46));
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(is64 ? 60 : 48));
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(is64 ? 62 : 50));

        string? interp = null;
        var ph = ReadAt(f, phoff, phentsize * phnum);
        for (var i = 0; ph is not null && i < phnum; i++)
        {
            var e = ph.AsSpan(i * phentsize, phentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(e) != 3) continue; // PT_INTERP
            long off = is64 ? (long)BinaryPrimitives.ReadUInt64LittleEndian(e[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(e[4..]);
            long size = is64 ? (long)BinaryPrimitives.ReadUInt64LittleEndian(e[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
            if (size is > 0 and < 4096 && ReadAt(f, off, (int)size) is { } s) interp = Encoding.UTF8.GetString(s).TrimEnd('\0');
        }

        var unikraft = false;
        var sh = ReadAt(f, shoff, shentsize * shnum);
        if (sh is not null && shstrndx < shnum)
        {
            var strHdr = sh.AsSpan(shstrndx * shentsize, shentsize);
            long strOff = is64 ? (long)BinaryPrimitives.ReadUInt64LittleEndian(strHdr[24..]) : BinaryPrimitives.ReadUInt32LittleEndian(strHdr[16..]);
            long strSize = is64 ? (long)BinaryPrimitives.ReadUInt64LittleEndian(strHdr[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(strHdr[20..]);
            if (strSize is > 0 and < MaxHeaderTable && ReadAt(f, strOff, (int)strSize) is { } names)
                unikraft = Encoding.ASCII.GetString(names).Split('\0').Any(n => n.StartsWith(".uk_", StringComparison.Ordinal));
        }
        return new LinuxElf(System.IO.Path.GetFullPath(path), machine, is64, type, interp, unikraft);
    }

    static byte[]? ReadAt(FileStream f, long offset, int count)
    {
        if (count <= 0 || count > MaxHeaderTable || offset < 0 || offset + count > f.Length) return null;
        var buf = new byte[count];
        f.Position = offset;
        var read = 0;
        while (read < count) { var n = f.Read(buf, read, count - read); if (n == 0) return null; read += n; }
        return buf;
    }
}
