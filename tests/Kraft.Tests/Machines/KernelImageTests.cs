using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class KernelImageTests
{
    /// <summary>A minimal ELF header: magic, class, data, version, then e_type and e_machine.</summary>
    static byte[] Elf(byte cls, ushort machine, bool little = true, int length = -1)
    {
        var b = new byte[length >= 0 ? length : cls == 1 ? 52 : 64];
        if (b.Length >= 20)
        {
            b[0] = 0x7F; b[1] = (byte)'E'; b[2] = (byte)'L'; b[3] = (byte)'F';
            b[4] = cls; b[5] = little ? (byte)1 : (byte)2; b[6] = 1;
            void U16(int at, ushort v)
            {
                if (little) { b[at] = (byte)v; b[at + 1] = (byte)(v >> 8); }
                else { b[at] = (byte)(v >> 8); b[at + 1] = (byte)v; }
            }
            U16(16, 2); // ET_EXEC
            U16(18, machine);
        }
        return b;
    }

    [Theory]
    [InlineData(2, ElfInfo.EM_X86_64, ElfClass.Elf64, "x86_64", GuestArch.X86_64)]
    [InlineData(1, ElfInfo.EM_386, ElfClass.Elf32, "i386", GuestArch.X86_64)]
    [InlineData(2, ElfInfo.EM_AARCH64, ElfClass.Elf64, "aarch64", GuestArch.Arm64)]
    [InlineData(1, ElfInfo.EM_ARM, ElfClass.Elf32, "arm", GuestArch.Arm)]
    public void Parses_class_and_machine(byte cls, ushort machine, ElfClass expectedClass, string name, GuestArch arch)
    {
        var elf = ElfInfo.TryParse(Elf(cls, machine))!;
        Assert.Equal(expectedClass, elf.Class);
        Assert.Equal(machine, elf.Machine);
        Assert.Equal(name, elf.MachineName);
        Assert.Equal(arch, elf.Arch);
        Assert.Equal(2, elf.Type);
    }

    [Fact]
    public void Reads_big_endian_headers()
    {
        var elf = ElfInfo.TryParse(Elf(2, ElfInfo.EM_AARCH64, little: false))!;
        Assert.False(elf.LittleEndian);
        Assert.Equal(GuestArch.Arm64, elf.Arch);
    }

    [Fact]
    public void Multiboot_i386_image_counts_as_x86_64()
    {
        var info = KernelImage.Identify("k", Elf(1, ElfInfo.EM_386));
        Assert.Equal(GuestArch.X86_64, info.Arch);
        Assert.Equal(KernelFormat.Elf, info.Format);
        Assert.Contains("multiboot", info.Description);
    }

    [Fact]
    public void Truncated_or_bad_headers_are_not_elf()
    {
        Assert.Null(ElfInfo.TryParse(Elf(2, ElfInfo.EM_X86_64, length: 40)));
        Assert.Null(ElfInfo.TryParse(Elf(1, ElfInfo.EM_386, length: 30)));
        Assert.Null(ElfInfo.TryParse([]));
        var bad = Elf(2, ElfInfo.EM_X86_64); bad[4] = 3;
        Assert.Null(ElfInfo.TryParse(bad));
    }

    [Fact]
    public void Unknown_machine_is_rejected_with_its_name()
    {
        var e = Assert.Throws<KraftException>(() => KernelImage.Identify("k", Elf(2, 243 /* RISC-V */)));
        Assert.Contains("machine 243", e.Message);
    }

    [Fact]
    public void Arm64_boot_image_is_recognised()
    {
        var b = new byte[64];
        b[0x38] = (byte)'A'; b[0x39] = (byte)'R'; b[0x3A] = (byte)'M'; b[0x3B] = 0x64;
        var info = KernelImage.Identify("helloworld_qemu-arm64", b);
        Assert.Equal(KernelFormat.Arm64Image, info.Format);
        Assert.Equal(GuestArch.Arm64, info.Arch);
        Assert.Null(info.Elf);
    }

    [SkippableFact]
    public void Bin_ls_is_a_host_elf64()
    {
        Skip.IfNot(File.Exists("/bin/ls") && OperatingSystem.IsLinux(), "needs /bin/ls");
        var info = KernelImage.Inspect("/bin/ls");
        Assert.Equal(ElfClass.Elf64, info.Elf!.Class);
        Assert.Equal(GuestArchNames.Host, info.Arch);
    }

    [Fact]
    public void Text_file_is_not_an_elf_kernel()
    {
        var dir = Directory.CreateTempSubdirectory("kraft-elf-");
        try
        {
            var path = Path.Combine(dir.FullName, "Kraftfile");
            File.WriteAllText(path, "spec: v0.6\nname: helloworld\n");
            var e = Assert.Throws<KraftException>(() => KernelImage.Inspect(path));
            Assert.Equal($"{path} is not an ELF kernel image", e.Message);
            Assert.Contains(".unikraft/build/<name>_<plat>-<arch>", e.Hint);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Hint_lists_the_build_outputs_of_a_project_directory()
    {
        var dir = Directory.CreateTempSubdirectory("kraft-elf-");
        try
        {
            var build = Directory.CreateDirectory(Path.Combine(dir.FullName, ".unikraft", "build"));
            File.WriteAllBytes(Path.Combine(build.FullName, "helloworld_qemu-x86_64"), Elf(1, ElfInfo.EM_386));
            File.WriteAllText(Path.Combine(build.FullName, "helloworld_qemu-x86_64.dbg"), "");
            var e = Assert.Throws<KraftException>(() => KernelImage.Inspect(dir.FullName));
            Assert.Contains("is a directory", e.Message);
            Assert.Contains("did you mean", e.Hint);
            Assert.Contains("helloworld_qemu-x86_64", e.Hint);
            Assert.DoesNotContain(".dbg", e.Hint);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Missing_kernel_is_reported()
    {
        var e = Assert.Throws<KraftException>(() => KernelImage.Inspect("/nonexistent/kernel"));
        Assert.Contains("does not exist", e.Message);
    }
}
