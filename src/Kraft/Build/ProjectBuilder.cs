using System.Diagnostics;
using Kraft.Host;
using Kraft.Packages;
using Kraft.Project;

namespace Kraft.Build;

public sealed record BuildOptions
{
    /// <summary>make -j; 0 means one job per CPU.</summary>
    public int Jobs { get; init; }
    /// <summary>Build even when configuration did not honour every requested option.</summary>
    public bool Force { get; init; }
    /// <summary>Keep the existing .config; do not run configuration.</summary>
    public bool NoConfigure { get; init; }
    /// <summary>Configure with kraft's Kconfig engine (default) or through Unikraft's make.</summary>
    public KconfigBackend Backend { get; init; } = KconfigBackend.Native;
    /// <summary>The kraft executable the native backend's conf stand-in runs (null: no stand-in).</summary>
    public string? KraftExecutable { get; init; }
    public int EffectiveJobs => Jobs > 0 ? Jobs : Environment.ProcessorCount;
    /// <summary>Fetch the libraries' archives through kraft's cache before make runs (null: make downloads them itself).</summary>
    public Packages.Origins.OriginOptions? Origins { get; init; }
}

public sealed record TargetBuildResult(TargetPlan Plan, bool UpToDate, bool Configured, TimeSpan Elapsed, long KernelBytes)
{
    /// <summary>How long configuration took, when it ran.</summary>
    public TimeSpan ConfigureElapsed { get; init; }
    /// <summary>The native backend's breakdown of that time.</summary>
    public ConfigureTimings? ConfigureTimings { get; init; }
}

/// <summary>What configuring one target did.</summary>
public sealed record ConfigureResult(TargetPlan Plan, TimeSpan Elapsed, ConfigureTimings? Timings);

/// <summary>
/// Runs a build plan: configure (Unikraft's defconfig through make), check that every requested
/// option got its value, run make, and put the images in place. Skips work whose inputs have not
/// changed since the last successful run.
/// </summary>
public sealed class ProjectBuilder(IReporter reporter)
{
    const int TailLines = 80;
    static readonly string KraftVersion = typeof(ProjectBuilder).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>Fetches (or, for a dry run, only looks up) the core and the libraries, then plans the targets.</summary>
    public BuildPlan Plan(KraftProject project, IReadOnlyList<Target> targets, bool fetch, CancellationToken cancel = default) =>
        Plan(project, targets, new FetchOptions { Fetch = fetch }, null, cancel);

    /// <summary>
    /// Resolves the core and the libraries (through Kraftfile.lock and the component index),
    /// fetches them unless <paramref name="options"/> says it is only a plan, and plans the targets.
    /// A fetching plan writes Kraftfile.lock when a resolution changed.
    /// </summary>
    public BuildPlan Plan(KraftProject project, IReadOnlyList<Target> targets, FetchOptions options, Packages.Config.UserConfig? config,
        CancellationToken cancel = default)
    {
        using var fetcher = new SourceFetcher(reporter, config);
        project = fetcher.WithTemplate(project, options, cancel);
        if (project.Unikraft is null)
            throw new KraftException("the Kraftfile has no 'unikraft:' component, so there is nothing to build from source",
                new SourceLocation(project.KraftfilePath),
                project.Runtime is not null
                    ? "this project uses a prebuilt runtime; packaging runtimes comes with the OCI support"
                    : "add e.g.\n  unikraft:\n    source: https://github.com/unikraft/unikraft.git\n    version: RELEASE-0.17.0");
        var sources = fetcher.Prepare(project, options, cancel);
        return BuildPlanner.Plan(project, sources.Core!, sources.Libraries, targets, reporter.Warn);
    }

