using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kraft.Build;
using Kraft.Host;
using Kraft.Packages;
using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Apps;

/// <summary>
/// The ELF loader for <c>kraft run ./a.out</c> when the user names none: the newest one kept under
/// <c>&lt;data&gt;/elfloaders/&lt;version&gt;/kernel</c>, else one kraft builds ONCE from app-elfloader
/// (the component index's app/elfloader, as a Kraftfile <c>template:</c>) for qemu/x86_64 in a project
/// it owns, <c>&lt;data&gt;/elfloaders/build</c>, and keeps per Unikraft version with a record of what
/// was built (<c>loader.json</c>). One build at a time (a file lock): a second kraft waits, then finds
/// the first one's image.
/// </summary>
public static class ElfLoaderBuilder
{
    /// <summary>The template the loader is built from: app-elfloader, as the index names it (app/elfloader).</summary>
    public const string TemplateName = "app-elfloader";

    /// <summary>The loader image: <paramref name="loader"/> (--loader FILE|DIR) when given, else the kept one, else built once.</summary>
    public static ElfLoaderImage Obtain(string? loader, UserConfig config, string cacheRoot, IReporter reporter, CancellationToken cancel = default)
    {
        if (loader is not null) return ElfLoaderImage.Resolve(loader, cacheRoot);
        return ElfLoaderImage.Newest(cacheRoot) ?? BuildOnce(config, cacheRoot, reporter, cancel);
    }

    /// <summary>Builds the loader under the build lock, unless another kraft built one meanwhile.</summary>
    public static ElfLoaderImage BuildOnce(UserConfig config, string cacheRoot, IReporter reporter, CancellationToken cancel = default)
    {
        RequireInIndex(config);
        Directory.CreateDirectory(cacheRoot);
        using var _ = FileLock.Acquire(Path.Combine(cacheRoot, "build.lock"), "the one-time build of the ELF loader", reporter, cancel);
        if (ElfLoaderImage.Newest(cacheRoot) is { } built)
        {
            reporter.Info($"using the ELF loader another kraft just built (Unikraft {built.Version})");
            return built;
        }
        var projectDir = Path.Combine(cacheRoot, "build");
        reporter.Info($"building the ELF loader once: no loader image is kept yet, so kraft builds {TemplateName} from the component index "
            + $"for qemu/x86_64 in {projectDir} and keeps it for later runs (or pass --loader DIR|KERNEL)");
        Directory.CreateDirectory(projectDir);
        var logPath = Path.Combine(projectDir, "build.log");
        using var log = new StreamWriter(logPath, append: false, new UTF8Encoding(false)) { AutoFlush = true };
        var teed = new LoggingReporter(reporter, log);
        var fetch = new FetchOptions { Offline = config.Offline };
        var builder = new ProjectBuilder(teed);
        try
        {
            // Plan once to learn which core the template resolves to, then ask for the options that core has.
            var (project, target) = WriteProject(projectDir, []);
            var plan = builder.Plan(project, [target], fetch, config, cancel);
            var extra = LoaderKconfig.For(plan.Core.Path);
            if (extra.Count > 0)
            {
                (project, target) = WriteProject(projectDir, extra);
                plan = builder.Plan(project, [target], fetch, config, cancel);
            }
            var t = plan.Targets.Single();
            // app-elfloader's Kraftfile names options of the Unikraft it was written for (0.16.3's
            // loader asks for CONFIG_LIBVFSCORE_FSTAB, CONFIG_UKPLAT_KSP_SIZE, ... that neither 0.16.3
            // nor 0.17.0 has): the user did not write them, so they are warned about, not fatal.
            // kraft's own additions (LoaderKconfig) are only options the core defines.
            var options = new BuildOptions { Force = true, Origins = new Packages.Origins.OriginOptions(config, config.Offline, false) };
            builder.Build(plan, t, options, cancel);
            var version = UnikraftEnvironment.Version(plan.Core.Path).Version;
            if (version.Length == 0 || version == ".") version = "unknown";
            var image = Keep(t.Layout.KernelPath, cacheRoot, version, plan, extra);
            reporter.Info($"the ELF loader (Unikraft {version}) is kept in {Path.GetDirectoryName(image.Kernel)}");
            return image;
        }
        catch (BuildFailedException e)
        {
            log.WriteLine(e.OutputTail);
            throw new BuildFailedException($"building the ELF loader failed: {e.Message} (the whole log: {logPath})", e.Command, e.OutputTail,
                e.Hint ?? $"see {logPath}; or build an app-elfloader project yourself and pass it with --loader DIR");
        }
        catch (KraftException e) when (e is not BuildFailedException)
        {
            log.WriteLine("error: " + e.Describe());
            throw new KraftException($"building the ELF loader failed: {e.Message}", e.Location,
                (e.Hint is { } h ? h + "; " : "") + $"the log is {logPath}; or pass a built loader with --loader DIR|KERNEL", e.ExitCode);
        }
    }

    /// <summary>A clear error before anything is built when the index does not offer app-elfloader.</summary>
    static void RequireInIndex(UserConfig config)
    {
        var snapshot = new IndexStore(config.ManifestsDir).Load();
        if (snapshot is not null && new ComponentIndex(snapshot).Find(ComponentType.App, "elfloader") is not null) return;
        throw new KraftException(snapshot is null
                ? "kraft has no ELF loader image yet, and there is no component index to find app-elfloader in"
                : "kraft has no ELF loader image yet, and the component index offers no app-elfloader (app/elfloader) to build one from",
            hint: "run 'kraft pkg update' (the default index lists app-elfloader), or add a source that offers it "
                + "('kraft pkg source https://github.com/unikraft/app-elfloader.git', then 'kraft pkg update'), "
                + "or pass a built loader with --loader DIR|KERNEL");
    }

