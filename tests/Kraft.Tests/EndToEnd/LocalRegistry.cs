using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// A real registry (Debian's docker-registry) on 127.0.0.1 and a random port, with its storage in
/// a temporary folder: plain HTTP, or TLS with a self-signed CA made here by openssl and htpasswd
/// basic auth. Stopped and deleted on dispose.
/// </summary>
public sealed class LocalRegistry : IDisposable
{
    readonly Process _process;
    public TempDir Dir { get; } = new();
    public int Port { get; }
    public string Address { get; }
    public string Host => $"{Address}:{Port}";
    /// <summary>What the registry logged (its stderr and stdout), for a failing test to show.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }
    readonly System.Text.StringBuilder _log = new();
    public string? CaCert { get; }
    public const string User = "kraftuser", Password = "s3cret-Pa55";

    public static bool Available => File.Exists("/usr/bin/docker-registry") || Which("docker-registry");
    public static bool Which(string tool) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var p = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return p;
    }

    /// <param name="tokenAuth">A token server the registry trusts (auth: token) instead of no auth or htpasswd.</param>
    /// <param name="address">The address to listen on (a non-loopback one to test --insecure).</param>
    public LocalRegistry(bool tls = false, TokenAuthServer? tokenAuth = null, string address = "127.0.0.1")
    {
        Port = FreePort();
        Address = address;
        var config = $"version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {Dir["data"]}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}:{Port}\n";
        if (tls)
        {
            Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kraft test CA", "-keyout", Dir["ca.key"], "-out", Dir["ca.crt"],
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            Run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", Dir["server.key"], "-out", Dir["server.csr"]);
            Dir.Write("ext.cnf", "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
            Run("openssl", "x509", "-req", "-in", Dir["server.csr"], "-CA", Dir["ca.crt"], "-CAkey", Dir["ca.key"], "-CAcreateserial", "-days", "2", "-extfile", Dir["ext.cnf"], "-out", Dir["server.crt"]);
            Run("htpasswd", "-Bbc", Dir["htpasswd"], User, Password);
            config += $"  tls:\n    certificate: {Dir["server.crt"]}\n    key: {Dir["server.key"]}\nauth:\n  htpasswd:\n    realm: kraft-test\n    path: {Dir["htpasswd"]}\n";
            CaCert = Dir["ca.crt"];
        }
        if (tokenAuth is not null) config += tokenAuth.RegistryAuthConfig;
        Dir.Write("config.yml", config);
        _process = Process.Start(new ProcessStartInfo("docker-registry", ["serve", Dir["config.yml"]])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try { using var c = new TcpClient(); c.Connect(IPAddress.Parse(address), Port); break; }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited) { Thread.Sleep(50); }
        }
    }

    public static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{tool} {string.Join(' ', args)}"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({p.ExitCode}): {e.Result}{o.Result}");
        return o.Result;
    }

    public byte[] RunBytes(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        using var ms = new MemoryStream();
        var e = p.StandardError.ReadToEndAsync();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {e.Result}");
        return ms.ToArray();
    }

    public void Dispose()
    {
        try { _process.Kill(true); _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
        Dir.Dispose();
    }
}

/// <summary>
/// A loopback HTTP proxy in front of a registry that breaks one blob on purpose: it drops the
/// connection half-way, answers 500, or serves other bytes of the same length. Records the Range
/// headers it saw, so a test can tell that a pull continued where it stopped.
/// </summary>
public sealed class FaultyProxy : IDisposable
{
    readonly HttpListener _listener = new();
    readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None });
    readonly string _upstream;
    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";
    public volatile string Mode = "none";
    public volatile string? Digest;
    public readonly List<string> Ranges = [];

    public FaultyProxy(string upstreamHost)
    {
        _upstream = upstreamHost;
        Port = LocalRegistry.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(Loop);
    }

    async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); } catch (Exception) { return; }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    async Task Handle(HttpListenerContext ctx)
    {
        try
        {
            var path = ctx.Request.RawUrl!;
            var faulty = Digest is { } d && path.EndsWith("/blobs/" + d, StringComparison.Ordinal) && ctx.Request.HttpMethod == "GET";
            if (faulty && ctx.Request.Headers["Range"] is { } range) lock (Ranges) Ranges.Add(range);
            if (faulty && Mode == "500") { ctx.Response.StatusCode = 500; ctx.Response.Close(); return; }
            using var req = new HttpRequestMessage(new HttpMethod(ctx.Request.HttpMethod), $"http://{_upstream}{path}");
            foreach (var key in ctx.Request.Headers.AllKeys)
                if (key is not null && key is not ("Host" or "Connection" or "Content-Length"))
                    req.Headers.TryAddWithoutValidation(key, ctx.Request.Headers[key]);
            using var resp = await _client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
            ctx.Response.StatusCode = (int)resp.StatusCode;
            foreach (var h in resp.Headers.Concat(resp.Content.Headers))
                if (h.Key is not ("Transfer-Encoding" or "Content-Length" or "Connection"))
                    ctx.Response.Headers[h.Key] = string.Join(",", h.Value);
            var body = await resp.Content.ReadAsByteArrayAsync();
            ctx.Response.ContentLength64 = body.Length;
            if (faulty && Mode == "drop" && body.Length > 1)
            {
                await ctx.Response.OutputStream.WriteAsync(body.AsMemory(0, body.Length / 2));
                await ctx.Response.OutputStream.FlushAsync();
                await Task.Delay(100);
                ctx.Response.Abort();
                return;
            }
            if (faulty && Mode == "wrong") new Random(7).NextBytes(body);
            if (ctx.Request.HttpMethod != "HEAD") await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
        }
        catch (Exception)
        {
            try { ctx.Response.Abort(); } catch (Exception) { }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _client.Dispose();
    }
}
