using System.CommandLine;
using Kraft.Build;
using Kraft.Cli.Rendering;

namespace Kraft.Cli;

/// <summary><c>kraft build</c>: fetch, configure and build the project's targets.</summary>
public static class BuildCommand
{
    public static Command Create()
    {
        var selection = new ProjectTargetOptions();
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel make jobs (default: one per CPU)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (targets, components, make invocations) and stop" };
        var noConfigure = new Option<bool>("--no-configure") { Description = "Keep the existing .config; do not configure" };
        var force = new Option<bool>("--force") { Description = "Build even if some requested Kconfig options did not get their value" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show make's output as it runs" };
        var backend = KconfigBackendOption.Create();
        var cmd = new Command("build", "Configure and build a Unikraft project") { jobs, dryRun, noConfigure, force, verbose, backend };
        selection.AddTo(cmd);
        cmd.Aliases.Add("bld");
        cmd.SetAction((r, cancel) =>
        {
            var options = new BuildOptions
            {
                Jobs = r.GetValue(jobs), Force = r.GetValue(force), NoConfigure = r.GetValue(noConfigure),
                Backend = r.GetValue(backend), KraftExecutable = KconfigBackendOption.SelfPath,
            };
            return Task.FromResult(Run(r, selection, options, r.GetValue(dryRun), r.GetValue(verbose), cancel));
        });
        return cmd;
    }

    static int Run(ParseResult r, ProjectTargetOptions selection, BuildOptions options, bool dryRun, bool verbose, CancellationToken cancel)
    {
        try
        {
            var (project, targets) = selection.Select(r);
            using var reporter = new ConsoleReporter(verbose);
            var builder = new ProjectBuilder(reporter);
            var plan = builder.Plan(project, targets, fetch: !dryRun, cancel);
            if (dryRun)
            {
                PlanPrinter.Print(plan, options, Console.Out);
                return 0;
            }
            foreach (var t in plan.Targets)
            {
                var result = builder.Build(plan, t, options, cancel);
                if (verbose && result.Configured)
                    reporter.Info($"{t.Target.Name} ({t.Target.PlatArch}): configured in {result.ConfigureElapsed.TotalMilliseconds:F0} ms"
                        + (result.ConfigureTimings is { } tm ? $": {tm}" : " (make)"));
                var rel = Path.GetRelativePath(Environment.CurrentDirectory, t.Layout.KernelPath);
                reporter.Done(result.UpToDate
                    ? $"{t.Target.Name} ({t.Target.PlatArch}): up to date  {rel} ({Size(result.KernelBytes)})"
                    : $"{t.Target.Name} ({t.Target.PlatArch}): built in {result.Elapsed.TotalSeconds:F1}s  {rel} ({Size(result.KernelBytes)})");
            }
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    static string Size(long bytes) => bytes switch
    {
        >= 1 << 20 => $"{bytes / 1048576.0:F1} MiB",
        >= 1 << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>Prints a build plan for --dry-run.</summary>
public static class PlanPrinter
{
    public static void Print(BuildPlan plan, BuildOptions options, TextWriter w)
    {
        w.WriteLine($"project {plan.Project.Name} ({plan.Project.KraftfilePath})");
        w.WriteLine("components:");
        w.WriteLine($"  unikraft  {plan.Core.Describe()}");
        foreach (var lib in plan.Libraries)
            w.WriteLine($"  {lib.Component.Name,-9} {lib.Describe()}");
        foreach (var t in plan.Targets)
        {
            w.WriteLine($"target {t.Target.Name} ({t.Target.PlatArch}) -> {t.Layout.KernelPath}");
            w.WriteLine("  kconfig:");
            foreach (var req in t.Requested)
                w.WriteLine($"    {ConfigValues.FormatLine(req.Name, req.Value),-48} # {req.Origin}");
            w.WriteLine(options.Backend == KconfigBackend.Native
                ? $"  configure: native Kconfig engine: {Path.Combine(t.Layout.CoreDir, "Config.uk")} + {t.FragmentPath} (make: {t.Configure})"
                : $"  configure: {t.Configure}");
            w.WriteLine($"  build:     {t.Build(options.EffectiveJobs)}");
        }
    }
}
