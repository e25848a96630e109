namespace Kraft.Tests.EndToEnd;

/// <summary>
/// kraft against a real Unikraft checkout (KRAFT_TEST_UNIKRAFT): build examples/helloworld with
/// it as a local source and boot the result. Skipped when the variable is unset (CI has no
/// internet to fetch Unikraft).
/// </summary>
public class RealUnikraftTests
{
    static string? Unikraft => Environment.GetEnvironmentVariable("KRAFT_TEST_UNIKRAFT") is { Length: > 0 } p ? p : null;

    /// <summary>A copy of examples/helloworld whose Kraftfile uses the real Unikraft checkout for one target.</summary>
    static string HelloworldWithRealUnikraft(TempDir dir, string target, string coreKconfig = "")
    {
        Skip.If(Unikraft is null, "set KRAFT_TEST_UNIKRAFT to a Unikraft checkout (RELEASE-0.16.3 or newer) to run this test");
        var app = Path.Combine(dir.Path, "helloworld");
        FixtureApp.CopyTree(Path.Combine(TestPaths.RepoRoot, "examples", "helloworld"), app);
        File.WriteAllText(Path.Combine(app, "Kraftfile"),
            $"spec: v0.6\nname: helloworld\nunikraft:\n  source: {Unikraft}\n{coreKconfig}targets:\n  - {target}\n");
        return app;
    }

    [SkippableTheory]
    [InlineData("qemu/x86_64", "x86_64")]
    [InlineData("qemu/arm64", "arm64")]
    public void Builds_and_boots_helloworld(string target, string arch)
    {
        using var dir = new TempDir();
        var app = HelloworldWithRealUnikraft(dir, target, "  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'\n");
        var build = KraftCli.Run(app, null, TimeSpan.FromMinutes(15), "build", "-v");
        Assert.True(build.ExitCode == 0, build.ToString());
        // The native backend configured: make neither built nor ran Unikraft's conf.
        Assert.DoesNotContain("MAKE    kconfig", build.Stdout);
        Assert.DoesNotContain("GEN     config.h", build.Stdout);
        Assert.Contains("up to date", KraftCli.Run(app, "build").Stdout);

        var run = KraftCli.Run(app, null, TimeSpan.FromMinutes(2), "run", "-m", arch, "--", "real", "unikraft");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Hello world from a Unikraft unikernel built by Kraft.NET!", run.Stdout);
        Assert.Contains("= unikraft", run.Stdout);
    }

    [SkippableTheory]
    [InlineData("qemu/x86_64")]
    [InlineData("qemu/arm64")]
    public void Native_and_make_backends_write_the_same_config(string target)
    {
        using var dir = new TempDir();
        var app = HelloworldWithRealUnikraft(dir, target);
        var config = Path.Combine(app, ".config.helloworld_" + target.Replace('/', '-'));
        var m = KraftCli.Run(app, null, TimeSpan.FromMinutes(5), "configure", "--kconfig-backend", "make");
        Assert.True(m.ExitCode == 0, m.ToString());
        var viaMake = File.ReadAllText(config);
        File.Delete(config);
        var n = KraftCli.Run(app, "configure");
        Assert.True(n.ExitCode == 0, n.ToString());
        Assert.Equal(viaMake, File.ReadAllText(config));
    }
}