    public TargetBuildResult Build(BuildPlan plan, TargetPlan target, BuildOptions options, CancellationToken cancel = default)
    {
        var sw = Stopwatch.StartNew();
        var make = ToolLocator.Require("make", "to build Unikraft");
        RequireCompiler(target);
        RequireMakeApp(plan, target);
        var label = $"{target.Target.Name} ({target.Target.PlatArch})";
        using var _ = LockTarget(target, label, cancel);
        Directory.CreateDirectory(target.Layout.ObjDir);

        var configured = false;
        ConfigureResult? conf = null;
        // One walk of the source trees serves both fingerprints (configuration writes nothing into them).
        IReadOnlyList<TreeListing>? inputs = null;
        if (options.NoConfigure)
        {
            if (!File.Exists(target.Layout.ConfigPath))
                throw new KraftException($"{label} is not configured yet ({target.Layout.ConfigPath} does not exist)",
                    hint: "build once without --no-configure");
        }
        else
        {
            var configFp = ConfigureFingerprint(target, options, inputs ??= ScanTrees(plan, target));
            var storedFp = Fingerprint.ReadStored(ConfigureStamp(target));
            if (configFp != storedFp || !File.Exists(target.Layout.ConfigPath))
            {
                conf = Configure(plan, target, options, make, label, cancel);
                Fingerprint.Store(ConfigureStamp(target), configFp);
                configured = true;
            }
        }

        var buildFp = BuildFingerprint(target, inputs ?? ScanTrees(plan, target));
        if (!configured && Fingerprint.ReadStored(BuildStamp(target)) == buildFp
            && File.Exists(target.Layout.KernelPath) && File.Exists(target.Layout.DebugKernelPath))
        {
            return new TargetBuildResult(target, true, false, sw.Elapsed, new FileInfo(target.Layout.KernelPath).Length);
        }

        if (options.Origins is { } origins)
            FetchOrigins(plan, target, origins, make, cancel);
        RunMake(plan, target, options, make, label, cancel);
        InstallImages(target);
        // Fingerprint after the build, so files make itself touched are part of the baseline.
        Fingerprint.Store(BuildStamp(target), BuildFingerprint(target, ScanTrees(plan, target)));
        return new TargetBuildResult(target, false, configured, sw.Elapsed, new FileInfo(target.Layout.KernelPath).Length)
        {
            ConfigureElapsed = conf?.Elapsed ?? TimeSpan.Zero,
            ConfigureTimings = conf?.Timings,
        };
    }

    /// <summary>kraft configure: writes the target's .config (and make's configuration outputs) and stops.</summary>
    public ConfigureResult ConfigureOnly(BuildPlan plan, TargetPlan target, BuildOptions options, CancellationToken cancel = default)
    {
        var make = options.Backend == KconfigBackend.Make ? ToolLocator.Require("make", "to configure through Unikraft's make") : "make";
        var label = $"{target.Target.Name} ({target.Target.PlatArch})";
        using var _ = LockTarget(target, label, cancel);
        Directory.CreateDirectory(target.Layout.ObjDir);
        var result = Configure(plan, target, options, make, label, cancel);
        Fingerprint.Store(ConfigureStamp(target), ConfigureFingerprint(target, options, ScanTrees(plan, target)));
        return result;
    }

    /// <summary>
    /// One build of a target at a time: two (two terminals, an editor's build on save) would share its
    /// object folder and pending .config. The second waits, saying for whom.
    /// </summary>
    FileLock LockTarget(TargetPlan target, string label, CancellationToken cancel) =>
        FileLock.Acquire(LockPath(target), $"the build of {label}", reporter, cancel);

    /// <summary>The lock file of a target's build, beside its object folder.</summary>
    public static string LockPath(TargetPlan target) => target.Layout.ObjDir.TrimEnd('/') + ".lock";

    /// <summary>Lists what make would download for a configured target and fetches it through kraft's cache (library origins).</summary>
    public IReadOnlyList<Packages.Origins.OriginStatus> FetchOrigins(BuildPlan plan, TargetPlan target, Packages.Origins.OriginOptions origins,
        string make, CancellationToken cancel)
    {
        reporter.Progress($"listing the downloads of {target.Target.Name} ({target.Target.PlatArch})", 0, 0);
        var list = OriginLister.List(make, target, cancel);
        using var fetcher = new Packages.Origins.OriginFetcher(origins, reporter);
        return fetcher.Fetch(list, Packages.Locking.LockFile.PathFor(plan.Project.KraftfilePath), cancel);
    }

