using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// A real token server (an HTTP listener on 127.0.0.1) for docker-registry's <c>auth: token</c>:
/// it checks Basic credentials at its realm and issues JWTs in distribution's token format (RS256,
/// header <c>kid</c> = the libtrust fingerprint of the signing key, claims iss, sub, aud=service,
/// exp, nbf, iat, jti, access [{type, name, actions}]), signed with an RSA key whose self-signed
/// certificate is the registry's rootcertbundle. An anonymous client gets a token with no access
/// (as Docker Hub does), wrong credentials get 401. Records every scope asked and every token issued.
/// </summary>
public sealed class TokenAuthServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly RSA _key = RSA.Create(2048);
    public const string Service = "kraft-test-registry", Issuer = "kraft-test-token-issuer";
    public int Port { get; }
    public string Realm => $"http://127.0.0.1:{Port}/token";
    public string CertFile { get; }
    public string KeyId { get; }
    public string User { get; }
    public string Password { get; }
    /// <summary>Each token request: who (or "anonymous", or "rejected") and the scopes asked.</summary>
    public readonly List<(string Who, IReadOnlyList<string> Scopes)> Requests = [];
    public readonly List<string> IssuedTokens = [];
    /// <summary>Repositories the user gets no access to (to refuse a mount's source).</summary>
    public readonly HashSet<string> NoAccess = [];

    public TokenAuthServer(string dir, string user, string password)
    {
        User = user;
        Password = password;
        var request = new CertificateRequest("CN=kraft test token signer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        CertFile = Path.Combine(dir, "token-signer.crt");
        File.WriteAllText(CertFile, cert.ExportCertificatePem());
        KeyId = LibtrustKeyId(_key.ExportSubjectPublicKeyInfo());
        Port = LocalRegistry.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(Loop);
    }

    /// <summary>libtrust's key ID: SHA-256 of the DER public key, first 240 bits, base32, 12 groups of 4 joined by ':'.</summary>
    public static string LibtrustKeyId(byte[] subjectPublicKeyInfo)
    {
        var hash = SHA256.HashData(subjectPublicKeyInfo).AsSpan(0, 30);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var b32 = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in hash)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5) { b32.Append(alphabet[(buffer >> (bits - 5)) & 31]); bits -= 5; }
        }
        var s = b32.ToString();
        return string.Join(':', Enumerable.Range(0, s.Length / 4).Select(i => s.Substring(i * 4, 4)));
    }

    /// <summary>The registry's auth section for this server.</summary>
    public string RegistryAuthConfig =>
        $"auth:\n  token:\n    realm: {Realm}\n    service: {Service}\n    issuer: {Issuer}\n    rootcertbundle: {CertFile}\n";

    async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); } catch (Exception) { return; }
            try { Handle(ctx); } catch (Exception) { try { ctx.Response.Abort(); } catch (Exception) { } }
        }
    }

    void Handle(HttpListenerContext ctx)
    {
        var scopes = (ctx.Request.QueryString.GetValues("scope") ?? []).ToList();
        string? who = null;
        if (ctx.Request.Headers["Authorization"] is { } auth && auth.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..]));
            if (text != $"{User}:{Password}")
            {
                lock (Requests) Requests.Add(("rejected", scopes));
                ctx.Response.StatusCode = 401;
                ctx.Response.Close();
                return;
            }
            who = User;
        }
        lock (Requests) Requests.Add((who ?? "anonymous", scopes));
        var token = Issue(who, ctx.Request.QueryString["service"], who is null ? [] : scopes);
        lock (IssuedTokens) IssuedTokens.Add(token);
        var body = Encoding.UTF8.GetBytes($"{{\"token\":\"{token}\",\"access_token\":\"{token}\",\"expires_in\":300,\"issued_at\":\"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\"}}");
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength64 = body.Length;
        ctx.Response.OutputStream.Write(body);
        ctx.Response.Close();
    }

    string Issue(string? subject, string? service, IReadOnlyList<string> scopes)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        byte[] Json(Action<Utf8JsonWriter> write)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms)) write(w);
            return ms.ToArray();
        }
        var header = Json(w => { w.WriteStartObject(); w.WriteString("typ", "JWT"); w.WriteString("alg", "RS256"); w.WriteString("kid", KeyId); w.WriteEndObject(); });
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("iss", Issuer);
            w.WriteString("sub", subject ?? "");
            w.WriteString("aud", service ?? Service);
            w.WriteNumber("exp", now + 300);
            w.WriteNumber("nbf", now - 10);
            w.WriteNumber("iat", now);
            w.WriteString("jti", Guid.NewGuid().ToString("N"));
            w.WriteStartArray("access");
            foreach (var scope in scopes)
            {
                // type:name:actions (a name has no ':' but a registry:catalog:* scope has a '*')
                var first = scope.IndexOf(':');
                var last = scope.LastIndexOf(':');
                if (first < 0 || last <= first) continue;
                lock (NoAccess) if (NoAccess.Contains(scope[(first + 1)..last])) continue;
                w.WriteStartObject();
                w.WriteString("type", scope[..first]);
                w.WriteString("name", scope[(first + 1)..last]);
                w.WriteStartArray("actions");
                foreach (var a in scope[(last + 1)..].Split(',')) w.WriteStringValue(a);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
        var signingInput = B64(header) + "." + B64(claims);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + B64(signature);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _key.Dispose();
    }
}
