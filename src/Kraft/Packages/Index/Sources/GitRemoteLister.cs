using System.Text;
using System.Text.RegularExpressions;
using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>
/// Where a git source points, as git should be given it: the URL or absolute path, how to show
/// it in messages (credentials hidden), and an optional component name written after a '#'
/// (<c>/srv/mirrors/repo#unikraft</c>, <c>https://host/x.git#lib-musl</c>) for repositories whose
/// base name does not say what they are.
/// </summary>
internal sealed partial record GitLocation(string Url, string Display, string? NameOverride, bool IsLocal, Uri? HttpUri)
{
    public static GitLocation Parse(string location)
    {
        var text = location.Trim();
        if (text.Length == 0)
            throw new KraftException("an empty git source", hint: "write a repository URL or the path of a local repository");
        string? nameOverride = null;
        var hash = text.LastIndexOf('#');
        if (hash > 0 && !Directory.Exists(ExpandHome(text)))
        {
            var fragment = text[(hash + 1)..];
            if (!GitRepoNames.TryGuess(fragment, out _, out _))
                throw new KraftException($"'#{fragment}' in git source '{Redact(text)}' does not name a component",
                    hint: "write it as #lib-NAME, #app-NAME, #plat-NAME, #arch-NAME or #unikraft");
            nameOverride = fragment;
            text = text[..hash];
        }

        if (GitRepoSource.HasScheme(text))
        {
            // The user part (a token) stays in memory only: git gets it as a header, never in the URL.
            text = Secrets.StripUserInfo(text);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
                throw new KraftException($"'{Redact(text)}' is not a valid URL", hint: "check the git source in your configuration");
            if (uri.Scheme == "file")
            {
                if (!Directory.Exists(uri.LocalPath))
                    throw NoSuchDirectory(uri.LocalPath);
                return new GitLocation(text, text, nameOverride, true, null);
            }
            var http = uri.Scheme is "http" or "https" ? uri : null;
            return new GitLocation(text, Redact(text), nameOverride, false, http);
        }
        if (GitRepoSource.IsScpLike(text))
            return new GitLocation(text, Redact(text), nameOverride, false, null);

        var full = Path.GetFullPath(ExpandHome(text));
        if (!Directory.Exists(full))
            throw NoSuchDirectory(full);
        return new GitLocation(full, full, nameOverride, true, null);
    }

    static KraftException NoSuchDirectory(string path) =>
        new($"the git repository '{path}' does not exist",
            hint: "check the path in your sources, or remove it with: kraft pkg unsource " + path);

    static string ExpandHome(string p) =>
        p == "~" || p.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), p.Length > 2 ? p[2..] : "")
            : p;

    /// <summary>The last path segment of the location (what names the component), '.git' stripped.</summary>
    public string BaseName
    {
        get
        {
            string path;
            if (HttpUri is { } http) path = Uri.UnescapeDataString(http.AbsolutePath);
            else if (GitRepoSource.IsScpLike(Url)) path = Url[(Url.IndexOf(':') + 1)..];
            else if (GitRepoSource.HasScheme(Url) && Uri.TryCreate(Url, UriKind.Absolute, out var u))
                path = u.Scheme == "file" ? u.LocalPath : Uri.UnescapeDataString(u.AbsolutePath);
            else path = Url;
            path = path.TrimEnd('/');
            if (path.EndsWith("/.git", StringComparison.Ordinal))
                path = path[..^5]; // a checkout's .git directory: the checkout's own name says what it is
            var last = path[(path.LastIndexOf('/') + 1)..];
            return last.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? last[..^4] : last;
        }
    }

    /// <summary>The location as it may be shown (the one redaction rule: <see cref="Secrets.Redact"/>).</summary>
    public static string Redact(string text) => Secrets.Redact(text);
}

/// <summary>Component type and name from a repository's name, the way KraftKit's GuessTypeNameVersion reads it.</summary>
internal static class GitRepoNames
{
    /// <summary>lib-musl ⇒ (lib, musl); unikraft ⇒ (core, unikraft); musl or docs ⇒ false (no type).</summary>
    public static bool TryGuess(string repoName, out ComponentType type, out string name)
    {
        type = default; name = "";
        if (!Kraft.Project.ComponentName.TryParse(repoName, out var t, out var n, out var version) || version is not null || t is null)
            return false;
        if (n.Contains('*') || !ComponentTypes.TryParse(t, out type)) return false;
        name = n;
        return true;
    }
}

