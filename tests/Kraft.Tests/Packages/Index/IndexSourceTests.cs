using Microsoft.AspNetCore.Http;
using Kraft.Host;
using Kraft.Packages.Index.Sources;
using Kraft.Packages.Manifests;
using static Kraft.Tests.Packages.Index.IndexFixtures;

namespace Kraft.Tests.Packages.Index;

public class IndexSourceTests
{
    [Fact]
    public async Task Lists_an_index_over_http_with_relative_references_nested_folders_and_inline_entries()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        server.Serve("/pub/idx/index.yaml", """
            manifests:
              - name: unikraft
                type: core
                manifest: ./unikraft.yaml
              - name: lwip
                type: lib
                manifest: libs/lwip.yaml
              - name: deep
                type: lib
                manifest: ./libs/net/sub/deep.yaml
              - name: hello
                type: app
                manifest: ./apps/hello.yaml
              - name: kvm
                type: plat
                channels:
                  - name: default
                    default: true
                    resource: https://git.example/plat-kvm.git
            """);
        server.Serve("/pub/idx/unikraft.yaml", Manifest("unikraft", "core"));
        server.Serve("/pub/idx/libs/lwip.yaml", Manifest("lwip"));
        server.Serve("/pub/idx/libs/net/sub/deep.yaml", Manifest("deep"));
        // An indirection: the app's file points on to the real manifest, relative to itself.
        server.Serve("/pub/idx/apps/hello.yaml", "name: hello\ntype: app\nmanifest: ../real/hello.yaml\n");
        server.Serve("/pub/idx/real/hello.yaml", Manifest("hello", "app"));

        var manifests = await new IndexSource(server.Url("/pub/idx/index.yaml"), Context(dir, http)).ListAsync(default);

