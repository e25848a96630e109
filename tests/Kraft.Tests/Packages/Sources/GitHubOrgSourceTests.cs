using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Kraft.Packages.Index.Sources;
using Kraft.Packages.Manifests;
using Microsoft.AspNetCore.Http;
using static Kraft.Tests.Packages.Sources.SourceTestKit;

namespace Kraft.Tests.Packages.Sources;

/// <summary>
/// A GitHub-shaped REST API on loopback: /orgs/OWNER/repos (or /users/OWNER/repos) in pages
/// with Link headers, the JSON fields GitHub sends, an optional bearer token to check, and
/// rate-limit answers with GitHub's headers.
/// </summary>
sealed class FakeGitHub : IDisposable
{
    public readonly LoopbackHttpServer Server = new();
    public readonly ConcurrentQueue<(string Path, string Accept, string Authorization)> Calls = new();
    public string? RequiredToken { get; set; }
    /// <summary>When set, every call answers this status with GitHub's rate-limit headers.</summary>
    public (int Status, int Limit, DateTimeOffset Reset)? RateLimited { get; set; }
    int _id;

    public string BaseUrl => Server.BaseUrl;

    public static JsonObject Repo(string name, string cloneUrl, string? description = null, bool archived = false, string? sshUrl = null) => new()
    {
        ["id"] = Random.Shared.Next(1, 1_000_000),
        ["node_id"] = "R_x",
        ["name"] = name,
        ["full_name"] = "acme/" + name,
        ["private"] = false,
        ["owner"] = new JsonObject { ["login"] = "acme", ["type"] = "Organization" },
        ["html_url"] = "https://github.com/acme/" + name,
        ["description"] = description,
        ["fork"] = false,
        ["clone_url"] = cloneUrl,
        ["ssh_url"] = sshUrl ?? "git@github.com:acme/" + name + ".git",
        ["archived"] = archived,
        ["default_branch"] = "main",
        ["topics"] = new JsonArray("unikraft"),
        ["stargazers_count"] = 3,
    };

    /// <summary>Serves <paramref name="pages"/> at <paramref name="path"/> (e.g. /orgs/acme/repos), page N at ?page=N.</summary>
    public void Pages(string path, params JsonObject[][] pages) =>
        Server.Handle(path, async ctx =>
        {
            var auth = ctx.Request.Headers.Authorization.ToString();
            Calls.Enqueue((path, ctx.Request.Headers.Accept.ToString(), auth));
            ctx.Response.Headers["X-RateLimit-Limit"] = RequiredToken is null ? "60" : "5000";
            if (RateLimited is { } rl)
            {
                ctx.Response.StatusCode = rl.Status;
                ctx.Response.Headers["X-RateLimit-Limit"] = rl.Limit.ToString(CultureInfo.InvariantCulture);
                ctx.Response.Headers["X-RateLimit-Remaining"] = "0";
                ctx.Response.Headers["X-RateLimit-Reset"] = rl.Reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("{\"message\":\"API rate limit exceeded\"}");
                return;
            }
            if (RequiredToken is not null && auth != "Bearer " + RequiredToken)
            {
                ctx.Response.StatusCode = 401;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("{\"message\":\"Bad credentials\",\"status\":\"401\"}");
                return;
            }
            Assert.Equal("100", ctx.Request.Query["per_page"].ToString());
            var page = int.TryParse(ctx.Request.Query["page"], out var p) ? p : 1;
            string Link(int n) => $"<{BaseUrl}{path}?per_page=100&page={n}>";
            var links = new List<string>();
            if (page > 1) links.Add(Link(page - 1) + "; rel=\"prev\"");
            if (page < pages.Length) links.Add(Link(page + 1) + "; rel=\"next\"");
            if (page < pages.Length) links.Add(Link(pages.Length) + "; rel=\"last\"");
            if (page > 1) links.Add(Link(1) + "; rel=\"first\"");
            if (links.Count > 0) ctx.Response.Headers["Link"] = string.Join(", ", links);
            ctx.Response.Headers["X-RateLimit-Remaining"] = (59 - Interlocked.Increment(ref _id)).ToString(CultureInfo.InvariantCulture);
            ctx.Response.ContentType = "application/json; charset=utf-8";
            var body = page >= 1 && page <= pages.Length ? new JsonArray([.. pages[page - 1].Select(r => r.DeepClone())]) : [];
            await ctx.Response.WriteAsync(body.ToJsonString());
        });

