using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Kraft.Host;

namespace Kraft.Oci.Registry;

/// <summary>A user name and secret (a password or an identity token) for one registry. Never printed.</summary>
public sealed record RegistryCredential(string User, string Secret, string From)
{
    public override string ToString() => $"credentials for {User} (from {From})";
}

/// <summary>
/// Finds credentials for a registry, first match wins: kraft's own login file (written by
/// <c>kraft login</c>), KraftKit's config.yaml <c>auth</c> map, Docker's config.json
/// ($DOCKER_CONFIG or ~/.docker: <c>credHelpers</c>, <c>credsStore</c> through the
/// docker-credential-* get protocol, then <c>auths</c>), and Podman's auth.json
/// ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers, ~/.config/containers). Files that cannot be
/// read are skipped with a warning that names them, never their content.
/// </summary>
public sealed class CredentialResolver
{
    readonly Func<string, string?> _env;
    readonly IReadOnlyDictionary<string, (string? User, string? Token)> _kraftKitAuth;
    readonly Action<string>? _warn;

    public CredentialResolver(IReadOnlyDictionary<string, (string? User, string? Token)>? kraftKitAuth = null, Func<string, string?>? env = null, Action<string>? warn = null)
    {
        _env = env ?? Environment.GetEnvironmentVariable;
        _kraftKitAuth = kraftKitAuth ?? new Dictionary<string, (string?, string?)>();
        _warn = warn;
    }

