using Kraft.Packages.Config;

namespace Kraft.Tests.Packages.Config;

/// <summary>Adding and removing sources in config.yaml without disturbing the rest of the file.</summary>
public class SourceListEditorTests
{
    static IReadOnlyList<string> Manifests(string file) => ConfigYamlReader.Read(file).Manifests.Select(m => m.Value).ToList();

    static void AssertNoTempFiles(string dir) =>
        Assert.DoesNotContain(Directory.EnumerateFiles(dir), f => f.EndsWith(".tmp", StringComparison.Ordinal));

    const string KraftKitConfig = """
        # my settings
        no_prompt: false
        no_parallel: true   # slow disk
        editor: "vim"
        paths:
          manifests: /cache/manifests
        log:
          level: info
        unikraft:
          mirrors: []
          manifests:
            # the official index
            - https://manifests.kraftkit.sh/index.yaml   # keep this one
            - /srv/index
          # end of unikraft
        auth:
          github.com:
            token: "ghp_x"  # personal
        aliases: {}

        """;

    [Fact]
    public void A_missing_file_and_its_directories_are_created_with_mode_0600()
    {
        using var dir = new TempDir();
        var file = dir["a/b/config.yaml"];
        var r = SourceListEditor.Add(file, ["https://example.com/index.yaml"]);
        Assert.True(r.Written);
        Assert.Equal(["https://example.com/index.yaml"], r.Added);
        Assert.Equal("unikraft:\n  manifests:\n    - https://example.com/index.yaml\n", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        AssertNoTempFiles(dir["a/b"]);
    }

    [Fact]
    public void Removing_from_a_missing_file_creates_nothing()
    {
        using var dir = new TempDir();
        var r = SourceListEditor.Remove(dir["cfg/config.yaml"], ["/x"]);
        Assert.False(r.Written);
        Assert.Equal(["/x"], r.NotPresent);
        Assert.False(Directory.Exists(dir["cfg"]));
    }

    [Fact]
    public void Adding_keeps_every_other_key_value_and_comment()
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", KraftKitConfig);
        var r = SourceListEditor.Add(file, ["https://github.com/unikraft/lib-*", "/srv/index", "git@github.com:me/lib-x.git"]);
        Assert.Equal(["https://github.com/unikraft/lib-*", "git@github.com:me/lib-x.git"], r.Added);
        Assert.Equal(["/srv/index"], r.AlreadyPresent);
        Assert.True(r.CommentsKept);
        var expected = KraftKitConfig.Replace("    - /srv/index\n",
            "    - /srv/index\n    - https://github.com/unikraft/lib-*\n    - git@github.com:me/lib-x.git\n");
        Assert.Equal(expected, File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        AssertNoTempFiles(dir.Path);
    }

    [Fact]
    public void Removing_drops_only_the_lines_of_the_removed_items()
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", KraftKitConfig);
        var r = SourceListEditor.Remove(file, ["https://manifests.kraftkit.sh/index.yaml", "https://not.there/"]);
        Assert.Equal(["https://manifests.kraftkit.sh/index.yaml"], r.Removed);
        Assert.Equal(["https://not.there/"], r.NotPresent);
        Assert.Equal(KraftKitConfig.Replace("    - https://manifests.kraftkit.sh/index.yaml   # keep this one\n", ""), File.ReadAllText(file));

        SourceListEditor.Remove(file, ["/srv/index"]);
        var text = File.ReadAllText(file);
        Assert.Contains("  manifests: []\n    # the official index\n  # end of unikraft\n", text);
        Assert.Empty(Manifests(file));
        Assert.Contains("no_parallel: true   # slow disk", text);
        AssertNoTempFiles(dir.Path);
    }