/// <summary>The refs <c>git ls-remote --symref</c> printed: branches, tags (peeled) and the branch HEAD names.</summary>
internal sealed record GitRefs(string? HeadBranch, IReadOnlyList<(string Name, string Commit)> Branches, IReadOnlyList<(string Name, string Commit)> Tags)
{
    public bool IsEmpty => Branches.Count == 0 && Tags.Count == 0;

    public static GitRefs Parse(string lsRemoteOutput)
    {
        string? head = null;
        var branches = new List<(string, string)>();
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var tagOrder = new List<string>();
        foreach (var raw in lsRemoteOutput.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var tab = line.IndexOf('\t');
            if (tab < 0) continue;
            var left = line[..tab];
            var refName = line[(tab + 1)..];
            if (left.StartsWith("ref: ", StringComparison.Ordinal))
            {
                if (refName == "HEAD" && left[5..].StartsWith("refs/heads/", StringComparison.Ordinal))
                    head = left[(5 + "refs/heads/".Length)..];
                continue;
            }
            if (!IsSha(left)) continue;
            if (refName.StartsWith("refs/heads/", StringComparison.Ordinal))
                branches.Add((refName["refs/heads/".Length..], left));
            else if (refName.StartsWith("refs/tags/", StringComparison.Ordinal))
            {
                var tag = refName["refs/tags/".Length..];
                if (tag.EndsWith("^{}", StringComparison.Ordinal))
                {
                    // The commit an annotated tag points at: this is what a checkout of the tag gives.
                    tag = tag[..^3];
                    if (!tags.ContainsKey(tag)) tagOrder.Add(tag);
                    tags[tag] = left;
                }
                else if (tags.TryAdd(tag, left))
                    tagOrder.Add(tag);
            }
        }
        return new GitRefs(head, branches, tagOrder.Select(t => (t, tags[t])).ToList());
    }

    static bool IsSha(string s) => s.Length is 40 or 64 && s.All(char.IsAsciiHexDigit);
}

/// <summary>
/// Lists one git repository with a single <c>git ls-remote --symref</c> and turns its refs into a
/// manifest: branches become channels, tags versions. Shared by GitRepoSource and GitHubOrgSource.
/// </summary>
internal static partial class GitRemoteLister
{
    /// <summary>Why a repository found through a wildcard was left out (not an error: the org simply has other repositories).</summary>
    public sealed record Skip(string Reason);

    /// <summary>
    /// The manifest of the repository at <paramref name="location"/>. With <paramref name="expanded"/>
    /// (the repository came from a wildcard), a name that gives no component type or an empty
    /// repository is a <see cref="Skip"/> instead of an error.
    /// </summary>
    public static (Manifest? Manifest, Skip? Skipped) List(SourceContext context, GitLocation location, string? description,
        bool expanded, CancellationToken cancel)
    {
        var repoName = location.NameOverride ?? location.BaseName;
        ComponentType type;
        string name;
        if (!GitRepoNames.TryGuess(repoName, out type, out name))
        {
            // A local mirror is often called just "repo": its configured origin may say more.
            if (location.NameOverride is null && location.IsLocal && OriginBaseName(context, location, cancel) is { } originName
                && GitRepoNames.TryGuess(originName, out type, out name)) { }
            else if (expanded)
                return (null, new Skip($"'{repoName}' does not name a component (lib-, app-, plat-, arch- or unikraft)"));
            else
                throw new KraftException($"cannot tell what kind of component the git repository {location.Display} is: its name '{repoName}' has no type",
                    hint: NamingHint(location.Display, location.IsLocal ? SuggestedName(context.Git, LocalDir(location), repoName) : null, repoName));
        }

        var refs = ReadRefs(context, location, cancel);
        if (refs.IsEmpty)
        {
            if (expanded) return (null, new Skip("the repository is empty"));
            throw new KraftException($"the git repository {location.Display} is empty: it has no branches and no tags",
                hint: "push a branch (or a tag) to it, or remove it from your sources with kraft pkg unsource");
        }
        return (ToManifest(type, name, location.Url, description, refs), null);
    }