    /// <summary>
    /// kraft pkg pull: configures the target when its configuration is stale (as a build would), then
    /// fetches its library origins. Nothing is compiled.
    /// </summary>
    public IReadOnlyList<Packages.Origins.OriginStatus> PrefetchOrigins(BuildPlan plan, TargetPlan target, BuildOptions options, CancellationToken cancel = default)
    {
        var make = ToolLocator.Require("make", "to list what the libraries download");
        Directory.CreateDirectory(target.Layout.ObjDir);
        var fp = ConfigureFingerprint(target, options, ScanTrees(plan, target));
        if (fp != Fingerprint.ReadStored(ConfigureStamp(target)) || !File.Exists(target.Layout.ConfigPath))
        {
            Configure(plan, target, options, make, $"{target.Target.Name} ({target.Target.PlatArch})", cancel);
            Fingerprint.Store(ConfigureStamp(target), fp);
        }
        return FetchOrigins(plan, target, options.Origins!, make, cancel);
    }

    /// <summary>
    /// For --dry-run: where each download of a configured target would come from (no network, nothing
    /// written); null when the target has not been configured yet, so make cannot say.
    /// </summary>
    public (Packages.Origins.OriginList List, IReadOnlyList<Packages.Origins.OriginStatus> States)? SurveyOrigins(BuildPlan plan, TargetPlan target,
        Packages.Origins.OriginOptions origins, CancellationToken cancel = default)
    {
        if (!File.Exists(target.Layout.ConfigPath) || !File.Exists(Path.Combine(target.Layout.ObjDir, "config"))
            && !File.Exists(Path.Combine(target.Layout.ObjDir, "include", "uk", "bits", "config.h")))
            return null;
        var make = ToolLocator.Require("make", "to list what the libraries download");
        var list = OriginLister.List(make, target, cancel);
        using var fetcher = new Packages.Origins.OriginFetcher(origins, reporter);
        return (list, fetcher.Survey(list, Packages.Locking.LockFile.Load(Packages.Locking.LockFile.PathFor(plan.Project.KraftfilePath))));
    }

    ConfigureResult Configure(BuildPlan plan, TargetPlan target, BuildOptions options, string make, string label, CancellationToken cancel)
    {
        var sw = Stopwatch.StartNew();
        reporter.Progress($"configuring {label}", 0, 0);
        AtomicFile.WriteAllText(target.FragmentPath, ConfigValues.Format(target.Requested.Select(r => KeyValuePair.Create(r.Name, r.Value))));
        if (options.Backend == KconfigBackend.Native)
        {
            var (tree, text, timings) = NativeConfigurator.Configure(target, target.FragmentPath);
            var mismatches = RequestedOptions.Verify(target.Requested, ConfigValues.Parse(text));
            if (mismatches.Count > 0)
            {
                var error = new ConfigMismatchException(label, MismatchAdvisor.Explain(tree, mismatches), plan.Project.KraftfilePath);
                if (!options.Force)
                    throw error;
                reporter.Warn(error.Message + "\n(building anyway: --force)");
            }
            var w = Stopwatch.StartNew();
            NativeConfigurator.Install(tree, target, text, options.KraftExecutable);
            timings = timings with { Write = w.Elapsed.TotalMilliseconds };
            WarnReplacedSets(target, ConfigValues.Parse(text));
            return new ConfigureResult(target, sw.Elapsed, timings);
        }
        ConfigureWithMake(plan, target, options, make, label, cancel);
        WarnReplacedSets(target, ConfigValues.ReadFile(target.Layout.ConfigPath));
        return new ConfigureResult(target, sw.Elapsed, null);
    }

    /// <summary>Configuring starts from the Kraftfile: what <c>kraft config set</c> changed and this replaced is said.</summary>
    void WarnReplacedSets(TargetPlan target, IReadOnlyDictionary<string, string> configured)
    {
        foreach (var message in ConfigSetRecord.TakeReplaced(target, configured)) reporter.Warn(message);
    }

