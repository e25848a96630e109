using Kraft.Packages.Locking;
using Kraft.Packages.Origins;

namespace Kraft.Tests.Packages.Origins;

public sealed class MakeDatabaseReaderTests
{
    const string M = "__kraft_origin_wget__";

    // The shape of GNU make's -p database around Unikraft's fetch rules (RELEASE-0.16.3, lib-lwip and lib-musl).
    static readonly string Database = string.Join('\n',
        "# Variables",
        $"WGET = {M}",
        "LIBMUSL_ORIGIN_SHA256 = 7D5B0B6062521E4627E099E4C9DC8248D32A30285E959B7EECAA780CF8CFD4A4",
        "LIBLWIP_ZIPNAME = fork-lwip-$(LIBLWIP_BRANCH)",
        "# Files",
        "/b/liblwip/UNIKRAFT-2_1_x.zip:",
        "#  recipe to execute (from '/libs/lwip/Makefile.uk', line 60):",
        $"\t@printf '  %-7s %s\\n' 'WGET'  'liblwip':' https://github.com/unikraft/fork-lwip/archive/refs/heads/UNIKRAFT-2_1_x.zip' &&  {M} -q --show-progress --progress=bar -O /b/liblwip/UNIKRAFT-2_1_x.zip https://github.com/unikraft/fork-lwip/archive/refs/heads/UNIKRAFT-2_1_x.zip || rm -f /b/liblwip/UNIKRAFT-2_1_x.zip",
        "",
        "/b/libmusl/musl-1.2.3.tar.gz:",
        $"\t@{M} -q -O /b/libmusl/musl-1.2.3.tar.gz https://www.musl-libc.org/releases/musl-1.2.3.tar.gz || {M} -q -O /b/libmusl/musl-1.2.3.tar.gz https://mirror.example/musl-1.2.3.tar.gz || rm -f /b/libmusl/musl-1.2.3.tar.gz",
        "",
        "/b/libodd/.origin:",
        "\tgit clone --recurse-submodules -q --progress --depth 1 --branch v1 --no-tags https://example.org/odd.git /b/libodd/origin/ && touch /b/libodd/.origin",
        "",
        "/b/libcustom/src.tgz:",
        $"\t{M} -O - https://example.org/src.tgz | tar -x -C /b/libcustom",
        "");

    [Fact]
    public void Reads_each_download_its_urls_and_the_declared_sha256()
    {
        var list = MakeDatabaseReader.Read(Database, M, "/b");
        Assert.Equal(2, list.Origins.Count);
        var lwip = list.Origins[0];
        Assert.Equal("liblwip", lwip.Library);
        Assert.Equal("UNIKRAFT-2_1_x.zip", lwip.File);
        Assert.Equal("/b/liblwip/UNIKRAFT-2_1_x.zip", lwip.Destination);
        Assert.Equal(["https://github.com/unikraft/fork-lwip/archive/refs/heads/UNIKRAFT-2_1_x.zip"], lwip.Urls);
        Assert.Null(lwip.DeclaredSha256);
        var musl = list.Origins[1];
        Assert.Equal(["https://www.musl-libc.org/releases/musl-1.2.3.tar.gz", "https://mirror.example/musl-1.2.3.tar.gz"], musl.Urls);
        Assert.Equal("7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4", musl.DeclaredSha256);
    }

    [Fact]
    public void Names_the_libraries_whose_download_kraft_cannot_take_over()
    {
        var list = MakeDatabaseReader.Read(Database, M, "/b");
        Assert.Contains(list.Unreadable, u => u.Library == "libodd" && u.Reason.Contains("git clone"));
        Assert.Contains(list.Unreadable, u => u.Library == "libcustom" && u.Reason.Contains("wget"));
        Assert.Equal(2, list.Unreadable.Count);
    }

    [Fact]
    public void Lock_file_keeps_origins_through_a_round_trip()
    {
        using var dir = new TempDir();
        var path = dir["Kraftfile.lock"];
        var sha = new string('a', 64);
        LockFile.Save(path, [], [new LockedOrigin("libmusl", "musl-1.2.3.tar.gz", "https://www.musl-libc.org/releases/musl-1.2.3.tar.gz", sha)]);
        var back = LockFile.Load(path)!;
        Assert.Equal(sha, back.FindOrigin("libmusl", "musl-1.2.3.tar.gz")!.Sha256);
        File.WriteAllText(path, File.ReadAllText(path).Replace(sha, "xyz"));
        var e = Assert.Throws<Kraft.KraftException>(() => LockFile.Load(path));
        Assert.Contains("64 lowercase hex digits", e.Message);
    }
}