    internal static Manifest ToManifest(ComponentType type, string name, string url, string? description, GitRefs refs)
    {
        // KraftKit marks no channel default unless both stable and staging exist, so such
        // components need an explicit version; the remote's HEAD is the branch its owners chose.
        var defaultBranch = refs.Branches.Any(b => b.Name == "stable") ? "stable"
            : refs.HeadBranch is { } h && refs.Branches.Any(b => b.Name == h) ? h
            : null;
        var channels = refs.Branches
            .OrderBy(b => b.Name == defaultBranch ? 0 : 1)
            .ThenBy(b => b.Name, StringComparer.Ordinal)
            .Select(b => new ManifestChannel { Name = b.Name, Default = b.Name == defaultBranch, Resource = url, Commit = b.Commit })
            .ToList();
        var versions = refs.Tags
            .OrderByDescending(t => t.Name, ReleaseOrder.Instance)
            .Select(t => new ManifestVersion
            {
                Version = t.Name,
                Resource = url,
                Type = "semver",
                Unikraft = Release().Match(t.Name) is { Success: true } m ? m.Groups[1].Value : null,
                Commit = t.Commit,
            })
            .ToList();
        return new Manifest
        {
            Name = name,
            Type = type,
            Description = description,
            Origin = url,
            Provider = "git",
            Channels = channels,
            Versions = versions,
        };
    }

    [GeneratedRegex(@"^RELEASE-(\d+\.\d+(?:\.\d+)?)$")]
    private static partial Regex Release();

    /// <summary>Newest release first: the numbers in a tag compared as numbers (0.10.0 after 0.9.0).</summary>
    sealed class ReleaseOrder : IComparer<string>
    {
        public static readonly ReleaseOrder Instance = new();
        public int Compare(string? x, string? y)
        {
            var a = Numbers(x!); var b = Numbers(y!);
            if (a.Length > 0 != b.Length > 0) return a.Length > 0 ? 1 : -1; // tags with numbers before the rest
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
                if (a[i] != b[i]) return a[i].CompareTo(b[i]);
            if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
            // v1.0.0 after v1.0.0-rc1: the plain release is the newer.
            var ax = x!.Contains('-') && !x.StartsWith("RELEASE-", StringComparison.Ordinal);
            var bx = y!.Contains('-') && !y.StartsWith("RELEASE-", StringComparison.Ordinal);
            if (ax != bx) return ax ? -1 : 1;
            return string.CompareOrdinal(y, x);
        }

        static long[] Numbers(string tag)
        {
            var m = LeadingVersion().Match(tag);
            return m.Success ? m.Groups[1].Value.Split('.').Select(s => long.TryParse(s, out var n) ? n : 0).ToArray() : [];
        }
    }

    [GeneratedRegex(@"^(?:RELEASE-|release-|v|V)?(\d+(?:\.\d+)*)")]
    private static partial Regex LeadingVersion();

    /// <summary>Overrides KRAFT_GIT_TIMEOUT for the calls of one test (the variable is process-wide, tests run in parallel).</summary>
    internal static readonly AsyncLocal<TimeSpan?> TimeoutForTests = new();

    /// <summary>Runs <c>git ls-remote --symref</c> once, with credentials for the host if the config has some.</summary>
    internal static GitRefs ReadRefs(SourceContext context, GitLocation location, CancellationToken cancel)
    {
        var env = new Dictionary<string, string?>();
        var sentCredentials = context.Git.HasCredentials(location.Url);
        if (!location.IsLocal && location.HttpUri is null)
        {
            // ssh would otherwise ask for a passphrase or a host key on the terminal; make it fail instead.
            env["SSH_ASKPASS"] = "false";
            env["SSH_ASKPASS_REQUIRE"] = "force";
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var seconds = TimeoutForTests.Value?.TotalSeconds
            ?? (double.TryParse(Environment.GetEnvironmentVariable("KRAFT_GIT_TIMEOUT"), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 120);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        ProcessResult? result = null;
        try
        {
            result = context.Git.Run(null, env, timeout.Token, "ls-remote", "--symref", "--", location.Url);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested) { }
        cancel.ThrowIfCancellationRequested();
        if (result is null || timeout.IsCancellationRequested)
            throw new KraftException($"git ls-remote {location.Display} gave no answer within {seconds:0.###} s",
                hint: "check your network and proxy settings; KRAFT_GIT_TIMEOUT sets the time-out in seconds");
        if (result.Succeeded)
            return GitRefs.Parse(result.StandardOutput);

        var message = Clean(result.StandardError.Length > 0 ? result.StandardError : result.CombinedOutput);
        throw new KraftException($"cannot list the git repository {location.Display}: {message}",
            hint: HintFor(message, location, sentCredentials));
    }

    static string Clean(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.StartsWith("fatal: ", StringComparison.Ordinal) ? l[7..] : l)
            .Where(l => l.Length > 0)
            .Take(3);
        var text = Secrets.Redact(string.Join(" / ", lines));
        return text.Length == 0 ? "git failed without saying why" : text;
    }

    static string HintFor(string message, GitLocation location, bool sentCredentials)
    {
        var host = location.HttpUri?.Host ?? "the host";
        bool Has(string s) => message.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Has("Permission denied (publickey") || Has("Host key verification failed") || Has("passphrase"))
            return "kraft does not prompt: load your SSH key into ssh-agent (ssh-add) and add the host to ~/.ssh/known_hosts, or use the https URL";
        if (Has("Authentication failed") || Has("could not read Username") || Has("could not read Password")
            || Has("terminal prompts disabled") || Has("401") || Has("403"))
            return sentCredentials
                ? $"the server refused the token for {host} under 'auth:' in config.yaml: check that it is valid and may read this repository"
                : $"the server wants credentials: add a token for {host} under 'auth:' in config.yaml ({host}: {{ token: ... }}, with user: for basic auth)";
        if (Has("not found") || Has("does not appear to be a git repository") || Has("does not exist") || Has("No such file"))
            return location.IsLocal
                ? "check the path: it must be a git repository (a checkout or a bare repository)"
                : $"check the URL; a private repository also answers 'not found' to a request without credentials (add a token for {host} under 'auth:' in config.yaml)";
        if (Has("Could not resolve host") || Has("Connection refused") || Has("timed out") || Has("Failed to connect") || Has("Network is unreachable"))
            return "check your network and proxy settings (HTTPS_PROXY, NO_PROXY)";
        return "check the URL, your network and your credentials";
    }

