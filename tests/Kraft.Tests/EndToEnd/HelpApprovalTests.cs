namespace Kraft.Tests.EndToEnd;

/// <summary>
/// The <c>--help</c> of every command, compared with the approved text under
/// <c>tests/Kraft.Tests/EndToEnd/Help/</c>, so a change to what users read is seen in review.
/// After an intended change: <c>KRAFT_UPDATE_HELP=1</c> rewrites the approved texts; commit them.
/// </summary>
public class HelpApprovalTests
{
    public static TheoryData<string> Commands() =>
    [
        "", "inspect", "build", "configure", "config", "config get", "config why", "config set", "config diff",
        "clean", "pkg", "pkg update", "pkg ls", "pkg info", "pkg pull", "pkg rm", "pkg source", "pkg unsource",
        "run", "version",
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_text_is_the_approved_one(string command)
    {
        using var t = new TempDir();
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("--help").ToArray();
        var r = KraftCli.Run(t.Path, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        var approved = Path.Combine(TestPaths.RepoRoot, "tests", "Kraft.Tests", "EndToEnd", "Help",
            (command.Length == 0 ? "kraft" : "kraft-" + command.Replace(' ', '-')) + ".txt");
        if (Environment.GetEnvironmentVariable("KRAFT_UPDATE_HELP") is { Length: > 0 })
        {
            File.WriteAllText(approved, r.Stdout);
            return;
        }
        Assert.True(File.Exists(approved), $"no approved help for 'kraft {command}' ({approved}); run the test with KRAFT_UPDATE_HELP=1 and commit the file");
        var expected = File.ReadAllText(approved);
        Assert.True(expected == r.Stdout,
            $"'kraft {command} --help' changed; if intended, run with KRAFT_UPDATE_HELP=1 and commit {approved}\n--- approved ---\n{expected}\n--- now ---\n{r.Stdout}");
    }
}
