using System.Globalization;
using Kraft.Host;
using Kraft.Packages.Config;

namespace Kraft.Packages;

/// <summary>
/// The system <c>git</c>, run without prompts (a missing credential is an error, not a hang).
/// Credentials for the http(s) URLs on a command line (from <c>auth:</c> in the configuration, or
/// the user part a URL was written with, see <see cref="Secrets"/>) go to git as an Authorization
/// header scoped to that origin, through GIT_CONFIG_* variables: never on the command line (which
/// every user can read in ps), never in a URL git would store in .git/config.
/// </summary>
public sealed class Git
{
    readonly string _git;
    readonly IReadOnlyDictionary<string, HostAuth> _auth;
    static readonly Dictionary<string, string?> NoPrompt = new()
    {
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_ASKPASS"] = "true",
        ["LC_ALL"] = "C",
    };

    public Git(IReadOnlyDictionary<string, HostAuth>? auth = null)
    {
        _git = ToolLocator.Require("git", "to fetch git sources");
        _auth = auth ?? new Dictionary<string, HostAuth>();
        foreach (var a in _auth.Values) Secrets.Register(a.Token);
    }

    public ProcessResult Run(string? workDir, CancellationToken cancel, params string[] args) =>
        Run(workDir, new Dictionary<string, string?>(), cancel, args);

    /// <summary>Runs git with extra environment variables on top of the no-prompt and credential ones.</summary>
    public ProcessResult Run(string? workDir, IReadOnlyDictionary<string, string?> extraEnv, CancellationToken cancel, params string[] args)
    {
        var env = new Dictionary<string, string?>(NoPrompt);
        AddCredentials(env, args);
        foreach (var (k, v) in extraEnv) env[k] = v;
        return ProcessRunner.Run(_git, args, workDir, env, cancel);
    }

    /// <summary>True when a request to <paramref name="url"/> carries credentials (for hints after a refusal).</summary>
    public bool HasCredentials(string url) => HeaderFor(url) is not null;

    /// <summary>The Authorization header value for <paramref name="url"/>: its own user part first, else the host's auth: entry.</summary>
    string? HeaderFor(string url)
    {
        if (Secrets.Origin(url) is null) return null;
        if (Secrets.For(url) is { } own) return own.AuthorizationHeader;
        var host = new Uri(url).Host;
        if (HostAuth.Find(_auth, host) is not { Token: { Length: > 0 } token } auth) return null;
        var value = auth.User is { Length: > 0 } user
            ? "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{token}"))
            : "Bearer " + token;
        Secrets.Register(value[(value.IndexOf(' ') + 1)..]);
        return value;
    }

    void AddCredentials(Dictionary<string, string?> env, string[] args)
    {
        // Keep any GIT_CONFIG_* entries the user already set, and add ours after them.
        var count = int.TryParse(Environment.GetEnvironmentVariable("GIT_CONFIG_COUNT"), out var n) && n >= 0 ? n : 0;
        var first = count;
        var scopes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var arg in args)
        {
            if (Secrets.Origin(arg) is not { } scope || !scopes.Add(scope) || HeaderFor(arg) is not { } header) continue;
            env[$"GIT_CONFIG_KEY_{count}"] = $"http.{scope}.extraHeader";
            env[$"GIT_CONFIG_VALUE_{count}"] = "Authorization: " + header;
            count++;
        }
        if (count > first) env["GIT_CONFIG_COUNT"] = count.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Runs git and returns its trimmed stdout, or throws with git's own message (secrets hidden).</summary>
    public string Check(string? workDir, string what, CancellationToken cancel, params string[] args)
    {
        var r = Run(workDir, cancel, args);
        if (!r.Succeeded)
            throw new KraftException(Secrets.Redact($"{what} failed: {FirstLines(r.CombinedOutput)}"),
                hint: Secrets.Redact("check the URL and your network or credentials; the full command was: " + ProcessRunner.Quote("git", args)));
        return r.StandardOutput.Trim();
    }

    /// <summary>The commit a ref names in <paramref name="repo"/>, or null if it names none.</summary>
    public string? ResolveCommit(string repo, string rev, CancellationToken cancel)
    {
        var r = Run(repo, cancel, "rev-parse", "--verify", "--quiet", rev + "^{commit}");
        return r.Succeeded ? r.StandardOutput.Trim() : null;
    }

    static string FirstLines(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" / ", lines.Take(3));
    }
}
