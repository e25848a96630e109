using System.Text;
using System.Text.Json;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// kraft pkg, push and pull against a real registry (Debian's docker-registry on loopback),
/// cross-checked with skopeo: plain HTTP, TLS with a CA made here and htpasswd basic auth, and a
/// proxy that breaks a blob on purpose. Skipped when docker-registry or skopeo is not installed
/// (install.sh installs them).
/// </summary>
public class OciRegistryEndToEndTests
{
    sealed class Env : IDisposable
    {
        public TempDir Dir { get; } = new();
        public Dictionary<string, string?> Vars { get; }
        public Env()
        {
            Vars = new()
            {
                ["KRAFT_OCI_DIR"] = Dir["store"],
                ["HOME"] = Dir["home"],
                ["KRAFTKIT_CONFIG_DIR"] = Dir["config"],
                ["DOCKER_CONFIG"] = Dir["docker"],
                ["XDG_RUNTIME_DIR"] = null,
                ["REGISTRY_AUTH_FILE"] = null,
                ["KRAFT_HTTP_RETRIES"] = "0",
                ["KRAFT_HTTP_TIMEOUT"] = "10",
            };
        }
        public CliResult Kraft(params string[] args) => KraftCli.Run(Dir.Path, Vars, TimeSpan.FromMinutes(2), args);
        public CliResult KraftIn(string store, params string[] args) => KraftCli.Run(Dir.Path, new Dictionary<string, string?>(Vars) { ["KRAFT_OCI_DIR"] = store }, TimeSpan.FromMinutes(2), args);
        public string Kernel(string name, int size, int seed)
        {
            var b = new byte[size];
            new Random(seed).NextBytes(b);
            File.WriteAllBytes(Dir[name], b);
            return Dir[name];
        }
        public string IndexDigest(string? store = null) =>
            JsonDocument.Parse(File.ReadAllBytes(Path.Combine(store ?? Dir["store"], "index.json"))).RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        public void Dispose() => Dir.Dispose();
    }

