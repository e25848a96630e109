using System.Text;
using Kraft.Host;
using Kraft.Rootfs;

namespace Kraft.Tests.Rootfs;

/// <summary>kraft's newc writer, checked against GNU cpio and libarchive's bsdtar reading its output.</summary>
public class CpioWriterTests
{
    /// <summary>A tree with every kind of member a rootfs has.</summary>
    static string MakeTree(TempDir dir, string name = "tree")
    {
        var root = dir[name];
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        Directory.CreateDirectory(Path.Combine(root, "empty", "deeper"));
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.WriteAllText(Path.Combine(root, "etc", "app.conf"), "port=8080\n");
        File.WriteAllText(Path.Combine(root, "bin", "tool"), "#!/bin/sh\necho tool\n");
        File.SetUnixFileMode(Path.Combine(root, "bin", "tool"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(root, "secret"), "s3cr3t");
        File.SetUnixFileMode(Path.Combine(root, "secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(Path.Combine(root, "etc", "link.conf"), "app.conf");
        File.CreateSymbolicLink(Path.Combine(root, "dangling"), "/nowhere/at/all");
        var big = new byte[300_001];
        new Random(42).NextBytes(big);
        File.WriteAllBytes(Path.Combine(root, "data.bin"), big);
        File.WriteAllText(Path.Combine(root, "a-b"), "sorts between a and a/");
        Directory.CreateDirectory(Path.Combine(root, "a"));
        File.WriteAllText(Path.Combine(root, "a", "z"), "z");
        File.WriteAllText(Path.Combine(root, "hard1"), "same inode\n");
        Link(Path.Combine(root, "hard1"), Path.Combine(root, "etc", "hard2"));
        File.WriteAllText(Path.Combine(root, "empty.txt"), "");
        return root;
    }

    static void Link(string existing, string name)
    {
        var r = ProcessRunner.Run("ln", [existing, name]);
        Assert.True(r.Succeeded, r.CombinedOutput);
    }

    static string Archive(TempDir dir, string tree, string name = "out.cpio")
    {
        var path = dir[name];
        CpioWriter.WriteFile(path, DirectoryTree.Scan(tree));
        return path;
    }

    static ProcessResult Shell(string script, string? cwd = null)
    {
        var r = ProcessRunner.Run("/bin/sh", ["-c", script], cwd);
        Assert.True(r.Succeeded, $"{script}: {r.CombinedOutput}");
        return r;
    }

    static void RequireTool(string tool) => Skip.If(ToolLocator.Find(tool) is null, $"{tool} is not installed (apt-get install cpio libarchive-tools)");

    [SkippableFact]
    public void Gnu_cpio_lists_the_members_sorted_by_path_component()
    {
        RequireTool("cpio");
        using var dir = new TempDir();
        var cpio = Archive(dir, MakeTree(dir));
        var names = Shell($"cpio -it --quiet < '{cpio}'").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["a", "a/z", "a-b", "bin", "bin/tool", "dangling", "data.bin", "empty", "empty/deeper", "empty.txt",
             "etc", "etc/app.conf", "etc/hard2", "etc/link.conf", "hard1", "secret"],
            names);
    }

    [SkippableFact]
    public void Gnu_cpio_extracts_contents_modes_symlinks_hard_links_and_empty_directories()
    {
        RequireTool("cpio");
        using var dir = new TempDir();
        var tree = MakeTree(dir);
        var cpio = Archive(dir, tree);
        var outDir = dir["extracted"];
        Directory.CreateDirectory(outDir);
        Shell($"cpio -idm --quiet --no-absolute-filenames < '{cpio}'", outDir);

        Assert.Equal("port=8080\n", File.ReadAllText(Path.Combine(outDir, "etc", "app.conf")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(tree, "data.bin")), File.ReadAllBytes(Path.Combine(outDir, "data.bin")));
        Assert.Equal("", File.ReadAllText(Path.Combine(outDir, "empty.txt")));
        Assert.True(Directory.Exists(Path.Combine(outDir, "empty", "deeper")));
        Assert.Equal("app.conf", new FileInfo(Path.Combine(outDir, "etc", "link.conf")).LinkTarget);
        Assert.Equal("/nowhere/at/all", new FileInfo(Path.Combine(outDir, "dangling")).LinkTarget);
        Assert.Equal(0x1E9u /* 0751 */, FileStatus.Of(Path.Combine(outDir, "bin", "tool")).Permissions);
        Assert.Equal(0x180u /* 0600 */, FileStatus.Of(Path.Combine(outDir, "secret")).Permissions);
        var h1 = FileStatus.Of(Path.Combine(outDir, "hard1"));
        var h2 = FileStatus.Of(Path.Combine(outDir, "etc", "hard2"));
        Assert.Equal(h1.Inode, h2.Inode);
        Assert.Equal(2u, h1.LinkCount);
        Assert.Equal("same inode\n", File.ReadAllText(Path.Combine(outDir, "etc", "hard2")));
        // mtime is fixed at the epoch (cpio -m keeps it).
        Assert.Equal(0, FileStatus.Of(Path.Combine(outDir, "etc", "app.conf")).MtimeSeconds);
    }

    [SkippableFact]
    public void Bsdtar_reads_the_same_members_with_their_types_and_modes()
    {
        RequireTool("bsdtar");
        using var dir = new TempDir();
        var cpio = Archive(dir, MakeTree(dir));
        var listing = Shell($"bsdtar -tvf '{cpio}'").StandardOutput;
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(16, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("drwxr-xr-x", StringComparison.Ordinal) && l.EndsWith(" empty/deeper", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("lrwxrwxrwx", StringComparison.Ordinal) && l.EndsWith(" etc/link.conf -> app.conf", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("-rwxr-x--x", StringComparison.Ordinal) && l.EndsWith(" bin/tool", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("-rw-------", StringComparison.Ordinal) && l.EndsWith(" secret", StringComparison.Ordinal));
        // libarchive reports the second name of an inode as a hard link to the first.
        Assert.Contains(lines, l => l.StartsWith("-rw-r--r--  2 0      0          11 Jan  1  1970 hard1 link to etc/hard2", StringComparison.Ordinal));
        // Owner root (0:0) and the epoch for every member.
        Assert.All(lines, l => Assert.Contains(" 0      0 ", l));
        Assert.All(lines, l => Assert.Contains(" Jan  1  1970 ", l));

        var outDir = dir["x"];
        Directory.CreateDirectory(outDir);
        Shell($"bsdtar -xpf '{cpio}' -C '{outDir}'");
        Assert.Equal(FileStatus.Of(Path.Combine(outDir, "hard1")).Inode, FileStatus.Of(Path.Combine(outDir, "etc", "hard2")).Inode);
        Assert.Equal("same inode\n", File.ReadAllText(Path.Combine(outDir, "hard1")));
        Assert.Equal("same inode\n", File.ReadAllText(Path.Combine(outDir, "etc", "hard2")));
    }

    [Fact]
    public void The_same_tree_gives_the_same_bytes_wherever_and_whenever_it_was_made()
    {
        using var dir = new TempDir();
        var a = Archive(dir, MakeTree(dir, "one"), "one.cpio");
        var two = MakeTree(dir, "two");
        foreach (var f in Directory.GetFiles(two, "*", SearchOption.AllDirectories))
            if (new FileInfo(f).LinkTarget is null) File.SetLastWriteTimeUtc(f, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        var b = Archive(dir, two, "two.cpio");
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.Equal(0, new FileInfo(a).Length % CpioWriter.BlockSize);
    }

    [Fact]
    public void The_header_fields_are_newc_with_fixed_owner_time_and_sequential_inodes()
    {
        var bytes = Write([CpioEntry.File("x/y", "hello"u8.ToArray(), 0x1A4)]);
        var text = Encoding.ASCII.GetString(bytes);
        // x (synthesized parent directory): inode 1, mode 040755, nlink 2, name size 2.
        Assert.StartsWith("070701" + "00000001" + "000041ED" + "00000000" + "00000000" + "00000002" + "00000000" + "00000000"
                          + "00000000" + "00000000" + "00000000" + "00000000" + "00000002" + "00000000" + "x\0", text);
        var y = text.IndexOf("070701", 6, StringComparison.Ordinal);
        Assert.Equal(0, y % 4);
        Assert.Equal("070701" + "00000002" + "000081A4", text.Substring(y, 22));
        Assert.Contains("x/y\0\0\0hello", text); // name padded to 4, then the data
        var trailer = text.IndexOf("TRAILER!!!", StringComparison.Ordinal);
        Assert.True(trailer > 0);
        Assert.Equal("00000001", text.Substring(trailer - 110 + 6 + 8 * 4, 8)); // nlink 1 as GNU cpio writes it
        Assert.Equal(512, bytes.Length);
    }

    [Fact]
    public void Bad_members_are_refused_by_name()
    {
        Assert.Contains("'a/../b'", Assert.Throws<KraftException>(() => Write([CpioEntry.File("a/../b", new byte[1])])).Message);
        Assert.Contains("given twice", Assert.Throws<KraftException>(() => Write([CpioEntry.File("a", new byte[1]), CpioEntry.File("./a", new byte[1])])).Message);
        Assert.Contains("not a directory", Assert.Throws<KraftException>(() => Write([CpioEntry.File("a", new byte[1]), CpioEntry.File("a/b", new byte[1])])).Message);
        Assert.Contains("hard link", Assert.Throws<KraftException>(() => Write([new CpioEntry { Path = "b", Kind = CpioEntryKind.File, HardLinkOf = "missing" }])).Message);
        Assert.Throws<KraftException>(() => Write([new CpioEntry { Path = "", Kind = CpioEntryKind.Directory }]));
        Assert.Throws<KraftException>(() => Write([new CpioEntry { Path = "x", Kind = CpioEntryKind.File, Permissions = 0x1000 }]));
    }

    [Fact]
    public void Recognises_cpio_archives_by_their_magic()
    {
        using var dir = new TempDir();
        var cpio = dir["a.cpio"];
        CpioWriter.WriteFile(cpio, [CpioEntry.File("f", "x"u8.ToArray())]);
        Assert.True(CpioWriter.LooksLikeCpio(cpio));
        Assert.False(CpioWriter.LooksLikeCpio(dir.Write("Dockerfile", "FROM scratch\n")));
        Assert.False(CpioWriter.LooksLikeCpio(dir.Write("short", "07")));
    }

    static byte[] Write(IEnumerable<CpioEntry> entries)
    {
        using var ms = new MemoryStream();
        CpioWriter.Write(ms, entries);
        return ms.ToArray();
    }
}
