using Kraft.Host;
using Kraft.Packages.Origins;

namespace Kraft.Build;

/// <summary>
/// Asks make what a configured target downloads. Make evaluates every Makefile.uk against the
/// .config (the conditionals that choose lib-lwip's archive, the variables that spell each URL),
/// so its answer is exact where a re-implementation of make's language would only be close.
/// <c>make -pq fetch</c> with <c>sub_make_exec=1</c> reads the makefiles as Unikraft's re-executed
/// make in O does, prints its rule database and runs nothing; <c>WGET=</c> a marker word makes every
/// download recipe recognisable. One parse of the build's makefiles: about the cost of a no-op make.
/// </summary>
public static class OriginLister
{
    public const string WgetMarker = "__kraft_origin_wget__";

    public static IReadOnlyList<string> Arguments(TargetPlan target) =>
        ["-C", target.Layout.CoreDir, "--no-print-directory", "-pq", "sub_make_exec=1",
         .. target.MakeVariables.Select(kv => $"{kv.Key}={kv.Value}"), $"WGET={WgetMarker}", "fetch"];

    /// <summary>The target's origins; a make that cannot even read the makefiles gives an error naming make's words.</summary>
    public static OriginList List(string make, TargetPlan target, CancellationToken cancel)
    {
        // LANG=C: the database's comments are in English for the reader; GNU make translates them otherwise.
        var r = ProcessRunner.Run(make, Arguments(target), env: new Dictionary<string, string?> { ["LC_ALL"] = "C", ["MAKEFLAGS"] = null },
            cancel: cancel);
        cancel.ThrowIfCancellationRequested();
        // A core without Unikraft's fetch step (older fixtures) downloads nothing.
        if (r.ExitCode == 2 && r.StandardError.Contains("No rule to make target 'fetch'", StringComparison.Ordinal))
            return OriginList.Empty;
        if (r.ExitCode is not (0 or 1))
        {
            var tail = string.Join('\n', r.StandardError.TrimEnd().Split('\n').TakeLast(5));
            return new OriginList([], [new UnreadableOrigin("every library", $"make could not list the downloads (exit {r.ExitCode}): {tail}")]);
        }
        return MakeDatabaseReader.Read(r.StandardOutput, WgetMarker, target.Layout.ObjDir);
    }
}
