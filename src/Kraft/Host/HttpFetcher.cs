using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Kraft.Host;

/// <summary>A non-success HTTP answer (after any retries), with what the caller may want to explain.</summary>
public sealed class HttpFetchException(string message, string url, HttpStatusCode? status, HttpResponseHeaders? headers, string? hint = null, Exception? inner = null)
    : KraftException(message, hint: hint, inner: inner)
{
    public string Url { get; } = url;
    /// <summary>The final status, or null when no answer came (connection refused, time-out).</summary>
    public HttpStatusCode? Status { get; } = status;
    public HttpResponseHeaders? Headers { get; } = headers;
}

/// <summary>Credentials for HTTP requests to one host.</summary>
public sealed record HttpCredentials(string? User, string? Token, bool VerifyTls = true);

/// <summary>What a body is, which decides how large it may be and how long it may take.</summary>
public enum HttpBodyKind
{
    /// <summary>Manifests, indexes, API pages: small, read into memory.</summary>
    Document,
    /// <summary>Source archives: large, streamed to a file.</summary>
    Archive,
}

/// <summary>How large one body may be (after decompression) and how long the whole GET may take, retries included.</summary>
public sealed record HttpBodyLimit(long MaxBytes, TimeSpan Deadline);

/// <summary>The limits per kind of body. Tests inject small ones.</summary>
public sealed record HttpLimits(HttpBodyLimit Document, HttpBodyLimit Archive)
{
    /// <summary>
    /// 16 MiB and 2 minutes for documents (KraftKit's whole index is a few hundred KB), 2 GiB and an
    /// hour for archives; KRAFT_HTTP_DEADLINE and KRAFT_HTTP_ARCHIVE_DEADLINE (seconds) change the deadlines.
    /// </summary>
    public static HttpLimits FromEnvironment() => new(
        new HttpBodyLimit(16 * Sizes.MiB, TimeSpan.FromSeconds(HttpFetcher.EnvDouble("KRAFT_HTTP_DEADLINE", 120))),
        new HttpBodyLimit(2 * Sizes.GiB, TimeSpan.FromSeconds(HttpFetcher.EnvDouble("KRAFT_HTTP_ARCHIVE_DEADLINE", 3600))));

    public HttpBodyLimit For(HttpBodyKind kind) => kind == HttpBodyKind.Archive ? Archive : Document;
}

/// <summary>The body of a successful GET and the headers that came with it.</summary>
public sealed record HttpFetchResult(byte[] Body, HttpResponseHeaders Headers, Uri FinalUrl);

/// <summary>
/// kraft's HTTP client: one per process, with a time-out per attempt, retries with exponential
/// backoff on time-outs, connection failures and 5xx/429 answers, credentials per host, and
/// errors that name the URL. HTTP(S)_PROXY and NO_PROXY are honoured (the .NET default).
/// Knobs for slow links and tests: KRAFT_HTTP_TIMEOUT (seconds per attempt, default 30),
/// KRAFT_HTTP_RETRIES (extra attempts, default 3), KRAFT_HTTP_BACKOFF_MS (first pause, default 250).
/// Every body is bounded (<see cref="HttpLimits"/>): the declared Content-Length is checked before
/// reading, the bytes read (after any gzip/deflate Content-Encoding is undone) are counted, and the
/// whole GET has a deadline besides the idle time-out, so neither an endless body, a compression
/// bomb nor a server that trickles a byte every few seconds can hold kraft.
/// </summary>
public sealed class HttpFetcher : IDisposable
{
    readonly HttpClient _client;
    readonly IReadOnlyDictionary<string, HttpCredentials> _credentials;
    public TimeSpan Timeout { get; }
    public int Retries { get; }
    public TimeSpan Backoff { get; }
    public HttpLimits Limits { get; }

    public static string UserAgent => "kraft.net/" + (typeof(HttpFetcher).Assembly.GetName().Version?.ToString(3) ?? "0");

