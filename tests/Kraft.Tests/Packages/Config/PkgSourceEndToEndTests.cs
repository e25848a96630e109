using Kraft.Tests.EndToEnd;

namespace Kraft.Tests.Packages.Config;

/// <summary><c>kraft pkg source</c> and <c>kraft pkg unsource</c> through the published binary, in a temporary home.</summary>
public class PkgSourceEndToEndTests
{
    sealed class Home : IDisposable
    {
        public TempDir Dir { get; } = new();
        public string ConfigFile => Dir["cfg/config.yaml"];
        public Dictionary<string, string?> Env { get; }

        public Home()
        {
            Directory.CreateDirectory(Dir["home"]);
            Directory.CreateDirectory(Dir["work"]);
            Env = new()
            {
                ["HOME"] = Dir["home"],
                ["KRAFTKIT_CONFIG_DIR"] = Dir["cfg"],
                ["KRAFTRC"] = Dir["home/.kraftrc"],
                ["XDG_CONFIG_HOME"] = null,
                ["XDG_DATA_HOME"] = null,
                ["KRAFTKIT_PATHS_MANIFESTS"] = Dir["data/manifests"],
                ["KRAFTKIT_PATHS_SOURCES"] = Dir["data/sources"],
                ["GITHUB_TOKEN"] = null,
            };
        }

        public CliResult Kraft(params string[] args) => KraftCli.Run(Dir["work"], Env, TimeSpan.FromMinutes(1), args);
        public void Dispose() => Dir.Dispose();
    }

    [Fact]
    public void Source_adds_lists_and_unsource_removes()
    {
        using var h = new Home();
        Directory.CreateDirectory(h.Dir["work/my-index"]);

        var empty = h.Kraft("pkg", "source");
        Assert.True(empty.ExitCode == 0, empty.ToString());
        Assert.Equal($"https://manifests.kraftkit.sh/index.yaml  default", empty.Stdout.TrimEnd());
        Assert.False(File.Exists(h.ConfigFile));

        var add = h.Kraft("pkg", "source", "https://github.com/unikraft/lib-*", "./my-index", "git@github.com:me/lib-x.git");
        Assert.True(add.ExitCode == 0, add.ToString());
        var index = h.Dir["work/my-index"];
        Assert.Equal($"added https://github.com/unikraft/lib-*\nadded {index}\nadded git@github.com:me/lib-x.git\n", add.Stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(h.ConfigFile));

        // One already present does not stop the others (KraftKit returns at the first one).
        var again = h.Kraft("pkg", "source", index, "https://example.com/index.yaml");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal($"{index} is already a source\nadded https://example.com/index.yaml\n", again.Stdout);

        h.Dir.Write("home/.kraftrc", "[list]\norigins = [\"https://github.com/unikraft/app-*\"]\n");
        var list = h.Kraft("pkg", "source", "--list");
        Assert.True(list.ExitCode == 0, list.ToString());
        var lines = list.Stdout.TrimEnd().Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^https://github.com/unikraft/lib-\*\s+.*cfg/config.yaml:3$", lines[0]);
        Assert.Matches(@"^https://github.com/unikraft/app-\*\s+.*home/.kraftrc:2$", lines[4]);

        var rc = h.Kraft("pkg", "source", "https://github.com/unikraft/app-*");
        Assert.Contains("is already a source (from ", rc.Stdout);

        var un = h.Kraft("pkg", "unsource", "./my-index", "https://nowhere.example/", "https://github.com/unikraft/app-*");
        Assert.Equal(1, un.ExitCode);
        Assert.Equal($"removed {index}\n", un.Stdout);
        Assert.Contains("https://nowhere.example/ is not a source in", un.Stderr);
        Assert.Contains(".kraftrc:2; kraft does not edit that file", un.Stderr);
        Assert.DoesNotContain(index, File.ReadAllText(h.ConfigFile));

        var ok = h.Kraft("pkg", "unsource", "https://example.com/index.yaml");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Empty(Directory.EnumerateFiles(h.Dir["cfg"], "*.tmp"));
    }

    [Fact]
    public void Bad_sources_and_bad_files_are_refused_without_a_stack_trace()
    {
        using var h = new Home();
        var bad = h.Kraft("pkg", "source", "/no/such/dir", "https://gitlab.com/group/lib-*", "https://ok.example/index.yaml");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("'/no/such/dir' is not a usable source: no such file or directory", bad.Stderr);
        Assert.Contains("a wildcard only works in the repository part of a GitHub address", bad.Stderr);
        Assert.Contains("hint:", bad.Stderr);
        Assert.False(File.Exists(h.ConfigFile));

        var forced = h.Kraft("pkg", "source", "--force", "unikraft.org");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("added unikraft.org\n", forced.Stdout);

        h.Dir.Write("cfg/config.yaml", "unikraft:\n  manifests:\n    - a\n   - b\n");
        var yaml = h.Kraft("pkg", "source", "--list");
        Assert.Equal(1, yaml.ExitCode);
        Assert.Contains($"error: {h.ConfigFile}:4:", yaml.Stderr);
        Assert.DoesNotContain("   at ", yaml.Output);

        h.Dir.Write("cfg/config.yaml", "");
        h.Dir.Write("home/.kraftrc", "[list]\norigins = [\"a\"\n");
        var toml = h.Kraft("pkg", "source");
        Assert.Equal(1, toml.ExitCode);
        Assert.Contains($"error: {h.Dir["home/.kraftrc"]}:3:1: not valid TOML", toml.Stderr);
        Assert.DoesNotContain("   at ", toml.Output);
    }
}
