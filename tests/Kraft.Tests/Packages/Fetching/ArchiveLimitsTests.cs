using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Kraft.Host;
using Kraft.Packages.Fetching;

namespace Kraft.Tests.Packages.Fetching;

/// <summary>
/// Archives that expand past their limits, links with huge targets and sparse entries are refused
/// with a message naming the entry, and the temporary tree is gone after every refusal. The
/// malicious archives are made here (zeros compress to almost nothing), never committed.
/// </summary>
public class ArchiveLimitsTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    static readonly ArchiveLimits Small = new(MaxEntryBytes: 1 * Sizes.MiB, MaxTotalBytes: 3 * Sizes.MiB, MaxEntries: 50);

    string Dest => _dir["project/.unikraft/libs/foo"];

    string Write(byte[] data, string name)
    {
        var path = _dir[name];
        File.WriteAllBytes(path, data);
        return path;
    }

    void AssertNothingLeft()
    {
        Assert.False(Directory.Exists(Dest));
        var parent = _dir["project/.unikraft/libs"];
        Assert.True(!Directory.Exists(parent) || Directory.GetFileSystemEntries(parent).Length == 0,
            "left behind: " + string.Join(", ", Directory.Exists(parent) ? Directory.GetFileSystemEntries(parent) : []));
    }

    KraftException Refuse(string archive, ArchiveLimits? limits = null)
    {
        var e = Assert.Throws<KraftException>(() => ArchiveExtractor.Extract(archive, Dest, "m", limits: limits ?? Small));
        AssertNothingLeft();
        return e;
    }

    static byte[] TarGz(params (string Name, long Zeros)[] files)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var (name, zeros) in files)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(new byte[zeros]) });
        return ms.ToArray();
    }

    static byte[] Zip(params (string Name, long Zeros, int UnixType)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, zeros, type) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.SmallestSize);
                entry.ExternalAttributes = (type | 0x1A4) << 16;
                using var s = entry.Open();
                s.Write(new byte[zeros]);
            }
        return ms.ToArray();
    }

    [Fact]
    public void A_tar_entry_past_the_entry_limit_is_refused_naming_it()
    {
        var e = Refuse(Write(TarGz(("top/small", 10), ("top/big", 8 * Sizes.MiB)), "a.tar.gz"));
        Assert.Contains("top/big", e.Message);
        Assert.Contains("1 MiB", e.Message);
    }

    [Fact]
    public void Many_entries_within_the_entry_limit_are_stopped_at_the_total()
    {
        var files = Enumerable.Range(0, 8).Select(i => ($"top/f{i}", 900 * Sizes.KiB)).ToArray();
        var e = Refuse(Write(TarGz(files), "a.tar.gz"));
        Assert.Contains("3 MiB", e.Message);
    }

    [Fact]
    public void A_zip_bomb_is_refused_by_what_it_declares_before_anything_is_written()
    {
        var bomb = Zip(("top/zeros", 64 * Sizes.MiB, 0x8000));
        Assert.True(bomb.Length < 256 * Sizes.KiB);
        var clock = Stopwatch.StartNew();
        var e = Refuse(Write(bomb, "a.zip"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("top/zeros", e.Message);
        Assert.Contains("64 MiB", e.Message);
    }

    [Fact]
    public void A_zip_entry_that_lies_about_its_size_is_stopped_by_counting()
    {
        var data = Zip(("top/zeros", 4 * Sizes.MiB, 0x8000));
        // Patch the uncompressed size in the local header (offset 22) and the central directory
        // entry (offset 24) to claim 100 bytes.
        var central = FindSignature(data, [0x50, 0x4b, 0x01, 0x02]);
        BitConverter.TryWriteBytes(data.AsSpan(22, 4), 100u);
        BitConverter.TryWriteBytes(data.AsSpan(central + 24, 4), 100u);
        // Either refused, or cut at what the entry declares: never more than the limits allow.
        try
        {
            ArchiveExtractor.Extract(Write(data, "a.zip"), Dest, "m", limits: Small);
            Assert.True(new FileInfo(Path.Combine(Dest, "zeros")).Length <= 100);
        }
        catch (KraftException)
        {
            AssertNothingLeft();
        }
    }

    static int FindSignature(byte[] data, byte[] signature) => data.AsSpan().LastIndexOf(signature);

    [Fact]
    public void A_zip_link_with_a_huge_target_is_refused_without_reading_it()
    {
        var e = Refuse(Write(Zip(("top/a", 10, 0x8000), ("top/link", 3 * Sizes.MiB, 0xA000)), "a.zip"),
            Small with { MaxEntryBytes = 8 * Sizes.MiB, MaxTotalBytes = 8 * Sizes.MiB });
        Assert.Contains("top/link", e.Message);
        Assert.Contains("link whose target", e.Message);
    }

    [Fact]
    public void Too_many_entries_are_refused()
    {
        var e = Refuse(Write(TarGz(Enumerable.Range(0, 60).Select(i => ($"top/f{i}", 1L)).ToArray()), "a.tar.gz"));
        Assert.Contains("50", e.Message);
    }

    [Fact]
    public void Not_enough_free_space_is_said_as_such()
    {
        var e = Refuse(Write(TarGz(("top/a", 1000)), "a.tar.gz"), Small with { FreeSpaceReserve = long.MaxValue / 4 });
        Assert.Contains("not enough disk space", e.Message);
    }

    [Fact]
    public void Within_the_limits_everything_is_unpacked()
    {
        ArchiveExtractor.Extract(Write(TarGz(("top/a", Sizes.MiB), ("top/b", Sizes.MiB)), "a.tar.gz"), Dest, "m", limits: Small);
        Assert.Equal(Sizes.MiB, new FileInfo(Path.Combine(Dest, "b")).Length);
    }

    /// <summary>A real GNU tar archive of a sparse file, in the format asked.</summary>
    string SparseTar(string format)
    {
        var src = _dir[$"sparse-{format}/top"];
        Directory.CreateDirectory(src);
        using (var f = new FileStream(Path.Combine(src, "holes.img"), FileMode.Create))
        {
            f.SetLength(8 * Sizes.MiB);
            f.Seek(4 * Sizes.MiB, SeekOrigin.Begin);
            f.Write("data"u8);
        }
        File.WriteAllText(Path.Combine(src, "plain.txt"), "x");
        var archive = _dir[$"sparse-{format}.tar"];
        var tar = Process.Start(new ProcessStartInfo("tar", ["--sparse", $"--format={format}", "-cf", archive, "-C", _dir[$"sparse-{format}"], "top"])
            { RedirectStandardError = true })!;
        tar.WaitForExit();
        Assert.Equal(0, tar.ExitCode);
        return archive;
    }

    [Theory]
    [InlineData("gnu")]
    [InlineData("pax")]
    public void Sparse_entries_are_refused_by_name_not_unpacked_as_GNUSparseFile(string format)
    {
        var e = Refuse(SparseTar(format), ArchiveLimits.Default);
        Assert.Contains("sparse", e.Message);
        Assert.Contains("holes.img", e.Message);
        Assert.DoesNotContain("NotSupported", e.Message);
        Assert.DoesNotContain("GNUSparseFile", e.Message);
    }
}
