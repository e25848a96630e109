using Kraft.Packages.Fetching;
using static Kraft.Tests.Packages.Fetching.Archives;

namespace Kraft.Tests.Packages.Fetching;

public class ArchiveExtractorTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    string Write(byte[] data, string name = "a.tar.gz")
    {
        var path = _dir[name];
        System.IO.File.WriteAllBytes(path, data);
        return path;
    }

    string Dest => _dir["project/.unikraft/libs/foo"];

    void AssertNothingLeft()
    {
        Assert.False(Directory.Exists(Dest));
        var parent = _dir["project/.unikraft/libs"];
        Assert.True(!Directory.Exists(parent) || Directory.GetFileSystemEntries(parent).Length == 0,
            "left behind: " + string.Join(", ", Directory.Exists(parent) ? Directory.GetFileSystemEntries(parent) : []));
        Assert.False(System.IO.File.Exists(_dir["evil"]));
    }

    [Fact]
    public void Strips_the_single_top_folder_and_keeps_modes_and_inner_links()
    {
        var archive = Write(TarGz(Dir("lib-foo-stable/"), File("lib-foo-stable/Makefile.uk", "x"),
            File("lib-foo-stable/src/a.c", "int a;"), Symlink("lib-foo-stable/include", "src"), Hardlink("lib-foo-stable/b.c", "lib-foo-stable/src/a.c")));
        ArchiveExtractor.Extract(archive, Dest, "marker");
        Assert.Equal("x", System.IO.File.ReadAllText(Path.Combine(Dest, "Makefile.uk")));
        Assert.Equal("int a;", System.IO.File.ReadAllText(Path.Combine(Dest, "include", "a.c")));
        Assert.Equal("int a;", System.IO.File.ReadAllText(Path.Combine(Dest, "b.c")));
        Assert.Equal("marker", ArchiveExtractor.ReadMarker(Dest));
        Assert.Single(Directory.GetFileSystemEntries(_dir["project/.unikraft/libs"]));
    }

    [Fact]
    public void Several_top_level_entries_are_kept_as_they_are()
    {
        ArchiveExtractor.Extract(Write(TarGz(File("a", "1"), File("b/c", "2"))), Dest);
        Assert.Equal("1", System.IO.File.ReadAllText(Path.Combine(Dest, "a")));
        Assert.Equal("2", System.IO.File.ReadAllText(Path.Combine(Dest, "b", "c")));
    }

    [Fact]
    public void Zip_archives_unpack_too()
    {
        ArchiveExtractor.Extract(Write(Zip(("lib-foo-main/Config.uk", "config X"), ("lib-foo-main/src/x.c", "x")), "a.zip"), Dest);
        Assert.Equal("config X", System.IO.File.ReadAllText(Path.Combine(Dest, "Config.uk")));
    }

    public static TheoryData<string, byte[], string> Malicious => new()
    {
        { "dotdot", TarGz(File("top/ok", "1"), File("top/../../evil", "x")), "'..'" },
        { "absolute", TarGz(File("top/ok", "1"), File("/tmp/evil-kraft-test", "x")), "absolute path" },
        { "symlink out", TarGz(File("top/ok", "1"), Symlink("top/link", "../../../evil")), "outside the component's tree" },
        { "symlink absolute", TarGz(File("top/ok", "1"), Symlink("top/link", "/etc")), "outside the component's tree" },
        { "write through link", TarGz(Symlink("top/dir", "."), File("top/dir/x", "1"), Symlink("l", "top"), File("l/evil", "x")), "through a symbolic link" },
        { "link to the top, outside after stripping", TarGz(File("top/ok", "1"), Symlink("top/up", "..")), "outside the component's tree" },
        { "hardlink out", TarGz(File("top/ok", "1"), Hardlink("top/h", "../evil")), "'..'" },
        { "device", TarGz(File("top/ok", "1"), Device("top/null")), "device" },
    };

    [Theory]
    [MemberData(nameof(Malicious))]
    public void Refuses_entries_that_leave_the_tree_and_leaves_nothing(string what, byte[] archive, string message)
    {
        var e = Assert.Throws<Kraft.KraftException>(() => ArchiveExtractor.Extract(Write(archive), Dest));
        Assert.Contains("refusing to unpack", e.Message);
        Assert.Contains(message, e.Message);
        Assert.NotNull(what);
        AssertNothingLeft();
        Assert.False(System.IO.File.Exists("/tmp/evil-kraft-test"));
    }

    [Fact]
    public void A_truncated_archive_is_damaged_and_leaves_nothing()
    {
        var full = TarGz(File("top/a", new string('x', 100_000)), File("top/b", "y"));
        var e = Assert.Throws<Kraft.KraftException>(() => ArchiveExtractor.Extract(Write(full[..(full.Length / 2)]), Dest));
        Assert.Contains("damaged", e.Message);
        AssertNothingLeft();
    }

    [Fact]
    public void A_failed_extraction_keeps_the_previous_tree()
    {
        ArchiveExtractor.Extract(Write(TarGz(File("top/v", "1"))), Dest, "one");
        Assert.Throws<Kraft.KraftException>(() => ArchiveExtractor.Extract(Write(TarGz(File("top/v", "2"), File("top/../x", "")), "b.tar.gz"), Dest, "two"));
        Assert.Equal("1", System.IO.File.ReadAllText(Path.Combine(Dest, "v")));
        Assert.Equal("one", ArchiveExtractor.ReadMarker(Dest));
    }
}