    static void Ok(CliResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    /// <summary>Two platforms in one index: kraft pkg twice would overwrite, so this packages a Kraftfile-free index through two kernels.</summary>
    static string PackageTwoPlatforms(Env env, string reference, int size = 300_000)
    {
        var k1 = env.Kernel("k-x86", size, 1);
        var k2 = env.Kernel("k-arm", size, 2);
        var app = env.Dir["app"];
        Directory.CreateDirectory(Path.Combine(app, ".unikraft", "build"));
        File.Copy(k1, Path.Combine(app, ".unikraft", "build", "hello_qemu-x86_64"));
        File.Copy(k2, Path.Combine(app, ".unikraft", "build", "hello_qemu-arm64"));
        File.WriteAllText(Path.Combine(app, ".config.hello_qemu-x86_64"), "CONFIG_LIBUKDEBUG=y\nCONFIG_UK_FULLVERSION=\"0.17.0\"\n");
        File.WriteAllText(Path.Combine(app, "Kraftfile"), "spec: v0.6\nname: hello\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - qemu/arm64\ncmd: [\"-v\", \"from kraftfile\"]\nenv:\n  A: \"1\"\n");
        var r = env.Kraft("pkg", app, "--name", reference);
        Ok(r);
        Assert.Contains("qemu/arm64", r.Stdout);
        Assert.Contains("qemu/x86_64", r.Stdout);
        return app;
    }

    [SkippableFact]
    public void Push_is_byte_identical_for_skopeo_and_pulls_back_with_the_same_digest()
    {
        Skip.IfNot(LocalRegistry.Available && LocalRegistry.Which("skopeo"), "docker-registry and skopeo are not installed (./install.sh installs them)");
        using var registry = new LocalRegistry();
        using var env = new Env();
        var reference = $"{registry.Host}/hello:1.0";
        PackageTwoPlatforms(env, reference);
        var digest = env.IndexDigest();
        var push = env.Kraft("pkg", "push", reference);
        Ok(push);
        Assert.Contains("4 blobs uploaded", push.Stdout);
        var again = env.Kraft("pkg", "push", reference);
        Ok(again);
        Assert.Contains("0 blobs uploaded", again.Stdout);

        var raw = registry.RunBytes("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{reference}");
        Assert.Equal(File.ReadAllBytes(Path.Combine(env.Dir["store"], "blobs", "sha256", digest[7..])), raw);

        // skopeo copies what kraft pushed into a layout of its own, keeping every digest: the same
        // index, manifests, configs and layers, byte for byte.
        var skopeoLayout = env.Dir["skopeo-layout"];
        LocalRegistry.Run("skopeo", "copy", "--all", "--preserve-digests", "--src-tls-verify=false", $"docker://{reference}", $"oci:{skopeoLayout}:copy");
        Assert.Equal(digest, env.IndexDigest(skopeoLayout));
        var theirs = Directory.GetFiles(Path.Combine(skopeoLayout, "blobs", "sha256")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(7, theirs.Count); // index, 2 manifests, 2 configs, 2 kernels
        foreach (var blob in theirs)
            Assert.Equal(File.ReadAllBytes(Path.Combine(env.Dir["store"], "blobs", "sha256", blob!)), File.ReadAllBytes(Path.Combine(skopeoLayout, "blobs", "sha256", blob!)));

        // Pull into an empty store: same index digest, both platforms when asked.
        var store2 = env.Dir["store2"];
        var pull = env.KraftIn(store2, "pkg", "pull", reference, "--all-platforms");
        Ok(pull);
        Assert.Equal(digest, env.IndexDigest(store2));
        var info = env.KraftIn(store2, "pkg", "info", reference);
        Ok(info);
        Assert.Contains("qemu/arm64", info.Stdout);
        Assert.Contains("CONFIG_LIBUKDEBUG=y", info.Stdout);
        Assert.Contains("cmd:      -v 'from kraftfile'", info.Stdout);

        // skopeo copies the layout kraft wrote into the registry; kraft pulls that back.
        var copied = $"{registry.Host}/copied:2";
        LocalRegistry.Run("skopeo", "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", $"oci:{env.Dir["store"]}:{reference}", $"docker://{copied}");
        var store3 = env.Dir["store3"];
        Ok(env.KraftIn(store3, "pkg", "pull", copied, "--plat", "qemu", "--arch", "arm64"));
        Assert.Equal(digest, env.IndexDigest(store3));
        var ls = env.KraftIn(store3, "pkg", "ls", "--oci", "-o", "json");
        Ok(ls);
        var entry = JsonDocument.Parse(ls.Stdout).RootElement[0];
        Assert.Equal(copied, entry.GetProperty("reference").GetString());
        Assert.Equal(1, entry.GetProperty("platforms").EnumerateArray().Count(p => p.GetProperty("present").GetBoolean()));

        // Bad input: a missing tag names the ones there are; a platform that is not there names those that are.
        var missing = env.KraftIn(store3, "pkg", "pull", $"{registry.Host}/hello:9.9");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("its tags are: 1.0", missing.Stderr);
        var noPlat = env.KraftIn(store3, "pkg", "pull", reference, "--plat", "fc", "--arch", "x86_64");
        Assert.NotEqual(0, noPlat.ExitCode);
        Assert.Contains("it has: qemu/arm64, qemu/x86_64", noPlat.Stderr);
    }

    [SkippableFact]
    public void Tls_registry_with_basic_auth_needs_a_login_and_the_ca()
    {
        Skip.IfNot(LocalRegistry.Available && LocalRegistry.Which("openssl") && LocalRegistry.Which("htpasswd"), "docker-registry, openssl or htpasswd is not installed");
        using var registry = new LocalRegistry(tls: true);
        using var env = new Env();
        var reference = $"{registry.Host}/secure/hello:1";
        Ok(env.Kraft("pkg", "--kernel", env.Kernel("k", 10_000, 3), "--plat", "qemu", "--arch", "x86_64", "--name", reference));

        var noCa = env.Kraft("pkg", "push", reference);
        Assert.NotEqual(0, noCa.ExitCode);
        Assert.Contains("TLS", noCa.Stderr);
        Assert.Contains("--ca-cert", noCa.Stderr);

        var noLogin = env.Kraft("pkg", "push", reference, "--ca-cert", registry.CaCert!);
        Assert.NotEqual(0, noLogin.ExitCode);
        Assert.Contains($"kraft login {registry.Host}", noLogin.Stderr);

        var bad = Login(env, registry, "wrong-password");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.DoesNotContain("wrong-password", bad.Stdout + bad.Stderr);
        var good = Login(env, registry, LocalRegistry.Password);
        Ok(good);
        Assert.DoesNotContain(LocalRegistry.Password, good.Stdout + good.Stderr);
        var authFile = Path.Combine(env.Dir["config"], "auth.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(authFile));
        Assert.DoesNotContain(LocalRegistry.Password, File.ReadAllText(authFile));

        var push = env.Kraft("pkg", "push", reference, "--ca-cert", registry.CaCert!);
        Ok(push);
        Assert.DoesNotContain(LocalRegistry.Password, push.Output);
        Ok(env.KraftIn(env.Dir["s2"], "pkg", "pull", reference, "--ca-cert", registry.CaCert!));

        Ok(env.Kraft("logout", registry.Host));
        var after = env.KraftIn(env.Dir["s3"], "pkg", "pull", reference, "--ca-cert", registry.CaCert!);
        Assert.NotEqual(0, after.ExitCode);
        Assert.Contains("kraft login", after.Stderr);

        // Docker's config.json auths work too (and a credential helper would be asked first).
        Directory.CreateDirectory(env.Dir["docker"]);
        File.WriteAllText(Path.Combine(env.Dir["docker"], "config.json"),
            $"{{\"auths\":{{\"{registry.Host}\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes($"{LocalRegistry.User}:{LocalRegistry.Password}"))}\"}}}}}}");
        Ok(env.KraftIn(env.Dir["s4"], "pkg", "pull", reference, "--ca-cert", registry.CaCert!));
    }

    static CliResult Login(Env env, LocalRegistry registry, string password)
    {
        var script = $"printf %s \"$PW\" | \"$KRAFT\" login {registry.Host} -u {LocalRegistry.User} --password-stdin --ca-cert {registry.CaCert}";
        var vars = new Dictionary<string, string?>(env.Vars) { ["PW"] = password, ["KRAFT"] = TestPaths.KraftBinary };
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in vars) if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit(60_000);
        return new CliResult(p.ExitCode, o.Result, e.Result, TimeSpan.Zero);
    }

    [SkippableTheory]
    [InlineData("drop")]
    [InlineData("500")]
    [InlineData("wrong")]
    public void A_broken_blob_fails_the_pull_cleanly_and_the_next_pull_completes(string mode)
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        using var registry = new LocalRegistry();
        using var proxy = new FaultyProxy(registry.Host);
        using var env = new Env();
        var kernel = env.Kernel("k", 2_000_000, 5);
        Ok(env.Kraft("pkg", "--kernel", kernel, "--plat", "qemu", "--arch", "x86_64", "--name", $"{registry.Host}/faulty:1"));
        Ok(env.Kraft("pkg", "push", $"{registry.Host}/faulty:1"));
        var info = JsonDocument.Parse(env.Kraft("pkg", "ls", "--oci", "-o", "json").Stdout).RootElement[0];
        var manifestDigest = info.GetProperty("platforms")[0].GetProperty("manifest").GetString()!;
        var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(env.Dir["store"], "blobs", "sha256", manifestDigest[7..])));
        var layer = manifest.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString()!;

