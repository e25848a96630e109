using System.Diagnostics;
using Kraft.Host;
using Kraft.Kconfig;

namespace Kraft.Build;

/// <summary>Which Kconfig implementation configures a target.</summary>
public enum KconfigBackend
{
    /// <summary>kraft's own engine, in process (the default).</summary>
    Native,
    /// <summary>Unikraft's make defconfig (builds and runs its C conf).</summary>
    Make,
}

/// <summary>Where the time of a native configuration went (milliseconds).</summary>
public sealed record ConfigureTimings(double Environment, double Load, double Apply, double Write, int ShellFallbacks)
{
    public double Total => Environment + Load + Apply + Write;
    public override string ToString() =>
        $"{Total:F1} ms (environment {Environment:F1}, load {Load:F1}, defconfig {Apply:F1}, write {Write:F1}; shell probes run: {ShellFallbacks})";
}

/// <summary>
/// Configures a target with the native Kconfig engine exactly as Unikraft's make defconfig would
/// (same environment, same stitch files, same .config), and leaves behind everything make's own
/// configuration step would have produced (O/config, auto.conf, config.h, tristate.config,
/// include/config/*.h and a conf stand-in), with timestamps that make the build's prepare step
/// consider them current, so make neither builds its C conf nor runs it.
/// </summary>
public static class NativeConfigurator
{
    /// <summary>First line of the conf stand-in; how kraft recognises its own script.</summary>
    public const string StandInMarker = "# kraft: conf stand-in";

    /// <summary>Loads the target's Kconfig tree with the environment make would give conf.</summary>
    public static KconfigTree Load(TargetPlan t, Dictionary<string, string> env, SubmenuShell shell)
    {
        var root = Path.Combine(t.Layout.CoreDir, "Config.uk");
        if (!File.Exists(root))
            throw new KraftException($"{t.Layout.CoreDir} has no Config.uk, so it is not a Unikraft core",
                hint: "use --kconfig-backend make for cores kraft cannot read");
        Directory.CreateDirectory(Path.Combine(t.Layout.ObjDir, "kconfig"));
        return KconfigTree.Load(root, env, shell, new KconfigLoadOptions
        {
            Dialect = KconfigDialect.Unikraft,
            // make runs conf in O (its sub-make is make -C O)
            WorkingDirectory = t.Layout.ObjDir,
            Info = _ => { },
            Warning = _ => { },
        });
    }

    /// <summary>Loads the tree and applies the target's fragment (conf --defconfig); nothing is written but the stitch files.</summary>
    public static (KconfigTree Tree, string ConfigText, ConfigureTimings Timings) Configure(TargetPlan t, string fragmentPath)
    {
        var sw = Stopwatch.StartNew();
        var env = UnikraftEnvironment.For(t, t.Layout.ConfigPath);
        var tEnv = sw.Elapsed.TotalMilliseconds;
        var shell = new SubmenuShell();
        var tree = Load(t, env, shell);
        var tLoad = sw.Elapsed.TotalMilliseconds;
        tree.ApplyDefconfig(fragmentPath);
        var text = tree.RenderConfig();
        var tApply = sw.Elapsed.TotalMilliseconds;
        return (tree, text, new ConfigureTimings(tEnv, tLoad - tEnv, tApply - tLoad, 0, shell.ShellFallbacks));
    }