    void ConfigureWithMake(BuildPlan plan, TargetPlan target, BuildOptions options, string make, string label, CancellationToken cancel)
    {
        // A conf stand-in left by the native backend would make make run kraft instead of its own conf.
        var conf = new UnikraftEnvironment.Paths(target.Layout.ObjDir).Conf;
        if (NativeConfigurator.IsStandIn(conf)) AtomicFile.TryDelete(conf);
        AtomicFile.TryDelete(target.PendingConfigPath);
        try
        {
            var cmd = target.Configure;
            // conf's chatter ("configuration written to ...pending") is noise; on failure its tail is shown.
            var result = ProcessRunner.Run(make, cmd.Arguments, cancel: cancel);
            cancel.ThrowIfCancellationRequested();
            if (!result.Succeeded || !File.Exists(target.PendingConfigPath))
                throw new BuildFailedException($"configuring {label} failed (make exited with {result.ExitCode})",
                    cmd.ToString(), Tail(result.CombinedOutput));
            var actual = ConfigValues.ReadFile(target.PendingConfigPath);
            var mismatches = RequestedOptions.Verify(target.Requested, actual);
            if (mismatches.Count > 0)
            {
                var error = new ConfigMismatchException(label, mismatches, plan.Project.KraftfilePath);
                if (!options.Force)
                    throw error;
                reporter.Warn(error.Message + "\n(building anyway: --force)");
            }
            // Only a complete, checked .config replaces the previous one.
            AtomicFile.Replace(target.PendingConfigPath, target.Layout.ConfigPath);
        }
        finally
        {
            AtomicFile.TryDelete(target.PendingConfigPath);
            AtomicFile.TryDelete(target.PendingConfigPath + ".old");
        }
    }

    void RunMake(BuildPlan plan, TargetPlan target, BuildOptions options, string make, string label, CancellationToken cancel)
    {
        var progress = new MakeProgress();
        var step = $"building {label}";
        if (Host.Terminal.IsInteractiveOutput)
            progress.TotalLibraries = CountLibraries(make, target, cancel);
        reporter.Progress(step, 0, progress.TotalLibraries);
        var cmd = target.Build(options.EffectiveJobs);
        var result = ProcessRunner.RunStreaming(make, cmd.Arguments, (line, err) =>
        {
            reporter.ToolOutput(line, err);
            if (!err && progress.Observe(line))
                reporter.Progress(step, progress.FinishedLibraries, progress.TotalLibraries, progress.Detail);
        }, cancel: cancel);
        cancel.ThrowIfCancellationRequested();
        if (!result.Succeeded)
            throw new BuildFailedException($"building {label} failed (make exited with {result.ExitCode})",
                cmd.ToString(), Tail(result.CombinedOutput),
                MakeDownloads.Explain(result.CombinedOutput, lib => File.Exists(Path.Combine(target.Layout.ObjDir, lib, ".origin"))));
    }

    /// <summary>How many libraries the link will have, for the progress display (make print-libs).</summary>
    static int CountLibraries(string make, TargetPlan target, CancellationToken cancel)
    {
        var args = target.Build(1).Arguments.Where(a => !a.StartsWith("-j", StringComparison.Ordinal)).Append("print-libs").ToList();
        var r = ProcessRunner.Run(make, args, cancel: cancel);
        return r.Succeeded ? r.StandardOutput.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Count(w => w.StartsWith("lib", StringComparison.Ordinal) || w.StartsWith("app", StringComparison.Ordinal)) : 0;
    }

    /// <summary>Copies the images make produced to .unikraft/build (each through a temp file and a rename).</summary>
    static void InstallImages(TargetPlan target)
    {
        var built = target.Layout.BuiltKernelPath(target.Target);
        if (!File.Exists(built))
            throw new KraftException($"make succeeded but did not produce {built}",
                hint: "check that the core names images <N>_<plat>-<arch> (Unikraft 0.13 or newer)");
        foreach (var (from, to) in new[] { (built, target.Layout.KernelPath), (built + ".dbg", target.Layout.DebugKernelPath) })
        {
            if (!File.Exists(from)) continue;
            var tmp = AtomicFile.TempPathBeside(to);
            File.Copy(from, tmp, overwrite: true);
            AtomicFile.Replace(tmp, to);
        }
    }

