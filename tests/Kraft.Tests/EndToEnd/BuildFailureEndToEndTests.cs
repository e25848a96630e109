using System.Text.RegularExpressions;

namespace Kraft.Tests.EndToEnd;

public class BuildFailureEndToEndTests
{
    [Fact]
    public void A_failed_build_outside_a_terminal_shows_make_s_output_once()
    {
        using var app = new FixtureApp();
        File.AppendAllText(app["main.c"], "\nthis is not C;\n");
        var r = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error: building hello (qemu/x86_64) failed", r.Stderr);
        var compilerError = Regex.Match(r.Output, @"main\.c:\d+:\d+: error: [^\n]*").Value;
        Assert.True(compilerError.Length > 0, r.ToString());
        Assert.Single(Regex.Matches(r.Output, Regex.Escape(compilerError)));
    }
}