        proxy.Digest = layer;
        proxy.Mode = mode;
        var through = $"{proxy.Host}/faulty:1";
        var store = env.Dir["pulled"];
        var failed = env.KraftIn(store, "pkg", "pull", through);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains(through, failed.Stderr);
        Assert.Contains(layer, failed.Stderr);
        Assert.DoesNotContain("internal error", failed.Stderr);
        Assert.False(File.Exists(Path.Combine(store, "blobs", "sha256", layer[7..])));
        Assert.DoesNotContain("faulty", File.ReadAllText(Path.Combine(store, "index.json")));
        var partial = Path.Combine(store, "ingest", $"sha256-{layer[7..]}.partial");
        if (mode == "drop") Assert.True(File.Exists(partial) && new FileInfo(partial).Length > 0, "the bytes that arrived are kept for the next pull");
        else Assert.False(File.Exists(partial) && new FileInfo(partial).Length > 0 && mode == "wrong", "damaged bytes are not kept");

        proxy.Mode = "none";
        Ok(env.KraftIn(store, "pkg", "pull", through));
        Assert.True(File.Exists(Path.Combine(store, "blobs", "sha256", layer[7..])));
        if (mode == "drop") Assert.Contains(proxy.Ranges, r => r.StartsWith("bytes=", StringComparison.Ordinal) && !r.StartsWith("bytes=0-", StringComparison.Ordinal));
    }
}
