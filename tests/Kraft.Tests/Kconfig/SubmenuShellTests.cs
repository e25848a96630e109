using Kraft.Build;
using Kraft.Kconfig;

namespace Kraft.Tests.Kconfig;

/// <summary>The Unikraft dialect's native answers to config-submenu.sh and its no-app probe.</summary>
public class SubmenuShellTests
{
    [Theory]
    [InlineData("a 'b c' \"d\\\"e\"", new[] { "a", "b c", "d\"e" })]
    [InlineData("test /a = /b && echo y || echo n", new[] { "test", "/a", "=", "/b", "&&", "echo", "y", "||", "echo", "n" })]
    [InlineData("x -o '' -t \"T T\"", new[] { "x", "-o", "", "-t", "T T" })]
    public void Splits_simple_shell_words(string command, string[] words)
    {
        Assert.True(SimpleShellCommand.TrySplit(command, out var got));
        Assert.Equal(words, got);
    }

    [Theory]
    [InlineData("echo $HOME")]
    [InlineData("ls | wc")]
    [InlineData("a; b")]
    [InlineData("echo \"$(x)\"")]
    [InlineData("ls *.c")]
    public void Leaves_anything_else_to_the_shell(string command) => Assert.False(SimpleShellCommand.TrySplit(command, out _));

    [Fact]
    public void Answers_the_no_app_probe_without_a_shell()
    {
        var shell = new SubmenuShell(new ThrowingShell());
        Assert.Equal("y\n", shell.Run("test /a = /a && echo y || echo n", "/", new Dictionary<string, string>()));
        Assert.Equal("n\n", shell.Run("test /a = /b && echo y || echo n", "/", new Dictionary<string, string>()));
    }

    sealed class ThrowingShell : IShellRunner
    {
        public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment) =>
            throw new InvalidOperationException("no shell expected: " + command);
    }

    /// <summary>The stitch files written natively equal the script's (the fixture's, and Unikraft's when KRAFT_TEST_UNIKRAFT is set).</summary>
    [SkippableTheory]
    [InlineData("fixture")]
    [InlineData("unikraft")]
    public void Native_stitch_files_equal_the_scripts(string which)
    {
        var core = which == "fixture" ? TestPaths.FixtureCore : Environment.GetEnvironmentVariable("KRAFT_TEST_UNIKRAFT");
        Skip.If(core is null, "set KRAFT_TEST_UNIKRAFT to compare with Unikraft's own config-submenu.sh");
        var script = Path.Combine(core, "support", "build", "config-submenu.sh");
        using var dir = new TempDir();
        // A library reached through a symbolic link (the source lines hold the resolved path), one without Config.uk.
        var libs = dir["libs"];
        Directory.CreateDirectory(Path.Combine(libs, "real"));
        File.WriteAllText(Path.Combine(libs, "real", "Config.uk"), "config LIBREAL\n\tbool\n");
        Directory.CreateSymbolicLink(Path.Combine(libs, "linked"), Path.Combine(libs, "real"));
        Directory.CreateDirectory(Path.Combine(libs, "empty"));
        var fixtureLibs = Path.Combine(TestPaths.FixtureCore, "lib");
        string[] argLists =
        [
            $"-q -o '{{OUT}}' -r '{fixtureLibs}' -l '{fixtureLibs}' -c '{libs}/linked:{libs}/empty::{libs}/real/' -e ''",
            $"-q -o '{{OUT}}' -t \"Application Options\" -l '{libs}/real' -e '{libs}/real'",
            $"-q -o '{{OUT}}' -t \"Application Options\" -l '' -e ''",
            $"-q -o '{{OUT}}' -r '{libs}' -e '{libs}/linked:{libs}/nothere'",
        ];
        for (int i = 0; i < argLists.Length; i++)
        {
            var viaScript = dir[$"script{i}.uk"];
            var viaNative = dir[$"native{i}.uk"];
            var env = new Dictionary<string, string>();
            var printed = ProcessShellRunner.Instance.Run(script + " " + argLists[i].Replace("{OUT}", viaScript), dir.Path, env);
            var shell = new SubmenuShell(new ThrowingShell());
            var native = shell.Run(script + " " + argLists[i].Replace("{OUT}", viaNative), dir.Path, env);
            Assert.Equal(File.ReadAllText(viaScript), File.ReadAllText(viaNative));
            Assert.Equal(printed.Replace(viaScript, viaNative), native);
        }
    }
}
