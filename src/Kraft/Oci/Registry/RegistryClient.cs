using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Kraft.Oci.Registry;

/// <summary>How kraft talks to registries: TLS, time limits, upload chunking.</summary>
public sealed record RegistrySettings
{
    /// <summary>Allow plain HTTP and unverified TLS for every registry (loopback registries get plain HTTP without it).</summary>
    public bool Insecure { get; init; }
    /// <summary>A PEM file with the CA certificates to trust (besides the system's).</summary>
    public string? CaCertFile { get; init; }
    /// <summary>Time allowed for an answer to start, and for a body to make progress.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Extra attempts for failed reads (GET, HEAD); a blob download continues where it stopped.</summary>
    public int Retries { get; init; } = 3;
    /// <summary>Blobs larger than this are uploaded in PATCH chunks of this size; smaller ones in one PUT.</summary>
    public long ChunkSize { get; init; } = 64L << 20;
    /// <summary>Blobs larger than this are refused (a unikernel layer is a few MiB).</summary>
    public long MaxBlobSize { get; init; } = 4L << 30;

    /// <summary>KRAFT_HTTP_TIMEOUT (s), KRAFT_HTTP_RETRIES, KRAFT_OCI_CHUNK_SIZE (bytes), KRAFT_OCI_CA_CERT.</summary>
    public static RegistrySettings FromEnvironment(bool insecure = false, string? caCert = null, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        static double Num(string? v, double d) => double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x) && x >= 0 ? x : d;
        return new RegistrySettings
        {
            Insecure = insecure,
            CaCertFile = caCert ?? (env("KRAFT_OCI_CA_CERT") is { Length: > 0 } c ? c : null),
            Timeout = TimeSpan.FromSeconds(Num(env("KRAFT_HTTP_TIMEOUT"), 30)),
            Retries = (int)Num(env("KRAFT_HTTP_RETRIES"), 3),
            ChunkSize = Math.Max(1024, (long)Num(env("KRAFT_OCI_CHUNK_SIZE"), 64L << 20)),
        };
    }
}

/// <summary>A registry said no, or could not be reached; the message names the registry, the repository and what was asked.</summary>
public sealed class RegistryException(string message, HttpStatusCode? status = null, string? hint = null, Exception? inner = null)
    : KraftException(message, hint: hint, inner: inner)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// The OCI distribution API (v2) for one registry, spoken directly with HttpClient: the
