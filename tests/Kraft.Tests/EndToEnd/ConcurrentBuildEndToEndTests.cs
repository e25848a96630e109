namespace Kraft.Tests.EndToEnd;

/// <summary>Two <c>kraft build</c> of one project at once (two terminals, an editor's build on save).</summary>
public class ConcurrentBuildEndToEndTests
{
    [Fact]
    public async Task Two_builds_at_once_both_succeed_one_after_the_other()
    {
        using var app = new FixtureApp();
        var first = Task.Run(() => app.Kraft("build", "-t", "qemu/x86_64"));
        var second = Task.Run(() => app.Kraft("build", "-t", "qemu/x86_64"));
        var results = await Task.WhenAll(first, second);
        foreach (var r in results)
            Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(app.Kernel()));
        // Whichever waited said for whom.
        foreach (var r in results.Where(r => r.Output.Contains("waiting for")))
            Assert.Matches(@"waiting for process \d+ \(kraft build, started \d\d:\d\d:\d\d\) to finish with the build of hello \(qemu/x86_64\)", r.Output);
        // Nothing left behind: no temporaries beside the project's files.
        Assert.Empty(Directory.GetFiles(app.Dir, ".*tmp-*", SearchOption.AllDirectories));
    }
}
