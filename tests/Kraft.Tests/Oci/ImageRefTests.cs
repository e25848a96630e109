using Kraft.Oci;

namespace Kraft.Tests.Oci;

public class ImageRefTests
{
    [Theory]
    [InlineData("unikraft.org/nginx:1.25", "unikraft.org", "nginx", "1.25")]
    [InlineData("nginx:1.25", "unikraft.org", "nginx", "1.25")]
    [InlineData("helloworld", "unikraft.org", "helloworld", "latest")]
    [InlineData("localhost:5000/base:latest", "localhost:5000", "base", "latest")]
    [InlineData("127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", "latest")]
    [InlineData("docker.io/nginx", "docker.io", "library/nginx", "latest")]
    [InlineData("ghcr.io/a__b/c-d.e:v1.0_x", "ghcr.io", "a__b/c-d.e", "v1.0_x")]
    public void Normalises_like_kraftkit(string text, string registry, string repo, string tag)
    {
        var r = ImageRef.Parse(text);
        Assert.Equal(registry, r.Registry);
        Assert.Equal(repo, r.Repository);
        Assert.Equal(tag, r.Tag);
        Assert.Equal(r, ImageRef.Parse(r.ToString()));
    }

    [Fact]
    public void Keeps_a_digest()
    {
        var hex = new string('a', 64);
        var r = ImageRef.Parse($"localhost:5000/x@sha256:{hex}");
        Assert.Null(r.Tag);
        Assert.Equal(hex, r.Digest!.Value.Hex);
        Assert.Equal($"sha256:{hex}", r.ManifestReference);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Nginx:1", "uppercase")]
    [InlineData("nginx:", "tag")]
    [InlineData("nginx:-x", "tag")]
    [InlineData("a//b", "repository part")]
    [InlineData("x@sha256:abc", "sha256 digest")]
    [InlineData("localhost:99999/x", "registry")]
    [InlineData("nginx:1.25 ", "tag")]
    [InlineData("../etc/passwd", "registry")]
    [InlineData("a/../b", "repository part")]
    public void Refuses_malformed_references_clearly(string text, string part)
    {
        var e = Assert.Throws<KraftException>(() => ImageRef.Parse(text));
        Assert.Contains(part, e.Message);
        Assert.Contains("unikraft.org/nginx:1.25", e.Hint);
    }

    [Theory]
    [InlineData("unikraft.org/nginx:1.25", true)]
    [InlineData("localhost:5000/base", true)]
    [InlineData("nginx:1.25", true)]
    [InlineData("nginx", false)]
    [InlineData("lib-musl", false)]
    [InlineData("./build/kernel", false)]
    [InlineData("/abs/kernel", false)]
    [InlineData("dir/sub", false)]
    public void Tells_references_from_component_names_and_paths(string text, bool isRef) =>
        Assert.Equal(isRef, ImageRef.LooksLikeReference(text));

    [Fact]
    public void Loopback_registries_are_recognised()
    {
        Assert.True(ImageRef.Parse("localhost:5000/x").IsLoopback);
        Assert.True(ImageRef.Parse("127.0.0.7:1/x").IsLoopback);
        Assert.True(ImageRef.Parse("[::1]:5000/x").IsLoopback);
        Assert.False(ImageRef.Parse("unikraft.org/x").IsLoopback);
    }
}
