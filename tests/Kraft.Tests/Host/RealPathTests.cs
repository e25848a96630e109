using Kraft.Host;

namespace Kraft.Tests.Host;

public class RealPathTests
{
    [Fact]
    public void Real_path_resolves_links_in_every_component()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["a/b"]);
        File.WriteAllText(dir["a/b/f"], "");
        Directory.CreateSymbolicLink(dir["l"], dir["a"]);
        var real = RealPath.Of(dir.Path + "/a/b/f");
        Assert.Equal(real, RealPath.Of(dir["l"] + "/b/../b/f"));
    }
}
