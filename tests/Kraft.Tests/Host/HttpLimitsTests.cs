using System.Diagnostics;
using System.IO.Compression;
using Kraft.Host;
using Kraft.Tests.Packages;

namespace Kraft.Tests.Host;

/// <summary>Every body is bounded in size (declared and read, after decompression) and in time (idle and total).</summary>
public class HttpLimitsTests
{
    static readonly HttpLimits Small = new(
        new HttpBodyLimit(1 * Sizes.MiB, TimeSpan.FromSeconds(2)),
        new HttpBodyLimit(2 * Sizes.MiB, TimeSpan.FromSeconds(2)));

    static HttpFetcher Fetcher() => new(timeout: TimeSpan.FromSeconds(1), limits: Small);

    static void Endless(LoopbackHttpServer server, string path) =>
        server.Handle(path, async ctx =>
        {
            var chunk = new byte[64 * 1024];
            try
            {
                while (!ctx.RequestAborted.IsCancellationRequested)
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
            }
            catch (OperationCanceledException) { }
            catch (IOException) { }
        });

    [Fact]
    public async Task An_endless_document_is_stopped_at_the_limit_naming_the_url_and_the_limit()
    {
        using var server = new LoopbackHttpServer();
        Endless(server, "/index.yaml");
        using var http = Fetcher();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.GetAsync(server.Url("/index.yaml"), default));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains(server.Url("/index.yaml"), e.Message);
        Assert.Contains("1 MiB", e.Message);
        Assert.Contains("document", e.Message);
    }

    [Fact]
    public async Task A_gzip_bomb_is_bounded_by_its_decompressed_size()
    {
        // 32 MiB of zeros is 32 KiB of gzip: the limit counts what it expands to.
        var bomb = new MemoryStream();
        using (var gz = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
            gz.Write(new byte[32 * Sizes.MiB]);
        var body = bomb.ToArray();
        Assert.True(body.Length < Sizes.MiB);
        using var server = new LoopbackHttpServer();
        server.Handle("/bomb.yaml", async ctx =>
        {
            ctx.Response.Headers.ContentEncoding = "gzip";
            ctx.Response.ContentLength = body.Length;
            await ctx.Response.Body.WriteAsync(body);
        });
        using var http = Fetcher();
        var before = GC.GetTotalAllocatedBytes();
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.GetAsync(server.Url("/bomb.yaml"), default));
        Assert.Contains("after decompression", e.Message);
        Assert.Contains("1 MiB", e.Message);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 24 * Sizes.MiB, "the bomb was read far past the limit");
    }

    [Fact]
    public async Task A_declared_length_past_the_limit_is_refused_before_reading()
    {
        using var server = new LoopbackHttpServer();
        server.Handle("/huge.tar.gz", async ctx =>
        {
            ctx.Response.ContentLength = 10 * Sizes.GiB;
            await ctx.Response.Body.WriteAsync(new byte[1024]);
            await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted).ContinueWith(_ => { });
        });
        using var dir = new TempDir();
        using var http = Fetcher();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.DownloadAsync(server.Url("/huge.tar.gz"), dir["a.tar.gz"], default));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("10 GiB", e.Message);
        Assert.Contains("2 MiB", e.Message);
        Assert.Contains("archive", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task An_endless_archive_is_stopped_and_leaves_no_file()
    {
        using var server = new LoopbackHttpServer();
        Endless(server, "/a.tar.gz");
        using var dir = new TempDir();
        using var http = Fetcher();
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.DownloadAsync(server.Url("/a.tar.gz"), dir["a.tar.gz"], default));
        Assert.Contains("2 MiB", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task A_trickling_body_meets_the_total_deadline_though_never_idle()
    {
        using var server = new LoopbackHttpServer();
        server.Handle("/slow.yaml", async ctx =>
        {
            try
            {
                for (var i = 0; i < 1000; i++)
                {
                    await ctx.Response.Body.WriteAsync("a"u8.ToArray(), ctx.RequestAborted);
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    await Task.Delay(300, ctx.RequestAborted);
                }
            }
            catch (OperationCanceledException) { }
            catch (IOException) { }
        });
        using var http = Fetcher(); // idle time-out 1 s: a byte every 0.3 s never trips it
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.GetAsync(server.Url("/slow.yaml"), default));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 6);
        Assert.Contains("took longer than the 2 s allowed", e.Message);
        Assert.Contains(server.Url("/slow.yaml"), e.Message);
        Assert.Contains("KRAFT_HTTP_DEADLINE", e.Hint);
    }

    [Fact]
    public async Task Credentials_in_the_url_are_never_in_the_message()
    {
        using var server = new LoopbackHttpServer();
        Endless(server, "/index.yaml");
        using var http = Fetcher();
        var url = server.Url("/index.yaml").Replace("http://", "http://user:s3cr3t@");
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.GetAsync(url, default));
        Assert.DoesNotContain("s3cr3t", e.Message);
        Assert.DoesNotContain("s3cr3t", e.Url);
        Assert.Contains("127.0.0.1", e.Message);
    }

    [Fact]
    public async Task A_body_within_the_limit_is_read_whole()
    {
        using var server = new LoopbackHttpServer();
        var body = new byte[Sizes.MiB - 1];
        server.Serve("/ok.yaml", body);
        using var http = Fetcher();
        Assert.Equal(body.Length, (await http.GetAsync(server.Url("/ok.yaml"), default)).Body.Length);
    }
}
