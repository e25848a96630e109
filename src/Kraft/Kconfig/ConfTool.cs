using System.Globalization;
using System.Text;

namespace Kraft.Kconfig;

/// <summary>The modes of scripts/kconfig/conf.</summary>
public enum ConfMode
{
    OldAskConfig, OldConfig, SyncConfig, OldDefConfig, DefConfig, SaveDefConfig,
    AllNoConfig, AllYesConfig, AllModConfig, AllDefConfig, RandConfig, ListNewConfig,
}

/// <summary>A parsed conf command line.</summary>
public sealed record ConfArguments(ConfMode Mode, string? DefconfigFile, bool Silent, string KconfigFile, KconfigDialect? Dialect);

/// <summary>Where a conf run reads and writes; defaults are the process's own.</summary>
public sealed class ConfContext
{
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();
    public TextWriter Out { get; init; } = Console.Out;
    public TextWriter Error { get; init; } = Console.Error;
    /// <summary>Runs <c>$(shell,...)</c>; by default a <see cref="CachingShellRunner"/> with prefetching.</summary>
    public IShellRunner? Shell { get; init; }
    public int ProcessId { get; init; } = System.Environment.ProcessId;
}

/// <summary>Thrown for a bad conf command line: conf prints its usage and exits 1.</summary>
public sealed class ConfUsageException(string message) : KraftException(message);

/// <summary>
/// Linux's scripts/kconfig/conf (6.1, or Unikraft's 5.2-based one) as a library: same options, same environment
/// variables, same files written. Used by the hidden <c>kraft kconfig-conf</c> command.
/// </summary>
public static class KconfigConf
{
    static readonly (string Name, ConfMode Mode, char Arg)[] Options =
    {
        // Arg: 'n' none, 'r' required, 'o' optional (Unikraft's --defconfig; 6.1 requires it)
        ("oldaskconfig", ConfMode.OldAskConfig, 'n'), ("oldconfig", ConfMode.OldConfig, 'n'),
        ("syncconfig", ConfMode.SyncConfig, 'n'), ("defconfig", ConfMode.DefConfig, 'o'),
        ("savedefconfig", ConfMode.SaveDefConfig, 'r'), ("allnoconfig", ConfMode.AllNoConfig, 'n'),
        ("allyesconfig", ConfMode.AllYesConfig, 'n'), ("allmodconfig", ConfMode.AllModConfig, 'n'),
        ("alldefconfig", ConfMode.AllDefConfig, 'n'), ("randconfig", ConfMode.RandConfig, 'n'),
        ("listnewconfig", ConfMode.ListNewConfig, 'n'), ("olddefconfig", ConfMode.OldDefConfig, 'n'),
    };

    public const string Usage =
        "Usage: kraft kconfig-conf [-s] [--dialect=linux61|unikraft] [option] <kconfig-file>\n" +
        "[option] is _one_ of the following:\n" +
        "  --listnewconfig         List new options\n" +
        "  --oldaskconfig          Start a new configuration using a line-oriented program\n" +
        "  --oldconfig             Update a configuration using a provided .config as base\n" +
        "  --syncconfig            Similar to oldconfig but generates configuration in\n" +
        "                          include/{generated/,config/}\n" +
        "  --olddefconfig          Same as oldconfig but sets new symbols to their default value\n" +
        "  --defconfig <file>      New config with default defined in <file>\n" +
        "  --savedefconfig <file>  Save the minimal current configuration to <file>\n" +
        "  --allnoconfig           New config where all options are answered with no\n" +
        "  --allyesconfig          New config where all options are answered with yes\n" +
        "  --allmodconfig          New config where all options are answered with mod\n" +
        "  --alldefconfig          New config with all symbols set to default\n" +
        "  --randconfig            New config with random answer to all options\n" +
        "Interactive modes (oldconfig, oldaskconfig, syncconfig) take every new symbol's default instead of asking.\n" +
        "Environment: KCONFIG_CONFIG, KCONFIG_AUTOCONFIG, KCONFIG_AUTOHEADER, KCONFIG_TRISTATE (Unikraft),\n" +
        "KCONFIG_RUSTCCFG (Linux), KCONFIG_SEED, KCONFIG_PROBABILITY, KCONFIG_ALLCONFIG, KCONFIG_NOSILENTUPDATE,\n" +
        "KCONFIG_OVERWRITECONFIG, srctree, CONFIG_; KRAFT_KCONFIG_PROBES=FILE answers $(shell,...) from a file\n" +
        "written with KRAFT_KCONFIG_RECORD_PROBES=FILE.\n";