    /// <summary>The Kraftfile of the loader project: app-elfloader as the template, one qemu/x86_64 target, the extra options, kraft's exit-status library.</summary>
    static (KraftProject Project, Target Target) WriteProject(string dir, IReadOnlyList<KeyValuePair<string, string>> kconfig)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by kraft: the ELF loader it builds once for 'kraft run ./a.out'.\n");
        sb.Append("spec: v0.6\nname: elfloader\ntemplate: ").Append(TemplateName).Append('\n');
        if (kconfig.Count > 0)
        {
            sb.Append("unikraft:\n  kconfig:\n");
            foreach (var (k, v) in kconfig) sb.Append("    ").Append(k).Append(": '").Append(v).Append("'\n");
        }
        sb.Append("targets:\n  - qemu/x86_64\n");
        // kraft's own library: the loader reports the program's exit status and halts (ExitStatusLibrary).
        ExitStatusLibrary.WriteTo(Path.Combine(dir, ExitStatusLibrary.Name));
        sb.Append("libraries:\n  ").Append(ExitStatusLibrary.Name).Append(":\n    source: ./").Append(ExitStatusLibrary.Name).Append('\n');
        var kraftfile = Path.Combine(dir, "Kraftfile");
        if (!File.Exists(kraftfile) || File.ReadAllText(kraftfile) != sb.ToString()) AtomicFile.WriteAllText(kraftfile, sb.ToString());
        var project = KraftfileLoader.LoadProject(dir);
        return (project, project.Targets.Single());
    }

    /// <summary>The built kernel copied to &lt;cache&gt;/&lt;version&gt;/kernel, with loader.json saying what it was built from.</summary>
    static ElfLoaderImage Keep(string kernel, string cacheRoot, string version, BuildPlan plan, IReadOnlyList<KeyValuePair<string, string>> extra)
    {
        var dir = ContainedPath.Combine(cacheRoot, Names.Check(NameKind.Component, version));
        Directory.CreateDirectory(dir);
        var record = new MemoryStream();
        using (var w = new Utf8JsonWriter(record, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("built", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("template", TemplateName);
            w.WriteString("app_directory", plan.Project.AppDirectory);
            w.WriteString("unikraft_version", version);
            w.WriteString("unikraft", plan.Core.Origin);
            w.WriteString("unikraft_commit", plan.Core.Commit);
            w.WriteString("unikraft_path", plan.Core.Path);
            w.WriteString("target", "qemu/x86_64");
            w.WriteStartObject("libraries");
            foreach (var l in plan.Libraries) w.WriteString(l.Component.Name, l.Commit is { } c ? $"{l.Origin}@{c}" : l.Origin);
            w.WriteEndObject();
            w.WriteStartObject("kconfig_added");
            foreach (var (k, v) in extra) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(Path.Combine(dir, "loader.json"), record.ToArray());
        var cached = Path.Combine(dir, "kernel");
        var tmp = AtomicFile.TempPathBeside(cached);
        File.Copy(kernel, tmp, overwrite: true);
        AtomicFile.Replace(tmp, cached);
        return new ElfLoaderImage(cached, version);
    }

    /// <summary>Progress to the user, everything (make's lines too) to the build log.</summary>
    sealed class LoggingReporter(IReporter inner, TextWriter log) : IReporter
    {
        readonly Lock _gate = new();
        void Log(string line) { lock (_gate) log.WriteLine(line); }
        public void Info(string message) { Log(message); inner.Info(message); }
        public void Warn(string message) { Log("warning: " + message); inner.Warn(message); }
        public void Progress(string step, int done, int total, string? detail = null) => inner.Progress(step, done, total, detail);
        public void ToolOutput(string line, bool isError) => Log(line);
    }
}

/// <summary>
/// The options the loader needs on top of app-elfloader's Kraftfile, each only where the core has
/// it: the environment from the command line (<c>env.vars</c>, so <c>kraft run -e</c> reaches the
/// program), the initrd as the root filesystem on 0.16.x (its shipped options no longer match, and
/// without these the boot fails with "/etc: Not a directory"), and no LTO (a one-time build, about
/// three times faster).
/// </summary>
public static partial class LoaderKconfig
{
    public static IReadOnlyList<KeyValuePair<string, string>> For(string coreDir)
    {
        var result = new List<KeyValuePair<string, string>>();
        void IfDefined(string file, string symbol, string value)
        {
            var path = Path.Combine(coreDir, file);
            if (File.Exists(path) && Defines(File.ReadAllText(path), symbol)) result.Add(new("CONFIG_" + symbol, value));
        }
        IfDefined("lib/posix-environ/Config.uk", "LIBPOSIX_ENVIRON_LIBPARAM", "y");
        var version = UnikraftEnvironment.Version(coreDir).Version;
        if (version.StartsWith("0.16.", StringComparison.Ordinal))
        {
            IfDefined("lib/vfscore/Config.uk", "LIBVFSCORE_AUTOMOUNT_CI", "y");
            IfDefined("lib/vfscore/Config.uk", "LIBVFSCORE_AUTOMOUNT_CI_INITRD", "y");
        }
        IfDefined("Config.uk", "OPTIMIZE_LTO", "n");
        return result;
    }

    /// <summary>Whether Kconfig text has a <c>config SYMBOL</c> (or menuconfig) entry.</summary>
    public static bool Defines(string kconfig, string symbol) =>
        Regex.IsMatch(kconfig, $@"^\s*(?:menu)?config\s+{Regex.Escape(symbol)}\s*$", RegexOptions.Multiline);
}
