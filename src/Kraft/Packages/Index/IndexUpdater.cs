using System.Diagnostics;
using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Index.Sources;
using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index;

/// <summary>
/// How one source fared in an update. When it failed, <see cref="Error"/> says why and
/// <see cref="Components"/> counts the components kept from its last good listing
/// (<see cref="KeptFrom"/>), if there was one.
/// </summary>
public sealed record SourceOutcome(string Location, string Kind, int Components, TimeSpan Elapsed, string? Error)
{
    public string? Hint { get; init; }
    /// <summary>When a failed source's kept components were listed (null: nothing kept).</summary>
    public DateTimeOffset? KeptFrom { get; init; }
}

public sealed record UpdateReport(IndexSnapshot Snapshot, IReadOnlyList<SourceOutcome> Outcomes)
{
    public bool AnyFailed => Outcomes.Any(o => o.Error is not null);
}

/// <summary>
/// kraft pkg update: lists every configured source (in parallel, or one by one with
/// <c>no_parallel</c>) and saves what they offer as the new snapshot. Each source has its own
/// outcome: one that fails keeps the components of its last good listing, marked with the
/// error, so a broken server never empties the index. The snapshot is written atomically under
/// the cache's lock, so two kraft processes updating at once leave one whole snapshot.
/// </summary>
public sealed class IndexUpdater(UserConfig config, IReporter reporter)
{
    const string Step = "updating the component index";

    /// <summary>Builds the source for a configured string (tests may substitute their own).</summary>
    public Func<string, SourceContext, IManifestSource> CreateSource { get; init; } = SourceFactory.Create;

    /// <summary>The HTTP client to use (the caller keeps ownership); by default one is made from the config's credentials.</summary>
    public HttpFetcher? Http { get; init; }

    public async Task<UpdateReport> UpdateAsync(CancellationToken cancel)
    {
        if (config.Offline)
            throw new KraftException("kraft pkg update needs the network, and kraft is offline (--offline or KRAFTKIT_OFFLINE)",
                hint: "run it without --offline and with KRAFTKIT_OFFLINE unset");
        using var owned = Http is null ? config.CreateHttpFetcher() : null;
        var context = new SourceContext(config, Http ?? owned!, reporter);
        var sources = config.Sources;
        var results = new Result[sources.Count];
        var done = 0;
        reporter.Progress(Step, 0, 0, $"0/{sources.Count} sources");

        async Task Run(int i)
        {
            results[i] = await ListOne(sources[i].Location, context, cancel).ConfigureAwait(false);
            var n = Interlocked.Increment(ref done);
            reporter.Progress(Step, 0, 0, $"{n}/{sources.Count} sources ({sources[i].Location})");
        }

        if (config.NoParallel)
            for (var i = 0; i < sources.Count; i++) await Run(i).ConfigureAwait(false);
        else
            await Task.WhenAll(Enumerable.Range(0, sources.Count).Select(i => Task.Run(() => Run(i), cancel))).ConfigureAwait(false);

        var store = new IndexStore(config.ManifestsDir);
        var now = DateTimeOffset.UtcNow;
        var outcomes = new List<SourceOutcome>(sources.Count);
        IndexSnapshot snapshot;
        using (store.Lock(reporter, cancel))
        {
            // Read the previous snapshot under the lock: a concurrent update may just have saved one.
            IndexSnapshot? previous;
            try { previous = store.Load(); }
            catch (KraftException e)
            {
                reporter.Warn($"{e.Message}; it is rebuilt from scratch");
                previous = null;
            }
            var listings = new List<SourceListing>(sources.Count);
            for (var i = 0; i < sources.Count; i++)
            {
                var r = results[i];
                var location = sources[i].Location;
                if (r.Error is null)
                {
                    listings.Add(new SourceListing { Location = location, Kind = r.Kind, ListedAt = now, Manifests = r.Manifests });
                    outcomes.Add(new SourceOutcome(location, r.Kind, r.Manifests.Count, r.Elapsed, null));
                    continue;
                }
                var old = previous?.Sources.FirstOrDefault(s => s.Location == location && s.ListedAt is not null);
                // A partly listed source (some repositories of a GitHub wildcard failed) keeps its fresh
                // components and, for the ones that failed, what the last good listing had.
                var kept = r.Manifests.Count == 0
                    ? old?.Manifests ?? []
                    : [.. r.Manifests, .. (old?.Manifests ?? []).Where(m => !r.Manifests.Any(f => f.Type == m.Type && f.Name == m.Name))];
                listings.Add(new SourceListing
                {
                    Location = location,
                    Kind = old?.Kind ?? r.Kind,
                    ListedAt = r.Manifests.Count > 0 ? now : old?.ListedAt,
                    Manifests = kept,
                    Error = r.Error,
                    FailedAt = now,
                });
                outcomes.Add(new SourceOutcome(location, old?.Kind ?? r.Kind, kept.Count, r.Elapsed, r.Error)
                {
                    Hint = r.Hint,
                    KeptFrom = old?.ListedAt,
                });
            }
            snapshot = new IndexSnapshot { UpdatedAt = now, Sources = listings };
            store.Save(snapshot);
        }
        return new UpdateReport(snapshot, outcomes);
    }

    sealed record Result(string Kind, IReadOnlyList<Manifest> Manifests, TimeSpan Elapsed, string? Error, string? Hint);

    async Task<Result> ListOne(string location, SourceContext context, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        IManifestSource? source = null;
        try
        {
            source = CreateSource(location, context);
            var manifests = await source.ListAsync(cancel).ConfigureAwait(false);
            return new Result(source.Kind, Dedupe(location, manifests), clock.Elapsed, null, null);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw;
        }
        catch (GitHubPartialListingException e)
        {
            return new Result(source?.Kind ?? "github", Dedupe(location, e.Listed), clock.Elapsed, e.Message, e.Hint);
        }
        catch (KraftException e)
        {
            var message = e.Location is { } at ? $"{at}: {e.Message}" : e.Message;
            return new Result(source?.Kind ?? "unknown", [], clock.Elapsed, message, e.Hint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or InvalidOperationException or OperationCanceledException)
        {
            return new Result(source?.Kind ?? "unknown", [], clock.Elapsed, e.Message, null);
        }
    }

    /// <summary>One entry per type and name within a source (the first one), warning about the rest.</summary>
    IReadOnlyList<Manifest> Dedupe(string location, IReadOnlyList<Manifest> manifests)
    {
        var seen = new HashSet<(ComponentType, string)>();
        List<Manifest>? kept = null;
        for (var i = 0; i < manifests.Count; i++)
        {
            if (seen.Add((manifests[i].Type, manifests[i].Name))) { kept?.Add(manifests[i]); continue; }
            kept ??= manifests.Take(i).ToList();
            reporter.Warn($"{location} lists {manifests[i].Id} more than once; the first one is used");
        }
        return kept ?? manifests;
    }
}
