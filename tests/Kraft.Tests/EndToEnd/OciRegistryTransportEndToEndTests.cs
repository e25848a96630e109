using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// The registry clauses not covered elsewhere, against the real docker-registry: chunked uploads
/// (PATCH, seen in the registry's own log), plain HTTP to a non-loopback registry only with
/// --insecure, and credentials from KraftKit's config.yaml auth, a docker-credential-* helper
/// (credsStore and credHelpers, a real script on PATH) and Podman's auth.json.
/// </summary>
public class OciRegistryTransportEndToEndTests
{
    static Dictionary<string, string?> Vars(TempDir dir, string store = "store") => new()
    {
        ["KRAFT_OCI_DIR"] = dir[store], ["HOME"] = dir["home"], ["KRAFTKIT_CONFIG_DIR"] = dir["config"], ["DOCKER_CONFIG"] = dir["docker"],
        ["XDG_RUNTIME_DIR"] = null, ["REGISTRY_AUTH_FILE"] = null, ["XDG_CONFIG_HOME"] = null, ["KRAFT_HTTP_RETRIES"] = "0", ["KRAFT_HTTP_TIMEOUT"] = "10",
    };

    static CliResult K(TempDir dir, Dictionary<string, string?> vars, params string[] args) => KraftCli.Run(dir.Path, vars, TimeSpan.FromMinutes(2), args);

