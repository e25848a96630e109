namespace Kraft.Tests.EndToEnd;

/// <summary>What kraft says about a command line it cannot run: the word at fault, in words, without the help page.</summary>
public class CommandLineErrorsEndToEndTests
{
    [Theory]
    [InlineData("run --detatch", "error: unknown option '--detatch' for 'kraft run'", "did you mean '--detach'?")]
    [InlineData("build --menuconfig", "error: unknown option '--menuconfig' for 'kraft build'", "see 'kraft build --help'")]
    [InlineData("run --dry-rn", "error: unknown option '--dry-rn' for 'kraft run'", "did you mean '--dry-run'?")]
    [InlineData("build --kraftfil x", "error: unknown option '--kraftfil' for 'kraft build'", "did you mean '--kraftfile'?")]
    [InlineData("run --smp abc", "error: --smp expects a whole number, got 'abc'", "see 'kraft run --help'")]
    [InlineData("build --jobs x", "error: --jobs expects a whole number, got 'x'", "see 'kraft build --help'")]
    [InlineData("run --smp", "error: --smp needs a value (a whole number)", "see 'kraft run --help'")]
    [InlineData("build --kconfig-backend foo", "error: --kconfig-backend expects native or make, got 'foo'", "see 'kraft build --help'")]
    [InlineData("bild", "error: unknown command 'bild' for 'kraft'", "'build'")]
    [InlineData("pkg pul", "error: unknown command 'pul' for 'kraft pkg'", "did you mean 'pull' or 'push'?")]
    [InlineData("pkg", "error: 'kraft pkg' needs a command: ", "see 'kraft pkg --help'")]
    [InlineData("build a b", "error: unexpected argument 'b' for 'kraft build'", "see 'kraft build --help'")]
    [InlineData("run /nonexistent/kernel", "error: /nonexistent/kernel does not exist", "give the project's directory")]
    public void Names_what_is_wrong_without_the_help_page(string line, string error, string hint)
    {
        using var t = new TempDir();
        var r = KraftCli.Run(t.Path, line.Split(' '));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.StartsWith(error, r.Stderr);
        Assert.Contains("  hint: ", r.Stderr);
        Assert.Contains(hint, r.Stderr);
        Assert.DoesNotContain("Usage:", r.Output);
        Assert.DoesNotContain("System.", r.Output);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_platform_typo_in_the_Kraftfile_is_refused_before_make()
    {
        using var app = new FixtureApp(kraftfile: "spec: v0.6\nname: hello\nunikraft:\n  source: " + TestPaths.FixtureCore + "\ntargets:\n  - qemuu/x86_64\n");
        var r = app.Kraft("build");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Kraftfile:6:5: unknown platform 'qemuu'", r.Stderr);
        Assert.Contains("did you mean 'qemu'?", r.Stderr);
    }
}
