using Kraft.Host;

using Kraft.Tests.Packages;

namespace Kraft.Tests.Host;

public class HttpFetcherTests
{
    [Fact]
    public async Task Gets_a_file_from_a_loopback_server()
    {
        using var server = new LoopbackHttpServer();
        server.Serve("/index.yaml", "manifests: []\n");
        using var http = new HttpFetcher();
        var r = await http.GetAsync(server.Url("/index.yaml"), default);
        Assert.Equal("manifests: []\n", System.Text.Encoding.UTF8.GetString(r.Body));
    }

    [Fact]
    public async Task Retries_a_server_error_then_succeeds()
    {
        using var server = new LoopbackHttpServer();
        server.FailThenServe("/flaky", 2, 503, "ok");
        using var http = new HttpFetcher();
        var r = await http.GetAsync(server.Url("/flaky"), default);
        Assert.Equal("ok", System.Text.Encoding.UTF8.GetString(r.Body));
        Assert.Equal(3, server.CountRequests("/flaky"));
    }

    [Fact]
    public async Task Not_found_fails_at_once_naming_the_url()
    {
        using var server = new LoopbackHttpServer();
        using var http = new HttpFetcher();
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.GetAsync(server.Url("/missing.yaml"), default));
        Assert.Contains(server.Url("/missing.yaml"), e.Message);
        Assert.Contains("404", e.Message);
        Assert.Equal(1, server.CountRequests("/missing.yaml"));
    }

    [Fact]
    public async Task Download_gives_the_sha256_and_leaves_no_temporary_file()
    {
        using var server = new LoopbackHttpServer();
        server.Serve("/a.tar.gz", new byte[] { 1, 2, 3 });
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var sha = await http.DownloadAsync(server.Url("/a.tar.gz"), dir["a.tar.gz"], default);
        Assert.Equal("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", sha);
        Assert.Equal(["a.tar.gz"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_transfer_that_stalls_fails_naming_the_url_and_leaves_no_file()
    {
        using var server = new LoopbackHttpServer();
        server.Handle("/stalls.tar.gz", async ctx =>
        {
            ctx.Response.ContentLength = 1000;
            await ctx.Response.Body.WriteAsync(new byte[100]);
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(20), ctx.RequestAborted).ContinueWith(_ => { });
        });
        using var dir = new TempDir();
        using var http = new HttpFetcher(timeout: TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<HttpFetchException>(() => http.DownloadAsync(server.Url("/stalls.tar.gz"), dir["a.tar.gz"], default));
        Assert.Contains("stalled", e.Message);
        Assert.Contains(server.Url("/stalls.tar.gz"), e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