    static string IndexDigest(string store) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(store, "index.json"))).RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;

    [SkippableFact]
    public void A_large_blob_is_uploaded_in_chunks_and_pulls_back_identical()
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        using var registry = new LocalRegistry();
        using var dir = new TempDir();
        var kernel = new byte[300_000];
        new Random(11).NextBytes(kernel);
        File.WriteAllBytes(dir["kernel"], kernel);
        var reference = $"{registry.Host}/chunked:1";
        var vars = Vars(dir);
        Assert.Equal(0, K(dir, vars, "pkg", "--kernel", dir["kernel"], "--plat", "qemu", "--arch", "x86_64", "--name", reference).ExitCode);
        var push = K(dir, new Dictionary<string, string?>(vars) { ["KRAFT_OCI_CHUNK_SIZE"] = "65536" }, "pkg", "push", reference);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Contains("2 blobs uploaded", push.Stdout);
        // 300,000 bytes in 64 KiB chunks: 5 PATCH requests for the kernel (the config is one PUT).
        var patches = registry.Log.Split('\n').Count(l => l.Contains("response completed") && l.Contains("http.request.method=PATCH"));
        Assert.True(patches == 5, $"{patches} PATCH requests\n{registry.Log}");

        var pull = K(dir, Vars(dir, "pulled"), "pkg", "pull", reference);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(IndexDigest(dir["store"]), IndexDigest(dir["pulled"]));
        var blobs = Directory.GetFiles(Path.Combine(dir["store"], "blobs", "sha256")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(blobs, Directory.GetFiles(Path.Combine(dir["pulled"], "blobs", "sha256")).Select(Path.GetFileName).Order().ToList());
        foreach (var b in blobs)
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir["store"], "blobs", "sha256", b!)), File.ReadAllBytes(Path.Combine(dir["pulled"], "blobs", "sha256", b!)));
    }

    static string? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a))?.ToString();

    [SkippableFact]
    public void Plain_http_to_a_registry_off_loopback_needs_insecure()
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        var address = NonLoopbackAddress();
        Skip.If(address is null, "this machine has no non-loopback IPv4 address");
        using var registry = new LocalRegistry(address: address!);
        using var dir = new TempDir();
        File.WriteAllBytes(dir["kernel"], new byte[20_000]);
        var reference = $"{registry.Host}/plain:1";
        var vars = Vars(dir);
        Assert.Equal(0, K(dir, vars, "pkg", "--kernel", dir["kernel"], "--plat", "qemu", "--arch", "x86_64", "--name", reference).ExitCode);

        var refused = K(dir, vars, "pkg", "push", reference);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(registry.Host, refused.Stderr);
        Assert.Contains("--insecure", refused.Stderr);
        Assert.DoesNotContain("http.request.method=PUT", registry.Log);

        var push = K(dir, vars, "pkg", "push", reference, "--insecure");
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(1, K(dir, Vars(dir, "p1"), "pkg", "pull", reference).ExitCode);
        var pull = K(dir, Vars(dir, "p2"), "pkg", "pull", reference, "--insecure");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(IndexDigest(dir["store"]), IndexDigest(dir["p2"]));
    }

    [SkippableFact]
    public void Credentials_come_from_kraftkit_config_a_docker_credential_helper_and_podman_auth_json()
    {
        Skip.IfNot(LocalRegistry.Available && LocalRegistry.Which("openssl") && LocalRegistry.Which("htpasswd"), "docker-registry, openssl or htpasswd is not installed");
        using var registry = new LocalRegistry(tls: true);
        using var dir = new TempDir();
        File.WriteAllBytes(dir["kernel"], new byte[20_000]);
        var reference = $"{registry.Host}/creds/hello:1";
        var ca = new Dictionary<string, string?> { ["KRAFT_OCI_CA_CERT"] = registry.CaCert };
        Dictionary<string, string?> Fresh(string name, Dictionary<string, string?>? extra = null)
        {
            var v = Vars(dir, name);
            v["KRAFTKIT_CONFIG_DIR"] = dir[name + "-config"];
            v["DOCKER_CONFIG"] = dir[name + "-docker"];
            foreach (var (k, x) in ca.Concat(extra ?? [])) v[k] = x;
            return v;
        }
        void Pulls(string name, Dictionary<string, string?> vars)
        {
            var r = K(dir, vars, "pkg", "pull", reference);
            Assert.True(r.ExitCode == 0, name + ": " + r);
            Assert.DoesNotContain(LocalRegistry.Password, r.Output);
        }

        // KraftKit's config.yaml auth (user + token) pushes.
        var kraftkit = Fresh("kraftkit");
        Directory.CreateDirectory(dir["kraftkit-config"]);
        File.WriteAllText(Path.Combine(dir["kraftkit-config"], "config.yaml"), $"auth:\n  {registry.Host}:\n    user: {LocalRegistry.User}\n    token: {LocalRegistry.Password}\n");
        Assert.Equal(0, K(dir, kraftkit, "pkg", "--kernel", dir["kernel"], "--plat", "qemu", "--arch", "x86_64", "--name", reference).ExitCode);
        var push = K(dir, kraftkit, "pkg", "push", reference);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.DoesNotContain(LocalRegistry.Password, push.Output);

        // A docker-credential-* helper on PATH: asked with "get" and the server on stdin.
        var bin = dir["bin"];
        Directory.CreateDirectory(bin);
        var helperLog = dir["helper.log"];
        var helper = Path.Combine(bin, "docker-credential-krafttest");
        File.WriteAllText(helper, "#!/bin/sh\nserver=$(cat)\necho \"$1 $server\" >> \"$HELPER_LOG\"\n" +
            $"if [ \"$1\" = get ] && [ \"$server\" = \"{registry.Host}\" ]; then printf '{{\"ServerURL\":\"%s\",\"Username\":\"{LocalRegistry.User}\",\"Secret\":\"%s\"}}' \"$server\" \"$HELPER_SECRET\"; exit 0; fi\n" +
            "echo 'credentials not found in native keychain'; exit 1\n");
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        var helperEnv = new Dictionary<string, string?> { ["PATH"] = path, ["HELPER_LOG"] = helperLog, ["HELPER_SECRET"] = LocalRegistry.Password };
        foreach (var (name, config) in new[] { ("store", "{\"credsStore\":\"krafttest\"}"), ("helpers", $"{{\"credHelpers\":{{\"{registry.Host}\":\"krafttest\"}}}}") })
        {
            var vars = Fresh(name, helperEnv);
            Directory.CreateDirectory(dir[name + "-docker"]);
            File.WriteAllText(Path.Combine(dir[name + "-docker"], "config.json"), config);
            Pulls(name, vars);
        }
        Assert.Equal($"get {registry.Host}\nget {registry.Host}\n", File.ReadAllText(helperLog));
        // The helper knows no credentials: kraft goes anonymous and says how to log in.
        var unknown = Fresh("unknown", new Dictionary<string, string?>(helperEnv) { ["HELPER_SECRET"] = "" });
        Directory.CreateDirectory(dir["unknown-docker"]);
        File.WriteAllText(Path.Combine(dir["unknown-docker"], "config.json"), "{\"credsStore\":\"krafttest\"}");
        var refused = K(dir, unknown, "pkg", "pull", reference);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"kraft login {registry.Host}", refused.Stderr);

        // Podman's auth.json, by $REGISTRY_AUTH_FILE and in $XDG_RUNTIME_DIR/containers.
        var auth = $"{{\"auths\":{{\"{registry.Host}\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes($"{LocalRegistry.User}:{LocalRegistry.Password}"))}\"}}}}}}";
        dir.Write("podman/auth.json", auth);
        Pulls("podman", Fresh("podman", new() { ["REGISTRY_AUTH_FILE"] = dir["podman/auth.json"] }));
        dir.Write("runtime/containers/auth.json", auth);
        Pulls("runtime", Fresh("runtime", new() { ["XDG_RUNTIME_DIR"] = dir["runtime"] }));
    }
}
