using System.Text;
using Kraft.Tests.EndToEnd;

namespace Kraft.Tests.Packages.Security;

/// <summary>
/// Issue 12 item 2 through the published binary: a token in a Kraftfile source and one under
/// auth: are used against git's http-backend (basic auth) but appear in no output, no written
/// file and no git command line (a wrapper on PATH records every argv kraft gives git).
/// </summary>
public sealed class SecretsEndToEndTests : IDisposable
{
    const string User = "kraftuser";
    readonly string _token = "tok-" + Guid.NewGuid().ToString("N")[..16];
    readonly TempDir _dir = new();
    readonly PackagesEnv _env = new();
    readonly GitRepoFixture _upstream = new();
    readonly GitHttpServer _server;

    public SecretsEndToEndTests()
    {
        _server = new GitHttpServer(User, _token);
        _upstream.Commit("Config.uk", "config LIBFOO\n\tbool \"foo\"\n", "lib");
        _server.Publish("lib-foo", _upstream.Path);
        _server.Publish("lib-bar", _upstream.Path);
    }

    public void Dispose()
    {
        _server.Dispose();
        _upstream.Dispose();
        _env.Dispose();
        _dir.Dispose();
    }

    Dictionary<string, string?> Env()
    {
        var realGit = Kraft.Host.ToolLocator.Find("git")!;
        var wrapper = _dir.Write("bin/git", $"#!/bin/sh\nprintf '%s\\n' \"$*\" >> {_dir["argv.log"]}\nexec {realGit} \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var env = _env.CliEnv;
        env["PATH"] = _dir["bin"] + ":" + Environment.GetEnvironmentVariable("PATH");
        env["GITHUB_TOKEN"] = null;
        return env;
    }

    [SkippableFact]
    public void No_output_file_or_git_command_line_shows_the_token()
    {
        Skip.IfNot(File.Exists(TestPaths.KraftBinary), "needs the published kraft binary");
        var env = Env();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{_token}"));
        var withToken = _server.UrlOf("lib-foo").Replace("http://", $"http://{User}:{_token}@", StringComparison.Ordinal);
        Directory.CreateDirectory(_env.ConfigDir);
        File.WriteAllText(_env.Config.ConfigFile, $"unikraft:\n  manifests:\n    - {_server.UrlOf("lib-bar")}\nauth:\n  127.0.0.1:\n    user: {User}\n    token: {_token}\n");
        var app = _dir["app"];
        _dir.Write("app/Kraftfile", $"spec: v0.6\nname: app\nlibraries:\n  foo:\n    source: {withToken}\n    version: main\n  bar: main\ntargets:\n  - qemu/x86_64\n");

        var runs = new List<CliResult>
        {
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "update"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "pull"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "build", "--dry-run"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "ls"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "info", "bar"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "source"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "source", withToken),
        };
        // A wrong token: git's refusal is echoed without it.
        _dir.Write("app2/Kraftfile", $"spec: v0.6\nname: app\nlibraries:\n  foo:\n    source: {withToken.Replace(_token, _token + "x", StringComparison.Ordinal)}\n    version: main\ntargets:\n  - qemu/x86_64\n");
        runs.Add(KraftCli.Run(_dir["app2"], env, TimeSpan.FromMinutes(2), "pkg", "pull"));

        Assert.True(runs[0].ExitCode == 0, runs[0].ToString());
        Assert.True(runs[1].ExitCode == 0, runs[1].ToString());
        Assert.True(File.Exists(Path.Combine(app, ".unikraft", "libs", "bar", "Config.uk")), runs[1].ToString());
        Assert.NotEqual(0, runs[6].ExitCode);
        // The refused listing falls back to the mirror cached by the first project, with a warning that echoes git.
        Assert.Contains("127.0.0.1", runs[7].Output);
        foreach (var r in runs)
        {
            Assert.DoesNotContain(_token, r.Output);
            Assert.DoesNotContain(basic, r.Output);
        }
        var argv = File.ReadAllText(_dir["argv.log"]);
        Assert.Contains("clone", argv);
        Assert.DoesNotContain(_token, argv);
        Assert.DoesNotContain(basic, argv);
        foreach (var root in new[] { app, _dir["app2"], _env.ManifestsDir, _env.SourcesDir })
            foreach (var f in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                if (f == Path.Combine(root, "Kraftfile")) continue; // the user's own input, written by this test
                var text = Encoding.Latin1.GetString(File.ReadAllBytes(f));
                Assert.False(text.Contains(_token, StringComparison.Ordinal) || text.Contains(basic, StringComparison.Ordinal), $"{f} holds the token");
            }
    }

    [SkippableFact]
    public void A_token_in_a_listed_manifest_url_is_used_but_never_stored()
    {
        Skip.IfNot(File.Exists(TestPaths.KraftBinary), "needs the published kraft binary");
        var env = Env();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{_token}"));
        var withToken = _server.UrlOf("lib-foo").Replace("http://", $"http://{User}:{_token}@", StringComparison.Ordinal);
        var manifest = _dir.Write("index/baz.yaml", $"name: baz\ntype: lib\nchannels:\n  - name: main\n    default: true\n    resource: {withToken}\n");
        Directory.CreateDirectory(_env.ConfigDir);
        // auth: is how later runs authenticate: the URL's own credential lives only in the listing process.
        File.WriteAllText(_env.Config.ConfigFile, $"unikraft:\n  manifests:\n    - {manifest}\nauth:\n  127.0.0.1:\n    user: {User}\n    token: {_token}\n");
        var app = _dir["app"];
        _dir.Write("app/Kraftfile", "spec: v0.6\nname: app\nlibraries:\n  baz: main\ntargets:\n  - qemu/x86_64\n");

        var runs = new List<CliResult>
        {
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "update"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "info", "baz"),
            KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "pkg", "pull"),
        };
        foreach (var r in runs)
        {
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.DoesNotContain(_token, r.Output);
            Assert.DoesNotContain(basic, r.Output);
        }
        Assert.True(File.Exists(Path.Combine(app, ".unikraft", "libs", "baz", "Config.uk")), runs[2].ToString());
        foreach (var root in new[] { app, _env.ManifestsDir, _env.SourcesDir })
            foreach (var f in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                if (f == Path.Combine(root, "Kraftfile")) continue;
                var text = Encoding.Latin1.GetString(File.ReadAllBytes(f));
                Assert.False(text.Contains(_token, StringComparison.Ordinal) || text.Contains(basic, StringComparison.Ordinal), $"{f} holds the token");
            }
        Assert.DoesNotContain(_token, File.ReadAllText(_dir["argv.log"]));
    }
}
