using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Kraft.Tests.Packages;

/// <summary>
/// A real git smart-HTTP server on loopback: <c>git http-backend</c> (git's own CGI program) behind
/// <see cref="LoopbackHttpServer"/>, serving the bare repositories under <see cref="Root"/>, and
/// answering 401 unless the request carries the basic credentials it was given (when it was given some).
/// Every Authorization header it saw is recorded, so tests can tell which requests were authenticated.
/// </summary>
public sealed class GitHttpServer : IDisposable
{
    readonly LoopbackHttpServer _http = new();
    readonly TempDir _root = new();
    readonly string? _expected;
    readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public string Root => _root.Path;
    /// <summary>"401 GET /repo.git/info/refs" or "200 POST /repo.git/git-upload-pack" per request.</summary>
    public IReadOnlyCollection<string> Log => _log;

    public GitHttpServer(string? user = null, string? password = null)
    {
        if (user is not null)
            _expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        _http.Fallback(Serve);
    }

    /// <summary>http://127.0.0.1:PORT/NAME.git</summary>
    public string UrlOf(string name) => _http.Url("/" + name + ".git");

    /// <summary>Publishes a bare clone of <paramref name="repo"/> as NAME.git.</summary>
    public void Publish(string name, string repo)
    {
        var r = Kraft.Host.ProcessRunner.Run("git", ["clone", "-q", "--bare", repo, Path.Combine(Root, name + ".git")], null);
        if (!r.Succeeded) throw new InvalidOperationException(r.CombinedOutput);
    }

    async Task Serve(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (_expected is not null && ctx.Request.Headers.Authorization.ToString() != _expected)
        {
            _log.Enqueue($"401 {ctx.Request.Method} {path}");
            ctx.Response.StatusCode = 401;
            ctx.Response.Headers.WWWAuthenticate = "Basic realm=\"test\"";
            return;
        }
        var psi = new ProcessStartInfo("git", "http-backend")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["GIT_PROJECT_ROOT"] = Root;
        psi.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        psi.Environment["REQUEST_METHOD"] = ctx.Request.Method;
        psi.Environment["PATH_INFO"] = path;
        psi.Environment["QUERY_STRING"] = ctx.Request.QueryString.Value?.TrimStart('?') ?? "";
        psi.Environment["CONTENT_TYPE"] = ctx.Request.ContentType ?? "";
        psi.Environment["REMOTE_ADDR"] = "127.0.0.1";
        if (ctx.Request.Headers.ContentEncoding.ToString() is { Length: > 0 } enc) psi.Environment["HTTP_CONTENT_ENCODING"] = enc;
        if (ctx.Request.Headers["Git-Protocol"].ToString() is { Length: > 0 } proto) psi.Environment["GIT_PROTOCOL"] = proto;
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body);
        psi.Environment["CONTENT_LENGTH"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        await p.StandardInput.BaseStream.WriteAsync(body.ToArray());
        p.StandardInput.Close();
        await copy;
        await p.WaitForExitAsync();
        await stderr;
        // CGI answer: headers, a blank line, the body.
        var bytes = output.ToArray();
        var split = IndexOf(bytes, "\r\n\r\n"u8.ToArray(), out var sepLength);
        if (split < 0) split = IndexOf(bytes, "\n\n"u8.ToArray(), out sepLength);
        var status = 200;
        foreach (var line in Encoding.ASCII.GetString(bytes, 0, Math.Max(split, 0)).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase)) status = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            else ctx.Response.Headers[name] = value;
        }
        _log.Enqueue($"{status} {ctx.Request.Method} {path}");
        ctx.Response.StatusCode = status;
        if (split >= 0) await ctx.Response.Body.WriteAsync(bytes.AsMemory(split + sepLength));
    }

    static int IndexOf(byte[] data, byte[] pattern, out int length)
    {
        length = pattern.Length;
        for (var i = 0; i + pattern.Length <= data.Length; i++)
            if (data.AsSpan(i, pattern.Length).SequenceEqual(pattern)) return i;
        return -1;
    }

    public void Dispose()
    {
        _http.Dispose();
        _root.Dispose();
    }
}