    static string LocalDir(GitLocation location) =>
        location.Url.StartsWith("file://", StringComparison.Ordinal) ? new Uri(location.Url).LocalPath : location.Url;

    /// <summary>How to name a repository whose name has no type: after a '#', with what its tree suggests when that is known.</summary>
    internal static string NamingHint(string display, string? suggestion, string repoName) =>
        "components are named lib-NAME, app-NAME, plat-NAME, arch-NAME or unikraft; name this one by adding it after a '#': "
        + (suggestion is not null ? $"{display}#{suggestion}" : $"{display}#lib-{repoName} (or {display}#unikraft if it is the Unikraft core)");

    /// <summary>
    /// What a local repository's tree says it is: the core (arch/, plat/, lib/ and a Makefile at the
    /// top), an application (a Kraftfile), else a library; null when git cannot read it.
    /// </summary>
    internal static string? SuggestedName(Git git, string repoDir, string repoName)
    {
        var r = git.Run(repoDir, CancellationToken.None, "ls-tree", "--name-only", "HEAD");
        if (!r.Succeeded) return null;
        var names = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        if (names.Contains("arch") && names.Contains("plat") && names.Contains("lib") && names.Contains("Makefile")) return "unikraft";
        var bare = Suggestable(repoName);
        return names.Contains("Kraftfile") || names.Contains("kraft.yaml") || names.Contains("kraft.yml") ? $"app-{bare}" : $"lib-{bare}";
    }

    static string Suggestable(string name) => Names.IsValid(name) ? name : Names.Suggest(name);

    /// <summary>
    /// For kraft pkg source: refuses a local git repository the index could not list because its
    /// name (and its origin's) says no component type, naming it as its tree suggests.
    /// </summary>
    internal static void CheckNameable(Git git, string repoDir, string? fragment)
    {
        if (fragment is not null) return; // checked by the caller's GitLocation rules
        var location = new GitLocation(repoDir, repoDir, null, true, null);
        var repoName = location.BaseName;
        if (GitRepoNames.TryGuess(repoName, out _, out _)) return;
        var origin = git.Run(repoDir, CancellationToken.None, "config", "--get", "remote.origin.url");
        if (origin.Succeeded && origin.StandardOutput.Trim() is { Length: > 0 } o)
        {
            try { if (GitRepoNames.TryGuess(GitLocation.Parse(o).BaseName, out _, out _)) return; }
            catch (KraftException) { }
        }
        throw new KraftException($"'{repoDir}' is a git repository whose name '{repoName}' says no component type, so 'kraft pkg update' could not list it; it was not added",
            hint: NamingHint(repoDir, SuggestedName(git, repoDir, repoName), repoName));
    }

    /// <summary>The base name of a local repository's remote.origin.url, if it has one.</summary>
    static string? OriginBaseName(SourceContext context, GitLocation location, CancellationToken cancel)
    {
        var dir = location.Url.StartsWith("file://", StringComparison.Ordinal) ? new Uri(location.Url).LocalPath : location.Url;
        var r = context.Git.Run(dir, cancel, "config", "--get", "remote.origin.url");
        if (!r.Succeeded || r.StandardOutput.Trim() is not { Length: > 0 } origin) return null;
        try { return GitLocation.Parse(origin).BaseName; }
        catch (KraftException) { return null; }
    }
}
