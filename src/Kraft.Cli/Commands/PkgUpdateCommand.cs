using System.CommandLine;
using System.Globalization;
using Kraft.Cli.Rendering;
using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Packages.Locking;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft pkg update</c>: refreshes the component index from every configured source, one line
/// per source (ok, or FAILED with the reason); exits 1 when any source failed. With
/// <c>--component NAME</c> it then re-resolves that component in the project's Kraftfile.lock.
/// </summary>
public static class PkgUpdateCommand
{
    public static Command Create()
    {
        var component = new Option<string?>("--component") { Description = "After updating, re-resolve this component (NAME or TYPE/NAME) in the project's Kraftfile.lock" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "The project for --component (default: the current directory)" };
        var cmd = new Command("update", "Refresh the component index from every configured source") { component, workdir };
        cmd.SetAction((r, cancel) => RunAsync(r.GetValue(component), r.GetValue(workdir), cancel));
        return cmd;
    }

    static async Task<int> RunAsync(string? component, string? workdir, CancellationToken cancel)
    {
        try
        {
            var config = UserConfigLoader.Load();
            UpdateReport report;
            using (var progress = new ConsoleReporter())
            {
                if (config.Sources.Count == 0)
                    progress.Warn($"no sources are configured (unikraft.manifests in {config.ConfigFile}); the index will be empty");
                report = await new IndexUpdater(config, progress).UpdateAsync(cancel);
            }
            var failed = report.AnyFailed;
            foreach (var o in report.Outcomes)
                (o.Error is null ? Console.Out : Console.Error).Write(Line(o));
            var index = new ComponentIndex(report.Snapshot);
            var ok = report.Outcomes.Count(o => o.Error is null);
            var summary = $"{ok} of {report.Outcomes.Count} source{(report.Outcomes.Count == 1 ? "" : "s")} updated: " +
                $"{index.All.Count} component{(index.All.Count == 1 ? "" : "s")} in the index" +
                (index.Shadowed.Count > 0 ? $" ({index.Shadowed.Count} hidden by an earlier source offering the same one; see kraft pkg info)" : "");
            if (failed)
                Console.Error.WriteLine($"{summary}; {report.Outcomes.Count - ok} FAILED");
            else
                Console.Out.WriteLine(summary);
            if (component is not null)
            {
                var dir = Path.GetFullPath(workdir ?? Directory.GetCurrentDirectory());
                using var reporter = new ConsoleReporter();
                Console.Out.WriteLine(LockUpdater.UpdateComponent(dir, component, config, reporter, cancel));
            }
            return failed ? 1 : 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    static string Line(SourceOutcome o)
    {
        var time = o.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
        if (o.Error is null)
            return $"ok      {o.Location} ({o.Kind}): {o.Components} component{(o.Components == 1 ? "" : "s")} in {time}\n";
        var text = $"FAILED  {o.Location} ({o.Kind}) after {time}: {o.Error}\n";
        if (o.Hint is not null) text += $"        hint: {o.Hint}\n";
        text += o.KeptFrom is { } at
            ? $"        keeping its {o.Components} component{(o.Components == 1 ? "" : "s")} from the last good update ({at.ToLocalTime():yyyy-MM-dd HH:mm})\n"
            : "        it has never been listed, so it offers no components\n";
        return text;
    }
}
