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

/// <summary>The body of a successful GET and the headers that came with it.</summary>
public sealed record HttpFetchResult(byte[] Body, HttpResponseHeaders Headers, Uri FinalUrl);

/// <summary>
/// kraft's HTTP client: one per process, with a time-out per attempt, retries with exponential
/// backoff on time-outs, connection failures and 5xx/429 answers, credentials per host, and
/// errors that name the URL. HTTP(S)_PROXY and NO_PROXY are honoured (the .NET default).
/// Knobs for slow links and tests: KRAFT_HTTP_TIMEOUT (seconds per attempt, default 30),
/// KRAFT_HTTP_RETRIES (extra attempts, default 3), KRAFT_HTTP_BACKOFF_MS (first pause, default 250).
/// </summary>
public sealed class HttpFetcher : IDisposable
{
    readonly HttpClient _client;
    readonly IReadOnlyDictionary<string, HttpCredentials> _credentials;
    public TimeSpan Timeout { get; }
    public int Retries { get; }
    public TimeSpan Backoff { get; }

    public static string UserAgent => "kraft.net/" + (typeof(HttpFetcher).Assembly.GetName().Version?.ToString(3) ?? "0");

    /// <param name="timeout">Overrides KRAFT_HTTP_TIMEOUT (tests).</param>
    public HttpFetcher(IReadOnlyDictionary<string, HttpCredentials>? credentials = null, TimeSpan? timeout = null)
    {
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

    /// <summary>GETs a URL into memory.</summary>
    public async Task<HttpFetchResult> GetAsync(string url, CancellationToken cancel, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var response = await SendAsync(url, headers, cancel).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        using var body = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await ReadWithIdleTimeoutAsync(stream, buffer, url, cancel).ConfigureAwait(false)) > 0)
            body.Write(buffer, 0, n);
        return new HttpFetchResult(body.ToArray(), response.Headers, response.RequestMessage?.RequestUri ?? new Uri(url));
    }

    /// <summary>
    /// Streams a URL into <paramref name="path"/> (through a temporary file renamed at the end, so
    /// an interrupted download leaves nothing behind) and returns the lowercase hex SHA-256.
    /// </summary>
    public async Task<string> DownloadAsync(string url, string path, CancellationToken cancel, IProgress<long>? progress = null)
    {
        var tmp = AtomicFile.TempPathBeside(path);
        try
        {
            string sha;
            using (var response = await SendAsync(url, null, cancel).ConfigureAwait(false))
            await using (var body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false))
            await using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                long total = 0;
                int n;
                while ((n = await ReadWithIdleTimeoutAsync(body, buffer, url, cancel).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
                    total += n;
                    progress?.Report(total);
                }
                await file.FlushAsync(cancel).ConfigureAwait(false);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            AtomicFile.Replace(tmp, path);
            return sha;
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

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
            throw new HttpFetchException($"GET {url} stalled: no data for {Timeout.TotalSeconds:0.###} s", url, null, null,
                "the server stopped sending and nothing was kept; try again (KRAFT_HTTP_TIMEOUT sets the time-out in seconds)");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new HttpFetchException($"GET {url} broke off: {e.InnerException?.Message ?? e.Message}", url, null, null,
                "the connection closed before the whole file arrived and nothing was kept; try again", e);
        }
    }

    async Task<HttpResponseMessage> SendAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken cancel)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new KraftException($"'{url}' is not an http(s) URL", hint: "write it as https://host/path");
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
                    throw new HttpFetchException($"GET {url} failed: {failure}", url, status, responseHeaders, HintFor(status.Value));
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                failure = $"no answer within {Timeout.TotalSeconds:0.###} s";
            }
            catch (HttpRequestException e)
            {
                failure = e.InnerException?.Message ?? e.Message;
            }
            if (attempt >= Retries)
                throw new HttpFetchException($"GET {url} failed after {attempt + 1} attempts: {failure}", url, status, responseHeaders,
                    "check the URL, your network and proxy settings (HTTPS_PROXY, NO_PROXY); KRAFT_HTTP_TIMEOUT sets the time-out in seconds");
            await Task.Delay(Backoff * Math.Pow(2, attempt), cancel).ConfigureAwait(false);
        }
    }

    static bool IsTransient(HttpStatusCode s) => (int)s >= 500 || s is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    static string HintFor(HttpStatusCode s) => s switch
    {
        HttpStatusCode.NotFound => "the server has no such file: check the URL (and that the source still exists)",
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            "the server refused the credentials: add a token for this host under 'auth:' in config.yaml",
        _ => "the server failed; try again later",
    };

    static double EnvDouble(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : fallback;

    public void Dispose() => _client.Dispose();
}