    /// <param name="timeout">Overrides KRAFT_HTTP_TIMEOUT (tests).</param>
    /// <param name="limits">Overrides the size limits and deadlines (tests).</param>
    public HttpFetcher(IReadOnlyDictionary<string, HttpCredentials>? credentials = null, TimeSpan? timeout = null, HttpLimits? limits = null)
    {
        Limits = limits ?? HttpLimits.FromEnvironment();
        _credentials = credentials ?? new Dictionary<string, HttpCredentials>();
        Timeout = timeout ?? TimeSpan.FromSeconds(EnvDouble("KRAFT_HTTP_TIMEOUT", 30));
        Retries = (int)EnvDouble("KRAFT_HTTP_RETRIES", 3);
        Backoff = TimeSpan.FromMilliseconds(EnvDouble("KRAFT_HTTP_BACKOFF_MS", 250));
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            ConnectTimeout = Timeout,
            MaxConnectionsPerServer = 16,
        };
        var insecure = _credentials.Where(kv => !kv.Value.VerifyTls).Select(kv => kv.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (insecure.Count > 0)
            // verify_ssl: false in config.yaml, for that host only.
            handler.SslOptions.RemoteCertificateValidationCallback = (sender, _, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None
                || sender is System.Net.Security.SslStream tls && insecure.Contains(tls.TargetHostName);
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
    }

    /// <summary>GETs a URL into memory (at most <see cref="HttpLimits.Document"/>'s size, or the kind's).</summary>
    public async Task<HttpFetchResult> GetAsync(string url, CancellationToken cancel, IReadOnlyDictionary<string, string>? headers = null,
        HttpBodyKind kind = HttpBodyKind.Document)
    {
        var limit = Limits.For(kind);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(limit.Deadline);
        try
        {
            using var response = await SendAsync(url, headers, deadline.Token).ConfigureAwait(false);
            CheckDeclaredLength(response, url, kind, limit);
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            using var body = new MemoryStream();
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await ReadWithIdleTimeoutAsync(stream, buffer, url, deadline.Token).ConfigureAwait(false)) > 0)
            {
                if (body.Length + n > limit.MaxBytes) throw TooLarge(url, kind, limit, response);
                body.Write(buffer, 0, n);
            }
            return new HttpFetchResult(body.ToArray(), response.Headers, response.RequestMessage?.RequestUri ?? new Uri(url));
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw PastDeadline(url, kind, limit);
        }
    }

    /// <summary>
    /// Streams a URL into <paramref name="path"/> (through a temporary file renamed at the end, so
    /// an interrupted download leaves nothing behind) and returns the lowercase hex SHA-256.
    /// </summary>
    public async Task<string> DownloadAsync(string url, string path, CancellationToken cancel, IProgress<long>? progress = null,
        HttpBodyKind kind = HttpBodyKind.Archive)
    {
        var limit = Limits.For(kind);
        var tmp = AtomicFile.TempPathBeside(path);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(limit.Deadline);
        try
        {
            string sha;
            using (var response = await SendAsync(url, null, deadline.Token).ConfigureAwait(false))
            {
                CheckDeclaredLength(response, url, kind, limit);
                CheckFreeSpace(response, url, path);
                await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                await using var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                long total = 0;
                int n;
                while ((n = await ReadWithIdleTimeoutAsync(body, buffer, url, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    if (total + n > limit.MaxBytes) throw TooLarge(url, kind, limit, response);
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), deadline.Token).ConfigureAwait(false);
                    total += n;
                    progress?.Report(total);
                }
                await file.FlushAsync(deadline.Token).ConfigureAwait(false);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            AtomicFile.Replace(tmp, path);
            return sha;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw PastDeadline(url, kind, limit);
        }
        catch (IOException e)
        {
            throw IoErrors.Wrap(e, $"save the download of {Shown(url)} to", tmp, location: null);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    static string KindName(HttpBodyKind kind) => kind == HttpBodyKind.Archive ? "archive" : "document";

    void CheckDeclaredLength(HttpResponseMessage response, string url, HttpBodyKind kind, HttpBodyLimit limit)
    {
        if (response.Content.Headers.ContentLength is { } declared && declared > limit.MaxBytes)
            throw new HttpFetchException(
                $"GET {Shown(url)}: the server announces {Sizes.Format(declared)}, more than the {Sizes.Format(limit.MaxBytes)} kraft accepts for a {KindName(kind)}",
                Shown(url), response.StatusCode, response.Headers,
                "nothing was downloaded; check the URL (is it the file you meant?)");
    }

    static void CheckFreeSpace(HttpResponseMessage response, string url, string path)
    {
        if (response.Content.Headers.ContentLength is not { } declared) return;
        long free;
        try { free = new DriveInfo(Path.GetDirectoryName(Path.GetFullPath(path))!).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return; }
        if (declared > free)
            throw new HttpFetchException(
                $"GET {Shown(url)}: {Sizes.Format(declared)} to download but only {Sizes.Format(free)} free beside {path}",
                Shown(url), response.StatusCode, response.Headers, "free some disk space and try again; nothing was downloaded");
    }

    HttpFetchException TooLarge(string url, HttpBodyKind kind, HttpBodyLimit limit, HttpResponseMessage response)
    {
        return new HttpFetchException(
            $"GET {Shown(url)}: the body is larger than the {Sizes.Format(limit.MaxBytes)} kraft accepts for a {KindName(kind)} (counted after decompression); the download was stopped",
            Shown(url), response.StatusCode, response.Headers, "nothing was kept; check the URL (is it the file you meant, or a broken server?)");
    }

    HttpFetchException PastDeadline(string url, HttpBodyKind kind, HttpBodyLimit limit) =>
        new($"GET {Shown(url)} took longer than the {limit.Deadline.TotalSeconds:0.###} s allowed for a {KindName(kind)}; it was stopped",
            Shown(url), null, null,
            $"the server is too slow or keeps sending a trickle; nothing was kept; try again ({(kind == HttpBodyKind.Archive ? "KRAFT_HTTP_ARCHIVE_DEADLINE" : "KRAFT_HTTP_DEADLINE")} sets the limit in seconds)");

    /// <summary>A URL as it may be shown: without user name or password (the one stripper, <see cref="Secrets.StripUserInfo"/>).</summary>
    static string Shown(string url) => Secrets.StripUserInfo(url);

    /// <summary>
    /// One read of a response body that fails when the server sends nothing for <see cref="Timeout"/>
    /// (a stalled transfer would otherwise hang kraft for ever), or breaks the connection half-way.
    /// </summary>
    async Task<int> ReadWithIdleTimeoutAsync(Stream body, byte[] buffer, string url, CancellationToken cancel)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        idle.CancelAfter(Timeout);
        try
        {
            return await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new HttpFetchException($"GET {Shown(url)} stalled: no data for {Timeout.TotalSeconds:0.###} s", Shown(url), null, null,
                "the server stopped sending and nothing was kept; try again (KRAFT_HTTP_TIMEOUT sets the time-out in seconds)");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new HttpFetchException($"GET {Shown(url)} broke off: {NetReason(e)}", Shown(url), null, null,
                "the connection closed before the whole file arrived and nothing was kept; try again", e);
        }
    }

    async Task<HttpResponseMessage> SendAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken cancel)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new KraftException($"'{Shown(url)}' is not an http(s) URL", hint: "write it as https://host/path");
        for (var attempt = 0; ; attempt++)
        {
            cancel.ThrowIfCancellationRequested();
            using var perAttempt = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            perAttempt.CancelAfter(Timeout);
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (_credentials.TryGetValue(uri.Host, out var cred) && cred.Token is { Length: > 0 } token)
                request.Headers.Authorization = cred.User is { Length: > 0 } user
                    ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{token}")))
                    : new AuthenticationHeaderValue("Bearer", token);
            else if (Secrets.For(url) is { } own)
                // The user part the URL was written with (taken off where it entered, see Secrets).
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(own.AuthorizationHeader);
            if (headers is not null)
                foreach (var (k, v) in headers) request.Headers.TryAddWithoutValidation(k, v);
            string failure;
            HttpStatusCode? status = null;
            HttpResponseHeaders? responseHeaders = null;
            try
            {
                var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, perAttempt.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return response;
                status = response.StatusCode;
                responseHeaders = response.Headers;
                failure = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
                if (!IsTransient(status.Value) || attempt >= Retries)
                    throw new HttpFetchException($"GET {Shown(url)} failed: {failure}", Shown(url), status, responseHeaders, HintFor(status.Value));
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                failure = $"no answer within {Timeout.TotalSeconds:0.###} s";
            }
            catch (HttpRequestException e)
            {
                failure = NetReason(e);
            }
            if (attempt >= Retries)
                throw new HttpFetchException($"GET {Shown(url)} failed after {attempt + 1} attempts: {failure}", Shown(url), status, responseHeaders,
                    "check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY); KRAFT_HTTP_TIMEOUT sets the time-out in seconds");
            await Task.Delay(Backoff * Math.Pow(2, attempt), cancel).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why a connection failed, in words: the socket error's strerror text when there is one, else
    /// what HttpRequestError says (the published CLI's .NET messages are bare resource keys).
    /// </summary>
    public static string NetReason(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is System.Net.Sockets.SocketException so && !IoErrors.IsResourceKey(so.Message)) return so.Message;
        var error = e switch
        {
            HttpRequestException r => r.HttpRequestError,
            HttpIOException io => io.HttpRequestError,
            _ => e.InnerException is HttpIOException inner ? inner.HttpRequestError : HttpRequestError.Unknown,
        };
        return error switch
        {
            HttpRequestError.NameResolutionError => "the host name could not be resolved",
            HttpRequestError.ConnectionError => "the connection could not be made",
            HttpRequestError.SecureConnectionError => "the TLS handshake failed (certificate or protocol)",
            HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse => "the server broke the HTTP protocol",
            HttpRequestError.ResponseEnded => "the server closed the connection before the end of the body",
            HttpRequestError.ProxyTunnelError => "the proxy refused the tunnel",
            HttpRequestError.ConfigurationLimitExceeded => "the server's answer exceeded a limit (headers too large?)",
            _ when !IoErrors.IsResourceKey(e.Message) => e.InnerException is { } i && !IoErrors.IsResourceKey(i.Message) ? i.Message : e.Message,
            _ => $"a network error ({e.GetType().Name})",
        };
    }

    static bool IsTransient(HttpStatusCode s) => (int)s >= 500 || s is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    static string HintFor(HttpStatusCode s) => s switch
    {
        HttpStatusCode.NotFound => "the server has no such file: check the URL (and that the source still exists)",
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            "the server refused the credentials: add a token for this host under 'auth:' in config.yaml",
        _ => "the server failed; try again later",
    };

    internal static double EnvDouble(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : fallback;

    public void Dispose() => _client.Dispose();
}