    /// <summary>
    /// Writes the .config and make's configuration outputs. Files whose content did not change are
    /// left alone (so make rebuilds nothing); the timestamps end up as make's rules need them:
    /// .config &lt;= O/config &lt;= config.h, and conf older than config.h.
    /// </summary>
    public static void Install(KconfigTree tree, TargetPlan t, string configText, string? kraftExecutable)
    {
        var p = new UnikraftEnvironment.Paths(t.Layout.ObjDir);
        // the project's .config is kept (and edited by kraft config set); what is under O is remade from it
        WriteIfChanged(t.Layout.ConfigPath, configText, durable: true);
        WriteIfChanged(p.ConfigOut, configText);

        var autoConf = tree.RenderAutoConf();
        TouchChangedSymbols(p, tree.Prefix, File.Exists(p.AutoConf) ? File.ReadAllText(p.AutoConf) : "", autoConf);
        Directory.CreateDirectory(Path.GetDirectoryName(p.AutoHeader)!);
        WriteIfChanged(p.AutoHeader, tree.RenderAutoHeader());
        WriteIfChanged(p.Tristate, tree.RenderTristateConf());
        WriteIfChanged(p.AutoConf, autoConf);
        if (kraftExecutable is not null) WriteStandIn(p.Conf, kraftExecutable);

        // make: O/config is remade when older than .config, config.h when older than O/config or conf.
        NotOlderThan(p.ConfigOut, t.Layout.ConfigPath);
        NotOlderThan(p.AutoHeader, p.ConfigOut);
        if (File.Exists(p.Conf)) NotOlderThan(p.AutoHeader, p.Conf);
    }

    /// <summary>
    /// Moves <paramref name="path"/>'s mtime past <paramref name="than"/>'s when it is not later. .NET
    /// sees 100 ns ticks and make nanoseconds, so "equal" here may be older for make: step one tick past.
    /// </summary>
    static void NotOlderThan(string path, string than)
    {
        var limit = File.GetLastWriteTimeUtc(than);
        if (File.GetLastWriteTimeUtc(path) <= limit) File.SetLastWriteTimeUtc(path, limit.AddTicks(1));
    }

    /// <summary>
    /// What conf --syncconfig does for fixdep: touch include/config/&lt;sym&gt;.h (lower case, _ as /)
    /// for every symbol whose auto.conf value changed, so objects using it are rebuilt.
    /// </summary>
    static void TouchChangedSymbols(UnikraftEnvironment.Paths p, string prefix, string oldAuto, string newAuto)
    {
        var before = RawValues(oldAuto, prefix);
        var after = RawValues(newAuto, prefix);
        foreach (var name in before.Keys.Union(after.Keys))
        {
            if (before.TryGetValue(name, out var a) && after.TryGetValue(name, out var b) && a == b) continue;
            var file = Path.Combine(p.DepDir, string.Concat(name.Select(c => c == '_' ? '/' : char.ToLowerInvariant(c))) + ".h");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, []);
        }
    }

    static Dictionary<string, string> RawValues(string autoConf, string prefix)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in autoConf.Split('\n'))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var eq = line.IndexOf('=');
            if (eq > prefix.Length) d[line[prefix.Length..eq]] = line[(eq + 1)..];
        }
        return d;
    }

    /// <summary>
    /// O/kconfig/conf: a script that runs this kraft as conf, so make's own configuration targets
    /// (syncconfig when the .config is edited, menuconfig's olddefconfig ...) use the native engine
    /// instead of building Unikraft's C conf. Its timestamp is set far in the past: it never makes
    /// config.h out of date.
    /// </summary>
    static void WriteStandIn(string path, string kraft)
    {
        var text = "#!/bin/sh\n" + StandInMarker + " (written by kraft's native Kconfig backend)\n"
            + "exec " + ShellQuote(kraft) + " kconfig-conf \"$@\"\n";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            AtomicFile.WriteAllText(path, text, durable: false);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.SetLastWriteTimeUtc(path, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        }
    }

    /// <summary>True if O/kconfig/conf is kraft's stand-in (the make backend removes it so make builds the real conf).</summary>
    public static bool IsStandIn(string confPath)
    {
        if (!File.Exists(confPath)) return false;
        using var r = new StreamReader(confPath);
        var buf = new char[256];
        var n = r.Read(buf, 0, buf.Length);
        return new string(buf, 0, n).Contains(StandInMarker, StringComparison.Ordinal);
    }

    /// <summary>Writes unless the file already holds <paramref name="content"/>; build outputs (the default) are not flushed to the disk.</summary>
    static void WriteIfChanged(string path, string content, bool durable = false)
    {
        if (File.Exists(path) && new FileInfo(path).Length == System.Text.Encoding.UTF8.GetByteCount(content)
            && File.ReadAllText(path) == content)
            return;
        AtomicFile.WriteAllText(path, content, durable);
    }

    static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
