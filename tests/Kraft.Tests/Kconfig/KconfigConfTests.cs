using System.Collections.Concurrent;
using Kraft.Kconfig;

namespace Kraft.Tests.Kconfig;

/// <summary>The conf-compatible command (<c>kraft kconfig-conf</c>): its command line, its modes and the files it writes.</summary>
public class KconfigConfTests
{
    const string Tree = """
        mainmenu "Test $(ARCH)"
        config MODULES
        	bool "modules"
        	option modules
        config FOO
        	bool "foo"
        	default y
        config BAR_BAZ
        	tristate "bar"
        	depends on FOO
        config NAME
        	string "name"
        	default "x\"y"
        config COUNT
        	int "count"
        	range 1 10
        	default 3
        source "sub/Kconfig"
        """;

    const string Sub = """
        config SUB
        	bool "sub"
        	default FOO
        """;

    sealed class Run(TempDir dir, Dictionary<string, string> env)
    {
        public readonly StringWriter Out = new(), Err = new();
        public int Status;
        public void Go(params string[] args)
        {
            Out.GetStringBuilder().Clear(); Err.GetStringBuilder().Clear();
            Status = KconfigConf.Run(args, new ConfContext
            {
                Environment = env, WorkingDirectory = dir.Path, Out = Out, Error = Err, Shell = new CachingShellRunner(),
            });
        }
    }

    static (TempDir, Dictionary<string, string>, Run) Setup(bool unikraft = false)
    {
        var dir = new TempDir();
        // "option modules" is Linux 5.2's (Unikraft's) spelling, "modules" Linux 6.1's
        dir.Write("Kconfig", unikraft ? Tree : Tree.Replace("\toption modules", "\tmodules"));
        dir.Write("sub/Kconfig", Sub);
        var env = new Dictionary<string, string> { ["ARCH"] = "x86" };
        if (unikraft) env["UK_BASE"] = dir.Path;
        return (dir, env, new Run(dir, env));
    }

    // ---------------------------------------------------------------- command line

    [Theory]
    [InlineData("--olddefconfig Kconfig", ConfMode.OldDefConfig, null, false)]
    [InlineData("Kconfig --olddefconfig", ConfMode.OldDefConfig, null, false)]
    [InlineData("-s --syncconfig Kconfig", ConfMode.SyncConfig, null, true)]
    [InlineData("--defconfig=arch/def Kconfig", ConfMode.DefConfig, "arch/def", false)]
    [InlineData("--defconfig arch/def Kconfig", ConfMode.DefConfig, "arch/def", false)]
    [InlineData("--savedefconfig out/defconfig Kconfig", ConfMode.SaveDefConfig, "out/defconfig", false)]
    [InlineData("--savedefconfig=d Kconfig", ConfMode.SaveDefConfig, "d", false)]
    [InlineData("--olddef Kconfig", ConfMode.OldDefConfig, null, false)]
    [InlineData("--allno --randconfig Kconfig", ConfMode.RandConfig, null, false)]
    [InlineData("--listnewconfig Kconfig", ConfMode.ListNewConfig, null, false)]
    [InlineData("Kconfig", ConfMode.OldAskConfig, null, false)]
    public void ParsesConfsCommandLine(string line, ConfMode mode, string? file, bool silent)
    {
        var a = KconfigConf.ParseArguments(line.Split(' '));
        Assert.Equal(mode, a.Mode);
        Assert.Equal(file, a.DefconfigFile);
        Assert.Equal(silent, a.Silent);
        Assert.Equal("Kconfig", a.KconfigFile);
    }

    [Fact]
    public void DialectOption()
    {
        Assert.Equal(KconfigDialect.Unikraft, KconfigConf.ParseArguments(["--dialect=unikraft", "--olddefconfig", "K"]).Dialect);
        Assert.Equal(KconfigDialect.Linux61, KconfigConf.ParseArguments(["--dialect", "linux61", "K"]).Dialect);
        Assert.Null(KconfigConf.ParseArguments(["K"]).Dialect);
    }

