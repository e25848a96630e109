using System.Text;
using Kraft.Host;
using Kraft.Packages;
using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Project;
using Kraft.Tests.Packages.Index;

namespace Kraft.Tests.Packages.Security;

/// <summary>
/// Issue 12 items 2 and 4: credentials written into a source URL are used (as a header, through
/// the environment) but never stored or shown, and auth: from the configuration is used for
/// fetching a private repository as well as for listing it. The server is git's own http-backend
/// on loopback, refusing requests without the right basic credentials.
/// </summary>
public sealed class CredentialsTests : IDisposable
{
    const string User = "kraftuser";
    // Distinct per test class run, so a hit can only come from this test.
    readonly string _token = "tok-" + Guid.NewGuid().ToString("N")[..16];
    readonly PackagesEnv _env = new();
    readonly TempDir _work = new();
    readonly GitRepoFixture _upstream = new();
    readonly GitHttpServer _server;

    public CredentialsTests()
    {
        _server = new GitHttpServer(User, _token);
        _upstream.Commit("Config.uk", "config LIBFOO\n\tbool \"foo\"\n", "lib");
        _server.Publish("lib-foo", _upstream.Path);
    }

    public void Dispose()
    {
        _server.Dispose();
        _upstream.Dispose();
        _work.Dispose();
        _env.Dispose();
    }

    string Basic => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{_token}"));

    /// <summary>Every file under the given folders (git's own files included) that holds the token or its encoding.</summary>
    List<string> FilesWithSecret(params string[] roots)
    {
        var hits = new List<string>();
        foreach (var root in roots.Where(Directory.Exists))
            foreach (var f in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var bytes = File.ReadAllBytes(f);
                var text = Encoding.Latin1.GetString(bytes);
                if (text.Contains(_token, StringComparison.Ordinal) || text.Contains(Basic, StringComparison.Ordinal)) hits.Add(f);
            }
        return hits;
    }

    KraftProject Kraftfile(string source) =>
        KraftfileLoader.Parse(_work["Kraftfile"],
            $"spec: v0.6\nname: app\nlibraries:\n  foo:\n    source: {source}\n    version: main\ntargets:\n  - qemu/x86_64\n", _work.Path);

    [Fact]
    public void A_token_in_a_kraftfile_source_is_used_but_never_stored_or_shown()
    {
        var url = _server.UrlOf("lib-foo");
        var withToken = url.Replace("http://", $"http://{User}:{_token}@", StringComparison.Ordinal);
        var project = Kraftfile(withToken);
        Assert.Equal(url, project.Libraries[0].Source);

        var reporter = new RecordingReporter();
        using var fetcher = new SourceFetcher(reporter, _env.Config);
        var sources = fetcher.Prepare(project, new FetchOptions());

        Assert.Contains("bool \"foo\"", File.ReadAllText(Path.Combine(sources.Libraries[0].Path, "Config.uk")));
        Assert.Contains(_server.Log, l => l.StartsWith("200 ", StringComparison.Ordinal));
        Assert.Empty(FilesWithSecret(_work.Path, _env.SourcesDir, _env.ManifestsDir));
        Assert.Contains(url, File.ReadAllText(sources.LockPath));
        Assert.DoesNotContain(reporter.Lines, l => l.Contains(_token, StringComparison.Ordinal));
        Assert.DoesNotContain(_token, sources.Libraries[0].Describe());
        // The plan of a dry run (cache only) shows the URL without the token too.
        Assert.DoesNotContain(_token, fetcher.Prepare(project, new FetchOptions { Fetch = false }).Libraries[0].Describe());
    }

    [Fact]
    public void A_wrong_token_fails_with_a_message_that_does_not_show_it()
    {
        var url = _server.UrlOf("lib-foo");
        var wrong = "bad-" + _token;
        var project = Kraftfile(url.Replace("http://", $"http://{User}:{wrong}@", StringComparison.Ordinal));
        using var fetcher = new SourceFetcher(NullReporter.Instance, _env.Config);
        var e = Assert.Throws<KraftException>(() => fetcher.Prepare(project, new FetchOptions()));
        var shown = e.Describe();
        Assert.DoesNotContain(wrong, shown);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{wrong}")), shown);
        Assert.Contains("127.0.0.1", shown);
        Assert.Empty(FilesWithSecret(_work.Path, _env.SourcesDir));
    }

    [Fact]
    public async Task Auth_from_the_configuration_lists_and_fetches_a_private_repository()
    {
        var url = _server.UrlOf("lib-foo");
        var config = _env.Config with
        {
            Sources = [new ConfiguredSource(url, "test")],
            Auth = new Dictionary<string, HostAuth> { ["127.0.0.1"] = new() { User = User, Token = _token } },
        };
        var report = await new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default);
        Assert.False(report.AnyFailed, string.Join("; ", report.Outcomes.Select(s => s.Error)));

        var project = PackagesEnv.ProjectIn(_work.Path, null, PackagesEnv.Lib("foo", version: "main"));
        using var fetcher = new SourceFetcher(NullReporter.Instance, config);
        var sources = fetcher.Prepare(project, new FetchOptions());
        Assert.Contains("bool \"foo\"", File.ReadAllText(Path.Combine(sources.Libraries[0].Path, "Config.uk")));
        Assert.Contains(_server.Log, l => l.Contains("git-upload-pack", StringComparison.Ordinal) && l.StartsWith("200 POST", StringComparison.Ordinal));
        Assert.Empty(FilesWithSecret(_work.Path, _env.SourcesDir, _env.ManifestsDir));
    }

    [Fact]
    public async Task Without_credentials_the_private_repository_is_refused_with_a_hint_for_auth()
    {
        var config = _env.Config with { Sources = [new ConfiguredSource(_server.UrlOf("lib-foo"), "test")] };
        var report = await new IndexUpdater(config, NullReporter.Instance).UpdateAsync(default);
        Assert.True(report.AnyFailed);
        Assert.Contains("auth:", report.Outcomes.Single().Hint);
    }

    [Theory]
    [InlineData("http://u:pw-secret-1@h.example/r.git", "http://h.example/r.git")]
    [InlineData("https://ghp_tokenonly123@github.com/o/r.git", "https://github.com/o/r.git")]
    [InlineData("ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git")]
    [InlineData("ssh://git:pw-secret-2@host/r.git", "ssh://git@host/r.git")]
    [InlineData("git@github.com:o/r.git", "git@github.com:o/r.git")]
    [InlineData("/srv/git/repo", "/srv/git/repo")]
    public void User_info_is_taken_off_where_a_url_enters(string url, string stored) =>
        Assert.Equal(stored, Secrets.StripUserInfo(url));

    [Fact]
    public void Redaction_hides_user_info_in_any_text_and_every_registered_secret()
    {
        Secrets.Register("zz-registered-secret-9");
        var text = Secrets.Redact("fatal: could not read from 'https://me:pw@host/x.git' (token zz-registered-secret-9) ssh://git@host/y");
        Assert.Equal("fatal: could not read from 'https://***@host/x.git' (token ***) ssh://git@host/y", text);
    }
}
