using Kraft.Build;
using Kraft.Kconfig;

namespace Kraft.Tests.Build;

public class NativeConfigureTests
{
    [Theory]
    [InlineData("a 'b c' \"d\\\"e\"", new[] { "a", "b c", "d\"e" })]
    [InlineData("test /a = /b && echo y || echo n", new[] { "test", "/a", "=", "/b", "&&", "echo", "y", "||", "echo", "n" })]
    [InlineData("x -o '' -t \"T T\"", new[] { "x", "-o", "", "-t", "T T" })]
    public void Splits_simple_shell_words(string command, string[] words)
    {
        Assert.True(ShellWords.TrySplit(command, out var got));
        Assert.Equal(words, got);
    }

    [Theory]
    [InlineData("echo $HOME")]
    [InlineData("ls | wc")]
    [InlineData("a; b")]
    [InlineData("echo \"$(x)\"")]
    [InlineData("ls *.c")]
    public void Leaves_anything_else_to_the_shell(string command) => Assert.False(ShellWords.TrySplit(command, out _));

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

    [Fact]
    public void Closest_names_are_the_likely_typos()
    {
        string[] names = ["FIXTURE_GREETING", "FIXTURE_REPEAT", "LIBUKDEBUG", "LIBUKBOOT"];
        Assert.Equal(["FIXTURE_GREETING"], MismatchAdvisor.Closest("FIXTURE_GREETNG", names));
        Assert.Equal(["LIBUKDEBUG"], MismatchAdvisor.Closest("LIBUKDEBGU", names));
        Assert.Empty(MismatchAdvisor.Closest("SOMETHING_ELSE", names));
        Assert.Equal(3, Suggestions.Distance("kitten", "sitting"));
    }

    [Theory]
    [InlineData("menuconfig LIBLWIP\n\tbool \"lwip\"\nif LIBLWIP\nconfig LWIP_X\n\tbool\nendif\n", "CONFIG_LIBLWIP")]
    [InlineData("# hidden\nmenuconfig LIBNEWLIBC\n  bool \"newlib\"\n", "CONFIG_LIBNEWLIBC")]
    [InlineData("config APPX_OPT\n\tbool\nconfig LIBFOO\n\tbool\n", "CONFIG_LIBFOO")]
    [InlineData("menu \"x\"\nconfig LIBINNER\n\tbool\nendmenu\nconfig OUTER\n\tbool\n", "CONFIG_OUTER")]
    [InlineData("# nothing here\n", null)]
    public void A_librarys_symbol_comes_from_its_config_uk(string configUk, string? symbol)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["Config.uk"], configUk);
        Assert.Equal(symbol, LibrarySymbols.FromConfigUk(dir.Path));
    }

    [Fact]
    public void Library_symbols_fall_back_to_the_guess_with_a_warning()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["newlib"]);
        File.WriteAllText(dir["newlib/Config.uk"], "menuconfig LIBNEWLIBC\n\tbool\n");
        Directory.CreateDirectory(dir["odd"]);
        File.WriteAllText(dir["odd/Config.uk"], "# empty\n");
        var warnings = new List<string>();
        var map = LibrarySymbols.For([("newlib", dir["newlib"]), ("odd", dir["odd"]), ("absent", dir["absent"])], warnings.Add);
        Assert.Equal("CONFIG_LIBNEWLIBC", map["newlib"]);
        Assert.Equal("CONFIG_LIBODD", map["odd"]);
        Assert.Equal("CONFIG_LIBABSENT", map["absent"]);
        Assert.Single(warnings);
        Assert.Contains("odd", warnings[0]);
        // newlib's real symbol puts it in the libc slot even under another name
        var order = TargetLayout.OrderLibraries([("zzz", "/z"), ("my-libc", "/c")], new Dictionary<string, string> { ["my-libc"] = "CONFIG_LIBNEWLIBC", ["zzz"] = "CONFIG_LIBZZZ" });
        Assert.Equal(["/c", "/z"], order);
    }

    [Fact]
    public void Version_comes_from_version_mk()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["version.mk"], "UK_VERSION = 0\nUK_SUBVERSION = 17\nUK_EXTRAVERSION = 0\nUK_CODENAME = Calypso\n# comment\n");
        Assert.Equal(("0.17.0", "Calypso"), UnikraftEnvironment.Version(dir.Path));
        // No support/scripts/gitsha1: nothing appended (make's $(shell) of a missing script prints nothing).
        Assert.Equal("", UnikraftEnvironment.GitSha1(dir.Path));
    }

    [Fact]
    public void Real_path_resolves_links_in_every_component()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["a/b"]);
        File.WriteAllText(dir["a/b/f"], "");
        Directory.CreateSymbolicLink(dir["l"], dir["a"]);
        var real = RealPath.Of(dir.Path + "/a/b/f");
        Assert.Equal(real, RealPath.Of(dir["l"] + "/b/../b/f"));
    }
}
