using System.Runtime.InteropServices;
using Kraft.Host;

namespace Kraft.Build;

/// <summary>
/// The environment Unikraft's make gives conf (its COMMON_CONFIG_ENV) for one target, so that the
/// native Kconfig engine sees the same values: paths from A/O/C/L, the version from the core's
/// version.mk plus its git revision (support/scripts/gitsha1), the host architecture.
/// </summary>
public static class UnikraftEnvironment
{
    /// <summary>Where make keeps its Kconfig outputs for an object folder O.</summary>
    public sealed record Paths(string ObjDir)
    {
        public string KconfigDir => Path.Combine(ObjDir, "kconfig");
        public string AutoConf => Path.Combine(KconfigDir, "auto.conf");
        public string Tristate => Path.Combine(KconfigDir, "tristate.config");
        public string AutoHeader => Path.Combine(ObjDir, "include", "uk", "bits", "config.h");
        /// <summary>make's UK_CONFIG_OUT: the copy of the .config it compares against.</summary>
        public string ConfigOut => Path.Combine(ObjDir, "config");
        public string Conf => Path.Combine(KconfigDir, "conf");
        /// <summary>conf --syncconfig touches include/config/&lt;sym&gt;.h for changed symbols (relative to O).</summary>
        public string DepDir => Path.Combine(ObjDir, "include", "config");
    }

    public static Dictionary<string, string> For(TargetPlan t, string configPath, string? fullVersion = null)
    {
        var l = t.Layout;
        var p = new Paths(l.ObjDir);
        var core = Path.TrimEndingDirectorySeparator(Path.GetFullPath(l.CoreDir));
        var app = Path.TrimEndingDirectorySeparator(Path.GetFullPath(l.AppDir));
        var (version, codename) = Version(core);
        var host = HostArch();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            env[(string)e.Key] = (string?)e.Value ?? "";
        void Set(string k, string v) => env[k] = v;
        Set("CONFIG_", "CONFIG_");
        Set("KCONFIG_CONFIG", configPath);
        Set("KCONFIG_AUTOCONFIG", p.AutoConf);
        Set("KCONFIG_AUTOHEADER", p.AutoHeader);
        Set("KCONFIG_TRISTATE", p.Tristate);
        Set("HOST_ARCH", host);
        Set("BUILD_DIR", l.ObjDir);
        Set("UK_BASE", core);
        Set("UK_APP", app);
        Set("UK_CONFIG", configPath);
        Set("UK_FULLVERSION", fullVersion ?? version + GitSha1(core));
        Set("UK_CODENAME", codename);
        // make's CONFIG_UK_ARCH before a .config exists: ARCH= or the host's
        Set("UK_ARCH", host);
        Set("KCONFIG_DIR", p.KconfigDir);
        Set("KCONFIG_LIB_BASE", core + "/lib");
        Set("KCONFIG_ELIB_DIRS", string.Join(':', l.LibraryDirs));
        Set("KCONFIG_PLAT_BASE", core + "/plat");
        Set("KCONFIG_EPLAT_DIRS", "");
        Set("KCONFIG_DRIV_BASE", core + "/drivers");
        Set("KCONFIG_EAPP_DIR", app == core ? "" : app);
        Set("KCONFIG_EXCLUDEDIRS", "");
        Set("UK_NAME", t.MakeVariables.FirstOrDefault(kv => kv.Key == "N").Value ?? t.Target.Name);
        return env;
    }

    /// <summary>make's HOSTARCH (from the host compiler's target; here from the OS).</summary>
    public static string HostArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "x86",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>UK_VERSION.UK_SUBVERSION[.UK_EXTRAVERSION] and UK_CODENAME from the core's version.mk.</summary>
    public static (string Version, string Codename) Version(string coreDir)
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Path.Combine(coreDir, "version.mk");
        if (File.Exists(file))
            foreach (var raw in File.ReadLines(file))
            {
                var line = raw.Split('#')[0];
                var eq = line.IndexOf('=');
                if (eq <= 0) continue;
                var name = line[..eq].TrimEnd(':', '?', '+', ' ', '\t').Trim();
                vars[name] = line[(eq + 1)..].Trim();
            }
        var v = vars.GetValueOrDefault("UK_VERSION", "") + "." + vars.GetValueOrDefault("UK_SUBVERSION", "");
        if (vars.GetValueOrDefault("UK_EXTRAVERSION") is { Length: > 0 } extra) v += "." + extra;
        return (v, vars.GetValueOrDefault("UK_CODENAME", ""));
    }

    /// <summary>support/scripts/gitsha1: "~&lt;short sha&gt;", "-custom" when tracked files are modified, "" outside git.</summary>
    public static string GitSha1(string coreDir)
    {
        // make appends what this script prints; a core without it gets nothing appended.
        if (!File.Exists(Path.Combine(coreDir, "support", "scripts", "gitsha1")) || !IsInGitWorkTree(coreDir)) return "";
        var git = ToolLocator.Find("git");
        if (git is null) return "";
        // Both at once: they are independent and each costs a process start.
        var sha = Task.Run(() => ProcessRunner.Run(git, ["rev-parse", "--short", "HEAD"], workingDirectory: coreDir));
        var modified = ProcessRunner.Run(git, ["ls-files", "-m"], workingDirectory: coreDir);
        var v = sha.Result.Succeeded ? sha.Result.StandardOutput.Trim() : "";
        if (v.Length == 0) return "";
        return modified.Succeeded && modified.StandardOutput.Trim().Length > 0 ? $"~{v}-custom" : $"~{v}";
    }

    static bool IsInGitWorkTree(string dir)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, ".git")) || File.Exists(Path.Combine(d.FullName, ".git")))
                return true;
        return false;
    }
}