/// WWW-Authenticate challenge (Bearer through the token endpoint, with the user's credentials
/// when there are some; Basic), HTTPS with the system's CAs plus an optional CA file, plain HTTP
/// for loopback registries (as Docker does for localhost) and elsewhere only when insecure is
/// asked; manifests read with a size limit, blobs streamed to the store, verified, and continued
/// with Range after an interruption; uploads monolithic or chunked, skipped when HEAD finds the
/// blob, mounted from another repository when the registry has it there.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    readonly HttpClient _http;
    readonly RegistrySettings _settings;
    readonly RegistryCredential? _credential;
    readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    readonly object _gate = new();
    string _scheme = "https";
    volatile bool _spokeTls;
    bool _basic;

    public string Registry { get; }
    /// <summary>Whether plain HTTP may be tried when TLS fails (loopback, or insecure).</summary>
    public bool AllowsHttp { get; }

    public RegistryClient(string registry, RegistrySettings settings, RegistryCredential? credential)
    {
        Registry = registry;
        _settings = settings;
        _credential = credential;
        AllowsHttp = settings.Insecure || ImageRef.IsLoopbackHost(ImageRef.HostOf(registry));
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = settings.Timeout,
            MaxConnectionsPerServer = 8,
            MaxAutomaticRedirections = 5,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        X509Certificate2Collection? roots = null;
        if (settings.CaCertFile is { } ca)
        {
            if (!File.Exists(ca)) throw new KraftException($"CA certificate file {ca} does not exist", hint: "give a PEM file with --ca-cert");
            roots = new X509Certificate2Collection();
            try { roots.ImportFromPemFile(ca); }
            catch (CryptographicException e) { throw new KraftException($"{ca} is not a PEM certificate file: {e.Message}", hint: "give a PEM file (-----BEGIN CERTIFICATE-----)", inner: e); }
            if (roots.Count == 0) throw new KraftException($"{ca} holds no certificate", hint: "give a PEM file (-----BEGIN CERTIFICATE-----)");
        }
        // Always installed: a registry that shows a certificate speaks TLS, so a failure after that
        // is a trust problem and never a reason to fall back to plain HTTP.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                _spokeTls = true;
                if (errors == SslPolicyErrors.None || settings.Insecure) return true;
                if (roots is null || cert is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(roots);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (chain is not null)
                    foreach (var e in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(e.Certificate);
                return custom.Build(new X509Certificate2(cert));
            };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("kraft.net/" + (typeof(RegistryClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public void Dispose() => _http.Dispose();

    Uri Url(string path) => new($"{_scheme}://{Registry}{path}");

    static string Scope(string repository, bool push) => $"repository:{repository}:{(push ? "pull,push" : "pull")}";

    /// <summary>A cross-repository mount needs push on the target and pull on the source (the registry checks both).</summary>
    static string MountScope(string repository, string from) => $"{Scope(repository, true)} {Scope(from, false)}";

    /// <summary>
    /// Sends a request (made fresh for each attempt), answering the registry's auth challenge and
    /// falling back to plain HTTP where allowed. Retries connection failures and 5xx for reads.
    /// </summary>
    async Task<HttpResponseMessage> SendAsync(Func<Uri?, HttpRequestMessage> make, string what, string scope, bool idempotent,
        CancellationToken cancel, HttpCompletionOption completion = HttpCompletionOption.ResponseHeadersRead)
    {
        var authTried = false;
        for (var attempt = 0; ; attempt++)
        {
            cancel.ThrowIfCancellationRequested();
            using var request = make(null);
            Authorize(request, scope);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(_settings.Timeout);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, deadline.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (request.RequestUri?.Scheme == "https" && AllowsHttp && !_spokeTls && IsTlsFailure(e) && attempt < 2)
            {
                // A plain-HTTP registry answers a TLS hello with garbage: speak HTTP to it from now on.
                _scheme = "http";
                attempt--;
                continue;
            }
            catch (HttpRequestException e) when (IsTlsFailure(e))
            {
                throw new RegistryException($"{what}: the TLS connection to {Registry} failed: {Inner(e)}", null,
                    ImageRef.IsLoopbackHost(ImageRef.HostOf(Registry)) ? "give the registry's CA with --ca-cert FILE" : "give the registry's CA with --ca-cert FILE, or (only for a registry you trust on your network) --insecure", e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || e is OperationCanceledException && !cancel.IsCancellationRequested)
            {
                if (idempotent && attempt < _settings.Retries) { await Backoff(attempt, cancel).ConfigureAwait(false); continue; }
                throw new RegistryException(e is OperationCanceledException
                    ? $"{what}: {Registry} did not answer in {_settings.Timeout.TotalSeconds:0.#} s"
                    : $"{what}: cannot reach {Registry}: {Inner(e)}", null, "check the registry's address and that it is running; KRAFT_HTTP_TIMEOUT sets the time-out in seconds", e);
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized && !authTried)
            {
                authTried = true;
                var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
                response.Dispose();
                await AnswerChallengeAsync(challenge, scope, what, cancel).ConfigureAwait(false);
                attempt--;
                continue;
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
            {
                response.Dispose();
                throw new RegistryException($"{what}: {Registry} refused access ({(int)response.StatusCode} {response.StatusCode})", response.StatusCode,
                    _credential is null ? $"log in first: kraft login {Registry} -u USER --password-stdin"
                        : $"the credentials ({_credential.From}) were not accepted for this; log in again: kraft login {Registry}");
            }
            if ((int)response.StatusCode >= 500 && idempotent && attempt < _settings.Retries)
            {
                response.Dispose();
                await Backoff(attempt, cancel).ConfigureAwait(false);
                continue;
            }
            return response;
        }
    }

    static bool IsTlsFailure(HttpRequestException e) =>
        e.InnerException is AuthenticationException || e.HttpRequestError == HttpRequestError.SecureConnectionError;

    static string Inner(Exception e) => e.InnerException is { } i ? Inner(i) : e.Message;

    Task Backoff(int attempt, CancellationToken cancel) => Task.Delay(TimeSpan.FromMilliseconds(200 * (1 << Math.Min(attempt, 5))), cancel);

    void Authorize(HttpRequestMessage request, string scope)
    {
        lock (_gate)
        {
            if (_tokens.TryGetValue(scope, out var token)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            else if (_basic && _credential is { } c) request.Headers.Authorization = BasicHeader(c);
        }
    }

    static AuthenticationHeaderValue BasicHeader(RegistryCredential c) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.User}:{c.Secret}")));

    async Task AnswerChallengeAsync(AuthenticationHeaderValue? challenge, string scope, string what, CancellationToken cancel)
    {
        if (challenge is null)
            throw new RegistryException($"{what}: {Registry} answered 401 without a WWW-Authenticate challenge", HttpStatusCode.Unauthorized, "the registry is misconfigured");
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (_credential is null)
                throw new RegistryException($"{what}: {Registry} wants credentials", HttpStatusCode.Unauthorized, $"log in first: kraft login {Registry} -u USER --password-stdin");
            lock (_gate) _basic = true;
            return;
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            throw new RegistryException($"{what}: {Registry} wants the {challenge.Scheme} authentication scheme, which kraft does not speak", HttpStatusCode.Unauthorized);
        var p = ParseChallenge(challenge.Parameter ?? "");
        if (!p.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("https" or "http"))
            throw new RegistryException($"{what}: {Registry}'s Bearer challenge has no usable realm", HttpStatusCode.Unauthorized, "the registry is misconfigured");
        if (realmUri.Scheme == "http" && !AllowsHttp && !ImageRef.IsLoopbackHost(realmUri.Host))
            throw new RegistryException($"{what}: {Registry}'s token endpoint {realmUri.GetLeftPart(UriPartial.Path)} is plain HTTP; kraft will not send credentials there", HttpStatusCode.Unauthorized, "use --insecure only if you trust the network");
        var query = new StringBuilder();
        if (p.TryGetValue("service", out var service)) query.Append("service=").Append(Uri.EscapeDataString(service));
        // One scope parameter per scope (the token spec's form); the challenge may ask for more than
        // kraft did (e.g. a mount's source repository), space-separated in one value.
        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (p.TryGetValue("scope", out var s))
            foreach (var extra in s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (!scopes.Contains(extra)) scopes.Add(extra);
        foreach (var sc in scopes) query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(sc));
        var tokenUrl = new UriBuilder(realmUri) { Query = (realmUri.Query.TrimStart('?') is { Length: > 0 } q ? q + "&" : "") + query }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
        if (_credential is { } c) request.Headers.Authorization = BasicHeader(c);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(_settings.Timeout);
        HttpResponseMessage response;
        try { response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false); }
        catch (Exception e) when (e is HttpRequestException or IOException || e is OperationCanceledException && !cancel.IsCancellationRequested)
        {
            throw new RegistryException($"{what}: cannot get a token from {tokenUrl.GetLeftPart(UriPartial.Path)}: {Inner(e)}", null, null, e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new RegistryException($"{what}: the token endpoint {tokenUrl.GetLeftPart(UriPartial.Path)} refused ({(int)response.StatusCode})", response.StatusCode,
                    _credential is null ? $"log in first: kraft login {Registry} -u USER --password-stdin" : $"the credentials ({_credential.From}) were not accepted; log in again: kraft login {Registry}");
            var body = await ReadSmallAsync(response, 1 << 20, $"{what}: the token", cancel).ConfigureAwait(false);
            string? token = null;
            try
            {
                using var doc = JsonDocument.Parse(body);
                token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
                    : doc.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
            }
            catch (JsonException) { }
            if (string.IsNullOrEmpty(token))
                throw new RegistryException($"{what}: the token endpoint {tokenUrl.GetLeftPart(UriPartial.Path)} answered without a token", response.StatusCode);
            lock (_gate) _tokens[scope] = token;
        }
    }

    /// <summary>key="value", key=value, ... (RFC 7235 auth-params).</summary>
    public static Dictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            while (i < parameter.Length && (parameter[i] == ',' || char.IsWhiteSpace(parameter[i]))) i++;
            var eq = parameter.IndexOf('=', i);
            if (eq < 0) break;
            var key = parameter[i..eq].Trim();
            i = eq + 1;
            var value = new StringBuilder();
            if (i < parameter.Length && parameter[i] == '"')
            {
                i++;
                while (i < parameter.Length && parameter[i] != '"')
                {
                    if (parameter[i] == '\\' && i + 1 < parameter.Length) i++;
                    value.Append(parameter[i++]);
                }
                i++;
            }
            else
                while (i < parameter.Length && parameter[i] != ',') value.Append(parameter[i++]);
            result[key] = value.ToString().Trim();
        }
        return result;
    }

    static async Task<byte[]> ReadSmallAsync(HttpResponseMessage response, int limit, string what, CancellationToken cancel)
    {
        if (response.Content.Headers.ContentLength is { } len && len > limit)
            throw new RegistryException($"{what} is {len} bytes, more than the {limit >> 10} KiB allowed", null, "this is not a unikernel image's manifest");
        await using var stream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        using var ms = new MemoryStream();
        var buffer = new byte[16384];
        int n;
        while ((n = await stream.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > limit) throw new RegistryException($"{what} is larger than the {limit >> 10} KiB allowed", null, "this is not a unikernel image's manifest");
        }
        return ms.ToArray();
    }

    async Task<RegistryException> ErrorAsync(HttpResponseMessage response, string what, string? hint = null)
    {
        var detail = "";
        try
        {
            var body = await ReadSmallAsync(response, 1 << 16, what, CancellationToken.None).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                detail = string.Join("; ", errors.EnumerateArray().Select(e =>
                    $"{(e.TryGetProperty("code", out var c) ? c.GetString() : "")}: {(e.TryGetProperty("message", out var m) ? m.GetString() : "")}"));
        }
        catch (Exception e) when (e is JsonException or RegistryException or IOException or HttpRequestException) { }
        return new RegistryException($"{what}: {Registry} answered {(int)response.StatusCode} {response.ReasonPhrase}{(detail.Length > 0 ? $" ({Sanitise(detail)})" : "")}",
            response.StatusCode, hint);
    }

    static string Sanitise(string s)
    {
        var clean = new string(s.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return clean.Length > 300 ? clean[..300] + "…" : clean;
    }

    /// <summary>A manifest or index, as bytes (at most 4 MiB), its media type and its digest (computed; checked against the reference's digest and Docker-Content-Digest).</summary>
    public async Task<(byte[] Bytes, string MediaType, Digest Digest)> GetManifestAsync(string repository, string reference, CancellationToken cancel)
    {
        var what = $"GET manifest {Registry}/{repository}:{reference}";
        using var response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Get, Url($"/v2/{repository}/manifests/{reference}"))
        {
            Headers = { { "Accept", MediaTypes.Accept } },
        }, what, Scope(repository, false), true, cancel).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw await ErrorAsync(response, $"{Registry}/{repository}:{reference} does not exist").ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, what).ConfigureAwait(false);
        var bytes = await ReadSmallAsync(response, OciStore.MaxJsonSize, what, cancel).ConfigureAwait(false);
        var digest = Digest.Of(bytes);
        if (Digest.TryParse(reference, out var wanted) && wanted != digest)
            throw new RegistryException($"{Registry}/{repository}@{wanted}: the registry served a manifest whose digest is {digest}", null, "nothing was stored; the registry or a proxy damaged it");
        var type = response.Content.Headers.ContentType?.MediaType;
        var sniffed = OciJson.SniffMediaType(bytes, what);
        return (bytes, sniffed ?? type ?? "", digest);
    }

    /// <summary>The tags of a repository (for "that tag does not exist; these do"), at most 100.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancel)
    {
        try
        {
            using var response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Get, Url($"/v2/{repository}/tags/list?n=100")), "list tags", Scope(repository, false), true, cancel).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return [];
            using var doc = JsonDocument.Parse(await ReadSmallAsync(response, 1 << 20, "tag list", cancel).ConfigureAwait(false));
            return doc.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? tags.EnumerateArray().Select(t => t.GetString() ?? "").Where(t => t.Length > 0).Take(100).ToList() : [];
        }
        catch (Exception e) when (e is KraftException or JsonException) { return []; }
    }

    public async Task<bool> HasBlobAsync(string repository, Digest digest, CancellationToken cancel)
    {
        using var response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Head, Url($"/v2/{repository}/blobs/{digest}")),
            $"HEAD blob {digest}", Scope(repository, true), true, cancel).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, $"HEAD {Registry}/{repository} blob {digest}").ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Downloads a blob into the store, verified against its digest and size before it is
    /// stored. What arrived before an interruption is kept in the store's ingest folder and the
    /// next attempt (a retry, or the next pull) asks only for the rest (Range).
    /// </summary>
    public async Task DownloadBlobAsync(string repository, Descriptor descriptor, OciStore store, string imageName, IProgress<long>? progress, CancellationToken cancel)
    {
        var digest = descriptor.Digest;
        if (store.HasBlob(descriptor)) return;
        if (descriptor.Size < 0 || descriptor.Size > _settings.MaxBlobSize)
            throw new RegistryException($"{imageName}: blob {digest} is {descriptor.Size} bytes, more than the {_settings.MaxBlobSize >> 20} MiB allowed");
        var partial = store.PartialPath(digest);
        using var hold = Kraft.Host.FileLock.Acquire(partial + ".lock", $"the download of {digest}", NullReporter.Instance, cancel);
        if (store.HasBlob(descriptor)) { Kraft.Host.AtomicFile.TryDelete(partial + ".lock"); return; }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await DownloadOnceAsync(repository, descriptor, partial, imageName, progress, cancel).ConfigureAwait(false);
                store.IngestFile(partial, digest, descriptor.Size, $"{imageName}: blob");
                Kraft.Host.AtomicFile.TryDelete(partial + ".lock");
                return;
            }
            catch (RegistryException e) when (e.Data.Contains("retryable") && attempt < _settings.Retries)
            {
                await Backoff(attempt, cancel).ConfigureAwait(false);
            }
        }
    }

    async Task DownloadOnceAsync(string repository, Descriptor descriptor, string partial, string imageName, IProgress<long>? progress, CancellationToken cancel)
    {
        var digest = descriptor.Digest;
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (have > descriptor.Size) { File.Delete(partial); have = 0; }
        var what = $"{imageName}: GET blob {digest}";
        using var response = await SendAsync(_ =>
        {
            var r = new HttpRequestMessage(HttpMethod.Get, Url($"/v2/{repository}/blobs/{digest}"));
            if (have > 0) r.Headers.Range = new RangeHeaderValue(have, null);
            return r;
        }, what, Scope(repository, false), true, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, what, response.StatusCode == HttpStatusCode.NotFound ? "the registry lost the blob; push the image again" : "nothing damaged was stored; try again").ConfigureAwait(false);
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
        await using var body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        await using var file = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var total = append ? have : 0;
        var buffer = new byte[1 << 16];
        while (true)
        {
            int n;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                idle.CancelAfter(_settings.Timeout);
                try { n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is IOException or HttpRequestException || e is OperationCanceledException && !cancel.IsCancellationRequested)
                {
                    await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    var x = new RegistryException($"{what} broke off after {total} of {descriptor.Size} bytes: {(e is OperationCanceledException ? $"no data for {_settings.Timeout.TotalSeconds:0.#} s" : Inner(e))}",
                        null, "what arrived is kept; the next pull continues from there", e);
                    x.Data["retryable"] = true;
                    throw x;
                }
            }
            if (n == 0) break;
            total += n;
            if (total > descriptor.Size)
            {
                file.Close();
                File.Delete(partial);
                throw new RegistryException($"{what}: the registry sent more than the {descriptor.Size} bytes the manifest gives", null, "nothing was stored; the registry or a proxy damaged it");
            }
            await file.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
            progress?.Report(n);
        }
        await file.FlushAsync(cancel).ConfigureAwait(false);
        if (total < descriptor.Size)
        {
            var x = new RegistryException($"{what} ended after {total} of {descriptor.Size} bytes", null, "what arrived is kept; the next pull continues from there");
            x.Data["retryable"] = true;
            throw x;
        }
    }

    /// <summary>A small blob (a config) into memory, verified.</summary>
    public async Task<byte[]> GetSmallBlobAsync(string repository, Descriptor descriptor, string imageName, CancellationToken cancel)
    {
        var digest = descriptor.Digest;
        if (descriptor.Size > OciStore.MaxJsonSize) throw new RegistryException($"{imageName}: config {digest} is {descriptor.Size} bytes, more than the {OciStore.MaxJsonSize >> 20} MiB allowed");
        var what = $"{imageName}: GET config {digest}";
        using var response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Get, Url($"/v2/{repository}/blobs/{digest}")), what, Scope(repository, false), true, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, what).ConfigureAwait(false);
        var bytes = await ReadSmallAsync(response, OciStore.MaxJsonSize, what, cancel).ConfigureAwait(false);
        if (Digest.Of(bytes) != digest)
            throw new RegistryException($"{imageName}: config {digest} does not match its digest (received {bytes.Length} bytes with digest {Digest.Of(bytes)})", null, "nothing was stored; the registry or a proxy damaged it");
        return bytes;
    }

    /// <summary>Uploads a blob unless the repository has it; mounts it from <paramref name="mountFrom"/> when the registry can. Returns how it got there.</summary>
    public async Task<string> UploadBlobAsync(string repository, Descriptor descriptor, string path, IReadOnlyList<string> mountFrom, CancellationToken cancel)
    {
        var digest = descriptor.Digest;
        if (await HasBlobAsync(repository, digest, cancel).ConfigureAwait(false)) return "exists";
        var scope = Scope(repository, true);
        Uri? location = null;
        foreach (var from in mountFrom.Where(f => f != repository))
        {
            HttpResponseMessage m;
            try
            {
                m = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Post, Url($"/v2/{repository}/blobs/uploads/?mount={digest}&from={Uri.EscapeDataString(from)}")),
                    $"mount blob {digest} from {from}", MountScope(repository, from), false, cancel).ConfigureAwait(false);
            }
            catch (RegistryException e) when (e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                continue; // no pull access to the source repository: upload it instead
            }
            using (m)
            {
                if (m.StatusCode == HttpStatusCode.Created) return "mounted from " + from;
                if (m.StatusCode == HttpStatusCode.Accepted) { location = Location(m); break; }
            }
        }
        if (location is null)
        {
            using var start = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Post, Url($"/v2/{repository}/blobs/uploads/")), $"start upload of {digest}", scope, false, cancel).ConfigureAwait(false);
            if (start.StatusCode != HttpStatusCode.Accepted) throw await ErrorAsync(start, $"push {Registry}/{repository}: start upload of {digest}").ConfigureAwait(false);
            location = Location(start);
        }
        var size = descriptor.Size;
        if (size > _settings.ChunkSize)
        {
            long offset = 0;
            while (offset < size)
            {
                var len = Math.Min(_settings.ChunkSize, size - offset);
                var from = offset;
                var at = location;
                using var patch = await SendAsync(_ =>
                {
                    var r = new HttpRequestMessage(HttpMethod.Patch, at) { Content = new FileSliceContent(path, from, len) };
                    r.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    r.Content.Headers.TryAddWithoutValidation("Content-Range", $"{from}-{from + len - 1}");
                    return r;
                }, $"upload chunk of {digest}", scope, false, cancel).ConfigureAwait(false);
                if (patch.StatusCode != HttpStatusCode.Accepted) throw await ErrorAsync(patch, $"push {Registry}/{repository}: chunk {from}-{from + len - 1} of {digest}").ConfigureAwait(false);
                location = Location(patch);
                offset += len;
            }
            var final = WithDigest(location, digest);
            using var put = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Put, final) { Content = new ByteArrayContent([]) }, $"finish upload of {digest}", scope, false, cancel).ConfigureAwait(false);
            if (put.StatusCode != HttpStatusCode.Created) throw await ErrorAsync(put, $"push {Registry}/{repository}: finish upload of {digest}").ConfigureAwait(false);
            return "uploaded in chunks";
        }
        var url = WithDigest(location, digest);
        using (var put = await SendAsync(_ =>
        {
            var r = new HttpRequestMessage(HttpMethod.Put, url) { Content = new FileSliceContent(path, 0, size) };
            r.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return r;
        }, $"upload {digest}", scope, false, cancel).ConfigureAwait(false))
            if (put.StatusCode != HttpStatusCode.Created) throw await ErrorAsync(put, $"push {Registry}/{repository}: upload of {digest}").ConfigureAwait(false);
        return "uploaded";
    }

    Uri Location(HttpResponseMessage response)
    {
        var loc = response.Headers.Location ?? throw new RegistryException($"{Registry} started an upload without a Location", response.StatusCode, "the registry is misconfigured");
        return loc.IsAbsoluteUri ? loc : new Uri(Url("/"), loc);
    }

    static Uri WithDigest(Uri location, Digest digest)
    {
        var b = new UriBuilder(location);
        var q = b.Query.TrimStart('?');
        b.Query = (q.Length > 0 ? q + "&" : "") + "digest=" + Uri.EscapeDataString(digest.ToString());
        return b.Uri;
    }

    /// <summary>Puts a manifest or index byte for byte (so its digest is preserved) under a tag or its digest.</summary>
    public async Task PutManifestAsync(string repository, string reference, byte[] bytes, string mediaType, CancellationToken cancel)
    {
        using var response = await SendAsync(_ =>
        {
            var r = new HttpRequestMessage(HttpMethod.Put, Url($"/v2/{repository}/manifests/{reference}")) { Content = new ByteArrayContent(bytes) };
            r.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return r;
        }, $"push manifest {reference}", Scope(repository, true), false, cancel).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created) throw await ErrorAsync(response, $"push {Registry}/{repository}:{reference}").ConfigureAwait(false);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } d && d != Digest.Of(bytes).ToString())
            throw new RegistryException($"push {Registry}/{repository}:{reference}: the registry stored the manifest as {d}, not {Digest.Of(bytes)}", null, "the registry rewrote the manifest");
    }

    /// <summary>Checks that the registry answers and accepts the credentials (kraft login).</summary>
    public async Task CheckAsync(CancellationToken cancel)
    {
        using var response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Get, Url("/v2/")), $"GET {Registry}/v2/", "registry:catalog:*", true, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, $"{Registry}/v2/", "is this an OCI registry?").ConfigureAwait(false);
    }
}

/// <summary>An upload body read from part of a file, so a 50 MB layer is never held in memory.</summary>
sealed class FileSliceContent(string path, long offset, long length) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) => await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancel)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        file.Position = offset;
        var buffer = new byte[1 << 16];
        var left = length;
        while (left > 0)
        {
            var n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancel).ConfigureAwait(false);
            if (n == 0) throw new IOException($"{path} became shorter while it was uploaded");
            await stream.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
            left -= n;
        }
    }

    protected override bool TryComputeLength(out long l)
    {
        l = length;
        return true;
    }
}
