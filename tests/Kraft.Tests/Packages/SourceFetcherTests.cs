using Kraft.Packages;
using Kraft.Project;

namespace Kraft.Tests.Packages;

public class SourceFetcherTests : IDisposable
{
    readonly PackagesEnv _env = new();
    public void Dispose() => _env.Dispose();
    SourceFetcher NewFetcher() => new(NullReporter.Instance, _env.Config);

    static KraftProject ProjectIn(string dir) => new()
    {
        Directory = dir, KraftfilePath = System.IO.Path.Combine(dir, "Kraftfile"), Spec = "v0.6", Name = "app",
        OutDir = System.IO.Path.Combine(dir, ".unikraft", "build"),
    };

    static Component Core(string? source, string? version) =>
        new() { Name = "unikraft", Kind = ComponentKind.Core, Source = source, Version = version, Location = new SourceLocation("Kraftfile", 3, 3) };

    static string Head(string repo) => new GitRepoFixture_Reader(repo).Head;

    [Fact]
    public void Clones_a_tag_a_branch_and_a_commit()
    {
        using var repo = new GitRepoFixture();
        var c1 = repo.Commit("Makefile", "v1", "one");
        repo.Git("tag", "RELEASE-0.16.3");
        var c2 = repo.Commit("Makefile", "v2", "two");
        repo.Git("branch", "stable");
        var c3 = repo.Commit("Makefile", "v3", "three");
        using var work = new TempDir();
        var fetcher = NewFetcher();
        var project = ProjectIn(work.Path);

        var tag = fetcher.Fetch(project, Core(repo.Url, "v0.16.3"));
        Assert.Equal(c1, tag.Commit);
        Assert.Equal(System.IO.Path.Combine(work.Path, ".unikraft", "unikraft"), tag.Path);
        Assert.Equal("v1", File.ReadAllText(System.IO.Path.Combine(tag.Path, "Makefile")));

        Assert.Equal(c2, fetcher.Fetch(project, Core(repo.Url, "stable")).Commit);
        Assert.Equal(c3, fetcher.Fetch(project, Core(repo.Url, c3[..10])).Commit);
        Assert.Equal(c3, fetcher.Fetch(project, Core(repo.Url, null)).Commit);
        Assert.Equal("v3", File.ReadAllText(System.IO.Path.Combine(tag.Path, "Makefile")));
    }

    [Fact]
    public void A_version_that_exists_locally_needs_no_network()
    {
        using var repo = new GitRepoFixture();
        var c1 = repo.Commit("f", "1", "one");
        repo.Git("tag", "v1");
        using var work = new TempDir();
        var fetcher = NewFetcher();
        var project = ProjectIn(work.Path);
        fetcher.Fetch(project, Core(repo.Url, "v1"));
        // The origin disappears: the checkout must still be usable.
        repo.Dispose();
        Assert.Equal(c1, fetcher.Fetch(project, Core(repo.Url, "v1")).Commit);
    }

    [Fact]
    public void A_new_commit_upstream_is_fetched_when_asked_for()
    {
        using var repo = new GitRepoFixture();
        repo.Commit("f", "1", "one");
        using var work = new TempDir();
        var fetcher = NewFetcher();
        var project = ProjectIn(work.Path);
        fetcher.Fetch(project, Core(repo.Url, "main"));
        var c2 = repo.Commit("f", "2", "two");
        repo.Git("tag", "v2");
        Assert.Equal(c2, fetcher.Fetch(project, Core(repo.Url, "v2")).Commit);
    }

    [Fact]
    public void An_unknown_version_names_the_ones_that_exist()
    {
        using var repo = new GitRepoFixture();
        repo.Commit("f", "1", "one");
        repo.Git("tag", "v1.0");
        using var work = new TempDir();
        var e = Assert.Throws<KraftException>(() => NewFetcher().Fetch(ProjectIn(work.Path), Core(repo.Url, "v9.9")));
        Assert.Contains("version 'v9.9'", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("v1.0", e.Hint);
        Assert.Equal(3, e.Location!.Value.Line);
        // Nothing half-cloned is left behind to be trusted later.
        Assert.False(Directory.Exists(System.IO.Path.Combine(work.Path, ".unikraft", "unikraft")));
        Assert.True(!Directory.Exists(work[".unikraft"]) || Directory.GetDirectories(work[".unikraft"]).Length == 0);
    }

    [Fact]
    public void An_unreachable_url_is_a_clear_error()
    {
        using var work = new TempDir();
        var e = Assert.Throws<KraftException>(() =>
            NewFetcher().Fetch(ProjectIn(work.Path), Core("file:///nonexistent/repo.git", "v1")));
        Assert.Contains("file:///nonexistent/repo.git failed", e.Message);
        Assert.False(Directory.Exists(work[".unikraft"]));
    }

    [Fact]
    public void A_local_directory_is_used_in_place_and_a_missing_one_is_an_error()
    {
        using var work = new TempDir();
        var core = work.Write("core/Makefile", "");
        var fetcher = NewFetcher();
        var r = fetcher.Fetch(ProjectIn(work.Path), Core(work["core"], null));
        Assert.Equal(work["core"], r.Path);
        Assert.Equal("local directory", r.Origin);

        var e = Assert.Throws<KraftException>(() => fetcher.Fetch(ProjectIn(work.Path), Core(work["nope"], null)));
        Assert.Contains("does not exist", e.Message);
        Assert.Equal("Kraftfile:3:3", e.Location.ToString());
    }

    [Fact]
    public void Peek_does_not_fetch()
    {
        using var repo = new GitRepoFixture();
        repo.Commit("f", "1", "one");
        using var work = new TempDir();
        var r = NewFetcher().Peek(ProjectIn(work.Path), Core(repo.Url, "main"));
        Assert.True(r.Pending);
        Assert.Contains("not fetched yet", r.Describe());
        Assert.False(Directory.Exists(work[".unikraft"]));
    }

    [Theory]
    [InlineData("https://github.com/unikraft/unikraft.git", SourceKind.Git)]
    [InlineData("git@github.com:unikraft/unikraft.git", SourceKind.Git)]
    [InlineData("ssh://git@host/x", SourceKind.Git)]
    [InlineData("file:///srv/git/x", SourceKind.Git)]
    [InlineData("/definitely/not/here", SourceKind.LocalDirectory)]
    public void Classifies_sources(string source, SourceKind kind) => Assert.Equal(kind, SourceClassifier.Classify(source));

    [Theory]
    [InlineData("v0.16.3", "refs/tags/RELEASE-0.16.3")]
    [InlineData("0.17.0", "refs/tags/RELEASE-0.17.0")]
    public void Release_numbers_map_to_release_tags(string version, string candidate) =>
        Assert.Contains(candidate, DefaultOrigins.RevisionCandidates(version));

    sealed class GitRepoFixture_Reader(string repo)
    {
        public string Head => Kraft.Host.ProcessRunner.Run("git", ["rev-parse", "HEAD"], repo).StandardOutput.Trim();
    }
}
