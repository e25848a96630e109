using System.Collections.Concurrent;
using Kraft.Packages.Config;
using Kraft.Packages.Index.Sources;
using Kraft.Packages.Manifests;
using Microsoft.AspNetCore.Http;
using static Kraft.Tests.Packages.Sources.SourceTestKit;

namespace Kraft.Tests.Packages.Sources;

public class GitRepoSourceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static async Task<Manifest> ListOne(string location, SourceContext context)
    {
        var list = await new GitRepoSource(location, context).ListAsync(CancellationToken.None);
        return Assert.Single(list);
    }

    [Fact]
    public async Task Branches_become_channels_and_tags_versions_with_their_commits()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        var c = Populate(work);
        var bare = BareCopy(work, home.Path, "lib-foo.git");
        var url = "file://" + bare;

        var m = await ListOne(url, Context(home));

        Assert.Equal("foo", m.Name);
        Assert.Equal(ComponentType.Lib, m.Type);
        Assert.Equal("git", m.Provider);
        Assert.Equal(url, m.Origin);
        Assert.Equal(new[] { "stable", "feature", "main", "staging" }, m.Channels.Select(ch => ch.Name));
        Assert.Equal("stable", m.DefaultChannel?.Name);
        Assert.Single(m.Channels, ch => ch.Default);
        Assert.All(m.Channels, ch => Assert.Equal(url, ch.Resource));
        Assert.Equal(c["two"], m.Channels.Single(ch => ch.Name == "stable").Commit);
        Assert.Equal(c["three"], m.Channels.Single(ch => ch.Name == "staging").Commit);
        Assert.Equal(c["four"], m.Channels.Single(ch => ch.Name == "feature").Commit);
        Assert.Equal(c["five"], m.Channels.Single(ch => ch.Name == "main").Commit);

        // Newest first, compared as numbers (0.10.0 after 0.2.0).
        Assert.Equal(new[] { "RELEASE-0.10.0", "RELEASE-0.2.0", "v0.1.0" }, m.Versions.Select(v => v.Version));
        Assert.All(m.Versions, v => { Assert.Equal("semver", v.Type); Assert.Equal(url, v.Resource); });
        var annotated = m.Versions.Single(v => v.Version == "RELEASE-0.2.0");
        Assert.Equal(c["two"], annotated.Commit); // the peeled commit, not the tag object
        Assert.NotEqual(work.Git("rev-parse", "RELEASE-0.2.0"), annotated.Commit);
        Assert.Equal("0.2.0", annotated.Unikraft);
        Assert.Equal("0.10.0", m.Versions.Single(v => v.Version == "RELEASE-0.10.0").Unikraft);
        Assert.Equal(c["three"], m.Versions.Single(v => v.Version == "RELEASE-0.10.0").Commit);
        var light = m.Versions.Single(v => v.Version == "v0.1.0");
        Assert.Equal(c["one"], light.Commit);
        Assert.Null(light.Unikraft);
    }

    [Fact]
    public async Task A_plain_path_a_checkout_and_a_file_url_all_work()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        var c = Populate(work);
        var bare = BareCopy(work, home.Path, "unikraft.git");
        Run(home.Path, "clone", "-q", work.Path, home["app-hello"]);

        var core = await ListOne(bare, Context(home));
        Assert.Equal(("unikraft", ComponentType.Core), (core.Name, core.Type));
        Assert.Equal(bare, core.Origin);

        var relative = Path.GetRelativePath(Environment.CurrentDirectory, bare);
        Assert.Equal(bare, (await ListOne(relative, Context(home))).Origin);

        // A checkout lists its own branches (the clone has only main); its remote-tracking refs are not channels.
        var app = await ListOne(home["app-hello"], Context(home));
        Assert.Equal(("hello", ComponentType.App), (app.Name, app.Type));
        var main = Assert.Single(app.Channels);
        Assert.Equal(("main", true, c["five"]), (main.Name, main.Default, main.Commit));
        Assert.Equal(3, app.Versions.Count);

        var viaGitDir = await ListOne(home["app-hello/.git"], Context(home));
        Assert.Equal("hello", viaGitDir.Name);
    }

    [Fact]
    public async Task Without_a_stable_branch_the_remote_HEAD_branch_is_the_default()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        var first = work.Commit("a", "1", "one");
        work.Git("branch", "develop");
        work.Commit("a", "2", "two");
        var bare = BareCopy(work, home.Path, "plat-board.git");
        Run(bare, "symbolic-ref", "HEAD", "refs/heads/develop");

        var m = await ListOne(bare, Context(home));
        Assert.Equal(("board", ComponentType.Plat), (m.Name, m.Type));
        Assert.Equal("develop", m.DefaultChannel?.Name);
        Assert.Equal(first, m.DefaultChannel?.Commit);
        Assert.Empty(m.Versions);

        // HEAD naming a branch that does not exist: no default (an explicit version is needed).
        Run(bare, "symbolic-ref", "HEAD", "refs/heads/gone");
        var none = await ListOne(bare, Context(home));
        Assert.Null(none.DefaultChannel);
        Assert.Equal(2, none.Channels.Count);
    }

    [Fact]
    public async Task A_repository_with_tags_only_has_versions_and_no_channel()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        var c = work.Commit("a", "1", "one");
        work.Git("tag", "v1.0.0");
        var bare = BareCopy(work, home.Path, "arch-toy.git");
        Run(bare, "update-ref", "-d", "refs/heads/main");

        var m = await ListOne(bare, Context(home));
        Assert.Equal(ComponentType.Arch, m.Type);
        Assert.Empty(m.Channels);
        Assert.Equal(c, Assert.Single(m.Versions).Commit);
    }

    [Fact]
    public async Task A_name_without_a_type_is_an_error_unless_named_after_a_hash()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        Populate(work);
        var bare = BareCopy(work, home.Path, "musl.git");

        var e = await Assert.ThrowsAsync<KraftException>(() => ListOne(bare, Context(home)));
        Assert.Contains(bare, e.Message);
        Assert.Contains("'musl' has no type", e.Message);
        Assert.Contains("#lib-musl", e.Hint);

        var named = await ListOne(bare + "#lib-musl", Context(home));
        Assert.Equal(("musl", ComponentType.Lib), (named.Name, named.Type));
        Assert.Equal(bare, named.Origin);

        var bad = await Assert.ThrowsAsync<KraftException>(() => ListOne(bare + "#musl", Context(home)));
        Assert.Contains("does not name a component", bad.Message);
    }

    [Fact]
    public async Task A_local_mirror_named_repo_takes_its_name_from_its_origin()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        Populate(work);
        var bare = BareCopy(work, home.Path, "repo");
        Run(bare, "config", "remote.origin.url", "https://github.com/unikraft/lib-lwip.git");

        var m = await ListOne(bare, Context(home));
        Assert.Equal(("lwip", ComponentType.Lib), (m.Name, m.Type));
        Assert.Equal(bare, m.Origin); // listed from the mirror, not the network
    }

    [Fact]
    public async Task An_empty_repository_is_a_clear_error()
    {
        using var home = new TempDir();
        var empty = EmptyBare(home.Path, "lib-empty.git");
        var e = await Assert.ThrowsAsync<KraftException>(() => ListOne(empty, Context(home)));
        Assert.Contains($"the git repository {empty} is empty", e.Message);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public async Task A_missing_path_or_a_directory_that_is_no_repository_is_named_with_a_hint()
    {
        using var home = new TempDir();
        var missing = home["nowhere/lib-x.git"];
        var e = await Assert.ThrowsAsync<KraftException>(() => ListOne(missing, Context(home)));
        Assert.Contains($"'{missing}' does not exist", e.Message);
        Assert.Contains("kraft pkg unsource", e.Hint);

        Directory.CreateDirectory(home["lib-plain"]);
        var url = "file://" + home["lib-plain"];
        var notRepo = await Assert.ThrowsAsync<KraftException>(() => ListOne(url, Context(home)));
        Assert.Contains($"cannot list the git repository {url}: ", notRepo.Message);
        Assert.Contains("does not appear to be a git repository", notRepo.Message);
        Assert.Contains("check the path", notRepo.Hint);
    }

    /// <summary>A git repository served over HTTP ("dumb" protocol) that wants an Authorization header.</summary>
    sealed class ProtectedGitServer : IDisposable
    {
        public readonly LoopbackHttpServer Server = new();
        public readonly ConcurrentQueue<string> Authorizations = new();
        public string Url { get; }

        public ProtectedGitServer(string bare, string expectedAuthorization)
        {
            Run(bare, "update-server-info");
            Url = Server.Url("/git/" + Path.GetFileName(bare));
            foreach (var file in (string[])["info/refs", "HEAD"])
                Server.Handle($"/git/{Path.GetFileName(bare)}/{file}", async ctx =>
                {
                    var given = ctx.Request.Headers.Authorization.ToString();
                    Authorizations.Enqueue(given);
                    if (given != expectedAuthorization)
                    {
                        ctx.Response.StatusCode = 401;
                        ctx.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
                        return;
                    }
                    ctx.Response.ContentType = "text/plain";
                    await ctx.Response.Body.WriteAsync(await File.ReadAllBytesAsync(Path.Combine(bare, file)));
                });
        }

        public void Dispose() => Server.Dispose();
    }

    [Fact]
    public async Task Https_credentials_from_auth_go_in_a_header_never_in_the_url_or_the_message()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        var c = Populate(work);
        var bare = BareCopy(work, home.Path, "lib-private.git");
        const string token = "s3cr3t-t0ken";
        using var git = new ProtectedGitServer(bare, "Bearer " + token);

        var m = await ListOne(git.Url, Context(home, auth: new Dictionary<string, HostAuth> { ["127.0.0.1"] = new() { Token = token } }));
        Assert.Equal(git.Url, m.Origin);
        Assert.Equal(c["two"], m.DefaultChannel?.Commit);
        Assert.Contains("Bearer " + token, git.Authorizations);

        // No credentials: git's refusal is explained, with the auth entry to add.
        var none = await Assert.ThrowsAsync<KraftException>(() => ListOne(git.Url, Context(home)));
        Assert.Contains($"cannot list the git repository {git.Url}", none.Message);
        Assert.Contains("add a token for 127.0.0.1 under 'auth:'", none.Hint);

        // A wrong token: refused, and the token appears nowhere.
        var wrong = await Assert.ThrowsAsync<KraftException>(() =>
            ListOne(git.Url, Context(home, auth: new Dictionary<string, HostAuth> { ["127.0.0.1"] = new() { Token = "wrong-" + token } })));
        Assert.DoesNotContain(token, wrong.Describe());
        Assert.Contains("refused the token for 127.0.0.1", wrong.Hint);
    }

    [Fact]
    public async Task A_user_and_token_give_basic_auth_and_credentials_in_a_url_are_hidden_in_errors()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        Populate(work);
        var bare = BareCopy(work, home.Path, "lib-basic.git");
        var basic = "Basic " + Convert.ToBase64String("alice:pw123"u8.ToArray());
        using var git = new ProtectedGitServer(bare, basic);

        var m = await ListOne(git.Url, Context(home, auth: new Dictionary<string, HostAuth>
            { ["http://127.0.0.1"] = new() { User = "alice", Token = "pw123" } }));
        Assert.Equal("basic", m.Name);
        Assert.Contains(basic, git.Authorizations);

        var withSecret = git.Url.Replace("http://", "http://bob:hunter2@", StringComparison.Ordinal);
        var e = await Assert.ThrowsAsync<KraftException>(() => ListOne(withSecret, Context(home)));
        Assert.DoesNotContain("hunter2", e.Describe());
        Assert.DoesNotContain("bob", e.Describe());
        // The user part was taken off where the URL entered: the message names the plain URL.
        Assert.Contains(git.Url, e.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_after_the_time_out()
    {
        using var home = new TempDir();
        using var server = new LoopbackHttpServer();
        using var release = new CancellationTokenSource();
        server.Handle("/git/lib-slow.git/info/refs", async ctx =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(30), release.Token); } catch (OperationCanceledException) { }
        });
        GitRemoteLister.TimeoutForTests.Value = TimeSpan.FromSeconds(1.5);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var e = await Assert.ThrowsAsync<KraftException>(() => ListOne(server.Url("/git/lib-slow.git"), Context(home)));
            Assert.Contains("gave no answer within 1.5 s", e.Message);
            Assert.Contains("KRAFT_GIT_TIMEOUT", e.Hint);
        }
        finally
        {
            GitRemoteLister.TimeoutForTests.Value = null;
            release.Cancel();
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("https://github.com/unikraft/lib-lwip", true)]
    [InlineData("https://github.com/unikraft/lib-lwip.git", true)]
    [InlineData("http://www.github.com/unikraft/unikraft/", true)]
    [InlineData("https://gitlab.com/group/lib-x", true)]
    [InlineData("https://git.example.org/deep/path/lib-x.git", true)]
    [InlineData("https://git.example.org/deep/path/lib-x.git#lib-y", true)]
    [InlineData("ssh://git@github.com/unikraft/lib-lwip.git", true)]
    [InlineData("git@github.com:unikraft/lib-lwip.git", true)]
    [InlineData("git+ssh://git@host/lib-x", true)]
    [InlineData("git://host/lib-x", true)]
    [InlineData("file:///srv/git/lib-x", true)]
    [InlineData("/srv/git/lib-x.git", true)]
    [InlineData("https://github.com/unikraft/lib-*", false)]
    [InlineData("git@github.com:unikraft/lib-*", false)]
    [InlineData("https://manifests.kraftkit.sh/index.yaml", false)]
    [InlineData("https://example.org/components", false)]
    [InlineData("https://github.com/unikraft/lib-lwip/archive/refs/heads/stable.tar.gz", false)]
    [InlineData("./manifests/lib-x.yaml", false)]
    [InlineData("", false)]
    public void LooksLikeGit_tells_git_locations_from_the_others(string location, bool expected) =>
        Assert.Equal(expected, GitRepoSource.LooksLikeGit(location));

    [Fact]
    public void LooksLikeGit_knows_a_local_bare_repository_but_leaves_checkouts_to_the_directory_source()
    {
        using var home = new TempDir();
        using var work = new GitRepoFixture();
        work.Commit("a", "1", "one");
        var bare = BareCopy(work, home.Path, "mirror");
        Assert.True(GitRepoSource.LooksLikeGit(bare));
        Assert.False(GitRepoSource.LooksLikeGit(work.Path));
        Assert.True(GitRepoSource.IsLocalRepository(work.Path));
        Assert.True(GitRepoSource.IsLocalRepository(bare));
        Assert.False(GitRepoSource.IsLocalRepository(home.Path));
    }

    [Fact]
    public void Ls_remote_output_is_read_with_symrefs_and_peeled_tags()
    {
        var a = new string('a', 40); var b = new string('b', 40); var t = new string('c', 40);
        var refs = GitRefs.Parse(
            $"ref: refs/heads/staging\tHEAD\n{b}\tHEAD\n{a}\trefs/heads/stable\n{b}\trefs/heads/staging\n" +
            $"{t}\trefs/tags/RELEASE-0.1.0\n{a}\trefs/tags/RELEASE-0.1.0^{{}}\n{b}\trefs/tags/v2\n{a}\trefs/pull/1/head\n{a}\trefs/remotes/origin/x\n");
        Assert.Equal("staging", refs.HeadBranch);
        Assert.Equal(new[] { ("stable", a), ("staging", b) }, refs.Branches);
        Assert.Equal(new[] { ("RELEASE-0.1.0", a), ("v2", b) }, refs.Tags);
        Assert.True(GitRefs.Parse("").IsEmpty);
    }

    [Theory]
    [InlineData("https://tok3n@github.com/o/r", "https://***@github.com/o/r")]
    [InlineData("https://user:pass@host/r.git", "https://***@host/r.git")]
    [InlineData("ssh://git@host/r.git", "ssh://git@host/r.git")]
    [InlineData("ssh://git:pw@host/r.git", "ssh://git:***@host/r.git")]
    [InlineData("failed for 'https://x:y@h/r'", "failed for 'https://***@h/r'")]
    public void Credentials_in_urls_are_redacted(string text, string expected) =>
        Assert.Equal(expected, GitLocation.Redact(text));

    /// <summary>
    /// Opt-in: the real Unikraft repository (e.g. a local bare mirror). Set KRAFT_TEST_UNIKRAFT_GIT
    /// to its path or URL; a base name that says nothing ("repo") is named with #unikraft.
    /// </summary>
    [SkippableFact]
    public async Task The_real_unikraft_repository_lists_stable_staging_and_releases()
    {
        var location = Environment.GetEnvironmentVariable("KRAFT_TEST_UNIKRAFT_GIT");
        Skip.If(string.IsNullOrEmpty(location), "set KRAFT_TEST_UNIKRAFT_GIT to a Unikraft git repository (path or URL)");
        using var home = new TempDir();
        if (!location!.Contains('#') && !location.TrimEnd('/').EndsWith("unikraft", StringComparison.Ordinal)
            && !location.TrimEnd('/').EndsWith("unikraft.git", StringComparison.Ordinal))
            location += "#unikraft";

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var m = await ListOne(location, Context(home));
        watch.Stop();

        Assert.Equal(("unikraft", ComponentType.Core), (m.Name, m.Type));
        Assert.Equal("stable", m.DefaultChannel?.Name);
        Assert.Contains(m.Channels, c => c.Name == "staging");
        var v17 = m.Versions.Single(v => v.Version == "RELEASE-0.17.0");
        Assert.Equal("0.17.0", v17.Unikraft);
        Assert.Matches("^[0-9a-f]{40}$", v17.Commit);
        Assert.Contains(m.Versions, v => v.Unikraft == "0.16.3");
        var hash = location.IndexOf('#');
        var dir = hash >= 0 ? location[..hash] : location;
        if (Directory.Exists(dir))
            foreach (var v in m.Versions)
                Assert.Equal(Run(dir, "rev-parse", v.Version + "^{commit}"), v.Commit);
        output.WriteLine($"listed {m.Channels.Count} channels and {m.Versions.Count} versions in {watch.ElapsedMilliseconds} ms; newest {m.Versions[0].Version}");
    }
}
