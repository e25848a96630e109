using Kraft.Host;

namespace Kraft.Tests.Host;

public class PosixFileTests
{
    [Fact]
    public void Reads_a_whole_file_growing_the_buffer()
    {
        using var dir = new TempDir();
        var content = string.Concat(Enumerable.Range(0, 20000).Select(i => $"line {i}\n"));
        var path = dir.Write("big", content);
        var buffer = new byte[16];
        int n = PosixFile.ReadAll(path, ref buffer);
        Assert.Equal(content, System.Text.Encoding.UTF8.GetString(buffer, 0, n));
    }

    [Fact]
    public void A_missing_file_or_directory_is_minus_one()
    {
        using var dir = new TempDir();
        var buffer = new byte[64];
        Assert.Equal(-1, PosixFile.ReadAll(dir["nothere"], ref buffer));
        Assert.Equal(-1, PosixFile.ReadAll(dir["no/such/dir/file"], ref buffer));
    }

    [Fact]
    public void A_directory_is_an_io_error_naming_it()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["sub"]);
        var buffer = new byte[64];
        var e = Assert.Throws<IOException>(() => PosixFile.ReadAll(dir["sub"], ref buffer));
        Assert.Contains(dir["sub"], e.Message);
    }

    [Fact]
    public void An_empty_file_is_zero()
    {
        using var dir = new TempDir();
        var buffer = new byte[0];
        Assert.Equal(0, PosixFile.ReadAll(dir.Write("empty", ""), ref buffer));
    }
}
