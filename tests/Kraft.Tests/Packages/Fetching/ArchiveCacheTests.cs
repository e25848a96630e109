using Kraft.Host;
using Kraft.Packages;
using Kraft.Packages.Fetching;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;
using Microsoft.AspNetCore.Http;
using static Kraft.Tests.Packages.PackagesEnv;

namespace Kraft.Tests.Packages.Fetching;

public class ArchiveCacheTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly LoopbackHttpServer _server = new();
    readonly TempDir _work = new();

    public void Dispose()
    {
        _server.Dispose();
        _work.Dispose();
        _env.Dispose();
    }

    void IndexWith(string url, string? sha) => _env.SaveIndex(new Manifest
    {
        Name = "foo", Type = ComponentType.Lib, Origin = _server.Url("/libs/foo.yaml"), Provider = "manifest",
        Channels = [new() { Name = "stable", Default = true, Resource = url, Sha256 = sha }],
    });

    string[] CachedFiles() => Directory.Exists(Path.Combine(_env.SourcesDir, "archives"))
        ? Directory.GetFiles(Path.Combine(_env.SourcesDir, "archives")) : [];

    [Fact]
    public void Downloads_checks_caches_and_unpacks_an_archive_from_the_index()
    {
        var data = Archives.Library("foo", "lib-foo-stable");
        _server.Serve("/foo.tar.gz", data);
        IndexWith(_server.Url("/foo.tar.gz"), Archives.Sha256(data));
        var project = ProjectIn(_work.Path, null, Lib("foo"));
        using (var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config))
        {
            var r = fetcher.Fetch(project, project.Libraries[0]);
            Assert.Equal(Path.Combine(_work.Path, ".unikraft", "libs", "foo"), r.Path);
            Assert.True(File.Exists(Path.Combine(r.Path, "Config.uk")));
            Assert.Equal(Archives.Sha256(data), r.Source!.Sha256);
        }
        Assert.Contains(Path.Combine(_env.SourcesDir, "archives", Archives.Sha256(data)), CachedFiles());

        // A second project on the same machine is served from the cache: the server is not asked again.
        using var other = new TempDir();
        var second = ProjectIn(other.Path, null, Lib("foo"));
        using (var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config))
            fetcher.Fetch(second, second.Libraries[0]);
        Assert.Equal(1, _server.CountRequests("/foo.tar.gz"));
        Assert.True(File.Exists(Path.Combine(other.Path, ".unikraft", "libs", "foo", "foo.c")));
    }

    [Fact]
    public void A_sha256_mismatch_deletes_the_download_and_stops_naming_both_hashes()
    {
        var data = Archives.Library("foo", "top");
        _server.Serve("/foo.tar.gz", data);
        var wrong = new string('0', 64);
        IndexWith(_server.Url("/foo.tar.gz"), wrong);
        var project = ProjectIn(_work.Path, null, Lib("foo"));
        using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
        var e = Assert.Throws<KraftException>(() => fetcher.Fetch(project, project.Libraries[0]));
        Assert.Contains(wrong, e.Message);
        Assert.Contains(Archives.Sha256(data), e.Message);
        Assert.Contains("deleted", e.Message);
        Assert.Empty(CachedFiles());
        Assert.False(Directory.Exists(Path.Combine(_work.Path, ".unikraft", "libs", "foo")));
    }

    [Fact]
    public void A_download_cut_off_half_way_leaves_nothing_that_is_trusted_later()
    {
        var data = Archives.Library("foo", "top", new string('x', 200_000));
        var cut = true;
        _server.Handle("/foo.tar.gz", async ctx =>
        {
            ctx.Response.ContentLength = data.Length;
            if (!cut) { await ctx.Response.Body.WriteAsync(data); return; }
            await ctx.Response.Body.WriteAsync(data.AsMemory(0, data.Length / 2));
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(200);
            ctx.Abort();
        });
        IndexWith(_server.Url("/foo.tar.gz"), null);
        var project = ProjectIn(_work.Path, null, Lib("foo"));
        using (var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config))
        {
            var e = Assert.ThrowsAny<KraftException>(() => fetcher.Fetch(project, project.Libraries[0]));
            Assert.Contains(_server.Url("/foo.tar.gz"), e.Message);
            Assert.Contains("nothing was kept", e.Hint);
        }
        Assert.Empty(CachedFiles());
        Assert.False(Directory.Exists(Path.Combine(_work.Path, ".unikraft", "libs", "foo")));

        cut = false;
        using (var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config))
        {
            var r = fetcher.Fetch(project, project.Libraries[0]);
            Assert.Equal(Archives.Sha256(data), r.Source!.Sha256);
        }
    }

    [Fact]
    public void An_archive_url_in_the_kraftfile_is_downloaded_and_its_digest_locked()
    {
        var data = Archives.Library("foo", "lib-foo-1.0");
        _server.Serve("/lib-foo-1.0.tar.gz", data);
        var project = ProjectIn(_work.Path, null, Lib("foo", source: _server.Url("/lib-foo-1.0.tar.gz")));
        using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
        var sources = fetcher.Prepare(project, new FetchOptions());
        Assert.Equal(SourceKind.Archive, sources.Libraries[0].Source!.Kind);
        Assert.Contains($"sha256: {Archives.Sha256(data)}", File.ReadAllText(sources.LockPath));
        // Locked and cached: no second download.
        fetcher.Prepare(project, new FetchOptions());
        Assert.Equal(1, _server.CountRequests("/lib-foo-1.0.tar.gz"));
    }
}
