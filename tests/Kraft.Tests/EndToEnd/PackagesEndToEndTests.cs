using Kraft.Packages.Manifests;
using Kraft.Tests.Packages;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// kraft build, pkg pull and pkg rm through the component index, Kraftfile.lock and the caches,
/// with the fixture core and libgreet served from git repositories made by the test.
/// </summary>
public sealed class PackagesEndToEndTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly GitRepoFixture _core = new();
    readonly GitRepoFixture _greet = new();
    readonly string _coreCommit, _greetCommit;

    const string KraftfileText = "spec: v0.6\nname: hello-lib\nunikraft: stable\nlibraries:\n  greet:\n    version: stable\n    kconfig:\n      CONFIG_LIBGREET_NAME: \"Kraft.NET\"\ntargets:\n  - qemu/x86_64\n";

    public PackagesEndToEndTests()
    {
        FixtureApp.CopyTree(TestPaths.FixtureCore, _core.Path);
        _core.Git("add", "-A");
        _core.Git("commit", "-q", "-m", "fixture core");
        _core.Git("tag", "RELEASE-0.17.0");
        _core.Git("branch", "stable");
        _coreCommit = _core.Git("rev-parse", "HEAD");
        FixtureApp.CopyTree(Path.Combine(TestPaths.Fixtures, "libs", "libgreet"), _greet.Path);
        _greet.Git("add", "-A");
        _greet.Git("commit", "-q", "-m", "libgreet");
        _greet.Git("branch", "stable");
        _greetCommit = _greet.Git("rev-parse", "HEAD");
        _env.SaveIndex(
            new Manifest { Name = "unikraft", Type = ComponentType.Core, Origin = _core.Url, Provider = "git",
                Channels = [new() { Name = "stable", Default = true, Resource = _core.Url }] },
            new Manifest { Name = "greet", Type = ComponentType.Lib, Origin = _greet.Url, Provider = "git",
                Channels = [new() { Name = "stable", Default = true, Resource = _greet.Url }] });
    }

    public void Dispose()
    {
        _core.Dispose();
        _greet.Dispose();
        _env.Dispose();
    }

    CliResult Kraft(string dir, params string[] args) => KraftCli.Run(dir, _env.CliEnv, TimeSpan.FromMinutes(5), args);

    [Fact]
    public void Builds_through_the_index_locks_and_rebuilds_with_no_origin_left()
    {
        using var app = new FixtureApp("hello-lib", kraftfile: KraftfileText);
        var dry = Kraft(app.Dir, "build", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("new to Kraftfile.lock", dry.Stdout);
        Assert.False(File.Exists(app["Kraftfile.lock"]));

        var r = Kraft(app.Dir, "build");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(app.Kernel()));
        var lockText = File.ReadAllText(app["Kraftfile.lock"]);
        Assert.Contains($"commit: {_coreCommit}", lockText);
        Assert.Contains($"commit: {_greetCommit}", lockText);
        Assert.Contains("index: https://index.test/index.yaml", lockText);
        Assert.Contains("Kraftfile.lock: added core/unikraft", r.Stdout);

        // The origins vanish: locked and cached, nothing needs them.
        _core.Dispose();
        _greet.Dispose();
        var plan = Kraft(app.Dir, "build", "--dry-run", "--locked");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("[locked]", plan.Stdout);
        Assert.Contains("lock: Kraftfile.lock matches", plan.Stdout);
        Assert.Contains(_coreCommit[..12], plan.Stdout);
        var again = Kraft(app.Dir, "build", "--locked", "--offline");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("up to date", again.Stdout);
        Assert.Equal(lockText, File.ReadAllText(app["Kraftfile.lock"]));

        // --locked refuses a changed request and names it.
        File.WriteAllText(app["Kraftfile"], KraftfileText.Replace("unikraft: stable", "unikraft: v0.17.0"));
        var locked = Kraft(app.Dir, "build", "--locked");
        Assert.Equal(1, locked.ExitCode);
        Assert.Contains("core/unikraft: the Kraftfile changed (version 'stable' → 'v0.17.0')", locked.Stderr);
        Assert.DoesNotContain("   at ", locked.Stderr);
    }

    [Fact]
    public void Offline_names_every_missing_component_at_once()
    {
        using var app = new FixtureApp("hello-lib", kraftfile: KraftfileText);
        var r = Kraft(app.Dir, "build", "--offline");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("offline: 2 components are not in the cache", r.Stderr);
        Assert.Contains("the Unikraft core", r.Stderr);
        Assert.Contains("library 'greet' (stable)", r.Stderr);
        Assert.False(Directory.Exists(app[".unikraft"]));

        var env = _env.CliEnv;
        env["KRAFTKIT_OFFLINE"] = "1";
        var viaEnv = KraftCli.Run(app.Dir, env, TimeSpan.FromMinutes(1), "build");
        Assert.Equal(1, viaEnv.ExitCode);
        Assert.Contains("offline: 2 components", viaEnv.Stderr);
    }

    [Fact]
    public void Pkg_pull_places_components_and_pkg_rm_empties_the_cache()
    {
        using var work = new TempDir();
        var pull = Kraft(work.Path, "pkg", "pull", "greet@stable", "unikraft", "-w", work["proj"]);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.True(File.Exists(work["proj/.unikraft/libs/greet/Config.uk"]));
        Assert.True(File.Exists(work["proj/.unikraft/unikraft/Makefile"]));
        Assert.Contains("lib/greet", pull.Stdout);

        var missing = Kraft(work.Path, "pkg", "pull", "gret");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("did you mean 'greet'", missing.Stderr);

        // The whole project: into its .unikraft, writing the lock.
        using var app = new FixtureApp("hello-lib", kraftfile: KraftfileText);
        var all = Kraft(app.Dir, "pkg", "pull");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.True(File.Exists(app["Kraftfile.lock"]));
        Assert.True(File.Exists(app[".unikraft/libs/greet/greet.c"]));

        var rm = Kraft(work.Path, "pkg", "rm", "lib/greet", "-w", work["proj"]);
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.Contains("removed git mirror of " + _greet.Url, rm.Stdout);
        Assert.Contains("freed", rm.Stdout);
        Assert.False(Directory.Exists(work["proj/.unikraft/libs/greet"]));
        Assert.True(Directory.Exists(work["proj/.unikraft/unikraft"]));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_env.SourcesDir, "git"), "greet*"));
        Assert.Contains("nothing cached", Kraft(work.Path, "pkg", "rm", "greet").Stdout);
    }
}
