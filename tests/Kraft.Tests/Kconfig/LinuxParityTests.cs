using System.Diagnostics;
using Kraft.Kconfig;
using Xunit.Abstractions;

namespace Kraft.Tests.Kconfig;

/// <summary>
/// Compares the engine with Linux 6.1's own conf, byte for byte. Needs KRAFT_TEST_LINUX_SRC pointing to a
/// tree made by prepare-linux-kconfig.sh (Kconfig files plus a built scripts/kconfig/conf).
/// </summary>
public class LinuxParityTests(ITestOutputHelper output)
{
    static readonly string? Src = Environment.GetEnvironmentVariable("KRAFT_TEST_LINUX_SRC");
    static readonly CachingShellRunner Shell = new();

    static bool Missing => Src is null || !File.Exists(Path.Combine(Src, "scripts/kconfig/conf")) || !File.Exists(Path.Combine(Src, "Kconfig"));
    const string Why = "set KRAFT_TEST_LINUX_SRC to a tree prepared by tests/Kraft.Tests/Kconfig/prepare-linux-kconfig.sh";

    internal static Dictionary<string, string> Env(string arch)
    {
        var srcarch = arch == "x86_64" ? "x86" : arch;
        var env = new Dictionary<string, string>
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? "/tmp",
            ["LC_ALL"] = "C",
            ["ARCH"] = arch, ["SRCARCH"] = srcarch, ["KERNELVERSION"] = "6.1.0-kraft", ["srctree"] = ".",
            ["CC"] = "gcc", ["LD"] = "ld", ["NM"] = "nm", ["AR"] = "ar", ["OBJCOPY"] = "objcopy",
            ["PAHOLE"] = "pahole", ["RUSTC"] = "rustc", ["BINDGEN"] = "bindgen",
            ["CC_VERSION_TEXT"] = "gcc (kraft test) 12",
        };
        return env;
    }

    /// <summary>Runs Linux's conf in the tree with exactly <paramref name="env"/>; returns its exit code, stdout and stderr.</summary>
    static (int Exit, string Out, string Err) ExecConf(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(Src!, "scripts/kconfig/conf"))
        {
            WorkingDirectory = Src, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment.Clear();
        foreach (var (k, v) in env) psi.Environment[k] = v;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    /// <summary>Runs the reference conf; returns (.config, auto.conf, autoconf.h).</summary>
    internal static (string Config, string Auto, string Header) RunConf(string arch, string mode, string dir, string? input = null, Dictionary<string, string>? extra = null)
    {
        var env = Env(arch);
        if (extra is not null) foreach (var (k, v) in extra) env[k] = v;
        var cfg = Path.Combine(dir, "ref.config");
        if (input is not null) File.Copy(input, cfg, overwrite: true);
        env["KCONFIG_CONFIG"] = cfg;
        env["KCONFIG_AUTOCONFIG"] = Path.Combine(dir, "ref-auto/auto.conf");
        env["KCONFIG_AUTOHEADER"] = Path.Combine(dir, "ref-auto/autoconf.h");
        env["KCONFIG_RUSTCCFG"] = Path.Combine(dir, "ref-auto/rustc_cfg");
        if (Directory.Exists(Path.Combine(dir, "ref-auto"))) Directory.Delete(Path.Combine(dir, "ref-auto"), true);
        var (exit, _, stderr) = ExecConf(env, mode, "Kconfig");
        Assert.True(exit == 0, $"conf {mode} failed: {stderr}");
        return (File.ReadAllText(cfg), File.ReadAllText(Path.Combine(dir, "ref-auto/auto.conf")), File.ReadAllText(Path.Combine(dir, "ref-auto/autoconf.h")));
    }

    internal static KconfigTree LoadLinux(string arch) =>
        KconfigTree.Load("Kconfig", Env(arch), Shell, new KconfigLoadOptions { WorkingDirectory = Src!, Info = _ => { }, Warning = _ => { } });

    static void AssertSame(string expected, string actual, string what)
    {
        if (expected == actual) return;
        var e = expected.Split('\n'); var a = actual.Split('\n');
        int i = 0;
        while (i < e.Length && i < a.Length && e[i] == a[i]) i++;
        Assert.Fail($"{what} differs at line {i + 1}:\n  conf:  {(i < e.Length ? e[i] : "<eof>")}\n  kraft: {(i < a.Length ? a[i] : "<eof>")}\n" +
                    $"  context: {string.Join(" | ", e.Skip(Math.Max(0, i - 3)).Take(6))}");
    }

    void CheckAll(string arch, string mode, AllConfigMode m)
    {
        Skip.If(Missing, Why);
        using var dir = new TempDir();
        var (cfg, auto, header) = RunConf(arch, mode, dir.Path);
        var tree = LoadLinux(arch);
        tree.SetAll(m);
        AssertSame(cfg, tree.RenderConfig(), ".config");
        AssertSame(auto, tree.RenderAutoConf(), "auto.conf");
        AssertSame(header, tree.RenderAutoHeader(), "autoconf.h");
    }

    [SkippableTheory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void AllNoConfig(string arch) => CheckAll(arch, "--allnoconfig", AllConfigMode.AllNo);

    [SkippableTheory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void AllYesConfig(string arch) => CheckAll(arch, "--allyesconfig", AllConfigMode.AllYes);

    [SkippableTheory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void AllModConfig(string arch) => CheckAll(arch, "--allmodconfig", AllConfigMode.AllMod);

    [SkippableTheory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void AllDefConfig(string arch) => CheckAll(arch, "--alldefconfig", AllConfigMode.AllDef);

    [SkippableTheory]
    [InlineData("x86_64", "arch/x86/configs/x86_64_defconfig")]
    [InlineData("arm64", "arch/arm64/configs/defconfig")]
    public void Defconfig(string arch, string file)
    {
        Skip.If(Missing, Why);
        using var dir = new TempDir();
        var (cfg, auto, header) = RunConf(arch, "--defconfig=" + file, dir.Path);
        var tree = LoadLinux(arch);
        tree.ApplyDefconfig(Path.Combine(Src!, file));
        AssertSame(cfg, tree.RenderConfig(), ".config");
        AssertSame(auto, tree.RenderAutoConf(), "auto.conf");
        AssertSame(header, tree.RenderAutoHeader(), "autoconf.h");

        // savedefconfig from the resulting .config
        File.WriteAllText(dir["ref.config"], cfg);
        var saved = dir["ref.defconfig"];
        RunConfSave(arch, dir.Path, saved);
        var t2 = LoadLinux(arch);
        t2.LoadConfig(dir["ref.config"]);
        AssertSame(File.ReadAllText(saved), t2.RenderMinimalConfig(), "savedefconfig");
    }

    static void RunConfSave(string arch, string dir, string output)
    {
        var env = Env(arch);
        env["KCONFIG_CONFIG"] = Path.Combine(dir, "ref.config");
        Assert.Equal(0, ExecConf(env, "--savedefconfig=" + output, "Kconfig").Exit);
    }

    /// <summary>conf --randconfig with a seed (the engine's must be the same), then olddefconfig by conf and by the engine on that result.</summary>
    [SkippableTheory]
    [InlineData("x86_64", 1, 12)]
    [InlineData("arm64", 101, 12)]
    public void RandconfigThenOlddefconfig(string arch, int firstSeed, int count)
    {
        Skip.If(Missing, Why);
        using var dir = new TempDir();
        for (int seed = firstSeed; seed < firstSeed + count; seed++)
        {
            var (rcfg, rauto, _) = RunConf(arch, "--randconfig", dir.Path, extra: new() { ["KCONFIG_SEED"] = seed.ToString() });
            // the engine draws from glibc's rand() sequence, so the same seed gives conf's random configuration
            var own = LoadLinux(arch);
            own.SetAll(AllConfigMode.Random, seed);
            AssertSame(rcfg, own.RenderConfig(), $"randconfig .config (seed {seed})");
            AssertSame(rauto, own.RenderAutoConf(), $"randconfig auto.conf (seed {seed})");
            var rand = dir["rand.config"];
            File.Copy(dir["ref.config"], rand, overwrite: true);
            var (cfg, auto, header) = RunConf(arch, "--olddefconfig", dir.Path, input: rand);
            var tree = LoadLinux(arch);
            tree.OldDefconfig(rand);
            AssertSame(cfg, tree.RenderConfig(), $".config (seed {seed})");
            AssertSame(auto, tree.RenderAutoConf(), $"auto.conf (seed {seed})");
            AssertSame(header, tree.RenderAutoHeader(), $"autoconf.h (seed {seed})");
        }
    }

    /// <summary>Counts the commands run through it (by the real shell).</summary>
    sealed class CountingProcessShell : IShellRunner
    {
        public readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Runs = new();
        public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
        {
            Runs.AddOrUpdate(command, 1, (_, n) => n + 1);
            return ProcessShellRunner.Instance.Run(command, workingDirectory, environment);
        }
    }

    /// <summary>
    /// olddefconfig with deferred probes (the real compiler probes, each run only if evaluation reads it) gives
    /// conf's files, from the architecture's defconfig and from random configurations; fewer probes run.
    /// </summary>
    [SkippableTheory]
    [InlineData("x86_64", 201, 2)]
    [InlineData("arm64", 301, 2)]
    public void DeferredProbesGiveConfsOlddefconfig(string arch, int firstSeed, int count)
    {
        Skip.If(Missing, Why);
        using var dir = new TempDir();
        var inputs = new List<(string What, string Path)>
        {
            ("defconfig", Path.Combine(Src!, arch == "x86_64" ? "arch/x86/configs/x86_64_defconfig" : "arch/arm64/configs/defconfig")),
        };
        for (int seed = firstSeed; seed < firstSeed + count; seed++)
        {
            RunConf(arch, "--randconfig", dir.Path, extra: new() { ["KCONFIG_SEED"] = seed.ToString() });
            File.Copy(dir["ref.config"], dir[$"rand{seed}.config"], overwrite: true);
            inputs.Add(($"randconfig seed {seed}", dir[$"rand{seed}.config"]));
        }
        int everyProbe = -1;
        foreach (var (what, input) in inputs)
        {
            var (cfg, auto, header) = RunConf(arch, "--olddefconfig", dir.Path, input: input);
            // as kraft kconfig-conf runs (idle workers start held-back probes early), and with only what is read
            CountingProcessShell shell = null!;
            foreach (var idle in new[] { true, false })
            {
                shell = new CountingProcessShell();
                var tree = KconfigTree.Load("Kconfig", Env(arch), new CachingShellRunner(shell), new KconfigLoadOptions
                {
                    WorkingDirectory = Src!, PrefetchShell = true, DeferProbes = true, RunHeldProbesWhenIdle = idle,
                    Info = _ => { }, Warning = _ => { },
                });
                tree.OldDefconfig(input);
                AssertSame(cfg, tree.RenderConfig(), $".config ({what})");
                AssertSame(auto, tree.RenderAutoConf(), $"auto.conf ({what})");
                AssertSame(header, tree.RenderAutoHeader(), $"autoconf.h ({what})");
                Assert.All(shell.Runs, kv => Assert.Equal(1, kv.Value));
            }
            if (everyProbe < 0)
            {
                var all = new CountingProcessShell();
                KconfigTree.Load("Kconfig", Env(arch), new CachingShellRunner(all), new KconfigLoadOptions { WorkingDirectory = Src!, Info = _ => { }, Warning = _ => { } });
                everyProbe = all.Runs.Count;
            }
            Assert.True(shell.Runs.Count < everyProbe, $"{what}: every probe ran");
            output.WriteLine($"{what}: {shell.Runs.Count} of the {everyProbe} distinct shell commands of a full parse ran");
        }
    }

    /// <summary>
    /// conf's whole command, as make runs it: olddefconfig and syncconfig, first into empty output directories,
    /// then again with auto.conf there, from a random configuration that selects a symbol beyond its
    /// dependencies (x86_64 seed 13: DEBUG_MAPLE_TREE). stdout, stderr (with conf's unmet-dependency warnings,
    /// printed as often as conf computes the value) and the files are the same; the probes are real (deferred).
    /// </summary>
    [SkippableTheory]
    [InlineData("x86_64", 13)]
    public void ConfCommandOutputIsConfs(string arch, int seed)
    {
        Skip.If(Missing, Why);
        using var dir = new TempDir();
        RunConf(arch, "--randconfig", dir.Path, extra: new() { ["KCONFIG_SEED"] = seed.ToString() });
        var input = File.ReadAllText(dir["ref.config"]);
        foreach (var mode in new[] { "--olddefconfig", "--syncconfig" })
        {
            foreach (var side in new[] { "conf", "kraft" })
                if (Directory.Exists(dir[side])) Directory.Delete(dir[side], true);
            foreach (var pass in new[] { "empty output directory", "auto.conf present" })
            {
                var outputs = new Dictionary<string, (string Out, string Err)>();
                foreach (var side in new[] { "conf", "kraft" })
                {
                    var env = Env(arch);
                    env["KCONFIG_CONFIG"] = dir[$"{side}/.config"];
                    env["KCONFIG_AUTOCONFIG"] = dir[$"{side}/auto/auto.conf"];
                    env["KCONFIG_AUTOHEADER"] = dir[$"{side}/auto/autoconf.h"];
                    env["KCONFIG_RUSTCCFG"] = dir[$"{side}/auto/rustc_cfg"];
                    Directory.CreateDirectory(dir[side]);
                    File.WriteAllText(dir[$"{side}/.config"], input);
                    if (side == "conf")
                    {
                        var (exit, stdout, stderr) = ExecConf(env, mode, "Kconfig");
                        Assert.Equal(0, exit);
                        outputs[side] = (stdout.Replace(dir["conf"], dir["kraft"]), stderr.Replace(dir["conf"], dir["kraft"]));
                    }
                    else
                    {
                        var o = new StringWriter(); var e = new StringWriter();
                        Assert.Equal(0, KconfigConf.Run([mode, "Kconfig"], new ConfContext { Environment = env, WorkingDirectory = Src!, Out = o, Error = e }));
                        outputs[side] = (o.ToString(), e.ToString());
                    }
                }
                var what = $"{mode}, {pass}";
                AssertSame(outputs["conf"].Out, outputs["kraft"].Out, $"stdout ({what})");
                AssertSame(outputs["conf"].Err, outputs["kraft"].Err, $"stderr ({what})");
                Assert.Contains("WARNING: unmet direct dependencies detected for DEBUG_MAPLE_TREE", outputs["kraft"].Err);
                foreach (var file in new[] { ".config", "auto/auto.conf", "auto/autoconf.h" })
                    AssertSame(File.ReadAllText(dir[$"conf/{file}"]), File.ReadAllText(dir[$"kraft/{file}"]), $"{file} ({what})");
            }
        }
    }

    /// <summary>The engine's own randconfig must be a fixed point of conf's olddefconfig.</summary>
    [SkippableTheory]
    [InlineData("x86_64")]
    public void OwnRandconfigIsStable(string arch)
    {
        Skip.If(Missing, Why);
        using var dir = new TempDir();
        for (int seed = 1; seed <= 3; seed++)
        {
            var tree = LoadLinux(arch);
            tree.SetAll(AllConfigMode.Random, seed);
            var mine = tree.RenderConfig();
            File.WriteAllText(dir["mine.config"], mine);
            var (cfg, _, _) = RunConf(arch, "--olddefconfig", dir.Path, input: dir["mine.config"]);
            AssertSame(cfg, mine, $"own randconfig (seed {seed}) after conf --olddefconfig");
        }
    }
}
