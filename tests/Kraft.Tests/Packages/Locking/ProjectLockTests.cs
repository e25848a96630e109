using Kraft.Packages;
using Kraft.Packages.Fetching;
using Kraft.Packages.Locking;
using Kraft.Project;

namespace Kraft.Tests.Packages.Locking;

/// <summary>Kraftfile.lock through SourceFetcher.Prepare: written, reused, enforced, updated per component.</summary>
public class ProjectLockTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly GitRepoFixture _core = new();
    readonly GitRepoFixture _lib = new();
    readonly TempDir _work = new();

    public ProjectLockTests()
    {
        _core.Commit("Makefile", "core 1", "core 1");
        _core.Git("branch", "stable");
        _lib.Commit("Config.uk", "config LIBFOO\n\tbool \"foo\"\n", "lib 1");
        _lib.Git("tag", "v1.0");
    }

    public void Dispose()
    {
        _core.Dispose();
        _lib.Dispose();
        _work.Dispose();
        _env.Dispose();
    }

    void Kraftfile(string dir, string coreVersion = "stable", string libVersion = "main") =>
        File.WriteAllText(Path.Combine(dir, "Kraftfile"),
            $"spec: v0.6\nname: app\nunikraft:\n  source: {_core.Url}\n  version: {coreVersion}\nlibraries:\n  foo:\n    source: {_lib.Url}\n    version: {libVersion}\ntargets:\n  - qemu/x86_64\n");

    static KraftProject Load(string dir) => KraftfileLoader.LoadProject(dir, null);

    ProjectSources Prepare(string dir, FetchOptions? options = null, PackagesEnv? env = null)
    {
        using var fetcher = new SourceFetcher(NullReporter.Instance, (env ?? _env).Config);
        return fetcher.Prepare(Load(dir), options ?? new FetchOptions());
    }

    [Fact]
    public void Writes_the_lock_and_reuses_it_without_the_network()
    {
        Kraftfile(_work.Path);
        var first = Prepare(_work.Path);
        Assert.True(first.LockWritten);
        var lockText = File.ReadAllText(first.LockPath);
        Assert.Contains($"commit: {_core.Git("rev-parse", "stable")}", lockText);
        Assert.Contains($"url: {_lib.Url}", lockText);
        Assert.Equal(LockState.Added, first.Core!.Lock);

        // Upstream moves on, then disappears: the locked build needs neither.
        _core.Commit("Makefile", "core 2", "core 2");
        _core.Git("branch", "-f", "stable");
        _core.Dispose();
        _lib.Dispose();
        var second = Prepare(_work.Path);
        Assert.False(second.LockWritten);
        Assert.Equal(LockState.Locked, second.Core!.Lock);
        Assert.Equal("core 1", File.ReadAllText(Path.Combine(second.Core.Path, "Makefile")));
        Assert.Equal(lockText, File.ReadAllText(first.LockPath));
    }

    [Fact]
    public void A_changed_request_is_resolved_again_and_reported()
    {
        Kraftfile(_work.Path);
        Prepare(_work.Path);
        Kraftfile(_work.Path, libVersion: "v1.0");
        var r = Prepare(_work.Path);
        Assert.True(r.LockWritten);
        Assert.Equal(LockState.Changed, r.Libraries[0].Lock);
        Assert.Contains("version 'main' → 'v1.0'", Assert.Single(r.LockChanges));
        Assert.Contains("ref: v1.0", File.ReadAllText(r.LockPath));
    }

    [Fact]
    public void Locked_fails_without_a_lock_and_when_the_kraftfile_changed_naming_each_component()
    {
        Kraftfile(_work.Path);
        var none = Assert.Throws<KraftException>(() => Prepare(_work.Path, new FetchOptions { Locked = true }));
        Assert.Contains("there is no", none.Message);
        Assert.False(Directory.Exists(Path.Combine(_work.Path, ".unikraft")));

        Prepare(_work.Path);
        Prepare(_work.Path, new FetchOptions { Locked = true }); // unchanged: fine
        Kraftfile(_work.Path, coreVersion: "main", libVersion: "v1.0");
        var e = Assert.Throws<KraftException>(() => Prepare(_work.Path, new FetchOptions { Locked = true }));
        Assert.Contains("core/unikraft: the Kraftfile changed (version 'stable' → 'main')", e.Message);
        Assert.Contains("lib/foo: the Kraftfile changed (version 'main' → 'v1.0')", e.Message);
        Assert.Contains("without --locked", e.Hint);
    }

    [Fact]
    public void Update_component_re_resolves_only_that_entry()
    {
        Kraftfile(_work.Path);
        var before = Prepare(_work.Path);
        var coreBefore = before.Core!.Commit;
        var lib2 = _lib.Commit("Config.uk", "config LIBFOO\n\tbool \"foo 2\"\n", "lib 2");
        _core.Commit("Makefile", "core 2", "core 2");
        _core.Git("branch", "-f", "stable");

        var summary = LockUpdater.UpdateComponent(_work.Path, "foo", _env.Config, NullReporter.Instance, default);
        Assert.Contains("lib/foo", summary);
        Assert.Contains(lib2[..12], summary);
        var lockFile = LockFile.Load(before.LockPath)!;
        Assert.Equal(coreBefore, lockFile.Find(Kraft.Packages.Manifests.ComponentType.Core, "unikraft")!.Resolved.Commit);
        Assert.Equal(lib2, lockFile.Find(Kraft.Packages.Manifests.ComponentType.Lib, "foo")!.Resolved.Commit);

        // The next build follows the lock: the new library commit, the old core.
        var after = Prepare(_work.Path);
        Assert.Equal(lib2, after.Libraries[0].Commit);
        Assert.Equal(coreBefore, after.Core!.Commit);

        var e = Assert.Throws<KraftException>(() => LockUpdater.UpdateComponent(_work.Path, "fooo", _env.Config, NullReporter.Instance, default));
        Assert.Contains("no component 'fooo'", e.Message);
        Assert.Contains("did you mean foo", e.Hint);
    }

    [Fact]
    public void Two_machines_with_one_lock_get_the_same_commits()
    {
        using var machine2 = new PackagesEnv();
        using var dir2 = new TempDir();
        Kraftfile(_work.Path);
        var one = Prepare(_work.Path);

        // Upstream moves on before the second machine builds.
        _core.Commit("Makefile", "core 2", "core 2");
        _core.Git("branch", "-f", "stable");
        _lib.Commit("Config.uk", "changed", "lib 2");

        Kraftfile(dir2.Path);
        File.Copy(one.LockPath, Path.Combine(dir2.Path, "Kraftfile.lock"));
        var two = Prepare(dir2.Path, env: machine2);
        Assert.Equal(one.Core!.Commit, two.Core!.Commit);
        Assert.Equal(one.Libraries[0].Commit, two.Libraries[0].Commit);
        Assert.Equal("core 1", File.ReadAllText(Path.Combine(two.Core.Path, "Makefile")));
        Assert.False(two.LockWritten);
        Assert.True(Directory.Exists(Path.Combine(machine2.SourcesDir, "git")));
    }

    [Fact]
    public void Offline_names_every_missing_component_before_fetching_anything()
    {
        Kraftfile(_work.Path);
        var e = Assert.Throws<KraftException>(() => Prepare(_work.Path, new FetchOptions { Offline = true }));
        Assert.Contains("offline: 2 components are not in the cache", e.Message);
        Assert.Contains("the Unikraft core (stable)", e.Message);
        Assert.Contains("library 'foo' (main)", e.Message);
        Assert.Contains("Kraftfile:", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_work.Path, ".unikraft")));
        Assert.False(File.Exists(Path.Combine(_work.Path, "Kraftfile.lock")));
    }

    [Fact]
    public void Offline_builds_from_the_caches_alone()
    {
        Kraftfile(_work.Path);
        Prepare(_work.Path);
        // A second project on this machine, offline, with the lock: served by the mirrors.
        using var other = new TempDir();
        Kraftfile(other.Path);
        File.Copy(Path.Combine(_work.Path, "Kraftfile.lock"), Path.Combine(other.Path, "Kraftfile.lock"));
        _core.Dispose();
        _lib.Dispose();
        var r = Prepare(other.Path, new FetchOptions { Offline = true });
        Assert.Equal("core 1", File.ReadAllText(Path.Combine(r.Core!.Path, "Makefile")));
    }

    [Fact]
    public void A_dry_run_resolves_from_the_lock_and_writes_nothing()
    {
        Kraftfile(_work.Path);
        var plan = Prepare(_work.Path, new FetchOptions { Fetch = false });
        Assert.True(plan.Core!.Pending);
        Assert.Contains("new to Kraftfile.lock", plan.Core.Describe());
        Assert.False(File.Exists(plan.LockPath));
        Assert.False(Directory.Exists(Path.Combine(_work.Path, ".unikraft")));

        Prepare(_work.Path);
        var locked = Prepare(_work.Path, new FetchOptions { Fetch = false });
        Assert.False(locked.Core!.Pending);
        Assert.Contains("[locked]", locked.Core.Describe());
        Assert.Contains("@ stable", locked.Core.Describe());
    }
}
