using Kraft.Host;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Microsoft.AspNetCore.Http;
using static Kraft.Tests.Packages.Index.IndexFixtures;

namespace Kraft.Tests.Packages.Index;

public class IndexUpdaterTests
{
    [Fact]
    public async Task Saves_every_source_and_a_failing_one_is_named_while_the_others_update()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var good = ServeIndex(server, "/good", "lwip", "musl");
        var missing = server.Url("/missing/index.yaml");
        server.Handle("/broken/index.yaml", ctx => { ctx.Response.StatusCode = 500; return Task.CompletedTask; });
        var broken = server.Url("/broken/index.yaml");
        var config = TestConfig(dir, missing, good, broken);

        var report = await new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default);

        Assert.True(report.AnyFailed);
        Assert.Equal([missing, good, broken], report.Outcomes.Select(o => o.Location));
        Assert.Contains(missing, report.Outcomes[0].Error);
        Assert.Contains("404", report.Outcomes[0].Error);
        Assert.Null(report.Outcomes[1].Error);
        Assert.Equal(2, report.Outcomes[1].Components);
        Assert.Equal("index", report.Outcomes[1].Kind);
        Assert.Contains(broken, report.Outcomes[2].Error);
        Assert.Contains("500", report.Outcomes[2].Error);
        Assert.True(server.CountRequests("/broken/index.yaml") > 1, "a 500 is retried");

        var saved = new IndexStore(config.ManifestsDir).Load()!;
        Assert.Equal([missing, good, broken], saved.Sources.Select(s => s.Location));
        Assert.Equal(["lwip", "musl"], saved.Sources[1].Manifests.Select(m => m.Name));
        Assert.NotNull(saved.Sources[0].Error);
        Assert.NotNull(saved.Sources[0].FailedAt);
        Assert.Null(saved.Sources[0].ListedAt);
        Assert.NotNull(new ComponentIndex(saved).Find(ComponentType.Lib, "musl"));
    }

    [Fact]
    public async Task A_source_that_fails_keeps_its_previous_components_marked_stale()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var flaky = ServeIndex(server, "/flaky", "lwip", "musl");
        var other = ServeIndex(server, "/other", "zlib");
        var config = TestConfig(dir, flaky, other);
        var first = await new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default);
        Assert.False(first.AnyFailed);
        var listedAt = first.Snapshot.Sources[0].ListedAt;

        server.Serve("/flaky/index.yaml", "manifests: [", status: 200);   // now malformed
        server.Serve("/other/index.yaml", IndexFixtures.Index(("zlib", "lib", "./libs/zlib.yaml"), ("newlib", "lib", "./libs/newlib.yaml")));
        server.Serve("/other/libs/newlib.yaml", Manifest("newlib"));
        var second = await new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default);

        var outcome = second.Outcomes[0];
        Assert.StartsWith($"{flaky}:", outcome.Error);
        Assert.Equal(2, outcome.Components);
        Assert.Equal(listedAt, outcome.KeptFrom);
        var saved = new IndexStore(config.ManifestsDir).Load()!;
        var stale = saved.Sources[0];
        Assert.Equal(["lwip", "musl"], stale.Manifests.Select(m => m.Name));
        Assert.Equal(listedAt, stale.ListedAt);
        Assert.NotNull(stale.FailedAt);
        Assert.Contains("invalid YAML", stale.Error);
        Assert.Equal(["zlib", "newlib"], saved.Sources[1].Manifests.Select(m => m.Name));
        Assert.Null(saved.Sources[1].Error);

        // When it recovers, the error goes away.
        ServeIndex(server, "/flaky", "lwip");
        var third = await new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default);
        Assert.False(third.AnyFailed);
        Assert.Null(new IndexStore(config.ManifestsDir).Load()!.Sources[0].Error);
    }

    [Fact]
    public async Task The_first_source_wins_and_later_duplicates_are_shadowed()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var a = ServeIndex(server, "/a", "lwip");
        var b = ServeIndex(server, "/b", "lwip", "musl");
        var report = await new IndexUpdater(TestConfig(dir, a, b), NullReporter.Instance).UpdateAsync(default);
        var index = new ComponentIndex(report.Snapshot);
        Assert.Equal(a, index.Find(ComponentType.Lib, "lwip")!.Source.Location);
        Assert.Equal(b, Assert.Single(index.Shadowed).Source.Location);
    }

    [Fact]
    public async Task Sources_are_listed_one_at_a_time_with_no_parallel()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        int running = 0, peak = 0;
        var urls = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var name = $"c{i}";
            server.Handle($"/{name}.yaml", async ctx =>
            {
                var now = Interlocked.Increment(ref running);
                lock (urls) peak = Math.Max(peak, now);
                await Task.Delay(50);
                Interlocked.Decrement(ref running);
                await ctx.Response.WriteAsync(Manifest(name));
            });
            urls.Add(server.Url($"/{name}.yaml"));
        }
        var report = await new IndexUpdater(TestConfig(dir, [.. urls]) with { NoParallel = true }, NullReporter.Instance).UpdateAsync(default);
        Assert.False(report.AnyFailed);
        Assert.Equal(1, peak);
    }

    [Fact]
    public async Task Unknown_and_unsupported_sources_fail_alone()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var good = ServeIndex(server, "/good", "lwip");
        var reporter = new RecordingReporter();
        var report = await new IndexUpdater(TestConfig(dir, "not-a-source", good), reporter).UpdateAsync(default);
        Assert.Contains("cannot tell what kind of source 'not-a-source'", report.Outcomes[0].Error);
        Assert.NotNull(report.Outcomes[0].Hint);
        Assert.Null(report.Outcomes[1].Error);
        Assert.Contains(reporter.Lines, l => l.StartsWith("progress: updating the component index", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Offline_refuses_to_update()
    {
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<KraftException>(() => new IndexUpdater(TestConfig(dir) with { Offline = true }, NullReporter.Instance).UpdateAsync(default));
        Assert.Contains("offline", e.Message);
    }

    [Fact]
    public async Task An_updater_waits_for_the_lock_another_one_holds()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var config = TestConfig(dir, ServeIndex(server, "/a", "lwip"));
        var store = new IndexStore(config.ManifestsDir);
        Task<UpdateReport> update;
        using (store.Lock(NullReporter.Instance, default))
        {
            update = new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default);
            await Task.Delay(500);
            Assert.False(update.IsCompleted, "the updater saved while another process held the lock");
            Assert.Null(store.Load());
        }
        await update.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(store.Load());
    }

    [Fact]
    public async Task Concurrent_updaters_and_readers_never_see_a_half_written_cache()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var names = Enumerable.Range(0, 60).Select(i => $"lib{i}").ToArray();
        var config = TestConfig(dir, ServeIndex(server, "/a", names), ServeIndex(server, "/b", "zlib"));
        var store = new IndexStore(config.ManifestsDir);
        using var stop = new CancellationTokenSource();
        var loads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Load throws KraftException on a damaged (half-written) file.
                if (store.Load() is { } s)
                {
                    Assert.Equal(2, s.Sources.Count);
                    Assert.Equal(60, s.Sources[0].Manifests.Count);
                    Interlocked.Increment(ref loads);
                }
            }
        });
        var updaters = Enumerable.Range(0, 6).Select(_ => Task.Run(() => new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default))).ToList();
        var reports = await Task.WhenAll(updaters);
        await Task.Delay(50);
        stop.Cancel();
        await reader;
        Assert.All(reports, r => Assert.False(r.AnyFailed));
        Assert.True(loads > 0);
        // Only the snapshot and the lock file remain: no temporary files left behind.
        Assert.Equal([".lock", "index.json"], Directory.GetFiles(config.ManifestsDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}

/// <summary>Tests that change the process's HTTP settings (environment) run alone.</summary>
[CollectionDefinition(nameof(HttpEnvironmentCollection), DisableParallelization = true)]
public sealed class HttpEnvironmentCollection;

[Collection(nameof(HttpEnvironmentCollection))]
public class IndexUpdaterTimeoutTests
{
    static HttpFetcher QuickFetcher()
    {
        string?[] saved = [Environment.GetEnvironmentVariable("KRAFT_HTTP_TIMEOUT"), Environment.GetEnvironmentVariable("KRAFT_HTTP_RETRIES"),
            Environment.GetEnvironmentVariable("KRAFT_HTTP_BACKOFF_MS")];
        try
        {
            Environment.SetEnvironmentVariable("KRAFT_HTTP_TIMEOUT", "2"); // short, but not so short that a busy machine misses it
            Environment.SetEnvironmentVariable("KRAFT_HTTP_RETRIES", "1");
            Environment.SetEnvironmentVariable("KRAFT_HTTP_BACKOFF_MS", "10");
            return new HttpFetcher();
        }
        finally
        {
            Environment.SetEnvironmentVariable("KRAFT_HTTP_TIMEOUT", saved[0]);
            Environment.SetEnvironmentVariable("KRAFT_HTTP_RETRIES", saved[1]);
            Environment.SetEnvironmentVariable("KRAFT_HTTP_BACKOFF_MS", saved[2]);
        }
    }

    [Fact]
    public async Task A_source_that_times_out_is_named_and_the_others_still_update()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        using var http = QuickFetcher();
        var good = ServeIndex(server, "/good", "lwip");
        server.Handle("/slow/index.yaml", async ctx =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(20), ctx.RequestAborted); } catch (OperationCanceledException) { }
        });
        var slow = server.Url("/slow/index.yaml");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = await new IndexUpdater(TestConfig(dir, slow, good), NullReporter.Instance) { Http = http }.UpdateAsync(default);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        Assert.Contains(slow, report.Outcomes[0].Error);
        Assert.Contains("no answer within 2 s", report.Outcomes[0].Error);
        Assert.Equal(2, server.CountRequests("/slow/index.yaml"));
        Assert.Null(report.Outcomes[1].Error);
        Assert.Equal(["lwip"], new IndexStore(dir["manifests"]).Load()!.Sources[1].Manifests.Select(m => m.Name));
    }
}