        Assert.Equal(["core/unikraft", "lib/lwip", "lib/deep", "app/hello", "plat/kvm"], manifests.Select(m => m.Id));
        Assert.Equal(server.Url("/pub/idx/libs/net/sub/deep.yaml"), manifests[2].ListedFrom);
        Assert.Equal(server.Url("/pub/idx/real/hello.yaml"), manifests[3].ListedFrom);
        Assert.Equal(server.Url("/pub/idx/index.yaml"), manifests[4].ListedFrom);
        Assert.Equal("stable", manifests[1].DefaultChannel!.Name);
        Assert.Equal(new string('a', 64), manifests[1].Versions[0].Sha256);
        // GET only (no HEAD round-trip), each file once.
        Assert.All(server.Requests, r => Assert.StartsWith("GET ", r));
        Assert.Equal(6, server.Requests.Count);
    }

    [Fact]
    public async Task Fetches_manifests_in_parallel_but_bounded()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var names = Enumerable.Range(0, 48).Select(i => $"lib{i:00}").ToArray();
        server.Serve("/index.yaml", IndexFixtures.Index(names.Select(n => (n, "lib", $"./libs/{n}.yaml")).ToArray()));
        int running = 0, peak = 0;
        foreach (var n in names)
            server.Handle($"/libs/{n}.yaml", async ctx =>
            {
                var now = Interlocked.Increment(ref running);
                lock (names) peak = Math.Max(peak, now);
                await Task.Delay(100);
                Interlocked.Decrement(ref running);
                await ctx.Response.WriteAsync(Manifest(n));
            });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var manifests = await new IndexSource(server.Url("/index.yaml"), Context(dir, http)).ListAsync(default);
        Assert.Equal(names, manifests.Select(m => m.Name));
        Assert.InRange(peak, 2, IndexSource.MaxParallelFetches);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed} (48 × 100 ms sequentially would be 4.8 s)");
    }

    [Theory]
    [InlineData("../secret.yaml", "climbs out")]
    [InlineData("./libs/../../secret.yaml", "climbs out")]
    [InlineData("/secret.yaml", "absolute path")]
    [InlineData("http://127.0.0.2:1/idx/x.yaml", "another host")]
    public async Task Refuses_a_reference_that_leaves_the_index_without_fetching_it(string reference, string message)
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        server.Serve("/idx/index.yaml", IndexFixtures.Index(("lwip", "lib", reference)));
        server.Serve("/secret.yaml", Manifest("lwip"));
        var e = await Assert.ThrowsAsync<KraftException>(() => new IndexSource(server.Url("/idx/index.yaml"), Context(dir, http)).ListAsync(default));
        Assert.Contains(message, e.Message);
        Assert.Equal(new SourceLocation(server.Url("/idx/index.yaml"), 5, 15), e.Location);
        Assert.Equal(0, server.CountRequests("/secret.yaml"));
    }

    [Fact]
    public async Task A_missing_manifest_names_its_url_and_the_index_entry()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        server.Serve("/index.yaml", IndexFixtures.Index(("lwip", "lib", "./libs/lwip.yaml"), ("musl", "lib", "./libs/musl.yaml")));
        server.Serve("/libs/lwip.yaml", Manifest("lwip"));
        var e = await Assert.ThrowsAsync<KraftException>(() => new IndexSource(server.Url("/index.yaml"), Context(dir, http)).ListAsync(default));
        Assert.Contains(server.Url("/libs/musl.yaml"), e.Message);
        Assert.Contains("404", e.Message);
        Assert.Contains("lib/musl", e.Message);
        Assert.Equal(new SourceLocation(server.Url("/index.yaml"), 8, 15), e.Location);
    }

    [Fact]
    public async Task A_manifest_that_contradicts_its_index_entry_is_refused()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        server.Serve("/index.yaml", IndexFixtures.Index(("lwip", "lib", "./lwip.yaml")));
        server.Serve("/lwip.yaml", Manifest("musl"));
        var e = await Assert.ThrowsAsync<KraftException>(() => new IndexSource(server.Url("/index.yaml"), Context(dir, http)).ListAsync(default));
        Assert.Contains("says lib/lwip but the manifest it points to describes lib/musl", e.Message);
        Assert.Equal(server.Url("/lwip.yaml"), e.Location!.Value.File);
    }

    [Fact]
    public async Task A_bad_manifest_is_located_in_its_own_file()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        server.Serve("/index.yaml", IndexFixtures.Index(("lwip", "lib", "./lwip.yaml")));
        server.Serve("/lwip.yaml", "name: lwip\ntype: lib\nversions:\n  - version: v1\n    resource: r\n    sha256: 123\n");
        var e = await Assert.ThrowsAsync<KraftException>(() => new IndexSource(server.Url("/index.yaml"), Context(dir, http)).ListAsync(default));
        Assert.Equal(new SourceLocation(server.Url("/lwip.yaml"), 6, 13), e.Location);
    }

    [Fact]
    public async Task Lists_a_local_index_with_relative_files()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        dir.Write("idx/index.yaml", IndexFixtures.Index(("lwip", "lib", "./libs/lwip.yaml"), ("unikraft", "core", "unikraft.yaml")));
        dir.Write("idx/libs/lwip.yaml", Manifest("lwip"));
        dir.Write("idx/unikraft.yaml", Manifest("unikraft", "core"));
        var manifests = await new IndexSource(dir["idx/index.yaml"], Context(dir, http)).ListAsync(default);
        Assert.Equal(["lib/lwip", "core/unikraft"], manifests.Select(m => m.Id));
        Assert.Equal(dir["idx/libs/lwip.yaml"], manifests[0].ListedFrom);
    }

    [Fact]
    public async Task A_manifest_source_tells_an_index_from_a_manifest_by_content()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var index = ServeIndex(server, "/a", "lwip", "musl");
        server.Serve("/single/musl.yml", Manifest("musl"));
        server.Serve("/no-extension", Manifest("zlib"));

        var asIndex = new ManifestSource(index, Context(dir, http));
        Assert.Equal(["lwip", "musl"], (await asIndex.ListAsync(default)).Select(m => m.Name));
        Assert.Equal("index", asIndex.Kind);

        var single = new ManifestSource(server.Url("/single/musl.yml"), Context(dir, http));
        Assert.Equal(["musl"], (await single.ListAsync(default)).Select(m => m.Name));
        Assert.Equal("manifest", single.Kind);

        Assert.Equal(["zlib"], (await new ManifestSource(server.Url("/no-extension"), Context(dir, http)).ListAsync(default)).Select(m => m.Name));
        Assert.All(server.Requests, r => Assert.StartsWith("GET ", r));
    }

    [Fact]
    public async Task A_local_manifest_file_may_point_to_another_beside_it()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        dir.Write("m/stub.yaml", "name: lwip\ntype: lib\nmanifest: ./real/lwip.yaml\n");
        dir.Write("m/real/lwip.yaml", Manifest("lwip"));
        var manifests = await new ManifestSource(dir["m/stub.yaml"], Context(dir, http)).ListAsync(default);
        Assert.Equal(dir["m/real/lwip.yaml"], Assert.Single(manifests).ListedFrom);
    }

    [Fact]
    public async Task Missing_and_empty_files_are_clear_errors()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var missing = await Assert.ThrowsAsync<KraftException>(() => new ManifestSource(dir["nope.yaml"], Context(dir, http)).ListAsync(default));
        Assert.Contains($"{dir["nope.yaml"]} does not exist", missing.Message);
        dir.Write("empty.yaml", "");
        var empty = await Assert.ThrowsAsync<KraftException>(() => new ManifestSource(dir["empty.yaml"], Context(dir, http)).ListAsync(default));
        Assert.Contains("is empty", empty.Message);
    }

    [Fact]
    public async Task Offline_refuses_to_fetch()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var context = new SourceContext(TestConfig(dir) with { Offline = true }, http, NullReporter.Instance);
        var e = await Assert.ThrowsAsync<KraftException>(() => new ManifestSource("http://127.0.0.1:9/index.yaml", context).ListAsync(default));
        Assert.Contains("offline", e.Message);
    }
}
