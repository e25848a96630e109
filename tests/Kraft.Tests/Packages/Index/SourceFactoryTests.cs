using Kraft.Host;
using Kraft.Packages.Index.Sources;
using static Kraft.Tests.Packages.Index.IndexFixtures;

namespace Kraft.Tests.Packages.Index;

public class SourceFactoryTests
{
    [Theory]
    [InlineData("https://github.com/unikraft/lib-*", "github")]
    [InlineData("https://www.github.com/unikraft/app-*", "github")]
    [InlineData("https://github.com/unikraft/lib-lwip", "git")]
    [InlineData("https://github.com/unikraft/lib-lwip.git", "git")]
    [InlineData("https://git.example/x/lib-lwip.git", "git")]
    [InlineData("ssh://git@git.example/lib-lwip", "git")]
    [InlineData("git@github.com:unikraft/lib-lwip", "git")]
    [InlineData("git://git.example/lib-lwip", "git")]
    [InlineData("https://git.example/x/repo.git#lib-lwip", "git")]
    [InlineData("https://manifests.kraftkit.sh/index.yaml", "manifest")]
    [InlineData("https://manifests.kraftkit.sh/lib/lwip.yml", "manifest")]
    [InlineData("http://127.0.0.1:8080/some/listing", "manifest")]
    [InlineData("/nowhere/at/all/index.yaml", "manifest")]
    public void Picks_the_kind_from_the_string(string location, string kind)
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var source = SourceFactory.Create(location, Context(dir, http));
        Assert.Equal(kind, source.Kind);
        Assert.Equal(location, source.Location);
    }

    [Fact]
    public void Local_repositories_directories_and_files()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var ctx = Context(dir, http);
        Directory.CreateDirectory(dir["checkout/.git"]);
        dir.Write("bare/HEAD", "ref: refs/heads/stable\n");
        Directory.CreateDirectory(dir["bare/objects"]);
        Directory.CreateDirectory(dir["bare/refs"]);
        Directory.CreateDirectory(dir["checkouts/lib-lwip"]);
        dir.Write("listing.txt", "manifests: []\n");
        Assert.Equal("git", SourceFactory.Create(dir["checkout"], ctx).Kind);
        Assert.Equal("git", SourceFactory.Create(dir["bare"], ctx).Kind);
        Assert.Equal("git", SourceFactory.Create(dir["bare"] + "#unikraft", ctx).Kind);
        Assert.Equal("directory", SourceFactory.Create(dir["checkouts"], ctx).Kind);
        Assert.Equal("manifest", SourceFactory.Create(dir["listing.txt"], ctx).Kind);
        Assert.Equal("directory", SourceFactory.Create("file://" + dir["checkouts"], ctx).Kind);
    }

    [Theory]
    [InlineData("/no/such/thing")]
    [InlineData("just-a-word")]
    [InlineData("  ")]
    public void Anything_else_is_a_clear_error(string location)
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var e = Assert.Throws<KraftException>(() => SourceFactory.Create(location, Context(dir, http)));
        Assert.Contains("index or manifest", e.Hint);
    }
}
