using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Kraft.Host;

namespace Kraft.Packages.Index.Sources;

/// <summary>The fields kraft reads from one entry of GitHub's repository list.</summary>
internal sealed record GitHubRepository
{
    public string Name { get; init; } = "";
    public string? CloneUrl { get; init; }
    public string? SshUrl { get; init; }
    public string? Description { get; init; }
    public bool Archived { get; init; }
    public string? DefaultBranch { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(List<GitHubRepository>))]
internal sealed partial class GitHubJson : JsonSerializerContext;

/// <summary>
/// The one GitHub REST call kraft makes: the repositories of an organisation (or a user), page
/// by page, with the failures GitHub gives (rate limit, bad token, no such owner) explained.
/// </summary>
internal sealed partial class GitHubApi(SourceContext context)
{
    const int MaxPages = 100; // 10,000 repositories: far more than any organisation kraft lists

    public string BaseUrl => context.GitHubApiUrl.TrimEnd('/');
    string? Token => context.Config.GitHubToken is { Length: > 0 } t ? t : null;

    /// <summary>Every repository of <paramref name="owner"/>: /orgs/OWNER/repos, or /users/OWNER/repos when no such organisation exists.</summary>
    public async Task<List<GitHubRepository>> ListRepositoriesAsync(string owner, CancellationToken cancel)
    {
        var escaped = Uri.EscapeDataString(owner);
        try
        {
            return await ListPagesAsync($"{BaseUrl}/orgs/{escaped}/repos?per_page=100", owner, cancel).ConfigureAwait(false);
        }
        catch (HttpFetchException e) when (e.Status == HttpStatusCode.NotFound)
        {
            try
            {
                return await ListPagesAsync($"{BaseUrl}/users/{escaped}/repos?per_page=100", owner, cancel).ConfigureAwait(false);
            }
            catch (HttpFetchException e2) when (e2.Status == HttpStatusCode.NotFound)
            {
                throw new KraftException($"GitHub has no organisation or user named '{owner}' ({BaseUrl}/orgs/{escaped}/repos answered 404)",
                    hint: "check the owner in the source URL (https://github.com/OWNER/lib-*)");
            }
        }
    }

    async Task<List<GitHubRepository>> ListPagesAsync(string firstUrl, string owner, CancellationToken cancel)
    {
        var headers = new Dictionary<string, string>
        {
            ["Accept"] = "application/vnd.github+json",
            ["X-GitHub-Api-Version"] = "2022-11-28",
        };
        if (Token is { } token) headers["Authorization"] = "Bearer " + token;
        var all = new List<GitHubRepository>();
        var base_ = new Uri(BaseUrl);
        string? url = firstUrl;
        for (var page = 1; url is not null; page++)
        {
            if (page > MaxPages)
                throw new KraftException($"the GitHub API kept sending pages for '{owner}' (more than {MaxPages})",
                    hint: "this looks like a broken API server; check KRAFT_GITHUB_API_URL");
            HttpFetchResult result;
            try
            {
                result = await context.Http.GetAsync(url, cancel, headers).ConfigureAwait(false);
            }
            catch (HttpFetchException e) when (e.Status is { } status && status != HttpStatusCode.NotFound)
            {
                throw Explain(e, status, owner);
            }
            List<GitHubRepository>? repos;
            try
            {
                repos = JsonSerializer.Deserialize(result.Body, GitHubJson.Default.ListGitHubRepository);
            }
            catch (JsonException e)
            {
                throw new KraftException($"the GitHub API answered {url} with something that is not a list of repositories: {IoErrors.Reason(e)}",
                    hint: "check KRAFT_GITHUB_API_URL (or a proxy in the way)");
            }
            all.AddRange((repos ?? []).Where(r => r.Name.Length > 0));
            url = NextPage(result.Headers);
            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var next)
                || next.Scheme != base_.Scheme || !string.Equals(next.Authority, base_.Authority, StringComparison.OrdinalIgnoreCase)))
                // The token goes to the API host only; a next page elsewhere is refused.
                throw new KraftException($"the GitHub API sent a next page on another host ({GitLocation.Redact(url)})",
                    hint: "check KRAFT_GITHUB_API_URL (or a proxy in the way)");
        }
        return all;
    }

    /// <summary>The rel="next" URL of a Link header, if any.</summary>
    internal static string? NextPage(HttpResponseHeaders headers)
    {
        if (!headers.TryGetValues("Link", out var values)) return null;
        foreach (var value in values)
            foreach (Match m in LinkPart().Matches(value))
                if (m.Groups["rel"].Value.Split(' ').Contains("next", StringComparer.OrdinalIgnoreCase))
                    return m.Groups["url"].Value;
        return null;
    }

    [GeneratedRegex(@"<(?<url>[^>]+)>\s*;\s*rel=""?(?<rel>[^"",;]+)""?")]
    private static partial Regex LinkPart();

    KraftException Explain(HttpFetchException e, HttpStatusCode status, string owner)
    {
        var remaining = Header(e.Headers, "X-RateLimit-Remaining");
        if (status is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests && remaining == "0")
        {
            var limit = Header(e.Headers, "X-RateLimit-Limit") ?? "?";
            var who = Token is null ? ", unauthenticated" : "";
            var when = "";
            if (long.TryParse(Header(e.Headers, "X-RateLimit-Reset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
            {
                var reset = DateTimeOffset.FromUnixTimeSeconds(epoch);
                var minutes = Math.Max(1, (int)Math.Ceiling((reset - DateTimeOffset.UtcNow).TotalMinutes));
                when = $"; it resets at {reset.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC (in {minutes} min)";
            }
            return new KraftException($"GitHub API rate limit reached (limit {limit}/hour{who}){when}",
                hint: Token is null
                    ? "set GITHUB_TOKEN, or add a token for github.com under 'auth:' in config.yaml (github.com: { token: ... }), for 5000 requests an hour"
                    : "the token's hourly allowance is used up: wait for the reset, or use another token",
                inner: e);
        }
        if (status is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests && Header(e.Headers, "Retry-After") is { } retry)
            return new KraftException($"the GitHub API asked kraft to slow down (secondary rate limit; retry after {retry} s)",
                hint: "wait a little and run kraft pkg update again", inner: e);
        if (status == HttpStatusCode.Unauthorized)
            return new KraftException(Token is null
                    ? $"the GitHub API wants credentials to list the repositories of '{owner}' (HTTP 401)"
                    : $"the GitHub API refused the token (HTTP 401 Bad credentials) when listing the repositories of '{owner}'",
                hint: Token is null
                    ? "set GITHUB_TOKEN, or add a token for github.com under 'auth:' in config.yaml"
                    : "the token in GITHUB_TOKEN (or auth: github.com: token: in config.yaml) is wrong, expired or revoked: make a new one at https://github.com/settings/tokens, or unset it (public repositories need none)",
                inner: e);
        if (status == HttpStatusCode.Forbidden)
            return new KraftException($"the GitHub API refused to list the repositories of '{owner}' (HTTP 403)",
                hint: Token is null
                    ? "set GITHUB_TOKEN, or add a token for github.com under 'auth:' in config.yaml"
                    : "the token may lack access to this organisation (or the organisation forbids this kind of token)",
                inner: e);
        return new KraftException($"listing the repositories of '{owner}' through the GitHub API failed: {e.Message}", hint: e.Hint, inner: e);
    }

    static string? Header(HttpResponseHeaders? headers, string name) =>
        headers is not null && headers.TryGetValues(name, out var v) ? v.FirstOrDefault()?.Trim() : null;
}
