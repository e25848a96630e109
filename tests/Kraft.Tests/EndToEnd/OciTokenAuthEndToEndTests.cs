using System.Diagnostics;
using System.Text.Json;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// Bearer-token auth against the real docker-registry (auth: token) and a token server started
/// here: kraft login checks the credentials at the realm, push asks for pull,push, a
/// cross-repository mount asks for pull on the source too, an anonymous pull is refused with a
/// hint to log in, and no token is ever printed or written anywhere.
/// </summary>
public class OciTokenAuthEndToEndTests
{
    const string User = "tokenuser", Password = "t0ken-Pa55word";

    static CliResult Kraft(string dir, IDictionary<string, string?> vars, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(TestPaths.KraftBinary) { WorkingDirectory = dir, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CI"] = "true";
        foreach (var (k, v) in vars) if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException(string.Join(' ', args)); }
        return new CliResult(p.ExitCode, o.Result, e.Result, TimeSpan.Zero);
    }

    static void Ok(CliResult r, LocalRegistry registry) => Assert.True(r.ExitCode == 0, r + "\n--- registry ---\n" + registry.Log[^Math.Min(registry.Log.Length, 4000)..]);

    [SkippableFact]
    public void Login_push_mount_and_pull_through_a_token_server_without_showing_the_token()
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        using var dir = new TempDir();
        using var tokens = new TokenAuthServer(dir.Path, User, Password);
        using var registry = new LocalRegistry(tokenAuth: tokens);
        var vars = new Dictionary<string, string?>
        {
            ["KRAFT_OCI_DIR"] = dir["store"], ["HOME"] = dir["home"], ["KRAFTKIT_CONFIG_DIR"] = dir["config"], ["DOCKER_CONFIG"] = dir["docker"],
            ["XDG_RUNTIME_DIR"] = null, ["REGISTRY_AUTH_FILE"] = null, ["XDG_CONFIG_HOME"] = null, ["KRAFT_HTTP_RETRIES"] = "0", ["KRAFT_HTTP_TIMEOUT"] = "10",
        };
        CliResult K(params string[] args) => Kraft(dir.Path, vars, null, args);
        CliResult KIn(string store, params string[] args) => Kraft(dir.Path, new Dictionary<string, string?>(vars) { ["KRAFT_OCI_DIR"] = store }, null, args);
        var kernel = dir.Write("kernel", new string('k', 50_000));
        var reference = $"{registry.Host}/team/hello:1";
        Ok(K("pkg", "--kernel", kernel, "--plat", "qemu", "--arch", "x86_64", "--name", reference), registry);

        // Anonymous: the token server hands out a token without access; the registry refuses it.
        var anonymous = K("pkg", "push", reference);
        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains($"kraft login {registry.Host}", anonymous.Stderr);
        Assert.DoesNotContain("internal error", anonymous.Stderr);
        Assert.Contains(tokens.Requests, r => r.Who == "anonymous" && r.Scopes.Contains("repository:team/hello:pull,push"));

        // A password is never taken from the command line.
        var noStdin = Kraft(dir.Path, vars, Password, "login", registry.Host, "-u", User);
        Assert.NotEqual(0, noStdin.ExitCode);
        Assert.Contains("standard input only", noStdin.Stderr);
        var onArgv = Kraft(dir.Path, vars, null, "login", registry.Host, "-u", User, "-p", Password);
        Assert.NotEqual(0, onArgv.ExitCode);
        Assert.Contains("--password-stdin", onArgv.Stderr);
        Assert.DoesNotContain(Password, onArgv.Output);
        Assert.False(File.Exists(Path.Combine(dir["config"], "auth.json")));

        var wrong = Kraft(dir.Path, vars, "not-the-password", "login", registry.Host, "-u", User, "--password-stdin");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("refused", wrong.Stderr);
        Assert.DoesNotContain("not-the-password", wrong.Output);
        Assert.Contains(tokens.Requests, r => r.Who == "rejected");
        Assert.False(File.Exists(Path.Combine(dir["config"], "auth.json")), "a refused login stores nothing");

        var login = Kraft(dir.Path, vars, Password, "login", registry.Host, "-u", User, "--password-stdin");
        Ok(login, registry);
        Assert.DoesNotContain(Password, login.Output);
        var authFile = Path.Combine(dir["config"], "auth.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(authFile));

        var push = K("pkg", "push", reference);
        Ok(push, registry);
        Assert.Contains("2 blobs uploaded", push.Stdout);
        Assert.Contains(tokens.Requests, r => r.Who == User && r.Scopes.Contains("repository:team/hello:pull,push"));

        // Another repository of the same registry: the blobs are mounted, not uploaded again, with
        // a token for push on the target and pull on the source.
        var copy = K("pkg", "push", reference, "--as", $"{registry.Host}/team/copy:1");
        Ok(copy, registry);
        Assert.Contains("0 blobs uploaded", copy.Stdout);
        Assert.Contains("2 mounted", copy.Stdout);
        Assert.Contains(tokens.Requests, r => r.Who == User && r.Scopes.Contains("repository:team/copy:pull,push") && r.Scopes.Contains("repository:team/hello:pull"));

        // No pull access to the source: the mount is refused, so kraft uploads the blobs instead.
        lock (tokens.NoAccess) tokens.NoAccess.UnionWith(["team/copy", "team/hello"]);
        var other = K("pkg", "push", $"{registry.Host}/team/copy:1", "--as", $"{registry.Host}/team/other:1");
        lock (tokens.NoAccess) tokens.NoAccess.Clear();
        Ok(other, registry);
        Assert.True(other.Stdout.Contains("0 mounted"), other.ToString());
        Assert.Contains("blobs uploaded", other.Stdout);
        Assert.DoesNotContain("0 blobs uploaded", other.Stdout);
        var mountLines = registry.Log.Split('\n').Where(l => l.Contains("\"POST /v2/team/other/blobs/uploads/?mount=")).ToList();
        Assert.True(mountLines.Count > 0 && mountLines.All(l => l.Contains("HTTP/1.1\" 401 ")), "the registry refused each mount:\n" + string.Join("\n", mountLines));

        // Pull both back into fresh stores: same digest.
        var digest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir["store"], "index.json"))).RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        var pull = KIn(dir["pulled"], "pkg", "pull", $"{registry.Host}/team/copy:1");
        Ok(pull, registry);
        Assert.Contains(digest, pull.Stdout);
        Assert.Contains(tokens.Requests, r => r.Who == User && r.Scopes.SequenceEqual(["repository:team/copy:pull"]));

        // Logged out: an anonymous pull is refused, saying how to log in.
        Ok(K("logout", registry.Host), registry);
        var refused = KIn(dir["anon"], "pkg", "pull", reference);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(reference.Replace(":1", ""), refused.Stderr);
        Assert.Contains($"kraft login {registry.Host} -u USER --password-stdin", refused.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir["anon"], "blobs")) && Directory.EnumerateFiles(Path.Combine(dir["anon"], "blobs"), "*", SearchOption.AllDirectories).Any());

        // No token was printed, and none is written anywhere kraft writes.
        Assert.NotEmpty(tokens.IssuedTokens);
        var outputs = string.Concat(new[] { anonymous, wrong, login, push, copy, pull, refused }.Select(r => r.Output));
        var files = Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).Length < 1 << 20).Select(File.ReadAllText).ToList();
        foreach (var token in tokens.IssuedTokens)
        {
            var signature = token[(token.LastIndexOf('.') + 1)..];
            Assert.DoesNotContain(signature, outputs);
            Assert.DoesNotContain(files, f => f.Contains(signature, StringComparison.Ordinal));
        }
    }
}
