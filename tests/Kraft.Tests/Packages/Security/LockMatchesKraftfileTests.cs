using Kraft.Packages;
using Kraft.Project;

namespace Kraft.Tests.Packages.Security;

/// <summary>Issue 12 item 5: a lock entry is used only when it answers the Kraftfile's request; a local directory never comes from the lock.</summary>
public sealed class LockMatchesKraftfileTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly TempDir _work = new();
    public void Dispose() { _work.Dispose(); _env.Dispose(); }

    KraftProject Load(string libraries)
    {
        var file = _work.Write("app/Kraftfile", "spec: v0.6\nname: app\nlibraries:\n" + libraries + "targets:\n  - qemu/x86_64\n");
        return KraftfileLoader.Load(file);
    }

    [Fact]
    public void Editing_only_the_path_in_the_lock_does_not_redirect_a_local_library()
    {
        _work.Write("app/libs/foo/Config.uk", "config LIBFOO\n\tbool \"mine\"\n");
        _work.Write("elsewhere/foo/Config.uk", "config LIBFOO\n\tbool \"planted\"\n");
        using var bar = new GitRepoFixture();
        bar.Commit("Config.uk", "config LIBBAR\n\tbool \"bar\"\n", "bar");
        // A git library beside it, so the project has a lock.
        var project = Load($"  foo:\n    source: ./libs/foo\n  bar:\n    source: {bar.Url}\n    version: main\n");
        using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
        var first = fetcher.Prepare(project, new FetchOptions());
        Assert.Equal(_work["app/libs/foo"], first.Libraries[0].Path);
        var lockText = File.ReadAllText(first.LockPath);
        Assert.Contains("path: libs/foo", lockText);

        File.WriteAllText(first.LockPath, lockText.Replace("path: libs/foo", "path: ../elsewhere/foo", StringComparison.Ordinal));
        var second = fetcher.Prepare(project, new FetchOptions());
        Assert.Equal(_work["app/libs/foo"], second.Libraries[0].Path);
        // The lock is put back as the Kraftfile says, and --locked refuses a lock that does not match.
        Assert.Contains("path: libs/foo", File.ReadAllText(first.LockPath));
        File.WriteAllText(first.LockPath, lockText.Replace("path: libs/foo", "path: ../elsewhere/foo", StringComparison.Ordinal));
        var e = Assert.Throws<KraftException>(() => fetcher.Prepare(project, new FetchOptions { Locked = true }));
        Assert.Contains("lib/foo", e.Message);
    }

    [Fact]
    public void A_lock_entry_whose_url_is_not_the_kraftfiles_source_is_not_used()
    {
        using var mine = new GitRepoFixture();
        mine.Commit("Config.uk", "config LIBFOO\n\tbool \"mine\"\n", "mine");
        using var planted = new GitRepoFixture();
        planted.Commit("Config.uk", "config LIBFOO\n\tbool \"planted\"\n", "planted");
        var plantedCommit = planted.Git("rev-parse", "HEAD");
        var project = Load($"  foo:\n    source: {mine.Url}\n    version: main\n");
        using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
        var first = fetcher.Prepare(project, new FetchOptions());
        var lockText = File.ReadAllText(first.LockPath);
        var mineCommit = mine.Git("rev-parse", "HEAD");
        File.WriteAllText(first.LockPath, lockText
            .Replace("url: " + mine.Url, "url: " + planted.Url, StringComparison.Ordinal)
            .Replace(mineCommit, plantedCommit, StringComparison.Ordinal));

        var second = fetcher.Prepare(project, new FetchOptions());
        Assert.Equal(mineCommit, second.Libraries[0].Commit);
        Assert.Contains("\"mine\"", File.ReadAllText(Path.Combine(second.Libraries[0].Path, "Config.uk")));
        Assert.Contains("url: " + mine.Url, File.ReadAllText(first.LockPath));
    }
}