    [Theory]
    [InlineData("--olddefconfig")]                 // no Kconfig file
    [InlineData("--bogus Kconfig")]                // unknown option
    [InlineData("--all Kconfig")]                  // ambiguous prefix
    [InlineData("--savedefconfig")]                // missing argument
    [InlineData("--olddefconfig=x Kconfig")]       // argument not allowed
    [InlineData("-x Kconfig")]
    public void BadCommandLinesPrintUsageAndFail(string line)
    {
        var (dir, _, run) = Setup();
        using var _d = dir;
        run.Go(line.Split(' '));
        Assert.Equal(1, run.Status);
        Assert.Contains("Usage:", run.Out.ToString());
    }

    // ---------------------------------------------------------------- modes and files (Linux 6.1)

    [Fact]
    public void OlddefconfigWritesWhatConfWrites()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        run.Go("--olddefconfig", "Kconfig");
        Assert.Equal(0, run.Status);
        Assert.Equal("#\n# configuration written to .config\n#\n", run.Out.ToString());
        var config = File.ReadAllText(dir[".config"]);
        Assert.Contains("CONFIG_FOO=y\n", config);
        Assert.Contains("# CONFIG_BAR_BAZ is not set\n", config);
        Assert.Contains("CONFIG_NAME=\"x\\\"y\"\n", config);
        Assert.StartsWith("#\n# Automatically generated file; DO NOT EDIT.\n# Test x86\n#\n", config);
        // conf's default paths, relative to the working directory
        Assert.Contains("CONFIG_COUNT=3\n", File.ReadAllText(dir["include/config/auto.conf"]));
        Assert.Contains("#define CONFIG_FOO 1\n", File.ReadAllText(dir["include/generated/autoconf.h"]));
        Assert.Contains("--cfg=CONFIG_FOO\n", File.ReadAllText(dir["include/generated/rustc_cfg"]));
        Assert.Equal("deps_config := \\\n\tsub/Kconfig \\\n\tKconfig \\\n\ninclude/config/auto.conf: $(deps_config)\n\n" +
                     "ifneq \"$(ARCH)\" \"x86\"\ninclude/config/auto.conf: FORCE\nendif\n\n$(deps_config): ;\n",
            File.ReadAllText(dir["include/config/auto.conf.cmd"]));
        // fixdep's dependency files: every symbol with a value (no old auto.conf)
        foreach (var s in new[] { "FOO", "SUB", "NAME", "COUNT" }) Assert.True(File.Exists(dir["include/config/" + s]), s);
        Assert.False(File.Exists(dir["include/config/BAR_BAZ"]));