    string Home => _env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>kraft's login file: $KRAFTKIT_CONFIG_DIR/auth.json, else $XDG_CONFIG_HOME/kraftkit/auth.json, else ~/.config/kraftkit/auth.json (mode 0600, Docker's auths format).</summary>
    public string LoginFile => Path.Combine(
        _env("KRAFTKIT_CONFIG_DIR") is { Length: > 0 } c ? c
        : _env("XDG_CONFIG_HOME") is { Length: > 0 } x ? Path.Combine(x, "kraftkit")
        : Path.Combine(Home, ".config", "kraftkit"), "auth.json");

    public string DockerConfigFile => Path.Combine(_env("DOCKER_CONFIG") is { Length: > 0 } d ? d : Path.Combine(Home, ".docker"), "config.json");

    IEnumerable<string> PodmanAuthFiles()
    {
        if (_env("REGISTRY_AUTH_FILE") is { Length: > 0 } f) yield return f;
        if (_env("XDG_RUNTIME_DIR") is { Length: > 0 } r) yield return Path.Combine(r, "containers", "auth.json");
        yield return Path.Combine(_env("XDG_CONFIG_HOME") is { Length: > 0 } x ? x : Path.Combine(Home, ".config"), "containers", "auth.json");
    }

    /// <summary>The credentials for <paramref name="registry"/> (host[:port]), or null to go anonymous.</summary>
    public RegistryCredential? Find(string registry)
    {
        if (ReadAuthsFile(LoginFile, registry, "kraft login") is { } mine) return mine;
        foreach (var (host, v) in _kraftKitAuth)
            if (SameRegistry(host, registry) && v.Token is { Length: > 0 } token)
                return new RegistryCredential(v.User ?? "", token, "KraftKit's config.yaml auth");
        if (ReadDocker(registry) is { } docker) return docker;
        foreach (var f in PodmanAuthFiles())
            if (ReadAuthsFile(f, registry, f) is { } p) return p;
        return null;
    }

    /// <summary>Keys are written as host[:port], https://host/..., or Docker Hub's aliases; all compare by host[:port].</summary>
    public static string Normalise(string key)
    {
        var k = key.Trim();
        var scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) k = k[(scheme + 3)..];
        var slash = k.IndexOf('/');
        if (slash >= 0) k = k[..slash];
        k = k.ToLowerInvariant();
        return k is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? "docker.io" : k;
    }

    static bool SameRegistry(string key, string registry) => Normalise(key) == Normalise(registry);

    JsonDocument? ReadJson(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            if (info.Length > 1 << 20) { _warn?.Invoke($"{path} is larger than 1 MiB; skipped"); return null; }
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 16, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            _warn?.Invoke($"cannot read credentials from {path} ({(e is JsonException ? "not valid JSON" : e.Message)}); skipped");
            return null;
        }
    }

    RegistryCredential? ReadAuthsFile(string path, string registry, string from)
    {
        using var doc = ReadJson(path);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object) return null;
        return FromAuths(doc.RootElement, registry, from, path);
    }

    RegistryCredential? FromAuths(JsonElement root, string registry, string from, string path)
    {
        if (!root.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in auths.EnumerateObject())
        {
            if (!SameRegistry(p.Name, registry) || p.Value.ValueKind != JsonValueKind.Object) continue;
            if (p.Value.TryGetProperty("identitytoken", out var it) && it.GetString() is { Length: > 0 } token)
                return new RegistryCredential("<token>", token, from);
            if (p.Value.TryGetProperty("auth", out var a) && a.GetString() is { Length: > 0 } b64)
            {
                try
                {
                    var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
                    var colon = text.IndexOf(':');
                    if (colon > 0) return new RegistryCredential(text[..colon], text[(colon + 1)..], from);
                }
                catch (FormatException) { }
                _warn?.Invoke($"{path}: the auth entry for {p.Name} is not base64 of user:password; skipped");
            }
            if (p.Value.TryGetProperty("username", out var u) && p.Value.TryGetProperty("password", out var pw)
                && u.GetString() is { Length: > 0 } user && pw.GetString() is { Length: > 0 } pass)
                return new RegistryCredential(user, pass, from);
        }
        return null;
    }

    RegistryCredential? ReadDocker(string registry)
    {
        using var doc = ReadJson(DockerConfigFile);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object) return null;
        var root = doc.RootElement;
        string? helper = null;
        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            foreach (var p in helpers.EnumerateObject())
                if (SameRegistry(p.Name, registry)) helper = p.Value.GetString();
        if (helper is null && root.TryGetProperty("credsStore", out var store)) helper = store.GetString();
        if (helper is { Length: > 0 } && FromHelper(helper, registry) is { } fromHelper) return fromHelper;
        return FromAuths(root, registry, DockerConfigFile, DockerConfigFile);
    }

    /// <summary>docker-credential-NAME get: the server on stdin, {"Username","Secret"} on stdout; exit 1 "credentials not found" means none.</summary>
    RegistryCredential? FromHelper(string name, string registry)
    {
        if (!Names.IsValid(name)) { _warn?.Invoke($"{DockerConfigFile}: credential helper name {Names.Quote(name)} is not valid; skipped"); return null; }
        var exe = "docker-credential-" + name;
        var path = ToolLocator.Find(exe);
        if (path is null) { _warn?.Invoke($"{DockerConfigFile} names the credential helper {exe}, which is not on PATH; skipped"); return null; }
        try
        {
            var psi = new ProcessStartInfo(path, "get") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = new Process { StartInfo = psi };
            Kraft.Host.ChildProcesses.Start(p);
            p.StandardInput.Write(registry);
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(10_000))
            {
                p.Kill(entireProcessTree: true);
                _warn?.Invoke($"{exe} get did not answer in 10 s; skipped");
                return null;
            }
            if (p.ExitCode != 0) return null; // "credentials not found in native keychain"
            var text = stdout.GetAwaiter().GetResult();
            _ = stderr.GetAwaiter().GetResult();
            using var doc = JsonDocument.Parse(text.Length > 1 << 16 ? "{}" : text);
            var user = doc.RootElement.TryGetProperty("Username", out var u) ? u.GetString() : null;
            var secret = doc.RootElement.TryGetProperty("Secret", out var s) ? s.GetString() : null;
            return secret is { Length: > 0 } ? new RegistryCredential(user ?? "", secret, exe) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            _warn?.Invoke($"{exe} get failed ({(e is JsonException ? "its answer is not JSON" : e.Message)}); skipped");
            return null;
        }
    }

    /// <summary>Writes or replaces the login for <paramref name="registry"/> in kraft's login file (0600, atomically).</summary>
    public void Store(string registry, string user, string secret)
    {
        var auths = ReadLoginEntries();
        auths[Normalise(registry)] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{secret}"));
        WriteLoginEntries(auths);
    }

    /// <summary>Removes the login for <paramref name="registry"/>; false when kraft had none.</summary>
    public bool Remove(string registry)
    {
        var auths = ReadLoginEntries();
        if (!auths.Remove(Normalise(registry))) return false;
        WriteLoginEntries(auths);
        return true;
    }

    SortedDictionary<string, string> ReadLoginEntries()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var doc = ReadJson(LoginFile);
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            foreach (var p in auths.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("auth", out var a) && a.GetString() is { } s)
                    result[Normalise(p.Name)] = s;
        return result;
    }

    void WriteLoginEntries(SortedDictionary<string, string> auths)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("auths");
            foreach (var (k, v) in auths)
            {
                w.WriteStartObject(k);
                w.WriteString("auth", v);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        PrivateFile.Write(LoginFile, ms.ToArray());
    }
}

/// <summary>Files only their owner may read (0600 from the moment they exist), replaced atomically.</summary>
public static class PrivateFile
{
    public static void Write(string path, byte[] content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = AtomicFile.TempPathBeside(path);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var fs = new FileStream(tmp, options))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            AtomicFile.Replace(tmp, path);
        }
        finally { AtomicFile.TryDelete(tmp); }
    }
}
