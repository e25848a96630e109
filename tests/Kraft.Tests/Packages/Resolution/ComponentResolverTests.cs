using Kraft.Packages;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;
using static Kraft.Tests.Packages.PackagesEnv;

namespace Kraft.Tests.Packages.Resolution;

public class ComponentResolverTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly GitRepoFixture _repo = new();
    readonly string _c1, _c2, _c3;

    public ComponentResolverTests()
    {
        _c1 = _repo.Commit("Makefile", "one", "one");
        _repo.Git("tag", "RELEASE-0.17.0");
        _c2 = _repo.Commit("Makefile", "two", "two");
        _repo.Git("branch", "stable");
        _c3 = _repo.Commit("Makefile", "three", "three");
        _repo.Git("branch", "staging");
    }

    public void Dispose()
    {
        _repo.Dispose();
        _env.Dispose();
    }

    Manifest CoreManifest(string? stagingCommit = null) => new()
    {
        Name = "unikraft", Type = ComponentType.Core, Origin = _repo.Url, Provider = "git",
        Channels =
        [
            new ManifestChannel { Name = "stable", Default = true, Resource = _repo.Url },
            new ManifestChannel { Name = "staging", Resource = _repo.Url, Commit = stagingCommit },
        ],
        Versions = [new ManifestVersion { Version = _c1[..7], Type = "gitsha", Unikraft = "0.17.0", Resource = _repo.Url }],
    };

    ComponentResolver Resolver() => new SourceFetcher(NullReporter.Instance, _env.Config).Resolver;

    [Fact]
    public void No_version_is_the_default_channel_resolved_to_its_commit()
    {
        _env.SaveIndex(CoreManifest());
        var r = Resolver().Resolve(Core(), ResolveMode.Network);
        Assert.Equal(SourceKind.Git, r.Kind);
        Assert.Equal(_c2, r.Commit);
        Assert.Equal("stable", r.Ref);
        Assert.Equal(_repo.Url, r.Location);
        Assert.Equal("https://index.test/index.yaml", r.Index);
        Assert.Equal("core/unikraft", r.Manifest);
    }

    [Fact]
    public void A_git_checkout_listed_by_a_directory_source_is_used_in_place()
    {
        // kraft pkg source DIR, where DIR holds git clones: the checkout's default channel is no ref of it.
        File.WriteAllText(System.IO.Path.Combine(_repo.Path, "Config.uk"), "config X\n\tbool\n");
        var manifest = global::Kraft.Packages.Index.Sources.DirectorySource.AsComponent(_repo.Path)!;
        _env.SaveIndex(manifest with { Name = "unikraft", Type = ComponentType.Core });
        var r = Resolver().Resolve(Core(), ResolveMode.Network);
        Assert.Equal(SourceKind.LocalDirectory, r.Kind);
        Assert.Equal(_repo.Path, r.Location);
        Assert.Equal("default", r.Ref);
    }

    [Fact]
    public void A_channel_with_a_listed_commit_needs_no_git_at_all()
    {
        _env.SaveIndex(CoreManifest(stagingCommit: _c3));
        _repo.Dispose(); // the origin is gone: only the index can answer
        var r = Resolver().Resolve(Core(version: "staging"), ResolveMode.Network);
        Assert.Equal(_c3, r.Commit);
        Assert.Equal("staging", r.Ref);
    }

    [Theory]
    [InlineData("0.17.0")]
    [InlineData("v0.17.0")]
    [InlineData("RELEASE-0.17.0")]
    public void Release_numbers_in_any_spelling_match_the_unikraft_version(string version)
    {
        _env.SaveIndex(CoreManifest());
        var r = Resolver().Resolve(Core(version: version), ResolveMode.Network);
        Assert.Equal(_c1, r.Commit);
    }

    [Fact]
    public void A_release_tag_without_a_manifest_version_is_found_in_the_repository()
    {
        _env.SaveIndex(CoreManifest() with { Versions = [] });
        var r = Resolver().Resolve(Core(version: "v0.17.0"), ResolveMode.Network);
        Assert.Equal(_c1, r.Commit);
    }

    [Fact]
    public void Any_commit_of_the_origin_works_even_if_the_manifest_does_not_list_it()
    {
        _env.SaveIndex(CoreManifest());
        var resolver = Resolver();
        Assert.Equal(_c2, resolver.Resolve(Core(version: _c2[..10]), ResolveMode.Network).Commit);
        Assert.Equal(_c3, resolver.Resolve(Core(version: _c3), ResolveMode.Network).Commit);
        var e = Assert.Throws<KraftException>(() => resolver.Resolve(Core(version: "deadbeefdeadbeef"), ResolveMode.Network));
        Assert.Contains("'deadbeefdeadbeef'", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void An_unknown_version_names_the_channels_and_versions()
    {
        _env.SaveIndex(CoreManifest());
        var e = Assert.Throws<KraftException>(() => Resolver().Resolve(Core(version: "nightly"), ResolveMode.Network));
        Assert.Contains("no version 'nightly'", e.Message);
        Assert.Contains("stable, staging", e.Hint);
        Assert.Equal(3, e.Location!.Value.Line);
    }

    [Fact]
    public void A_missing_component_suggests_close_names_and_the_ways_to_get_it()
    {
        _env.SaveIndex(CoreManifest(),
            new Manifest { Name = "musl", Type = ComponentType.Lib, Origin = _repo.Url, Provider = "git", Channels = [new() { Name = "stable", Default = true, Resource = _repo.Url }] },
            new Manifest { Name = "lwip", Type = ComponentType.Lib, Origin = _repo.Url, Provider = "git", Channels = [new() { Name = "stable", Default = true, Resource = _repo.Url }] });
        var e = Assert.Throws<KraftException>(() => Resolver().Resolve(Lib("mus1"), ResolveMode.Network));
        Assert.Contains("library 'mus1' is not in the component index", e.Message);
        Assert.Contains("did you mean 'musl'", e.Message);
        Assert.Contains("kraft pkg update", e.Hint);
        Assert.Contains("kraft pkg source", e.Hint);
        Assert.Contains("'source:'", e.Hint);
        Assert.Equal(6, e.Location!.Value.Line);
    }

    [Fact]
    public void An_archive_resource_of_a_git_origin_is_fetched_with_git()
    {
        // A GitHub-style manifest: archive URLs for a repository whose origin is git.
        _env.SaveIndex(new Manifest
        {
            Name = "foo", Type = ComponentType.Lib, Origin = _repo.Url, Provider = "github",
            Channels = [new() { Name = "stable", Default = true, Resource = "https://github.com/unikraft/lib-foo/archive/refs/heads/stable.tar.gz" }],
        });
        var r = Resolver().Resolve(Lib("foo"), ResolveMode.Network);
        Assert.Equal(SourceKind.Git, r.Kind);
        Assert.Equal(_c2, r.Commit);
    }

    [Fact]
    public void An_archive_resource_without_a_git_origin_is_an_archive_with_its_digest()
    {
        var sha = new string('a', 64);
        _env.SaveIndex(new Manifest
        {
            Name = "greet", Type = ComponentType.Lib, Origin = "https://index.test/libs/greet.yaml", Provider = "manifest",
            Channels = [new() { Name = "stable", Default = true, Resource = "https://files.test/greet.tar.gz", Sha256 = sha.ToUpperInvariant() }],
        });
        var r = Resolver().Resolve(Lib("greet"), ResolveMode.CacheOnly);
        Assert.Equal(SourceKind.Archive, r.Kind);
        Assert.Equal(sha, r.Sha256);
        Assert.Equal("stable", r.Ref);
    }

    [Fact]
    public void Cache_only_resolution_never_touches_the_remote()
    {
        _env.SaveIndex(CoreManifest());
        var e = Assert.Throws<Kraft.Packages.Fetching.NotCachedException>(() => Resolver().Resolve(Core(), ResolveMode.CacheOnly));
        Assert.Contains("not in the git cache", e.Message);
    }

    [Fact]
    public void Without_an_index_offline_says_so()
    {
        var e = Assert.Throws<Kraft.Packages.Fetching.NotCachedException>(() => Resolver().Resolve(Lib("musl"), ResolveMode.CacheOnly));
        Assert.Contains("never updated", e.Message);
    }

    [Theory]
    [InlineData("0.17.0", "0.17.0")]
    [InlineData("v0.17.0", "0.17.0")]
    [InlineData("RELEASE-0.17.0", "0.17.0")]
    [InlineData("stable", null)]
    [InlineData("v1", null)]
    public void Release_numbers(string text, string? release) => Assert.Equal(release, VersionText.Release(text));
}
