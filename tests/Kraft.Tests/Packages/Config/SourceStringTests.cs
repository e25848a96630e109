using Kraft.Packages.Config;

namespace Kraft.Tests.Packages.Config;

/// <summary>Checking what <c>kraft pkg source</c> is given, without the network.</summary>
public class SourceStringTests
{
    [Theory]
    [InlineData("https://manifests.kraftkit.sh/index.yaml")]
    [InlineData("http://127.0.0.1:8080/index.yaml")]
    [InlineData("https://github.com/unikraft/lib-*")]
    [InlineData("https://github.com/unikraft/unikraft.git")]
    [InlineData("ssh://git@example.com/unikraft/lib-lwip.git")]
    [InlineData("git://example.com/lib-lwip")]
    [InlineData("git@github.com:unikraft/lib-lwip.git")]
    public void Urls_are_accepted_as_given(string source)
    {
        using var dir = new TempDir();
        Assert.Equal(source, SourceString.Check("  " + source + " ", dir.Path));
    }

    [Fact]
    public void Existing_paths_are_made_absolute()
    {
        using var dir = new TempDir();
        var index = dir.Write("idx/index.yaml", "manifests: []\n");
        Assert.Equal(dir["idx"], SourceString.Check("idx/", dir.Path));
        Assert.Equal(index, SourceString.Check("./idx/index.yaml", dir.Path));
        Assert.Equal(dir["idx"], SourceString.Check(dir["idx"], "/"));
        Assert.Equal("file://" + dir["idx"], SourceString.Check("file://" + dir["idx"], "/"));
    }

    [Theory]
    [InlineData("", "an empty source")]
    [InlineData("./missing", "no such file or directory")]
    [InlineData("missing.yaml", "no such file or directory")]
    [InlineData("file:///no/such/place", "no such file or directory")]
    [InlineData("unikraft.org", "neither an existing path nor a URL")]
    [InlineData("https://", "not a valid URL")]
    [InlineData("https://gitlab.com/unikraft/lib-*", "a wildcard only works in the repository part of a GitHub address")]
    [InlineData("https://github.com/uni*/lib-lwip", "a wildcard only works in the repository part of a GitHub address")]
    [InlineData("https://github.com/unikraft/lib-*/sub", "a wildcard only works in the repository part of a GitHub address")]
    public void Unusable_sources_are_refused_with_a_hint(string source, string message)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<KraftException>(() => SourceString.Check(source, dir.Path));
        Assert.Contains(message, e.Message);
        Assert.NotNull(e.Hint);
    }
}
