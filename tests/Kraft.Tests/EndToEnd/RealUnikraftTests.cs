namespace Kraft.Tests.EndToEnd;

/// <summary>
/// kraft against a real Unikraft checkout (KRAFT_TEST_UNIKRAFT): build examples/helloworld with
/// it as a local source and boot the result. Skipped when the variable is unset (CI has no
/// internet to fetch Unikraft).
/// </summary>
public class RealUnikraftTests
{
    static string? Unikraft => Environment.GetEnvironmentVariable("KRAFT_TEST_UNIKRAFT") is { Length: > 0 } p ? p : null;

    [SkippableTheory]
    [InlineData("qemu/x86_64", "x86_64")]
    [InlineData("qemu/arm64", "arm64")]
    public void Builds_and_boots_helloworld(string target, string arch)
    {
        Skip.If(Unikraft is null, "set KRAFT_TEST_UNIKRAFT to a Unikraft checkout (RELEASE-0.16.3 or newer) to run this test");
        using var dir = new TempDir();
        var app = Path.Combine(dir.Path, "helloworld");
        FixtureApp.CopyTree(Path.Combine(TestPaths.RepoRoot, "examples", "helloworld"), app);
        File.WriteAllText(Path.Combine(app, "Kraftfile"), $"""
            spec: v0.6
            name: helloworld
            unikraft:
              source: {Unikraft}
              kconfig:
                CONFIG_LIBUKRANDOM: 'n'
            targets:
              - {target}
            """);
        var build = KraftCli.Run(app, null, TimeSpan.FromMinutes(15), "build");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("up to date", KraftCli.Run(app, "build").Stdout);

        var run = KraftCli.Run(app, null, TimeSpan.FromMinutes(2), "run", "-m", arch, "--", "real", "unikraft");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Hello world from a Unikraft unikernel built by Kraft.NET!", run.Stdout);
        Assert.Contains("= unikraft", run.Stdout);
    }
}