    public void Dispose() => Server.Dispose();
}

sealed class RecordingReporter : IReporter
{
    public readonly ConcurrentQueue<string> Lines = new();
    public void Info(string message) => Lines.Enqueue(message);
    public void Warn(string message) => Lines.Enqueue("warn: " + message);
    public void Progress(string step, int done, int total, string? detail = null) { }
    public void ToolOutput(string line, bool isError) { }
}

public class GitHubOrgSourceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Bare repositories named as the test asks, all copies of one populated repository.</summary>
    sealed class Repos : IDisposable
    {
        public readonly TempDir Dir = new();
        readonly GitRepoFixture _work = new();
        public readonly Dictionary<string, string> Commits;
        readonly string _template;

        public Repos()
        {
            Commits = Populate(_work);
            _template = BareCopy(_work, Dir.Path, "template.git");
        }

        /// <summary>file:// URL of a bare repository called <paramref name="name"/>.git with the populated history.</summary>
        public string Url(string name)
        {
            var target = Dir[name + ".git"];
            if (!Directory.Exists(target))
                Run(Dir.Path, "clone", "-q", "--bare", _template, target);
            return "file://" + target;
        }

        public string Empty(string name) => "file://" + EmptyBare(Dir.Path, name + ".git");

        public void Dispose() { _work.Dispose(); Dir.Dispose(); }
    }

    static Task<IReadOnlyList<Manifest>> List(string location, SourceContext context) =>
        new GitHubOrgSource(location, context).ListAsync(CancellationToken.None);

    [Fact]
    public async Task A_wildcard_lists_the_matching_repositories_of_every_page()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub();
        using var home = new TempDir();
        api.Pages("/orgs/acme/repos",
            [FakeGitHub.Repo("lib-a", repos.Url("lib-a"), "Library A"), FakeGitHub.Repo("app-c", repos.Url("app-c"))],
            [FakeGitHub.Repo("docs", repos.Url("docs")), FakeGitHub.Repo("lib-b", repos.Url("lib-b"), "  ")],
            [FakeGitHub.Repo("lib-d", repos.Url("lib-d"), "Old library", archived: true), FakeGitHub.Repo("lib-empty", repos.Empty("lib-empty"))]);
        var reporter = new RecordingReporter();
        var source = new GitHubOrgSource("https://github.com/acme/lib-*", Context(home, apiUrl: api.BaseUrl, reporter: reporter));

        var list = await source.ListAsync(CancellationToken.None);

        Assert.Equal("github", source.Kind);
        Assert.Equal(new[] { "a", "b", "d" }, list.Select(m => m.Name));
        Assert.All(list, m => Assert.Equal(ComponentType.Lib, m.Type));
        var a = list[0];
        Assert.Equal("Library A", a.Description);
        Assert.Equal(repos.Url("lib-a"), a.Origin);
        Assert.Equal("git", a.Provider);
        Assert.Equal("stable", a.DefaultChannel?.Name);
        Assert.Equal(repos.Commits["two"], a.DefaultChannel?.Commit);
        Assert.Equal("0.2.0", a.Versions.Single(v => v.Version == "RELEASE-0.2.0").Unikraft);
        Assert.Null(list[1].Description);
        Assert.Equal("(archived) Old library", list[2].Description);
        Assert.Equal(new[] { "lib-empty: the repository is empty" }, source.Skipped);
        Assert.Contains(reporter.Lines, l => l.Contains("skipping acme/lib-empty", StringComparison.Ordinal));

        var calls = api.Calls.ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal("application/vnd.github+json", c.Accept));
        Assert.All(calls, c => Assert.Equal("", c.Authorization)); // no token configured: none sent
        Assert.Equal(new[] { "/orgs/acme/repos?per_page=100", "/orgs/acme/repos?per_page=100&page=2", "/orgs/acme/repos?per_page=100&page=3" },
            api.Server.Requests.Select(r => r.Split(' ', 2)[1]));
    }

    [Fact]
    public async Task Repositories_whose_names_give_no_type_are_skipped_with_a_note()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub();
        using var home = new TempDir();
        api.Pages("/orgs/acme/repos",
            [FakeGitHub.Repo("unikraft", repos.Url("unikraft")), FakeGitHub.Repo("kraftkit", repos.Url("kraftkit")),
             FakeGitHub.Repo(".github", repos.Url("dotgithub")), FakeGitHub.Repo("app-hello", repos.Url("app-hello")),
             FakeGitHub.Repo("plat-kvm", repos.Url("plat-kvm"))]);
        var source = new GitHubOrgSource("https://github.com/acme/*", Context(home, apiUrl: api.BaseUrl));

        var list = await source.ListAsync(CancellationToken.None);

        Assert.Equal(new[] { "app/hello", "plat/kvm", "core/unikraft" }, list.Select(m => m.Id));
        Assert.Equal(2, source.Skipped.Count);
        Assert.Contains(source.Skipped, s => s.StartsWith("kraftkit: 'kraftkit' does not name a component", StringComparison.Ordinal));
        Assert.Contains(source.Skipped, s => s.StartsWith(".github: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Many_repositories_are_listed_in_parallel_and_all_come_back_in_order()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub();
        using var home = new TempDir();
        var all = Enumerable.Range(0, 30).Select(i => FakeGitHub.Repo($"lib-n{i:00}", repos.Url($"lib-n{i:00}"), $"number {i}")).ToArray();
        api.Pages("/orgs/acme/repos", all[..10], all[10..20], all[20..]);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var list = await List("https://github.com/acme/lib-n??", Context(home, apiUrl: api.BaseUrl));
        watch.Stop();

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"n{i:00}"), list.Select(m => m.Name));
        Assert.All(list, m => Assert.Equal(repos.Commits["two"], m.DefaultChannel?.Commit));
        Assert.Equal("number 7", list[7].Description);
        output.WriteLine($"30 repositories over 3 pages listed in {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task The_token_is_sent_as_a_bearer_token_and_a_bad_one_is_explained()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub { RequiredToken = "ghp_good" };
        using var home = new TempDir();
        api.Pages("/orgs/acme/repos", [FakeGitHub.Repo("lib-a", repos.Url("lib-a"))], [FakeGitHub.Repo("lib-b", repos.Url("lib-b"))]);

        var list = await List("https://github.com/acme/lib-*", Context(home, gitHubToken: "ghp_good", apiUrl: api.BaseUrl));
        Assert.Equal(2, list.Count);
        Assert.All(api.Calls, c => Assert.Equal("Bearer ghp_good", c.Authorization));

        var bad = await Assert.ThrowsAsync<KraftException>(() =>
            List("https://github.com/acme/lib-*", Context(home, gitHubToken: "ghp_expired", apiUrl: api.BaseUrl)));
        Assert.Equal("the GitHub API refused the token (HTTP 401 Bad credentials) when listing the repositories of 'acme'", bad.Message);
        Assert.Contains("GITHUB_TOKEN", bad.Hint);
        Assert.DoesNotContain("ghp_expired", bad.Describe());

        var none = await Assert.ThrowsAsync<KraftException>(() => List("https://github.com/acme/lib-*", Context(home, apiUrl: api.BaseUrl)));
        Assert.Contains("wants credentials", none.Message);
    }

    [Fact]
    public async Task The_rate_limit_is_explained_with_its_reset_time()
    {
        using var api = new FakeGitHub();
        using var home = new TempDir();
        api.Pages("/orgs/acme/repos", []);
        var reset = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600);
        api.RateLimited = (403, 60, reset);

        var e = await Assert.ThrowsAsync<KraftException>(() => List("https://github.com/acme/lib-*", Context(home, apiUrl: api.BaseUrl)));

        Assert.Equal($"GitHub API rate limit reached (limit 60/hour, unauthenticated); it resets at {reset.UtcDateTime:HH:mm:ss} UTC (in 10 min)", e.Message);
        Assert.Contains("set GITHUB_TOKEN", e.Hint);
        Assert.Contains("github.com", e.Hint);
        Assert.Single(api.Calls); // a 403 is not retried
    }

    [Fact]
    public async Task A_rate_limit_with_a_token_says_so_without_unauthenticated()
    {
        using var api = new FakeGitHub { RequiredToken = "ghp_t" };
        using var home = new TempDir();
        api.Pages("/orgs/acme/repos", []);
        var reset = DateTimeOffset.UtcNow.AddSeconds(30);
        api.RateLimited = (429, 5000, reset);

        var e = await Assert.ThrowsAsync<KraftException>(() =>
            List("https://github.com/acme/lib-*", Context(home, gitHubToken: "ghp_t", apiUrl: api.BaseUrl)));

        Assert.StartsWith("GitHub API rate limit reached (limit 5000/hour); it resets at ", e.Message);
        Assert.EndsWith("UTC (in 1 min)", e.Message);
        Assert.Contains("wait for the reset", e.Hint);
    }

    [Fact]
    public async Task A_user_instead_of_an_organisation_is_listed_through_users()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub();
        using var home = new TempDir();
        api.Pages("/users/alice/repos", [FakeGitHub.Repo("app-demo", repos.Url("app-demo"))]);

        var list = await List("https://www.github.com/alice/app-*", Context(home, apiUrl: api.BaseUrl));

        Assert.Equal("app/demo", Assert.Single(list).Id);
        Assert.Equal(new[] { "GET /orgs/alice/repos?per_page=100", "GET /users/alice/repos?per_page=100" }, api.Server.Requests);
    }

    [Fact]
    public async Task An_unknown_owner_or_a_pattern_matching_nothing_is_a_clear_error()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub();
        using var home = new TempDir();
        var nobody = await Assert.ThrowsAsync<KraftException>(() => List("https://github.com/nobody/lib-*", Context(home, apiUrl: api.BaseUrl)));
        Assert.StartsWith("GitHub has no organisation or user named 'nobody'", nobody.Message);

        api.Pages("/orgs/acme/repos", [FakeGitHub.Repo("lib-a", repos.Url("lib-a"))]);
        var nothing = await Assert.ThrowsAsync<KraftException>(() => List("https://github.com/acme/plat-*", Context(home, apiUrl: api.BaseUrl)));
        Assert.Equal("no repository of github.com/acme matches 'plat-*' (the organisation has 1)", nothing.Message);
    }

    [Fact]
    public async Task A_repository_that_fails_is_named_and_the_others_are_kept_in_the_error()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub();
        using var home = new TempDir();
        Directory.CreateDirectory(repos.Dir["lib-broken.git"]);
        api.Pages("/orgs/acme/repos",
            [FakeGitHub.Repo("lib-a", repos.Url("lib-a")), FakeGitHub.Repo("lib-broken", "file://" + repos.Dir["lib-broken.git"])],
            [FakeGitHub.Repo("lib-gone", "file://" + repos.Dir["lib-gone.git"]), FakeGitHub.Repo("lib-z", repos.Url("lib-z"))]);

        var e = await Assert.ThrowsAsync<GitHubPartialListingException>(() =>
            List("https://github.com/acme/lib-*", Context(home, apiUrl: api.BaseUrl)));

        Assert.StartsWith("2 of 4 repositories of github.com/acme matching 'lib-*' could not be listed: lib-broken: cannot list the git repository file://", e.Message);
        Assert.Contains("does not appear to be a git repository", e.Message);
        Assert.Contains("lib-gone: the git repository", e.Message);
        Assert.Equal(new[] { "lib-broken", "lib-gone" }, e.Failures.Select(f => f.Repository));
        Assert.Equal(new[] { "a", "z" }, e.Listed.Select(m => m.Name));
        Assert.Contains("the other 2 were listed", e.Hint);
    }

    [Fact]
    public async Task The_ssh_form_lists_repositories_by_their_ssh_urls()
    {
        using var repos = new Repos();
        using var api = new FakeGitHub();
        using var home = new TempDir();
        api.Pages("/orgs/acme/repos",
            [FakeGitHub.Repo("lib-a", cloneUrl: "file://" + repos.Dir["missing.git"], sshUrl: repos.Url("lib-a"))]);

        var list = await List("git@github.com:acme/lib-*", Context(home, apiUrl: api.BaseUrl));
        Assert.Equal(repos.Url("lib-a"), Assert.Single(list).Origin);
    }

    [Fact]
    public async Task An_answer_that_is_not_a_repository_list_or_a_next_page_elsewhere_is_refused()
    {
        using var api = new FakeGitHub();
        using var home = new TempDir();
        api.Server.Serve("/orgs/acme/repos", "<html>proxy login</html>", "text/html");
        var e = await Assert.ThrowsAsync<KraftException>(() => List("https://github.com/acme/lib-*", Context(home, gitHubToken: "ghp_x", apiUrl: api.BaseUrl)));
        Assert.Contains("not a list of repositories", e.Message);

        api.Server.Handle("/orgs/acme/repos", async ctx =>
        {
            ctx.Response.Headers["Link"] = "<http://elsewhere.invalid/orgs/acme/repos?page=2>; rel=\"next\"";
            await ctx.Response.WriteAsync("[]");
        });
        var away = await Assert.ThrowsAsync<KraftException>(() => List("https://github.com/acme/lib-*", Context(home, gitHubToken: "ghp_x", apiUrl: api.BaseUrl)));
        Assert.Contains("next page on another host", away.Message);
    }

    [Theory]
    [InlineData("https://github.com/unikraft/lib-*", true, "unikraft", "lib-*", false)]
    [InlineData("http://github.com/unikraft/app-*", true, "unikraft", "app-*", false)]
    [InlineData("https://www.github.com/unikraft/plat-?*/", true, "unikraft", "plat-?*", false)]
    [InlineData("git@github.com:unikraft/lib-*", true, "unikraft", "lib-*", true)]
    [InlineData("ssh://git@github.com/unikraft/lib-[a-m]*.git", true, "unikraft", "lib-[a-m]*", true)]
    [InlineData("https://github.com/unikraft/lib-lwip", false, "unikraft", "lib-lwip", false)]
    [InlineData("https://github.com/unikraft/unikraft.git", false, "unikraft", "unikraft", false)]
    [InlineData("https://gitlab.com/unikraft/lib-*", false, null, null, false)]
    [InlineData("https://github.com/unikraft", false, null, null, false)]
    [InlineData("https://github.com/unikraft/lib-*/tree/stable", false, null, null, false)]
    public void Github_locations_are_recognised(string location, bool wildcard, string? owner, string? repo, bool ssh)
    {
        Assert.Equal(wildcard, GitHubOrgSource.IsWildcard(location));
        var parsed = GitHubOrgSource.TryParse(location, out var o, out var r, out var s);
        Assert.Equal(owner is not null, parsed);
        if (parsed) Assert.Equal((owner, repo, ssh), (o, r, s));
    }

    [Theory]
    [InlineData("lib-*", "lib-lwip", true)]
    [InlineData("lib-*", "LIB-Musl", true)]
    [InlineData("lib-*", "app-lwip", false)]
    [InlineData("lib-?", "lib-a", true)]
    [InlineData("lib-?", "lib-ab", false)]
    [InlineData("lib-[a-c]*", "lib-bar", true)]
    [InlineData("lib-[!a-c]*", "lib-bar", false)]
    [InlineData("lib.x*", "libaxy", false)]
    [InlineData("*", ".github", true)]
    public void Globs_match_like_fnmatch(string pattern, string name, bool expected) =>
        Assert.Equal(expected, GitHubOrgSource.Glob(pattern).IsMatch(name));
}