    /// <summary>
    /// A Cargo project without a Makefile.uk (the catalog's Rust apps) is not an app Unikraft's make
    /// can build: make only said "No rule to make target .../Makefile.uk".
    /// </summary>
    static void RequireMakeApp(BuildPlan plan, TargetPlan target)
    {
        var app = target.Layout.AppDir;
        if (File.Exists(Path.Combine(app, "Makefile.uk")) || !File.Exists(Path.Combine(app, "Cargo.toml"))) return;
        throw new KraftException($"{app} is a Cargo project with no Makefile.uk, so Unikraft's make has no application to build",
            new SourceLocation(plan.Project.KraftfilePath),
            "build it with cargo for the Unikraft target (e.g. 'cargo +nightly build -Z build-std=std,panic_abort --target x86_64-unikraft-linux-musl', "
            + "which links through KraftKit's kraftld), or add a Makefile.uk that builds the app");
    }

    static void RequireCompiler(TargetPlan target)
    {
        var prefix = target.MakeVariables.FirstOrDefault(kv => kv.Key == "CROSS_COMPILE").Value ?? "";
        ToolLocator.Require(prefix + "gcc", $"to compile for {target.Target.Architecture}");
    }

    static string ConfigureStamp(TargetPlan t) => Path.Combine(t.Layout.ObjDir, ".kraft-configure.fp");
    static string BuildStamp(TargetPlan t) => Path.Combine(t.Layout.ObjDir, ".kraft-build.fp");

    /// <summary>What configuration depends on: the requested options, the make variables and every Config.uk.</summary>
    static string ConfigureFingerprint(TargetPlan t, BuildOptions options, IReadOnlyList<TreeListing> trees)
    {
        var fp = new Fingerprint().Add("kraft", KraftVersion).Add("backend", options.Backend.ToString())
            .Add("fragment", ConfigValues.Format(t.Requested.Select(r => KeyValuePair.Create(r.Name, r.Value))));
        foreach (var (k, v) in t.MakeVariables) fp.Add("var:" + k, v);
        foreach (var tree in trees) fp.AddTree(tree, "Config.uk");
        return fp.Finish();
    }

    /// <summary>What the image depends on: the .config, the make variables and every file of every tree.</summary>
    static string BuildFingerprint(TargetPlan t, IReadOnlyList<TreeListing> trees)
    {
        var fp = new Fingerprint().Add("kraft", KraftVersion).AddFileContent(t.Layout.ConfigPath);
        foreach (var (k, v) in t.MakeVariables) fp.Add("var:" + k, v);
        foreach (var tree in trees) fp.AddTree(tree);
        // An embedded initrd is part of the kernel: a changed rootfs must be linked in again.
        if (EmbeddedInitrd(t.Layout.ConfigPath) is { } initrd) fp.AddFileContent(initrd);
        return fp.Finish();
    }

    /// <summary>The file a configured target embeds as its initrd (CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH), if any.</summary>
    static string? EmbeddedInitrd(string configPath)
    {
        var values = ConfigValues.ReadFile(configPath);
        return values.TryGetValue("CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD", out var on) && on == "y"
            && values.TryGetValue("CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH", out var path) && path.Length > 0 ? path : null;
    }

    /// <summary>The app, core and library trees, each listed once.</summary>
    static IReadOnlyList<TreeListing> ScanTrees(BuildPlan plan, TargetPlan t) =>
        new[] { t.Layout.AppDir, t.Layout.CoreDir }.Concat(t.Layout.LibraryDirs).Distinct()
            .Select(root => TreeListing.Scan(root, Skip(plan))).ToList();

    /// <summary>Build outputs and kraft's own folder are not inputs (the core and libraries in it are walked on their own).</summary>
    static IReadOnlyCollection<string> Skip(BuildPlan plan) =>
        [Path.Combine(plan.Project.Directory, ".unikraft"), plan.Project.OutDir];

    static string Tail(string output)
    {
        var lines = output.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - TailLines)));
    }
}
