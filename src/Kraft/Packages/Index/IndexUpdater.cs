using Kraft.Packages.Config;

namespace Kraft.Packages.Index;

/// <summary>How one source fared in an update.</summary>
public sealed record SourceOutcome(string Location, string Kind, int Components, TimeSpan Elapsed, string? Error);

public sealed record UpdateReport(IndexSnapshot Snapshot, IReadOnlyList<SourceOutcome> Outcomes)
{
    public bool AnyFailed => Outcomes.Any(o => o.Error is not null);
}

/// <summary>kraft pkg update: lists every configured source (in parallel) into the cache. (Skeleton.)</summary>
public sealed class IndexUpdater(UserConfig config, IReporter reporter)
{
    public Task<UpdateReport> UpdateAsync(CancellationToken cancel) => throw new NotImplementedException();
}
