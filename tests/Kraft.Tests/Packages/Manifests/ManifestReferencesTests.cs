using Kraft.Packages.Manifests;

namespace Kraft.Tests.Packages.Manifests;

public class ManifestReferencesTests
{
    static readonly SourceLocation At = new("index.yaml", 3, 15);

    static string Resolve(string from, string reference) =>
        ManifestReferences.Resolve(from, ManifestReferences.RootOf(from), reference, At);

    [Theory]
    [InlineData("https://h.example/idx/index.yaml", "./libs/lwip.yaml", "https://h.example/idx/libs/lwip.yaml")]
    [InlineData("https://h.example/idx/index.yaml", "libs/lwip.yaml", "https://h.example/idx/libs/lwip.yaml")]
    [InlineData("https://h.example/idx/index.yaml", "./a/../unikraft.yaml", "https://h.example/idx/unikraft.yaml")]
    [InlineData("https://h.example/index.yaml", "./x.yaml", "https://h.example/x.yaml")]
    [InlineData("http://127.0.0.1:8080/a/b/index.yml", "./deep/er/m.yml", "http://127.0.0.1:8080/a/b/deep/er/m.yml")]
    [InlineData("https://h.example/idx/index.yaml", "https://h.example/idx/m.yaml", "https://h.example/idx/m.yaml")]
    public void Resolves_like_a_uri_relative_to_the_index(string index, string reference, string expected) =>
        Assert.Equal(expected, Resolve(index, reference));

    [Theory]
    [InlineData("../other/x.yaml", "climbs out")]
    [InlineData("./libs/../../x.yaml", "climbs out")]
    [InlineData("%2e%2e/x.yaml", "climbs out")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("https://evil.example/idx/x.yaml", "another host")]
    [InlineData("//evil.example/idx/x.yaml", "another host")]
    [InlineData("http://h.example/idx/x.yaml", "another host")]
    [InlineData("https://h.example:444/idx/x.yaml", "another host")]
    [InlineData("https://h.example/x.yaml", "climbs out")]
    public void Refuses_a_reference_that_leaves_a_remote_index(string reference, string message)
    {
        var e = Assert.Throws<KraftException>(() => Resolve("https://h.example/idx/index.yaml", reference));
        Assert.Contains(message, e.Message);
        Assert.Equal(At, e.Location);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void A_nested_manifest_may_climb_back_to_the_index_root_but_not_above()
    {
        const string root = "https://h.example/idx/";
        Assert.Equal("https://h.example/idx/core.yaml", ManifestReferences.Resolve("https://h.example/idx/libs/a.yaml", root, "../core.yaml", At));
        Assert.Throws<KraftException>(() => ManifestReferences.Resolve("https://h.example/idx/libs/a.yaml", root, "../../core.yaml", At));
    }

    [Fact]
    public void Local_references_resolve_against_the_index_directory_and_stay_inside_it()
    {
        using var dir = new TempDir();
        var index = dir["idx/index.yaml"];
        Assert.Equal(dir["idx/libs/lwip.yaml"], Resolve(index, "./libs/lwip.yaml"));
        Assert.Contains("climbs out", Assert.Throws<KraftException>(() => Resolve(index, "../secret.yaml")).Message);
        Assert.Contains("absolute", Assert.Throws<KraftException>(() => Resolve(index, dir["idx/libs/lwip.yaml"])).Message);
        Assert.Contains("is a URL", Assert.Throws<KraftException>(() => Resolve(index, "https://h.example/x.yaml")).Message);
    }
}
