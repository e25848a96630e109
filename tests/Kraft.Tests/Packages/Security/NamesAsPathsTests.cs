using Kraft.Packages;
using Kraft.Packages.Fetching;
using Kraft.Project;
using Kraft.Tests.Packages.Fetching;

namespace Kraft.Tests.Packages.Security;

/// <summary>
/// Issue 12 item 1: a component name is never a path. A library key "../../../victim/repo" must
/// neither unpack an archive outside the project nor run git inside somebody else's repository,
/// and an unrelated git repository where a library goes is left untouched.
/// </summary>
public sealed class NamesAsPathsTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly LoopbackHttpServer _server = new();
    readonly TempDir _root = new();

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
        _env.Dispose();
    }

    string ProjectDir => _root["work/app"];

    /// <summary>A victim repository with committed and uncommitted work, beside the project: .unikraft/libs/../../../victim/repo.</summary>
    GitRepoFixture Victim(out string repoPath)
    {
        var victim = new GitRepoFixture();
        victim.Commit("notes.txt", "committed\n", "mine");
        repoPath = _root["work/victim/repo"];
        Directory.CreateDirectory(_root["work/victim"]);
        var r = Kraft.Host.ProcessRunner.Run("git", ["clone", "-q", victim.Path, repoPath], null);
        Assert.True(r.Succeeded, r.CombinedOutput);
        File.WriteAllText(Path.Combine(repoPath, "notes.txt"), "UNCOMMITTED WORK\n");
        File.WriteAllText(Path.Combine(repoPath, "draft.txt"), "untracked draft\n");
        return victim;
    }

    static void AssertUntouched(string repoPath)
    {
        Assert.Equal("UNCOMMITTED WORK\n", File.ReadAllText(Path.Combine(repoPath, "notes.txt")));
        Assert.Equal("untracked draft\n", File.ReadAllText(Path.Combine(repoPath, "draft.txt")));
        Assert.False(File.Exists(Path.Combine(repoPath, "Config.uk")));
        var head = Kraft.Host.ProcessRunner.Run("git", ["symbolic-ref", "-q", "HEAD"], repoPath);
        Assert.True(head.Succeeded, "HEAD was detached: " + head.CombinedOutput);
    }

    KraftProject LoadKraftfile(string libraryYaml)
    {
        Directory.CreateDirectory(Path.Combine(ProjectDir, ".unikraft", "libs"));
        var file = Path.Combine(ProjectDir, "Kraftfile");
        File.WriteAllText(file, "spec: v0.6\nname: app\nlibraries:\n" + libraryYaml + "targets:\n  - qemu/x86_64\n");
        return KraftfileLoader.Load(file);
    }

    [Fact]
    public void A_library_key_that_climbs_out_with_an_archive_source_is_refused_where_it_is_written()
    {
        using var victim = Victim(out var repoPath);
        var data = Archives.Library("foo", "lib-foo-1.0");
        _server.Serve("/lib-foo.tar.gz", data);
        var e = Assert.Throws<KraftException>(() =>
        {
            var project = LoadKraftfile($"  \"../../../victim/repo\":\n    source: {_server.Url("/lib-foo.tar.gz")}\n");
            using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
            fetcher.Prepare(project, new FetchOptions());
        });
        Assert.Contains("invalid library name '../../../victim/repo'", e.Message);
        Assert.Equal($"{Path.Combine(ProjectDir, "Kraftfile")}:4:3", e.Location.ToString());
        AssertUntouched(repoPath);
        Assert.Equal(0, _server.CountRequests("/lib-foo.tar.gz"));
    }

    [Fact]
    public void A_library_key_that_climbs_out_with_a_git_source_is_refused_where_it_is_written()
    {
        using var victim = Victim(out var repoPath);
        using var upstream = new GitRepoFixture();
        upstream.Commit("Config.uk", "config LIBFOO\n\tbool \"foo\"\n", "lib");
        var e = Assert.Throws<KraftException>(() =>
        {
            var project = LoadKraftfile($"  \"../../../victim/repo\":\n    source: {upstream.Url}\n    version: main\n");
            using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
            fetcher.Prepare(project, new FetchOptions());
        });
        Assert.Contains("invalid library name", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
        AssertUntouched(repoPath);
    }

    [Theory]
    [InlineData(SourceKind.Archive)]
    [InlineData(SourceKind.Git)]
    public void A_name_that_bypassed_the_parser_still_cannot_leave_the_project(SourceKind kind)
    {
        using var victim = Victim(out var repoPath);
        using var upstream = new GitRepoFixture();
        upstream.Commit("Config.uk", "config LIBFOO\n\tbool \"foo\"\n", "lib");
        _server.Serve("/lib-foo.tar.gz", Archives.Library("foo", "lib-foo-1.0"));
        Directory.CreateDirectory(Path.Combine(ProjectDir, ".unikraft", "libs"));
        var project = new KraftProject
        {
            Directory = ProjectDir, KraftfilePath = Path.Combine(ProjectDir, "Kraftfile"), Spec = "v0.6", Name = "app",
            OutDir = Path.Combine(ProjectDir, ".unikraft", "build"),
        };
        var lib = new Component
        {
            Name = "../../../victim/repo", Kind = ComponentKind.Library,
            Source = kind == SourceKind.Git ? upstream.Url : _server.Url("/lib-foo.tar.gz"),
            Version = kind == SourceKind.Git ? "main" : null,
        };
        using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
        var e = Assert.Throws<KraftException>(() => fetcher.Fetch(project, lib));
        Assert.Contains("would leave", e.Message);
        AssertUntouched(repoPath);
    }

    [Fact]
    public void An_unrelated_git_repository_where_a_library_goes_is_never_checked_out()
    {
        using var upstream = new GitRepoFixture();
        upstream.Commit("Config.uk", "config LIBFOO\n\tbool \"foo\"\n", "lib");
        using var other = new GitRepoFixture();
        other.Commit("notes.txt", "committed\n", "mine");
        var repoPath = Path.Combine(ProjectDir, ".unikraft", "libs", "foo");
        Directory.CreateDirectory(Path.GetDirectoryName(repoPath)!);
        Assert.True(Kraft.Host.ProcessRunner.Run("git", ["clone", "-q", other.Path, repoPath], null).Succeeded);
        // It even holds the wanted commit, so a careless fetcher would happily check it out.
        Assert.True(Kraft.Host.ProcessRunner.Run("git", ["fetch", "-q", upstream.Path, "main"], repoPath).Succeeded);
        File.WriteAllText(Path.Combine(repoPath, "notes.txt"), "UNCOMMITTED WORK\n");
        File.WriteAllText(Path.Combine(repoPath, "draft.txt"), "untracked draft\n");

        var project = LoadKraftfile($"  foo:\n    source: {upstream.Url}\n    version: main\n");
        using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
        var e = Assert.Throws<KraftException>(() => fetcher.Prepare(project, new FetchOptions()));
        Assert.Contains("is a git repository that kraft did not create", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
        AssertUntouched(repoPath);

        // Once it is moved away, kraft makes its own checkout, recorded as such, and keeps using it.
        Directory.Move(repoPath, _root["moved"]);
        var sources = fetcher.Prepare(project, new FetchOptions());
        Assert.True(GitCheckout.IsCheckout(sources.Libraries[0].Path));
        Assert.True(File.Exists(Path.Combine(repoPath, ".git", "kraft-checkout")));
        upstream.Commit("Config.uk", "config LIBFOO\n\tbool \"foo v2\"\n", "v2");
        File.WriteAllText(project.KraftfilePath, File.ReadAllText(project.KraftfilePath).Replace("version: main", "version: " + upstream.Git("rev-parse", "HEAD")));
        fetcher.Prepare(KraftfileLoader.Load(project.KraftfilePath), new FetchOptions());
        Assert.Contains("foo v2", File.ReadAllText(Path.Combine(repoPath, "Config.uk")));
    }

    [Theory]
    [InlineData("libraries:\n  \"a/b\": stable\n", "library name")]
    [InlineData("libraries:\n  \"..\": stable\n", "library name")]
    [InlineData("libraries:\n  \"/etc\": stable\n", "library name")]
    [InlineData("libraries:\n  \"x\\ty\": stable\n", "library name")]
    [InlineData("template:\n  name: \"../t\"\n  source: https://example.org/app-x.git\n", "template name")]
    [InlineData("targets:\n  - name: \"../../evil\"\n    platform: qemu\n    architecture: x86_64\n", "target name")]
    [InlineData("name: \"../evil\"\n", "project name")]
    public void Every_name_in_a_kraftfile_follows_the_one_rule(string yaml, string kind)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<KraftException>(() => KraftfileLoader.Parse(dir["Kraftfile"], "spec: v0.6\n" + yaml, dir.Path));
        Assert.Contains("invalid " + kind, e.Message);
        Assert.NotNull(e.Location);
        Assert.True(e.Location!.Value.Line >= 2);
    }

    [Fact]
    public void A_lock_entry_whose_name_is_a_path_is_refused_with_its_line()
    {
        using var dir = new TempDir();
        var path = dir.Write("Kraftfile.lock", "version: 1\ncomponents:\n  - type: lib\n    name: \"../../x\"\n    resolved:\n      kind: directory\n      path: x\n");
        var e = Assert.Throws<KraftException>(() => Kraft.Packages.Locking.LockFile.Load(path));
        Assert.Contains("invalid component name", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }
}