        // again: nothing changes, .config keeps its time stamp, auto.conf is not rewritten outside syncconfig
        var stamp = File.GetLastWriteTimeUtc(dir[".config"]);
        File.Delete(dir["include/config/FOO"]);
        Thread.Sleep(20);
        run.Go("--olddefconfig", "Kconfig");
        Assert.Equal("#\n# No change to .config\n#\n", run.Out.ToString());
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(dir[".config"]));
        Assert.False(File.Exists(dir["include/config/FOO"]));
    }

    [Fact]
    public void SyncconfigTouchesOnlyChangedSymbols()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        run.Go("--syncconfig", "Kconfig");
        Assert.Equal("", run.Out.ToString());
        foreach (var f in Directory.GetFiles(dir["include/config"]).Where(f => !f.EndsWith(".conf") && !f.EndsWith(".cmd"))) File.Delete(f);
        File.WriteAllText(dir[".config"], File.ReadAllText(dir[".config"]).Replace("CONFIG_COUNT=3", "CONFIG_COUNT=7"));
        run.Go("--syncconfig", "Kconfig");
        Assert.Equal(0, run.Status);
        Assert.Contains("CONFIG_COUNT=7\n", File.ReadAllText(dir["include/config/auto.conf"]));
        var touched = Directory.GetFiles(dir["include/config"]).Select(Path.GetFileName).Where(f => !f!.Contains('.')).ToList();
        Assert.Equal(new[] { "COUNT" }, touched);
        // a symbol that disappeared from the configuration is touched too
        File.AppendAllText(dir["include/config/auto.conf"], "CONFIG_GONE=y\n");
        run.Go("--syncconfig", "Kconfig");
        Assert.True(File.Exists(dir["include/config/GONE"]));
    }

    [Fact]
    public void EnvironmentNamesTheFiles()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        env["KCONFIG_CONFIG"] = "out/my.config";
        env["KCONFIG_AUTOCONFIG"] = "out/gen/auto.conf";
        env["KCONFIG_AUTOHEADER"] = "out/gen/config.h";
        env["KCONFIG_RUSTCCFG"] = "out/gen/rust";
        env["CONFIG_"] = "UK_";
        run.Go("--alldefconfig", "Kconfig");
        Assert.Contains("UK_FOO=y", File.ReadAllText(dir["out/my.config"]));
        Assert.Contains("#define UK_FOO 1", File.ReadAllText(dir["out/gen/config.h"]));
        Assert.True(File.Exists(dir["out/gen/rust"]));
        Assert.True(File.Exists(dir["out/gen/auto.conf.cmd"]));
        Assert.True(File.Exists(dir["out/gen/FOO"]));
    }

    [Fact]
    public void DefconfigAndSavedefconfig()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        dir.Write("my_defconfig", "CONFIG_BAR_BAZ=y\nCONFIG_COUNT=5\n");
        run.Go("--defconfig=my_defconfig", "Kconfig");
        Assert.Equal(0, run.Status);
        var config = File.ReadAllText(dir[".config"]);
        Assert.Contains("CONFIG_BAR_BAZ=y\n", config);
        Assert.Contains("CONFIG_COUNT=5\n", config);
        run.Go("--savedefconfig=saved", "Kconfig");
        Assert.Equal("CONFIG_BAR_BAZ=y\nCONFIG_COUNT=5\n", File.ReadAllText(dir["saved"]));

        run.Go("--defconfig=missing", "Kconfig");
        Assert.Equal(1, run.Status);
        Assert.Contains("Can't find default configuration \"missing\"", run.Err.ToString());
    }

    [Fact]
    public void AllConfigsWithKconfigAllconfig()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        run.Go("--allyesconfig", "Kconfig");
        Assert.Contains("CONFIG_BAR_BAZ=y\n", File.ReadAllText(dir[".config"]));
        run.Go("--allmodconfig", "Kconfig");
        Assert.Contains("CONFIG_BAR_BAZ=m\n", File.ReadAllText(dir[".config"]));
        dir.Write("allno.config", "CONFIG_FOO=y\n");
        env["KCONFIG_ALLCONFIG"] = "1";
        run.Go("--allnoconfig", "Kconfig");
        var config = File.ReadAllText(dir[".config"]);
        Assert.Contains("CONFIG_FOO=y\n", config);
        Assert.Contains("# CONFIG_SUB is not set\n", config);
        env["KCONFIG_ALLCONFIG"] = "nothere";
        run.Go("--allnoconfig", "Kconfig");
        Assert.Equal(1, run.Status);
    }

    [Fact]
    public void RandconfigFollowsKconfigSeed()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        env["KCONFIG_SEED"] = "0x2a";
        run.Go("--randconfig", "Kconfig");
        Assert.StartsWith("KCONFIG_SEED=0x2A\n", run.Out.ToString());
        var first = File.ReadAllText(dir[".config"]);
        File.Delete(dir[".config"]);
        run.Go("--randconfig", "Kconfig");
        Assert.Equal(first, File.ReadAllText(dir[".config"]));
    }

    [Fact]
    public void GlibcRandMatchesTheCLibrary()
    {
        // srand(1); rand() x5 with glibc
        var r = new GlibcRandom(1);
        Assert.Equal(new[] { 1804289383, 846930886, 1681692777, 1714636915, 1957747793 },
            Enumerable.Range(0, 5).Select(_ => r.Next()).ToArray());
    }

    [Fact]
    public void ListnewconfigAndNosilentupdate()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        dir.Write(".config", "CONFIG_FOO=y\n# CONFIG_BAR_BAZ is not set\nCONFIG_NAME=\"n\"\nCONFIG_COUNT=2\n# CONFIG_MODULES is not set\n");
        run.Go("--listnewconfig", "Kconfig");
        Assert.Equal("CONFIG_SUB=y\n", run.Out.ToString());
        env["KCONFIG_NOSILENTUPDATE"] = "1";
        run.Go("--syncconfig", "Kconfig");
        Assert.Equal(1, run.Status);
        Assert.Contains("requires explicit update", run.Err.ToString());
    }

    [Fact]
    public void KconfigErrorsCarryFileLineAndColumn()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        dir.Write("sub/Kconfig", "config SUB\n\tbool \"sub\"\n\tdepends on (FOO\n");
        var e = Assert.ThrowsAny<KraftException>(() => run.Go("--olddefconfig", "Kconfig"));
        Assert.Matches(@"^sub/Kconfig:3:\d+: ", e.Describe());
        dir.Write("sub/Kconfig", "x := $(error-if,y,stop here)\n");
        e = Assert.ThrowsAny<KraftException>(() => run.Go("--olddefconfig", "Kconfig"));
        Assert.StartsWith("sub/Kconfig:1:1: ", e.Describe());
        Assert.Contains("stop here", e.Message);
    }

    [Fact]
    public void DependencyLoopStopsTheRunBeforeAnyOutput()
    {
        var (dir, env, run) = Setup();
        using var _d = dir;
        dir.Write("sub/Kconfig", "config SUB\n\tbool \"s\"\n\tdepends on SUB2\nconfig SUB2\n\tbool \"t\"\n\tdepends on SUB\n");
        var e = Assert.ThrowsAny<KraftException>(() => run.Go("--olddefconfig", "Kconfig"));
        Assert.Contains("recursive dependency", e.Message);
        Assert.False(File.Exists(dir[".config"]));
    }

    // ---------------------------------------------------------------- Unikraft (5.2) dialect

    [Fact]
    public void UnikraftDialectWhenUkBaseIsSet()
    {
        var (dir, env, run) = Setup(unikraft: true);
        using var _d = dir;
        env["KCONFIG_AUTOCONFIG"] = "build/kconfig/auto.conf";
        env["KCONFIG_TRISTATE"] = "build/kconfig/tristate.config";
        env["KCONFIG_AUTOHEADER"] = "build/include/config.h";
        run.Go("--allyesconfig", "Kconfig");
        Assert.Equal(0, run.Status);
        Assert.Equal("#\n# Automatically generated file; DO NOT EDIT.\n# Test x86\n#\nCONFIG_BAR_BAZ=Y\n",
            File.ReadAllText(dir["build/kconfig/tristate.config"]));
        Assert.Contains("CONFIG_NAME=\"x\\\"y\"", File.ReadAllText(dir["build/kconfig/auto.conf"]));
        // 5.2 puts auto.conf.cmd and the dependency files under include/config/, as foo/bar.h
        var cmd = File.ReadAllText(dir["include/config/auto.conf.cmd"]);
        Assert.StartsWith("deps_config := \\\n\tsub/Kconfig \\\n\tKconfig\n\nbuild/kconfig/auto.conf: \\\n\t$(deps_config)\n", cmd);
        Assert.True(File.Exists(dir["include/config/bar/baz.h"]));
        Assert.True(File.Exists(dir["include/config/foo.h"]));
    }

    // ---------------------------------------------------------------- shell probes in parallel

    /// <summary>Counts how often each command runs and how many run at once; answers like a tiny shell.</summary>
    sealed class CountingShell : IShellRunner
    {
        public readonly ConcurrentDictionary<string, int> Runs = new();
        int running;
        public int MaxConcurrent;

        public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
        {
            Runs.AddOrUpdate(command, 1, (_, n) => n + 1);
            var now = Interlocked.Increment(ref running);
            int seen;
            while ((seen = MaxConcurrent) < now && Interlocked.CompareExchange(ref MaxConcurrent, now, seen) != seen) { }
            Thread.Sleep(30);
            Interlocked.Decrement(ref running);
            // "echo WORDS" prints WORDS; "probe X" answers y unless X contains "bad"
            if (command.StartsWith("echo ", StringComparison.Ordinal)) return command[5..] + "\n";
            if (command.StartsWith("probe ", StringComparison.Ordinal)) return command.Contains("bad") ? "n\n" : "y\n";
            return "";
        }
    }

    const string ProbeTree = """
        success = $(shell,probe $(1))
        cc-info := $(shell,echo GCC 120200)
        cc-name := $(shell,echo $(cc-info) name)
        flag := $(shell,echo -m64)
        config A
        	def_bool $(success,-O2)
        config B
        	def_bool $(success,bad-flag)
        config C
        	def_bool $(success,$(flag) -static)
        config D
        	string
        	default "$(cc-name)"
        config E
        	def_bool $(success,-O2)
        config F
        	def_bool $(success,$(cc-name) $(flag))
        """;

    static string LoadWith(TempDir dir, CountingShell counting, bool prefetch)
    {
        var tree = KconfigTree.Load("Kconfig", new Dictionary<string, string>(), new CachingShellRunner(counting),
            new KconfigLoadOptions { WorkingDirectory = dir.Path, PrefetchShell = prefetch, ShellParallelism = 4, Info = _ => { }, Warning = _ => { } });
        tree.SetAll(AllConfigMode.AllDef);
        return tree.RenderConfig() + tree.RenderAutoConf();
    }

    [Fact]
    public void PrefetchedProbesGiveTheSequentialResultsAndRunOnceEach()
    {
        using var dir = new TempDir();
        dir.Write("Kconfig", ProbeTree);
        var sequential = new CountingShell();
        var expected = LoadWith(dir, sequential, prefetch: false);
        Assert.Equal(1, sequential.MaxConcurrent);
        Assert.Contains("CONFIG_D=\"GCC 120200 name\"", expected);
        Assert.Contains("CONFIG_A=y", expected);
        Assert.DoesNotContain("CONFIG_B=", expected);
        Assert.Contains("CONFIG_F=y", expected);

        var parallel = new CountingShell();
        var actual = LoadWith(dir, parallel, prefetch: true);
        Assert.Equal(expected, actual);
        // the same distinct commands, each run exactly once
        Assert.Equal(sequential.Runs.Keys.OrderBy(k => k, StringComparer.Ordinal), parallel.Runs.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.All(parallel.Runs, kv => Assert.Equal(1, kv.Value));
        Assert.True(parallel.MaxConcurrent > 1, "probes ran one at a time");
    }

    [Fact]
    public void TheScanReachesProbesThroughFilesWithoutMacros()
    {
        // a file with no macro is scanned for its source statements and assignments only (its help text,
        // holding a source-like line, is skipped); the probes behind it still start early, and every
        // command runs once with the sequential results
        using var dir = new TempDir();
        dir.Write("Kconfig", "source \"a/Kconfig\"\nconfig TOP\n\tdef_bool y\n");
        dir.Write("a/Kconfig", "FLAG = -m64\nconfig X\n\tbool \"x\"\n\thelp\n\t  Not a statement:\n\t  source \"does/not/exist\"\n" +
            "source \"a/b/Kconfig\"\n");
        dir.Write("a/b/Kconfig", "config P1\n\tstring\n\tdefault \"$(shell,echo $(FLAG) one)\"\n" +
            "config P2\n\tstring\n\tdefault \"$(shell,echo two)\"\nconfig P3\n\tstring\n\tdefault \"$(shell,echo three)\"\n");
        var sequential = new CountingShell();
        var expected = LoadWith(dir, sequential, prefetch: false);
        Assert.Contains("CONFIG_P1=\"-m64 one\"", expected);
        var parallel = new CountingShell();
        Assert.Equal(expected, LoadWith(dir, parallel, prefetch: true));
        Assert.Equal(sequential.Runs.Keys.OrderBy(k => k, StringComparer.Ordinal), parallel.Runs.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.All(parallel.Runs, kv => Assert.Equal(1, kv.Value));
        Assert.True(parallel.MaxConcurrent > 1, "the scan did not reach the probes behind a file without macros");
    }

    [Fact]
    public void RecordedProbesRoundTrip()
    {
        using var dir = new TempDir();
        dir.Write("Kconfig", ProbeTree);
        var cache = new CachingShellRunner(new CountingShell());
        KconfigTree.Load("Kconfig", new Dictionary<string, string>(), cache, new KconfigLoadOptions { WorkingDirectory = dir.Path, Info = _ => { } });
        ProbeFile.Write(dir["probes"], cache.Results);
        var replay = new CachingShellRunner(new CountingShell());
        foreach (var (c, o) in ProbeFile.Read(dir["probes"])) replay.Preset(c, o);
        Assert.Equal(cache.Results.OrderBy(kv => kv.Key), ProbeFile.Read(dir["probes"]).ToDictionary(x => x.Command, x => x.Output).OrderBy(kv => kv.Key));
    }

    // ---------------------------------------------------------------- deferred yes/no probes

    /// <summary>Answers Kconfig.include's $(success,probe X) commands: y unless X contains "bad".</summary>
    sealed class YesNoShell : IShellRunner
    {
        public readonly ConcurrentDictionary<string, int> Runs = new();

        public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
        {
            var m = System.Text.RegularExpressions.Regex.Match(command, @"^\{ probe (\S+); \} >/dev/null 2>&1 && echo ""(.)"" \|\| echo ""(.)""$");
            Assert.True(m.Success, $"unexpected command {command}");
            Runs.AddOrUpdate(m.Groups[1].Value, 1, (_, n) => n + 1);
            Thread.Sleep(20);
            return (m.Groups[1].Value.Contains("bad") ? m.Groups[3].Value : m.Groups[2].Value) + "\n";
        }
    }

    const string DeferTree = """
        if-success = $(shell,{ $(1); } >/dev/null 2>&1 && echo "$(2)" || echo "$(3)")
        success = $(if-success,$(1),y,n)
        failure = $(if-success,$(1),n,y)
        has-c := $(success,probe c)
        config A
        	bool "a"
        config B
        	def_bool $(success,probe b)
        	depends on A
        config C
        	bool "c"
        	depends on $(has-c)
        if A
        config D
        	bool "d"
        	depends on $(success,probe d) && !$(failure,probe bad-d2)
        endif
        config E
        	def_bool $(success,probe e) || A
        config F
        	bool "f"
        	default y if $(failure,probe bad-f)
        config G
        	string
        	default "$(success,probe g)"
        config H
        	int
        	default 3 if $(success,probe h) = y
        	default 4
        config I
        	bool
        	default $(success,probe i) if A
        	default $(success,probe j)
        """;

    static string OldDefconfig(TempDir dir, YesNoShell shell, bool defer, bool idle = false)
    {
        var tree = KconfigTree.Load("Kconfig", new Dictionary<string, string>(), new CachingShellRunner(shell), new KconfigLoadOptions
        {
            WorkingDirectory = dir.Path, PrefetchShell = defer, DeferProbes = defer, RunHeldProbesWhenIdle = idle,
            Info = _ => { }, Warning = _ => { },
        });
        tree.OldDefconfig(dir[".config"]);
        return tree.RenderConfig() + tree.RenderAutoConf() + tree.RenderAutoHeader();
    }

    [Theory]
    [InlineData("# CONFIG_A is not set\n", new[] { "b", "d", "bad-d2", "i" })]
    [InlineData("CONFIG_A=y\n", new[] { "e", "j" })]
    public void DeferredProbesGiveConfsResultsAndSkipWhatIsNotRead(string config, string[] notRun)
    {
        using var dir = new TempDir();
        dir.Write("Kconfig", DeferTree);
        dir.Write(".config", config);
        var eager = new YesNoShell();
        var expected = OldDefconfig(dir, eager, defer: false);
        Assert.Equal(["b", "bad-d2", "bad-f", "c", "d", "e", "g", "h", "i", "j"], eager.Runs.Keys.Order());

        var deferring = new YesNoShell();
        Assert.Equal(expected, OldDefconfig(dir, deferring, defer: true));
        Assert.All(deferring.Runs, kv => Assert.Equal(1, kv.Value));
        Assert.Equal(eager.Runs.Keys.Except(notRun).Order(), deferring.Runs.Keys.Order());

        // idle workers may run held-back probes early: the same results, each probe at most once
        var idle = new YesNoShell();
        Assert.Equal(expected, OldDefconfig(dir, idle, defer: true, idle: true));
        Assert.All(idle.Runs, kv => Assert.Equal(1, kv.Value));
    }

    [Fact]
    public void DeferredProbeTextIsAnsweredWhereverItIsUsedForGood()
    {
        // a probe that is an operand in one place and, in others, text of a prompt, a comparison operand
        // and the condition of an error-if: each of those uses gets the output
        using var dir = new TempDir();
        dir.Write("Kconfig", """
            if-success = $(shell,{ $(1); } >/dev/null 2>&1 && echo "$(2)" || echo "$(3)")
            success = $(if-success,$(1),y,n)
            k := $(success,probe k)
            config A
            	bool "a is $(k)"
            	depends on $(k)
            config B
            	def_bool y
            	depends on $(k) = y
            $(error-if,$(success,probe bad-x),never)
            """);
        dir.Write(".config", "");
        var eager = new YesNoShell();
        var expected = OldDefconfig(dir, eager, defer: false);
        var deferring = new YesNoShell();
        Assert.Equal(expected, OldDefconfig(dir, deferring, defer: true));
        Assert.Contains("CONFIG_B=y", expected);
        Assert.Equal(eager.Runs.Keys.Order(), deferring.Runs.Keys.Order());
    }

}