    [Fact]
    public void Add_and_remove_are_idempotent_and_do_not_rewrite_an_unchanged_file()
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", KraftKitConfig);
        SourceListEditor.Add(file, ["/x"]);
        var after = File.ReadAllText(file);
        var stamp = File.GetLastWriteTimeUtc(file);
        Thread.Sleep(20);
        var again = SourceListEditor.Add(file, ["/x", "/x"]);
        Assert.False(again.Written);
        Assert.Empty(again.Added);
        Assert.Equal(["/x"], again.AlreadyPresent);
        Assert.Equal(after, File.ReadAllText(file));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(file));

        Assert.True(SourceListEditor.Remove(file, ["/x"]).Written);
        Assert.Equal(KraftKitConfig, File.ReadAllText(file));
        var twice = SourceListEditor.Remove(file, ["/x"]);
        Assert.False(twice.Written);
        Assert.Equal(["/x"], twice.NotPresent);
        Assert.Equal(KraftKitConfig, File.ReadAllText(file));
    }

    [Fact]
    public void Every_argument_is_handled_even_after_one_that_is_already_present()
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", "unikraft:\n  manifests:\n    - /a\n");
        var r = SourceListEditor.Add(file, ["/a", "/b", "/a", "/c"]);
        Assert.Equal(["/b", "/c"], r.Added);
        Assert.Equal(["/a"], r.AlreadyPresent);
        Assert.Equal(["/a", "/b", "/c"], Manifests(file));
    }

    [Theory]
    [InlineData("", "unikraft:\n  manifests:\n    - /new\n")]
    [InlineData("# just a comment", "# just a comment\nunikraft:\n  manifests:\n    - /new\n")]
    [InlineData("no_color: true\n", "no_color: true\nunikraft:\n  manifests:\n    - /new\n")]
    [InlineData("no_color: true # c\nlog:\n  level: info", "no_color: true # c\nlog:\n  level: info\nunikraft:\n  manifests:\n    - /new\n")]
    [InlineData("unikraft:\nlog: {}\n", "unikraft:\n  manifests:\n    - /new\nlog: {}\n")]
    [InlineData("unikraft: ~ # none yet\nlog: {}\n", "unikraft: # none yet\n  manifests:\n    - /new\nlog: {}\n")]
    [InlineData("unikraft:\n  mirrors: []\nx: 1\n", "unikraft:\n  mirrors: []\n  manifests:\n    - /new\nx: 1\n")]
    [InlineData("unikraft:\n    mirrors:\n      - m\n# after\n", "unikraft:\n    mirrors:\n      - m\n    manifests:\n      - /new\n# after\n")]
    [InlineData("unikraft:\n  manifests: []\n  mirrors: []\n", "unikraft:\n  manifests:\n    - /new\n  mirrors: []\n")]
    [InlineData("unikraft:\n  manifests: [/a, \"/b\"] # two\n", "unikraft:\n  manifests: # two\n    - /a\n    - /b\n    - /new\n")]
    [InlineData("unikraft:\n  manifests: [\n    /a,\n  ]\nz: 2\n", "unikraft:\n  manifests:\n    - /a\n    - /new\nz: 2\n")]
    [InlineData("unikraft:\n  manifests: null\n", "unikraft:\n  manifests:\n    - /new\n")]
    [InlineData("unikraft:\n  manifests:\n", "unikraft:\n  manifests:\n    - /new\n")]
    [InlineData("unikraft:\n  manifests:\n  - /a\n  mirrors: []\n", "unikraft:\n  manifests:\n  - /a\n  - /new\n  mirrors: []\n")]
    public void Add_edits_every_layout_in_place(string before, string after)
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", before);
        var r = SourceListEditor.Add(file, ["/new"]);
        Assert.True(r.CommentsKept);
        Assert.Equal(after, File.ReadAllText(file));
    }

    [Fact]
    public void A_flow_style_file_is_rewritten_with_all_its_settings_but_says_its_comments_are_lost()
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", "{no_color: true, unikraft: {mirrors: [m]}, auth: {github.com: {token: t}}} # c\n");
        var r = SourceListEditor.Add(file, ["/new"]);
        Assert.True(r.Written);
        Assert.False(r.CommentsKept);
        Assert.Equal(["/new"], Manifests(file));
        var c = ConfigYamlReader.Read(file);
        Assert.Equal("t", c.Auth["github.com"].Token);
        Assert.Equal("m", Assert.Single(c.Mirrors).Value);
        Assert.Contains("no_color: true", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("/path with space")]
    [InlineData("true")]
    [InlineData("#hash")]
    [InlineData("a: b")]
    [InlineData("quote\"and\\backslash")]
    [InlineData("https://github.com/unikraft/lib-*")]
    [InlineData("*star")]
    [InlineData("12")]
    public void Unusual_strings_read_back_the_same(string source)
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", "unikraft:\n  manifests:\n    - /a\n");
        SourceListEditor.Add(file, [source]);
        Assert.Equal(["/a", source], Manifests(file));
        SourceListEditor.Remove(file, [source]);
        Assert.Equal("unikraft:\n  manifests:\n    - /a\n", File.ReadAllText(file));
    }

    [Fact]
    public void Duplicates_in_the_file_are_removed_together()
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", "unikraft:\n  manifests:\n    - /a\n    - /b\n    - /a\n");
        var r = SourceListEditor.Remove(file, ["/a"]);
        Assert.Equal(["/a"], r.Removed);
        Assert.Equal("unikraft:\n  manifests:\n    - /b\n", File.ReadAllText(file));
    }

    [Fact]
    public void A_broken_file_is_refused_and_left_alone()
    {
        using var dir = new TempDir();
        var file = dir.Write("config.yaml", "unikraft:\n  manifests: [\n");
        var e = Assert.Throws<KraftException>(() => SourceListEditor.Add(file, ["/x"]));
        Assert.Equal(file, e.Location!.Value.File);
        Assert.Equal("unikraft:\n  manifests: [\n", File.ReadAllText(file));

        var wrong = dir.Write("other.yaml", "unikraft:\n  manifests: /one\n");
        var w = Assert.Throws<KraftException>(() => SourceListEditor.Add(wrong, ["/x"]));
        Assert.Equal(2, w.Location!.Value.Line);
        AssertNoTempFiles(dir.Path);
    }

    [Fact]
    public void A_symlinked_config_is_edited_where_it_points()
    {
        using var dir = new TempDir();
        var real = dir.Write("dotfiles/config.yaml", "no_color: true\n");
        Directory.CreateDirectory(dir["cfg"]);
        File.CreateSymbolicLink(dir["cfg/config.yaml"], real);
        SourceListEditor.Add(dir["cfg/config.yaml"], ["/x"]);
        Assert.NotNull(new FileInfo(dir["cfg/config.yaml"]).LinkTarget);
        Assert.Equal(["/x"], Manifests(real));
    }

    [Fact]
    public void Concurrent_editors_do_not_lose_each_others_sources()
    {
        using var dir = new TempDir();
        var file = dir["config.yaml"];
        Parallel.For(0, 8, i => SourceListEditor.Add(file, [$"/s{i}"]));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"/s{i}").Order(), Manifests(file).Order());
        AssertNoTempFiles(dir.Path);
    }
}