    /// <summary>Parses conf's command line the way getopt_long does (permuted, unique prefixes, --opt=ARG or --opt ARG).</summary>
    public static ConfArguments ParseArguments(IReadOnlyList<string> args)
    {
        ConfMode mode = ConfMode.OldAskConfig;
        string? file = null, defconfig = null;
        bool silent = false;
        KconfigDialect? dialect = null;
        var operands = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { operands.AddRange(args.Skip(i + 1)); break; }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var body = a[2..];
                string? value = null;
                int eq = body.IndexOf('=');
                if (eq >= 0) { value = body[(eq + 1)..]; body = body[..eq]; }
                if (body == "help") throw new ConfUsageException("");
                if ("dialect".StartsWith(body, StringComparison.Ordinal) && body.Length >= 2)
                {
                    if (value is null && i + 1 < args.Count) value = args[++i];
                    dialect = value?.ToLowerInvariant() switch
                    {
                        "linux61" or "linux" => KconfigDialect.Linux61,
                        "unikraft" => KconfigDialect.Unikraft,
                        _ => throw new ConfUsageException($"unknown dialect '{value}' (linux61 or unikraft)"),
                    };
                    continue;
                }
                var exact = Options.Where(o => o.Name == body).ToList();
                var matches = exact.Count > 0 ? exact : Options.Where(o => body.Length > 0 && o.Name.StartsWith(body, StringComparison.Ordinal)).ToList();
                if (matches.Count == 0) throw new ConfUsageException($"unrecognized option '{a}'");
                if (matches.Count > 1) throw new ConfUsageException($"option '{a}' is ambiguous");
                var (_, m, kind) = matches[0];
                if (kind == 'n' && value is not null) throw new ConfUsageException($"option '--{matches[0].Name}' doesn't allow an argument");
                if (kind == 'r' && value is null)
                {
                    if (i + 1 >= args.Count) throw new ConfUsageException($"option '--{matches[0].Name}' requires an argument");
                    value = args[++i];
                }
                // an optional argument is normally only --opt=ARG; conf 6.1 requires one for --defconfig, so a
                // following word is taken when another operand (the Kconfig file) still follows it
                if (kind == 'o' && value is null && i + 2 < args.Count && !args[i + 1].StartsWith('-') &&
                    args.Skip(i + 2).Any(x => !x.StartsWith('-')))
                    value = args[++i];
                mode = m;
                if (m is ConfMode.DefConfig or ConfMode.SaveDefConfig) defconfig = value;
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                foreach (var c in a[1..])
                {
                    if (c == 's') silent = true;
                    else if (c == 'h') throw new ConfUsageException("");
                    else throw new ConfUsageException($"invalid option -- '{c}'");
                }
                continue;
            }
            operands.Add(a);
        }
        file = operands.FirstOrDefault() ?? throw new ConfUsageException("Kconfig file missing");
        return new ConfArguments(mode, defconfig, silent, file, dialect);
    }

    /// <summary>Runs conf; returns its exit status. Kconfig errors are thrown as <see cref="KraftException"/>.</summary>
    public static int Run(IReadOnlyList<string> args, ConfContext ctx)
    {
        ConfArguments a;
        try { a = ParseArguments(args); }
        catch (ConfUsageException e)
        {
            if (e.Message.Length > 0) ctx.Error.WriteLine($"kraft kconfig-conf: {e.Message}");
            ctx.Out.Write(Usage);
            return 1;
        }
        return Run(a, ctx);
    }

    public static int Run(ConfArguments a, ConfContext ctx)
    {
        var env = ctx.Environment;
        var dialect = a.Dialect ?? (env.ContainsKey("UK_BASE") ? KconfigDialect.Unikraft : KconfigDialect.Linux61);
        bool linux = dialect == KconfigDialect.Linux61;
        bool silent = a.Silent || a.Mode == ConfMode.SyncConfig;
        var cwd = ctx.WorkingDirectory;
        string? Env(string name) => env.TryGetValue(name, out var v) ? v : null;
        string Abs(string p) => Path.GetFullPath(p, cwd);
        void Message(string m) { if (!silent) ctx.Out.Write($"#\n# {m}\n#\n"); }

        uint seed = 0;
        if (a.Mode == ConfMode.RandConfig)
        {
            bool set = false;
            if (Env("KCONFIG_SEED") is { Length: > 0 } se && CStrToL(se, out var sv)) { seed = unchecked((uint)sv); set = true; }
            if (!set)
            {
                var now = DateTimeOffset.UtcNow;
                long sec = now.ToUnixTimeSeconds(), usec = now.Ticks / 10 % 1000000;
                seed = unchecked((uint)((sec + 1) * (usec + 1)));
            }
            (linux ? ctx.Out : ctx.Error).Write($"KCONFIG_SEED=0x{seed:X}\n");
        }

        // probe results given in advance, or recorded for later runs
        var shell = ctx.Shell;
        bool prefetch = false;
        CachingShellRunner? cache = null;
        if (shell is null)
        {
            cache = new CachingShellRunner();
            var probes = Env("KRAFT_KCONFIG_PROBES");
            bool given = probes is { Length: > 0 };
            if (given)
                foreach (var (c, o) in ProbeFile.Read(Abs(probes!))) cache.Preset(c, o);
            // Unikraft's probes are its config-submenu.sh and one test, answered here as kraft build does
            // (same stitch files, no shell); anything else still goes to the shell
            if (!linux) shell = new SubmenuShell(cache);
            else
            {
                prefetch = !given;
                shell = cache;
            }
        }

        var sw = System.Diagnostics.Stopwatch.StartNew();
        if (Env("KRAFT_KCONFIG_TIMING") is { Length: > 0 }) KconfigTree.Timing = t => ctx.Error.WriteLine($"timing: {t}");
        var tree = KconfigTree.Load(a.KconfigFile, env, shell, new KconfigLoadOptions
        {
            Dialect = dialect, WorkingDirectory = cwd, PrefetchShell = prefetch, CheckLoopsInBackground = true, ReadAhead = true,
            // the modes that load a configuration first know what it reads before evaluating it (see
            // KconfigTree.AnswerNeededProbes); a recording keeps every probe
            DeferProbes = prefetch && LoadsConfiguration(a.Mode) && Env("KRAFT_KCONFIG_RECORD_PROBES") is not { Length: > 0 },
            Warning = w => ctx.Error.WriteLine(w), Info = i => ctx.Out.WriteLine(i),
        });
        if (Env("KRAFT_KCONFIG_RECORD_PROBES") is { Length: > 0 } rec && cache is not null)
            ProbeFile.Write(Abs(rec), cache.Results);

        var srctree = Env("srctree");
        string? Find(string name)
        {
            // zconf_fopen: as given, then under $srctree for a relative name
            if (File.Exists(Abs(name))) return Abs(name);
            if (!Path.IsPathRooted(name) && srctree is not null && File.Exists(Abs(Path.Combine(srctree, name))))
                return Abs(Path.Combine(srctree, name));
            return null;
        }
        var configName = Env("KCONFIG_CONFIG") ?? ".config";
        string? defconfigFile = a.DefconfigFile;

        switch (a.Mode)
        {
            case ConfMode.DefConfig:
                if (defconfigFile is null)
                {
                    if (linux) { ctx.Out.Write(Usage); return 1; }
                    defconfigFile = "arch/" + (Env("ARCH") ?? "") + "/defconfig";
                }
                if (Find(defconfigFile) is not { } dpath || !tree.LoadConfig(dpath))
                {
                    ctx.Error.Write($"***\n*** Can't find default configuration \"{defconfigFile}\"!\n***\n");
                    return 1;
                }
                break;
            case ConfMode.SaveDefConfig or ConfMode.SyncConfig or ConfMode.OldAskConfig or ConfMode.OldConfig
                or ConfMode.ListNewConfig or ConfMode.OldDefConfig:
                if (Find(configName) is { } cpath) tree.LoadConfig(cpath);
                else tree.LoadConfig(Abs(configName)); // missing: everything takes its default
                break;
            default:
                {
                    if (Env("KCONFIG_ALLCONFIG") is not { } name) break;
                    string? fragment;
                    if (name is not ("" or "1"))
                    {
                        fragment = Find(name);
                        if (fragment is null)
                        {
                            ctx.Error.Write($"*** Can't read seed configuration \"{name}\"!\n");
                            return 1;
                        }
                    }
                    else
                    {
                        var specific = a.Mode switch
                        {
                            ConfMode.AllNoConfig => "allno.config", ConfMode.AllYesConfig => "allyes.config",
                            ConfMode.AllModConfig => "allmod.config", ConfMode.AllDefConfig => "alldef.config", _ => "allrandom.config",
                        };
                        fragment = Find(specific) ?? Find("all.config");
                        if (fragment is null)
                        {
                            ctx.Error.Write($"*** KCONFIG_ALLCONFIG set, but no \"{specific}\" or \"all.config\" file found\n");
                            return 1;
                        }
                    }
                    tree.ReadFragment(fragment);
                    break;
                }
        }

        KconfigTree.Timing?.Invoke($"load + read {sw.Elapsed.TotalMilliseconds:F1} ms");
        bool noConfWrite = false;
        if (a.Mode == ConfMode.SyncConfig && Env("KCONFIG_NOSILENTUPDATE") is { Length: > 0 })
        {
            if (tree.IsChanged)
            {
                ctx.Error.Write("\n*** The configuration requires explicit update.\n\n");
                return 1;
            }
            noConfWrite = true;
        }

        switch (a.Mode)
        {
            case ConfMode.AllNoConfig: tree.SetAll(AllConfigMode.AllNo); break;
            case ConfMode.AllYesConfig: tree.SetAll(AllConfigMode.AllYes); break;
            case ConfMode.AllModConfig: tree.SetAll(AllConfigMode.AllMod); break;
            case ConfMode.AllDefConfig or ConfMode.DefConfig: tree.SetAll(AllConfigMode.AllDef); break;
            case ConfMode.RandConfig:
                if (linux && !SetProbabilities(tree, Env("KCONFIG_PROBABILITY"), ctx.Error)) return 1;
                tree.SetAll(AllConfigMode.Random, unchecked((int)seed));
                break;
            case ConfMode.ListNewConfig:
                foreach (var l in tree.ListNewConfig()) ctx.Out.WriteLine(l);
                return 0;
        }

        if (a.Mode == ConfMode.SaveDefConfig)
        {
            WriteFile(Abs(defconfigFile!), tree.RenderMinimalConfig());
            return 0;
        }

        if (!noConfWrite)
        {
            var text = tree.RenderConfig();
            var path = Abs(configName);
            if (Directory.Exists(path)) { ctx.Error.WriteLine($"{configName}: Is a directory"); ctx.Error.Write("\n*** Error during writing of the configuration.\n\n"); return 1; }
            var bytes = Encoding.UTF8.GetBytes(text);
            if (Env("KCONFIG_OVERWRITECONFIG") is { Length: > 0 })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, bytes);
                Message($"configuration written to {configName}");
            }
            else if (File.Exists(path) && SameContent(path, bytes))
                Message($"No change to {configName}");
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var tmp = Kraft.Host.TempName.Beside(path);
                File.WriteAllBytes(tmp, bytes);
                if (File.Exists(path)) File.Move(path, path + ".old", overwrite: true);
                File.Move(tmp, path, overwrite: true);
                Message($"configuration written to {configName}");
            }
            tree.MarkSaved();
        }

        KconfigTree.Timing?.Invoke($"+ .config {sw.Elapsed.TotalMilliseconds:F1} ms");
        WriteAutoconf(tree, ctx, a.Mode == ConfMode.SyncConfig, linux);
        KconfigTree.Timing?.Invoke($"+ autoconf {sw.Elapsed.TotalMilliseconds:F1} ms; allocated {GC.GetTotalAllocatedBytes() >> 20} MB, GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        return 0;
    }

    static bool LoadsConfiguration(ConfMode mode) => mode is ConfMode.DefConfig or ConfMode.SaveDefConfig or ConfMode.SyncConfig
        or ConfMode.OldAskConfig or ConfMode.OldConfig or ConfMode.ListNewConfig or ConfMode.OldDefConfig;

    /// <summary>conf_write_autoconf: auto.conf.cmd, the touched dependency files, the header, tristate/rustc file, auto.conf.</summary>
    static void WriteAutoconf(KconfigTree tree, ConfContext ctx, bool overwrite, bool linux)
    {
        var env = ctx.Environment;
        string Abs(string p) => Path.GetFullPath(p, ctx.WorkingDirectory);
        var autoName = env.GetValueOrDefault("KCONFIG_AUTOCONFIG") ?? "include/config/auto.conf";
        if (!overwrite && File.Exists(Abs(autoName))) return;

        // Linux 6.1 puts the .cmd file and the dependency files beside auto.conf; 5.2 under include/config/
        var cmdName = linux ? autoName + ".cmd" : "include/config/auto.conf.cmd";
        WriteFile(Abs(cmdName), tree.RenderAutoConfCmd(autoName));

        var depDir = linux ? Path.GetDirectoryName(autoName) ?? "" : "include/config";
        foreach (var name in tree.ChangedSinceAutoConf(Abs(autoName)))
        {
            var dep = Abs(Path.Combine(depDir, tree.DependencyFileName(name)));
            if (!linux) Directory.CreateDirectory(Path.GetDirectoryName(dep)!);
            File.WriteAllBytes(dep, Array.Empty<byte>());
        }

        var (header, extra, auto) = tree.RenderAutoconfFiles();
        var headerName = env.GetValueOrDefault("KCONFIG_AUTOHEADER") ?? "include/generated/autoconf.h";
        var extraName = linux ? env.GetValueOrDefault("KCONFIG_RUSTCCFG") ?? "include/generated/rustc_cfg"
                              : env.GetValueOrDefault("KCONFIG_TRISTATE") ?? "include/config/tristate.conf";
        WriteFile(Abs(headerName), header);
        WriteFile(Abs(extraName), extra);
        // last: the build depends on auto.conf, so it marks the completion of the others
        WriteFile(Abs(autoName), auto);
    }

    /// <summary>Writes through a temporary beside it and a rename, like conf (no fsync); the name is never shared between processes.</summary>
    static void WriteFile(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = Kraft.Host.TempName.Beside(path);
        File.WriteAllBytes(tmp, Encoding.UTF8.GetBytes(text));
        File.Move(tmp, path, overwrite: true);
    }

    static bool SameContent(string path, byte[] bytes)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length != bytes.Length) return false;
            return File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
        }
        catch (IOException) { return false; }
    }

    static bool SetProbabilities(KconfigTree tree, string? env, TextWriter err)
    {
        int n = 0;
        var p = new int[3];
        int i = 0;
        while (env is not null && i < env.Length)
        {
            int start = i;
            bool neg = false;
            if (i < env.Length && (env[i] == '-' || env[i] == '+')) { neg = env[i] == '-'; i++; }
            long v = 0;
            while (i < env.Length && char.IsAsciiDigit(env[i])) { v = Math.Min(v * 10 + (env[i] - '0'), int.MaxValue); i++; }
            if (neg) v = -v;
            if (v < 0 || v > 100) { err.WriteLine("KCONFIG_PROBABILITY: Numerical result out of range"); return false; }
            p[n++] = (int)v;
            if (i < env.Length && env[i] == ':') i++;
            else if (i == start) break;
            if (n >= 3) break;
        }
        int pby = 50, pty = 33, ptm = 33;
        switch (n)
        {
            case 1: pby = p[0]; ptm = pby / 2; pty = pby - ptm; break;
            case 2: pty = p[0]; ptm = p[1]; pby = pty + ptm; break;
            case 3: pby = p[0]; pty = p[1]; ptm = p[2]; break;
        }
        if (pty + ptm > 100) { err.WriteLine("KCONFIG_PROBABILITY: Numerical result out of range"); return false; }
        tree.RandomBool = pby; tree.RandomYes = pty; tree.RandomMod = ptm;
        return true;
    }

    /// <summary>strtol(s, &amp;end, 0) with *end == 0.</summary>
    static bool CStrToL(string s, out long v)
    {
        CNum.StrToLL(s, 0, out v, out var end, out _);
        return end == s.Length && s.Length > 0;
    }
}

/// <summary>Recorded <c>$(shell,...)</c> results: command, NUL, output, NUL, repeated.</summary>
public static class ProbeFile
{
    public static IEnumerable<(string Command, string Output)> Read(string path)
    {
        if (!File.Exists(path)) throw new KraftException($"probe results file not found: {path}");
        var parts = File.ReadAllText(path).Split('\0');
        for (int i = 0; i + 1 < parts.Length; i += 2) yield return (parts[i], parts[i + 1]);
    }

    public static void Write(string path, IReadOnlyDictionary<string, string> results)
    {
        var sb = new StringBuilder();
        foreach (var (c, o) in results.OrderBy(kv => kv.Key, StringComparer.Ordinal)) sb.Append(c).Append('\0').Append(o).Append('\0');
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, sb.ToString());
    }
}
