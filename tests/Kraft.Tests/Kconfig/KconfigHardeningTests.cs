using System.Diagnostics;
using System.Text;
using Kraft.Kconfig;

namespace Kraft.Tests.Kconfig;

/// <summary>
/// Hostile Kconfig trees: every one ends, within a time bound, in a result or in a KraftException that says
/// where; none hangs, runs out of memory or overflows the stack (which would end the test run).
/// </summary>
public class KconfigHardeningTests
{
    /// <summary>Loads and evaluates on a thread with a small stack (1 MB: less than any thread kraft runs on), within a time bound.</summary>
    internal static (string? Config, KraftException? Error) LoadBounded(TempDir dir, string text, KconfigDialect dialect = KconfigDialect.Linux61,
        IShellRunner? shell = null, int seconds = 20, bool prefetch = false)
    {
        dir.Write("Kconfig", text);
        (string?, KraftException?) result = (null, null);
        Exception? other = null;
        var t = new Thread(() =>
        {
            try
            {
                var tree = KconfigTree.Load("Kconfig", new Dictionary<string, string>(), shell ?? new CachingShellRunner(),
                    new KconfigLoadOptions { WorkingDirectory = dir.Path, Dialect = dialect, Info = _ => { }, Warning = _ => { },
                        PrefetchShell = prefetch, CheckLoopsInBackground = prefetch, ReadAhead = prefetch });
                tree.SetAll(AllConfigMode.AllDef);
                result = (tree.RenderConfig(), null);
            }
            catch (KraftException e) { result = (null, e); }
            catch (Exception e) { other = e; }
        }, maxStackSize: 1 << 20) { IsBackground = true };
        var sw = Stopwatch.StartNew();
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(seconds)), $"the load did not end within {seconds} s");
        Assert.True(other is null, $"not a KraftException: {other}");
        return result;
    }

    static KraftException Rejected(string text, KconfigDialect dialect = KconfigDialect.Linux61, IShellRunner? shell = null)
    {
        using var dir = new TempDir();
        var (cfg, e) = LoadBounded(dir, text, dialect, shell);
        Assert.True(e is not null, "accepted:\n" + cfg);
        Assert.True(e!.Location is { Line: > 0 }, $"no file:line in: {e.Describe()}");
        return e;
    }

    static string Accepted(string text, KconfigDialect dialect = KconfigDialect.Linux61)
    {
        using var dir = new TempDir();
        var (cfg, e) = LoadBounded(dir, text, dialect);
        Assert.True(e is null, e?.Describe());
        return cfg!;
    }

    static string Repeat(string line, int n) => new StringBuilder(line.Length * n).Insert(0, line, n).ToString();

    // ---------------------------------------------------------------- macros

    [Fact]
    public void AMacroWhoseArgumentDoublesAtEachCallIsStopped()
    {
        // each call is nested less than conf's 1000 but the text doubles: 2^1000 characters
        var e = Rejected("f = $(f,$(1)$(1))\nconfig A\n\tstring \"a\"\n\tdefault \"$(f,x)\"\n");
        Assert.Equal(4, e.Location!.Value.Line);
        Assert.Contains("longer than", e.Message);
        Assert.Contains("'f'", e.Message);
    }

    [Fact]
    public void AMacroThatBranchesWithoutEndIsStopped()
    {
        // 4^12 expansions, each of them short
        var sb = new StringBuilder();
        for (int i = 0; i < 12; i++) sb.Append($"v{i} = $(v{i + 1})$(v{i + 1})$(v{i + 1})$(v{i + 1})\n");
        sb.Append("v12 = x\nconfig A\n\tstring \"a\"\n\tdefault \"$(v0)\"\n");
        var e = Rejected(sb.ToString());
        Assert.Equal(16, e.Location!.Value.Line);
        Assert.Contains("does not end", e.Message);
    }

    [Fact]
    public void AMacroReferenceNestedWithoutEndIsStopped()
    {
        var e = Rejected("config A\n\tstring \"a\"\n\tdefault \"" + Repeat("$(", 20_000) + "x" + Repeat(")", 20_000) + "\"\n");
        Assert.Equal(3, e.Location!.Value.Line);
    }

    [Fact]
    public void AChainOfManyVariablesIsStopped()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) sb.Append($"v{i} = $(v{i + 1})\n");
        sb.Append("config A\n\tstring \"a\"\n\tdefault \"$(v0)\"\n");
        var e = Rejected(sb.ToString());
        Assert.Equal(20_003, e.Location!.Value.Line);
    }

    // ---------------------------------------------------------------- files

    [Fact]
    public void SourcingADeviceIsRefusedAtTheSourceStatement()
    {
        var e = Rejected("config A\n\tbool \"a\"\nsource \"/dev/zero\"\n");
        Assert.Equal(3, e.Location!.Value.Line);
        Assert.Contains("character device", e.Describe());
        // Unikraft's dialect reads sourced files through its glob
        e = Rejected("config A\n\tbool \"a\"\nsource \"/dev/zero\"\n", KconfigDialect.Unikraft);
        Assert.Equal(3, e.Location!.Value.Line);
    }

    [Fact]
    public void SourcingAFifoIsRefusedWithoutWaitingForAWriter()
    {
        using var dir = new TempDir();
        using (var mkfifo = Process.Start("mkfifo", dir["fifo"])!) { mkfifo.WaitForExit(); Assert.Equal(0, mkfifo.ExitCode); }
        var (_, e) = LoadBounded(dir, "source \"fifo\"\n", seconds: 10);
        Assert.NotNull(e);
        Assert.Equal(1, e!.Location!.Value.Line);
        Assert.Contains("FIFO", e.Describe());
        (_, e) = LoadBounded(dir, "source \"fifo\"\n", seconds: 10, prefetch: true); // read ahead on another thread
        Assert.Contains("FIFO", e!.Describe());
    }

    [Fact]
    public void SourcingAHugeFileIsRefused()
    {
        using var dir = new TempDir();
        using (var f = File.Create(dir["big"])) f.SetLength(KconfigFileCache.MaxFileBytes + 1);
        var (_, e) = LoadBounded(dir, "config A\n\tbool \"a\"\nsource \"big\"\n");
        Assert.Equal(3, e!.Location!.Value.Line);
        Assert.Contains("larger than", e.Describe());
    }

    [Fact]
    public void AGlobWithManyStarsEndsQuickly()
    {
        using var dir = new TempDir();
        dir.Write("sub/" + new string('a', 200) + "/Config.uk", "config A\n\tdef_bool y\n");
        var sw = Stopwatch.StartNew();
        var (cfg, e) = LoadBounded(dir, "source \"sub/" + Repeat("*a", 30) + "*b/Config.uk\"\nsource \"sub/*a*/Config.uk\"\n", KconfigDialect.Unikraft, seconds: 10);
        Assert.True(e is null, e?.Describe());
        Assert.Contains("CONFIG_A=y", cfg);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), sw.Elapsed.ToString());
        (_, e) = LoadBounded(dir, "source \"" + Repeat("./", 5000) + "x\"\n");
        Assert.Equal(1, e!.Location!.Value.Line);
        (_, e) = LoadBounded(dir, "source \"sub/[\"\n", KconfigDialect.Unikraft);
        Assert.True(e is null, e?.Describe());
    }

    // ---------------------------------------------------------------- shell

    [Fact]
    public void AnEndlessCommandOutputIsCutAsConfCutsIt()
    {
        // conf reads 4096 bytes, keeps 4095 and closes the pipe: yes ends with SIGPIPE
        var cfg = Accepted("config A\n\tstring \"a\"\n\tdefault \"$(shell,yes)\"\n");
        var expected = string.Join(' ', Enumerable.Repeat("y", 2048));
        Assert.Contains($"CONFIG_A=\"{expected}\"\n", cfg);
    }

    [Fact]
    public void ACommandThatDoesNotEndIsStoppedAndNamed()
    {
        var sw = Stopwatch.StartNew();
        var e = Rejected("config A\n\tstring \"a\"\n\tdefault \"$(shell,sleep 60; echo late)\"\n",
            shell: new CachingShellRunner(new ProcessShellRunner(TimeSpan.FromSeconds(1))));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), sw.Elapsed.ToString());
        Assert.Equal(3, e.Location!.Value.Line);
        Assert.Contains("sleep 60; echo late", e.Message);
        Assert.Contains("did not finish within 1 s", e.Message);
    }

    // ---------------------------------------------------------------- deep structures

    [Fact]
    public void ManySelectsOfOneSymbolEndInALocatedError()
    {
        var sb = new StringBuilder("config T\n\tbool\n");
        for (int i = 0; i < 100_000; i++) sb.Append($"config S{i}\n\tdef_bool y\n\tselect T\n");
        var e = Rejected(sb.ToString());
        Assert.Contains("T is selected or implied by more entries", e.Message);
        // a tree like Linux's (a symbol selected 402 times) is fine
        sb = new StringBuilder("config T\n\tbool\n");
        for (int i = 0; i < 1000; i++) sb.Append($"config S{i}\n\tdef_bool y\n\tselect T\n");
        Assert.Contains("CONFIG_T=y\n", Accepted(sb.ToString()));
    }

    [Fact]
    public void ManySelectLinesOnOneEntryEndInAResultOrALocatedError()
    {
        var sb = new StringBuilder("config S\n\tdef_bool y\n");
        for (int i = 0; i < 100_000; i++) sb.Append($"\tselect T{i % 50_000}\n");
        for (int i = 0; i < 50_000; i++) sb.Append($"config T{i}\n\tbool\n");
        using var dir = new TempDir();
        var (cfg, e) = LoadBounded(dir, sb.ToString());
        if (e is not null) Assert.True(e.Location is { Line: > 0 }, e.Describe());
        else Assert.Contains("CONFIG_T49999=y\n", cfg);
    }

    [Fact]
    public void AChainOfSelectsEndsInAResultOrALocatedError()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 100_000; i++) sb.Append($"config C{i}\n\tbool \"c\"\n\tdefault y\n\tselect C{i + 1}\n");
        sb.Append("config C100000\n\tbool\n");
        using var dir = new TempDir();
        var (cfg, e) = LoadBounded(dir, sb.ToString(), seconds: 60);
        if (e is not null) Assert.True(e.Location is { Line: > 0 }, e.Describe());
        else Assert.Contains("CONFIG_C100000=y\n", cfg);
    }

    [Fact]
    public void AChainOfDependenciesEndsInALocatedError()
    {
        var sb = new StringBuilder("config D0\n\tbool \"d\"\n");
        for (int i = 1; i < 100_000; i++) sb.Append($"config D{i}\n\tbool \"d\"\n\tdepends on D{i - 1}\n");
        var e = Rejected(sb.ToString());
        Assert.Contains("nest more than", e.Message);
        // a chain spread so that no submenus form still ends (the dependency-loop search is iterative)
        sb = new StringBuilder("config E0\n\tbool \"e\"\n\tdefault y\n");
        for (int i = 1; i < 5_000; i++) sb.Append($"config E{i}\n\tbool \"e\"\n\tdefault y\n\tdepends on E{i - 1}\ncomment \"between\"\n");
        using var dir = new TempDir();
        var (cfg, e2) = LoadBounded(dir, sb.ToString(), seconds: 60);
        if (e2 is not null) Assert.True(e2.Location is { Line: > 0 }, e2.Describe());
        else Assert.Contains("CONFIG_E4999=y\n", cfg);
    }

    [Fact]
    public void ManyDependsOnLinesEndInALocatedError()
    {
        var e = Rejected("config A\n\tbool \"a\"\n" + Repeat("\tdepends on y\n", 100_000));
        Assert.Contains("nest more than", e.Message);
    }

    [Theory]
    [InlineData("!")]
    [InlineData("(")]
    public void DeeplyNestedExpressionsEndInALocatedError(string op)
    {
        var e = Rejected("config A\n\tbool \"a\"\n\tdepends on " + Repeat(op, 100_000) + "y" + (op == "(" ? Repeat(")", 100_000) : "") + "\n");
        Assert.Equal(3, e.Location!.Value.Line);
    }

    [Fact]
    public void DeeplyNestedBlocksEndInALocatedError()
    {
        var e = Rejected(Repeat("if y\n", 100_000) + "config A\n\tbool \"a\"\n" + Repeat("endif\n", 100_000));
        Assert.Contains("blocks nest more than", e.Message);
        e = Rejected(Repeat("menu \"m\"\n", 100_000) + Repeat("endmenu\n", 100_000));
        Assert.Contains("blocks nest more than", e.Message);
    }

    // ---------------------------------------------------------------- what conf's grammar rejects

    [Theory]
    // Unikraft's conf (Linux 5.2's grammar): option takes modules, defconfig_list or allnoconfig_y and nothing else
    [InlineData(KconfigDialect.Unikraft, "config A\n\tstring\n\toption env=\"HOME\"\n", 3, "unknown option")]
    [InlineData(KconfigDialect.Unikraft, "config A\n\tstring\n\toption env=\n", 3, "unknown option")]
    [InlineData(KconfigDialect.Unikraft, "config A\n\tbool\n\toption foo\n", 3, "unknown option")]
    [InlineData(KconfigDialect.Unikraft, "config A\n\tbool\n\tmodules\n", 3, "option modules")]
    // Linux 6.1 has no option statement at all, nor ---help---
    [InlineData(KconfigDialect.Linux61, "config A\n\tbool\n\toption modules\n", 3, "unknown statement \"option\"")]
    [InlineData(KconfigDialect.Linux61, "config A\n\tbool\n\t---help---\n\t  x\n", 3, "unknown statement \"---help---\"")]
    // both: mainmenu only first, no transitional, no kconfiglib's rsource/osource/orsource
    [InlineData(KconfigDialect.Unikraft, "config A\n\tbool\nmainmenu \"x\"\n", 3, "mainmenu")]
    [InlineData(KconfigDialect.Linux61, "mainmenu \"a\"\nmainmenu \"b\"\n", 2, "mainmenu")]
    [InlineData(KconfigDialect.Unikraft, "config A\n\tbool\n\ttransitional\n", 3, "unknown statement \"transitional\"")]
    [InlineData(KconfigDialect.Linux61, "config A\n\tbool\n\ttransitional\n", 3, "unknown statement \"transitional\"")]
    [InlineData(KconfigDialect.Unikraft, "osource \"nothere\"\n", 1, "unknown statement \"osource\"")]
    [InlineData(KconfigDialect.Unikraft, "rsource \"nothere\"\n", 1, "unknown statement \"rsource\"")]
    [InlineData(KconfigDialect.Linux61, "orsource \"nothere\"\n", 1, "unknown statement \"orsource\"")]
    // junk after a prompt (these were rejected already; kept so they stay so)
    [InlineData(KconfigDialect.Unikraft, "config A\n\tbool \"p\" junk\n", 2, "junk")]
    [InlineData(KconfigDialect.Unikraft, "menu \"m\" junk\nendmenu\n", 1, "junk")]
    public void WhatConfRejectsIsRejectedWithFileAndLine(KconfigDialect dialect, string text, int line, string says)
    {
        var e = Rejected(text, dialect);
        Assert.Equal(line, e.Location!.Value.Line);
        Assert.Contains(says, e.Describe());
    }

    [Theory]
    // Unikraft's grammar takes a bare word as a prompt, title or file name
    [InlineData(KconfigDialect.Unikraft, "mainmenu Title\nconfig A\n\tbool word\n\tdefault y\nmenu m\nendmenu\ncomment c\n", "CONFIG_A=y")]
    [InlineData(KconfigDialect.Unikraft, "config A\n\tprompt word\n\tbool\n\tdefault y\n", "CONFIG_A=y")]
    // both: "visible" without its "if" adds no condition
    [InlineData(KconfigDialect.Linux61, "menu \"m\"\n\tvisible\nconfig A\n\tbool \"a\"\n\tdefault y\nendmenu\n", "CONFIG_A=y")]
    [InlineData(KconfigDialect.Unikraft, "config A\n\tbool \"a\"\n\toption modules\nconfig B\n\tstring\n\toption defconfig_list\nconfig C\n\tbool\n\toption allnoconfig_y\n", "# CONFIG_A is not set")]
    public void WhatConfAcceptsIsAccepted(KconfigDialect dialect, string text, string has)
    {
        Assert.Contains(has, Accepted(text, dialect));
    }
}
