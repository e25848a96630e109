using System.Diagnostics;
using System.Text.RegularExpressions;
using Kraft.Kconfig;

namespace Kraft.Tests.Kconfig;

/// <summary>
/// Compares the engine with Unikraft's own conf (support/kconfig, Linux 5.2 based) on app-helloworld.
/// Needs KRAFT_TEST_UNIKRAFT (a Unikraft checkout) and the app in KRAFT_TEST_UNIKRAFT_APP
/// (default: app-helloworld next to the checkout).
/// </summary>
public class UnikraftParityTests
{
    static readonly string? Uk = Environment.GetEnvironmentVariable("KRAFT_TEST_UNIKRAFT");
    static readonly string? App = Environment.GetEnvironmentVariable("KRAFT_TEST_UNIKRAFT_APP") ??
        (Uk is null ? null : Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Uk))!, "app-helloworld"));
    static bool Missing => Uk is null || !File.Exists(Path.Combine(Uk, "Config.uk")) || App is null || !Directory.Exists(Path.Combine(App, "defconfigs"));
    const string Why = "set KRAFT_TEST_UNIKRAFT to a Unikraft checkout (and KRAFT_TEST_UNIKRAFT_APP to app-helloworld)";

    static ProcessStartInfo Psi(string file, string cwd)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        return psi;
    }

    static string Run(ProcessStartInfo psi)
    {
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{psi.FileName} {string.Join(' ', psi.ArgumentList)} failed: {err.Result}");
        return output;
    }

    /// <summary>Runs Unikraft's make defconfig and returns the environment it gives conf.</summary>
    static Dictionary<string, string> MakeDefconfig(string outDir, string defconfig)
    {
        var args = new[] { "-C", Uk!, "A=" + App, "O=" + outDir, "C=" + Path.Combine(outDir, ".config"), "UK_DEFCONFIG=" + defconfig, "defconfig" };
        var psi = Psi("make", Uk!);
        foreach (var a in args) psi.ArgumentList.Add(a);
        Run(psi);
        var dry = Psi("make", Uk!);
        dry.ArgumentList.Add("-n");
        foreach (var a in args) dry.ArgumentList.Add(a);
        var line = Run(dry).Split('\n').First(l => l.Contains("--defconfig"));
        var env = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(line, "([A-Za-z_][A-Za-z0-9_]*)=\"([^\"]*)\""))
            env[m.Groups[1].Value] = m.Groups[2].Value;
        foreach (var k in new[] { "PATH", "HOME" })
            if (Environment.GetEnvironmentVariable(k) is { } v) env[k] = v;
        return env;
    }

    static KconfigTree Load(Dictionary<string, string> env) =>
        KconfigTree.Load(Path.Combine(Uk!, "Config.uk"), env, new CachingShellRunner(),
            new KconfigLoadOptions { Dialect = KconfigDialect.Unikraft, WorkingDirectory = Uk!, Info = _ => { }, Warning = _ => { } });

    static void RunConf(string outDir, Dictionary<string, string> env, string mode, string dir)
    {
        var psi = Psi(Path.Combine(outDir, "kconfig", "conf"), Uk!);
        psi.Environment.Clear();
        foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.Environment["KCONFIG_CONFIG"] = Path.Combine(dir, ".config");
        psi.Environment["KCONFIG_AUTOCONFIG"] = Path.Combine(dir, "auto.conf");
        psi.Environment["KCONFIG_AUTOHEADER"] = Path.Combine(dir, "config.h");
        psi.Environment["KCONFIG_TRISTATE"] = Path.Combine(dir, "tristate.config");
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(Path.Combine(Uk!, "Config.uk"));
        Run(psi);
    }

    [SkippableTheory]
    [InlineData("qemu-x86_64")]
    [InlineData("qemu-arm64")]
    [InlineData("fc-x86_64")]
    public void Defconfig(string name)
    {
        Skip.If(Missing, Why);
        var defconfig = Path.Combine(App!, "defconfigs", name);
        Skip.If(!File.Exists(defconfig), $"{defconfig} does not exist in this app version");
        using var o = new TempDir();
        var env = MakeDefconfig(o.Path, defconfig);
        var expected = File.ReadAllText(o[".config"]);
        var tree = Load(env);
        tree.ApplyDefconfig(defconfig);
        Assert.Equal(expected, tree.RenderConfig());
    }

    [SkippableTheory]
    [InlineData("--allnoconfig", AllConfigMode.AllNo)]
    [InlineData("--allyesconfig", AllConfigMode.AllYes)]
    [InlineData("--alldefconfig", AllConfigMode.AllDef)]
    public void AllConfigs(string mode, AllConfigMode m)
    {
        Skip.If(Missing, Why);
        using var o = new TempDir();
        var env = MakeDefconfig(o.Path, Path.Combine(App!, "defconfigs", "qemu-x86_64"));
        var refDir = o["ref"];
        Directory.CreateDirectory(refDir);
        RunConf(o.Path, env, mode, refDir);
        var tree = Load(env);
        tree.SetAll(m);
        Assert.Equal(File.ReadAllText(Path.Combine(refDir, ".config")), tree.RenderConfig());
        Assert.Equal(File.ReadAllText(Path.Combine(refDir, "auto.conf")), tree.RenderAutoConf());
        Assert.Equal(File.ReadAllText(Path.Combine(refDir, "config.h")), tree.RenderAutoHeader());
        Assert.Equal(File.ReadAllText(Path.Combine(refDir, "tristate.config")), tree.RenderTristateConf());
    }

    /// <summary>
    /// Unikraft's own make targets with `kraft kconfig-conf` standing in for $(O)/kconfig/conf (a two-line shell
    /// script, as kraft build installs it): make defconfig, prepare (syncconfig) and olddefconfig must leave the
    /// same files as with Unikraft's conf.
    /// </summary>
    [SkippableFact]
    public void MakeTargetsWithKraftAsConf()
    {
        Skip.If(Missing, Why);
        Skip.If(!File.Exists(TestPaths.KraftBinary), "publish kraft first (./test.sh does)");
        using var root = new TempDir();
        string Build(string name, bool kraft)
        {
            var o = root[name];
            Directory.CreateDirectory(Path.Combine(o, "kconfig"));
            if (kraft)
            {
                var conf = Path.Combine(o, "kconfig", "conf");
                File.WriteAllText(conf, $"#!/bin/sh\nexec '{TestPaths.KraftBinary}' kconfig-conf \"$@\"\n");
                File.SetUnixFileMode(conf, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            foreach (var target in new[] { "defconfig", "prepare", "olddefconfig" })
            {
                var psi = Psi("make", Uk!);
                foreach (var a in new[] { "-C", Uk!, "A=" + App, "O=" + o, "C=" + Path.Combine(o, ".config"),
                                          "UK_DEFCONFIG=" + Path.Combine(App!, "defconfigs", "qemu-x86_64"), target })
                    psi.ArgumentList.Add(a);
                Run(psi);
            }
            return o;
        }
        var refDir = Build("ref", kraft: false);
        var krDir = Build("kr", kraft: true);
        var files = new[] { ".config", "config", "kconfig/auto.conf", "kconfig/tristate.config", "include/uk/bits/config.h" }
            .Concat(Directory.GetFiles(Path.Combine(refDir, "include", "config"), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(refDir, f)))
            .ToList();
        Assert.True(files.Count > 10, "no dependency files under include/config");
        foreach (var f in files)
        {
            var expected = File.ReadAllText(Path.Combine(refDir, f)).Replace(refDir, krDir);
            Assert.True(File.Exists(Path.Combine(krDir, f)), $"{f} missing with kraft as conf");
            Assert.True(expected == File.ReadAllText(Path.Combine(krDir, f)), $"{f} differs");
        }
        Assert.Equal(files.Count, Directory.GetFiles(Path.Combine(krDir, "include", "config"), "*", SearchOption.AllDirectories).Length + 5);
    }
}
