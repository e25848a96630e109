using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kraft.Tests.Packages;

/// <summary>
/// A real HTTP server (Kestrel) on 127.0.0.1 with a free port, for the tests that need one:
/// an index with its manifests and tarballs, a GitHub-shaped REST API, failing or slow servers.
/// Routes are exact paths (query strings are passed to handlers); every request is recorded.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable, IDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new();
    readonly ConcurrentQueue<string> _requests = new();

    public string BaseUrl { get; }
    /// <summary>"GET /path?query" for every request received, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public LoopbackHttpServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async ctx =>
        {
            _requests.Enqueue($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString}");
            if (_routes.TryGetValue(ctx.Request.Path.Value ?? "/", out var handler))
                await handler(ctx);
            else if (_fallback is { } fallback)
                await fallback(ctx);
            else
                ctx.Response.StatusCode = 404;
        });
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = address.TrimEnd('/');
    }

    Func<HttpContext, Task>? _fallback;

    /// <summary>The handler for every path no route names (a whole application, such as git's http-backend).</summary>
    public void Fallback(Func<HttpContext, Task> handler) => _fallback = handler;

    public string Url(string path) => BaseUrl + (path.StartsWith('/') ? path : "/" + path);

    /// <summary>Serves fixed bytes at a path.</summary>
    public void Serve(string path, byte[] body, string contentType = "application/octet-stream", int status = 200) =>
        Handle(path, async ctx =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = contentType;
            await ctx.Response.Body.WriteAsync(body);
        });

    public void Serve(string path, string text, string contentType = "text/yaml", int status = 200) =>
        Serve(path, System.Text.Encoding.UTF8.GetBytes(text), contentType, status);

    /// <summary>Serves a file from disk (read at request time, so tests can change it).</summary>
    public void ServeFile(string path, string file, string contentType = "application/octet-stream") =>
        Handle(path, async ctx =>
        {
            ctx.Response.ContentType = contentType;
            await ctx.Response.Body.WriteAsync(await File.ReadAllBytesAsync(file));
        });

    /// <summary>Any handler: status codes, headers, delays, paging.</summary>
    public void Handle(string path, Func<HttpContext, Task> handler) =>
        _routes[path.StartsWith('/') ? path : "/" + path] = handler;

    /// <summary>Answers <paramref name="status"/> for the first <paramref name="failures"/> requests, then serves the body.</summary>
    public void FailThenServe(string path, int failures, int status, string body)
    {
        var count = 0;
        Handle(path, async ctx =>
        {
            if (Interlocked.Increment(ref count) <= failures) { ctx.Response.StatusCode = status; return; }
            await ctx.Response.WriteAsync(body);
        });
    }

    public int CountRequests(string pathPrefix) => _requests.Count(r => r.Split(' ', 2)[1].StartsWith(pathPrefix, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
