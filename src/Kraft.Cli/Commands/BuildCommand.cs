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
        var rootfs = new Option<string?>("--rootfs") { Description = "Build this root filesystem (directory, cpio or Dockerfile) instead of the Kraftfile's" };
        var fetching = new FetchFlags();
        var cmd = new Command("build", "Configure and build a Unikraft project") { jobs, dryRun, noConfigure, force, verbose, backend, rootfs };
        fetching.AddTo(cmd);
        selection.AddTo(cmd);
        cmd.Aliases.Add("bld");
        cmd.SetAction((r, cancel) =>
        {
            var options = new BuildOptions
            {
                Jobs = r.GetValue(jobs), Force = r.GetValue(force), NoConfigure = r.GetValue(noConfigure),
                Backend = r.GetValue(backend), KraftExecutable = KconfigBackendOption.SelfPath,
            };
            return Task.FromResult(Run(r, selection, fetching, options, r.GetValue(dryRun), r.GetValue(verbose), r.GetValue(rootfs), cancel));
        });
        return cmd;
    }

    static int Run(ParseResult r, ProjectTargetOptions selection, FetchFlags fetching, BuildOptions options, bool dryRun, bool verbose, string? rootfs, CancellationToken cancel)
    {
        try
        {
            var loaded = selection.Load(r);
            using var reporter = new ConsoleReporter(verbose);
            if (Oci.RuntimeProject.PlanFor(loaded) is { } runtimePlan)
                return RuntimeBuild(r, selection, loaded, runtimePlan, dryRun, rootfs, reporter, cancel);
            var (project, targets) = selection.Select(r, loaded);
            var builder = new ProjectBuilder(reporter);
            var (fetchOptions, config) = fetching.Read(r, fetch: !dryRun);
            options = options with { Origins = new Packages.Origins.OriginOptions(config, fetchOptions.Offline, fetchOptions.Locked) };
            var plan = builder.Plan(project, targets, fetchOptions, config, cancel);
            if (dryRun)
            {
                PlanPrinter.Print(plan, options, Console.Out, t => builder.SurveyOrigins(plan, t, options.Origins, cancel));
                return 0;
            }
            // The root filesystem goes beside the kernels, once per architecture, and before them: a kernel that
            // embeds it (CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD, as the catalog's templates) needs the file at make time.
            foreach (var arch in plan.Targets.Select(t => t.Target.Architecture).Distinct())
                if (Rootfs.ProjectRootfs.Build(project, arch, rootfs, reporter, cancel) is { } fs)
                    reporter.Done($"rootfs ({arch}): {(fs.Cached ? "up to date" : "built")}  {Path.GetRelativePath(Environment.CurrentDirectory, fs.CpioPath)} ({Size(fs.Bytes)})");
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

    /// <summary>A runtime Kraftfile: nothing to compile; pull the runtime (a wrong name or tag fails here) and build the rootfs.</summary>
    static int RuntimeBuild(ParseResult r, ProjectTargetOptions selection, Project.KraftProject project, Oci.RuntimePlan plan, bool dryRun, string? rootfs,
        ConsoleReporter reporter, CancellationToken cancel)
    {
        if (dryRun)
        {
            Console.Out.Write(plan.Describe(project.Directory));
            return 0;
        }
        var boot = Oci.RuntimeProject.Build(project, plan, r.GetValue(selection.Target), r.GetValue(selection.Plat), r.GetValue(selection.Arch), rootfs,
            Oci.ImageSource.FromUserConfig(m => reporter.Warn(m)), reporter, cancel);
        var what = boot.Image is { } image ? $"{image.Reference} {(image.Pulled ? "pulled" : "present")}" : "kernel";
        reporter.Done($"runtime ({boot.Platform}/{boot.Architecture}): {what}  {Path.GetRelativePath(Environment.CurrentDirectory, boot.KernelPath)} ({Size(new FileInfo(boot.KernelPath).Length)})");
        if (boot.Rootfs is { } fs)
            reporter.Done($"rootfs ({boot.Architecture}): {(fs.Cached ? "up to date" : "built")}  {Path.GetRelativePath(Environment.CurrentDirectory, fs.CpioPath)} ({Size(fs.Bytes)})");
        return 0;
    }

    static string Size(long bytes) => bytes switch
    {
        >= 1 << 20 => $"{bytes / 1048576.0:F1} MiB",
        >= 1 << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>--locked and --offline, for the commands that fetch sources (build, configure).</summary>
public sealed class FetchFlags
{
    public Option<bool> Locked { get; } = new("--locked") { Description = "Fail if Kraftfile.lock is missing or resolving the Kraftfile would change it" };
    public Option<bool> Offline { get; } = new("--offline") { Description = "Use only the caches (git mirrors, archives, index); fail at once naming every missing component (also KRAFTKIT_OFFLINE=1)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Locked);
        command.Options.Add(Offline);
    }

    /// <summary>The fetch options and the user's configuration (--offline overrides it).</summary>
    public (Packages.FetchOptions Options, Packages.Config.UserConfig Config) Read(ParseResult r, bool fetch)
    {
        var config = Packages.Config.UserConfigLoader.Load();
        var offline = r.GetValue(Offline) || config.Offline;
        return (new Packages.FetchOptions { Fetch = fetch, Locked = r.GetValue(Locked), Offline = offline }, config with { Offline = offline });
    }
}

/// <summary>Prints a build plan for --dry-run.</summary>
public static class PlanPrinter
{
    public static void Print(BuildPlan plan, BuildOptions options, TextWriter w,
        Func<TargetPlan, (Packages.Origins.OriginList List, IReadOnlyList<Packages.Origins.OriginStatus> States)?>? origins = null)
    {
        w.WriteLine($"project {plan.Project.Name} ({plan.Project.KraftfilePath})");
        w.WriteLine("components:");
        w.WriteLine($"  unikraft  {plan.Core.Describe()}");
        foreach (var lib in plan.Libraries)
            w.WriteLine($"  {lib.Component.Name,-9} {lib.Describe()}");
        var all = plan.Libraries.Prepend(plan.Core).ToList();
        var changing = all.Count(c => c.Lock is Packages.LockState.Added or Packages.LockState.Changed);
        if (all.Any(c => c.Lock != Packages.LockState.None))
            w.WriteLine(changing == 0
                ? "lock: Kraftfile.lock matches (nothing to resolve)"
                : $"lock: a build would write Kraftfile.lock ({changing} component{(changing == 1 ? "" : "s")} new or changed)");
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
            if (origins is null) continue;
            var survey = origins(t);
            if (survey is not { } found)
            {
                w.WriteLine("  downloads: known once the target is configured ('kraft configure' or 'kraft pkg pull')");
                continue;
            }
            if (found.States.Count == 0 && found.List.Unreadable.Count == 0)
                w.WriteLine("  downloads: none");
            else
                w.WriteLine("  downloads:");
            foreach (var s in found.States)
            {
                var state = s.State.ToString().ToLowerInvariant();
                w.WriteLine($"    {s.Origin.Library,-12} {s.Origin.File,-32} {state,-8} {s.Origin.Url}"
                    + (s.Sha256 is { } sha ? $" sha256:{sha[..12]}" : "")
                    + (s.State is Packages.Origins.OriginState.Cached or Packages.Origins.OriginState.Upstream ? "" : $" ({s.From})"));
            }
            foreach (var u in found.List.Unreadable)
                w.WriteLine($"    {u.Library,-12} not fetched by kraft: {u.Reason}");
        }
    }
}
