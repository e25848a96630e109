using Kraft.Host;

namespace Kraft.Tests.Host;

/// <summary>kraft's words for I/O failures: what, which file, the errno's meaning; never a bare resource key.</summary>
public class IoErrorsTests
{
    static Exception Caught(Action a)
    {
        try { a(); }
        catch (Exception e) { return e; }
        throw new Xunit.Sdk.XunitException("no exception");
    }

    [Fact]
    public void Real_failures_name_the_file_and_the_reason()
    {
        using var dir = new TempDir();
        Assert.Equal($"{dir["missing"]}: no such file", IoErrors.Describe(Caught(() => File.ReadAllText(dir["missing"]))));
        Assert.Equal($"{dir.Path}: it is a folder, not a file", IoErrors.Describe(Caught(() => File.ReadAllText(dir.Path))));
        File.WriteAllText(dir["f"], "x");
        Assert.Equal($"{dir["f"]}: File exists", IoErrors.Describe(Caught(() => new FileStream(dir["f"], FileMode.CreateNew))));
        File.CreateSymbolicLink(dir["loop"], dir["loop"]);
        Assert.Contains("Too many levels of symbolic links", IoErrors.Describe(Caught(() => File.ReadAllText(dir["loop"]))));
    }

    [Theory]
    // What the published CLI (UseSystemResourceKeys) carries instead of messages.
    [InlineData("IO_EOF_ReadBeyondEOF", typeof(EndOfStreamException), "the file ended early")]
    [InlineData("IO_FileNotFound_FileName, /x/y", typeof(FileNotFoundException), "/x/y: no such file")]
    [InlineData("IO_PathNotFound_Path, /x/y", typeof(DirectoryNotFoundException), "/x/y: a folder on the path does not exist")]
    [InlineData("UnauthorizedAccess_IODenied_Path, /root/x", typeof(UnauthorizedAccessException), "/root/x: permission denied")]
    [InlineData("IO_SharingViolation_NoFileName", typeof(IOException), "input/output error")]
    public void Resource_keys_never_reach_the_user(string key, Type type, string expected)
    {
        var e = (Exception)Activator.CreateInstance(type, key)!;
        var text = IoErrors.Describe(e);
        Assert.StartsWith(expected, text);
        Assert.False(IoErrors.IsResourceKey(text));
        Assert.DoesNotContain("_", IoErrors.Reason(e));
    }

    [Fact]
    public void An_errno_in_the_hresult_is_said_in_the_c_library_words()
    {
        var e = new IOException("IO_DiskFull_Path_Reason, /data/x", 28);
        Assert.Equal("/data/x: No space left on device", IoErrors.Describe(e));
        var k = IoErrors.Wrap(e, "write");
        Assert.Equal("cannot write /data/x: No space left on device", k.Message);
        Assert.Contains("disk space", k.Hint);
    }
}
