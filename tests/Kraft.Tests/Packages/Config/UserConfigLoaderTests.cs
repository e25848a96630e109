using Kraft.Packages.Config;

namespace Kraft.Tests.Packages.Config;

/// <summary>Reading config.yaml, .kraftrc and KRAFTKIT_* variables into one UserConfig.</summary>
public class UserConfigLoaderTests
{
    /// <summary>An environment that points everything at <paramref name="dir"/> (never the real home).</summary>
    static Dictionary<string, string?> Env(TempDir dir, params (string Key, string? Value)[] extra)
    {
        var env = new Dictionary<string, string?> { ["HOME"] = dir["home"] };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    [Fact]
    public void Nothing_configured_gives_the_default_index_and_default_directories_and_writes_nothing()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["home"]);
        var c = UserConfigLoader.Load(Env(dir));
        Assert.Equal(Path.Combine(dir["home"], ".config", "kraftkit", "config.yaml"), c.ConfigFile);
        Assert.Equal(Path.Combine(dir["home"], ".local", "share", "kraftkit", "manifests"), c.ManifestsDir);
        Assert.Equal(Path.Combine(dir["home"], ".local", "share", "kraftkit", "sources"), c.SourcesDir);
        Assert.Equal([new ConfiguredSource(UserConfig.DefaultIndex, "default")], c.Sources);
        Assert.Null(c.KraftrcFile);
        Assert.False(c.NoParallel);
        Assert.False(c.Offline);
        Assert.Null(c.GitHubToken);
        Assert.Empty(c.Mirrors);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir["home"]));
    }

    [Fact]
    public void Config_dir_precedence_is_KRAFTKIT_CONFIG_DIR_then_XDG_CONFIG_HOME_then_home()
    {
        using var dir = new TempDir();
        dir.Write("explicit/config.yaml", "unikraft:\n  manifests:\n    - https://explicit.example/index.yaml\n");
        dir.Write("xdg/kraftkit/config.yaml", "unikraft:\n  manifests:\n    - https://xdg.example/index.yaml\n");
        dir.Write("home/.config/kraftkit/config.yaml", "unikraft:\n  manifests:\n    - https://home.example/index.yaml\n");

        var all = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["explicit"]), ("XDG_CONFIG_HOME", dir["xdg"])));
        Assert.Equal("https://explicit.example/index.yaml", Assert.Single(all.Sources).Location);
        Assert.Equal(dir["explicit/config.yaml"] + ":3", all.Sources[0].From);

        var xdg = UserConfigLoader.Load(Env(dir, ("XDG_CONFIG_HOME", dir["xdg"])));
        Assert.Equal("https://xdg.example/index.yaml", Assert.Single(xdg.Sources).Location);

        var home = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", ""), ("XDG_CONFIG_HOME", "")));
        Assert.Equal("https://home.example/index.yaml", Assert.Single(home.Sources).Location);
    }

    [Fact]
    public void Data_dir_follows_XDG_DATA_HOME_then_paths_in_the_file_then_the_variables()
    {
        using var dir = new TempDir();
        var xdg = UserConfigLoader.Load(Env(dir, ("XDG_DATA_HOME", dir["data"])));
        Assert.Equal(Path.Combine(dir["data"], "kraftkit", "manifests"), xdg.ManifestsDir);
        Assert.Equal(Path.Combine(dir["data"], "kraftkit", "sources"), xdg.SourcesDir);

        dir.Write("cfg/config.yaml", "paths:\n  plugins: /somewhere/plugins\n  manifests: /m\n  sources: ~/src\n");
        var file = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"]), ("XDG_DATA_HOME", dir["data"])));
        Assert.Equal("/m", file.ManifestsDir);
        Assert.Equal(Path.Combine(dir["home"], "src"), file.SourcesDir);

        var env = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"]),
            ("KRAFTKIT_PATHS_MANIFESTS", dir["em"]), ("KRAFTKIT_PATHS_SOURCES", dir["es"])));
        Assert.Equal(dir["em"], env.ManifestsDir);
        Assert.Equal(dir["es"], env.SourcesDir);

        dir.Write("rel/config.yaml", "paths:\n  manifests: cache/m\n");
        var rel = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["rel"])));
        Assert.Equal(Path.Combine(dir["rel"], "cache", "m"), rel.ManifestsDir);
    }

    [Fact]
    public void Every_key_of_a_KraftKit_config_is_read_or_tolerated()
    {
        using var dir = new TempDir();
        dir.Write("cfg/config.yaml", """
            # written by KraftKit
            no_prompt: false
            no_parallel: true
            no_emojis: true
            no_check_updates: false
            no_color: false
            no_warn_sudo: false
            editor: ""
            git_protocol: https
            pager: cat
            qemu: ""
            http_unix_socket: ""
            runtime_dir: /home/alice/.local/share/kraftkit/runtime
            default_plat: qemu
            default_arch: arm64
            containerd_addr: ""
            events_pidfile: /home/alice/.local/share/kraftkit/runtime/events.pid
            buildkit_host: ""
            paths:
              plugins: /home/alice/.local/share/kraftkit/plugins
              manifests: /cache/manifests
              sources: /cache/sources
            log:
              level: info
              timestamps: false
              type: fancy
            unikraft:
              mirrors:
                - https://mirror.example/
              manifests:
                - https://manifests.kraftkit.sh/index.yaml
                - "https://github.com/unikraft/lib-*"
                - /srv/index
            auth:
              github.com:
                user: alice
                token: ghp_secret
                endpoint: github.com
                verify_ssl: true
              registry.local:
                token: t2
                verify_ssl: false
              empty.example:
            aliases: {}
            something_new_in_a_later_kraftkit: [1, 2]
            """);
        var c = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"])));
        var file = dir["cfg/config.yaml"];
        Assert.Equal(
            [new ConfiguredSource("https://manifests.kraftkit.sh/index.yaml", file + ":31"),
             new ConfiguredSource("https://github.com/unikraft/lib-*", file + ":32"),
             new ConfiguredSource("/srv/index", file + ":33")],
            c.Sources);
        Assert.Equal(["https://mirror.example/"], c.Mirrors);
        Assert.Equal("/cache/manifests", c.ManifestsDir);
        Assert.Equal("/cache/sources", c.SourcesDir);
        Assert.True(c.NoParallel);
        Assert.Equal("qemu", c.DefaultPlat);
        Assert.Equal("arm64", c.DefaultArch);
        Assert.Equal(new HostAuth { User = "alice", Token = "ghp_secret", Endpoint = "github.com", VerifySsl = true }, c.Auth["github.com"]);
        Assert.False(c.Auth["registry.local"].VerifySsl);
        Assert.Equal(new HostAuth(), c.Auth["empty.example"]);
        Assert.Equal("ghp_secret", c.GitHubToken);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("unikraft:\n")]
    [InlineData("unikraft:\n  manifests: []\n  mirrors: null\naliases: {}\nauth: ~\npaths:\nlog: {}\n")]
    [InlineData("unikraft: {manifests: [], mirrors: []}\n")]
    public void Empty_values_in_any_spelling_are_accepted(string yaml)
    {
        using var dir = new TempDir();
        dir.Write("cfg/config.yaml", yaml);
        var c = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"])));
        Assert.Equal([new ConfiguredSource(UserConfig.DefaultIndex, "default")], c.Sources);
        Assert.Empty(c.Auth);
    }

    [Fact]
    public void Environment_variables_override_the_file()
    {
        using var dir = new TempDir();
        dir.Write("cfg/config.yaml", "no_parallel: true\nauth:\n  github.com:\n    token: from-file\n");
        var e = Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"]));
        Assert.Equal("from-file", UserConfigLoader.Load(e).GitHubToken);
        Assert.True(UserConfigLoader.Load(e).NoParallel);

        e["KRAFTKIT_NO_PARALLEL"] = "false";
        e["KRAFTKIT_OFFLINE"] = "1";
        e["UK_KRAFT_GITHUB_TOKEN"] = "from-pykraft-variable";
        var c = UserConfigLoader.Load(e);
        Assert.False(c.NoParallel);
        Assert.True(c.Offline);
        Assert.Equal("from-pykraft-variable", c.GitHubToken);

        e["GITHUB_TOKEN"] = "from-env";
        e["KRAFTKIT_OFFLINE"] = "true";
        c = UserConfigLoader.Load(e);
        Assert.Equal("from-env", c.GitHubToken);
        Assert.True(c.Offline);

        e["KRAFTKIT_OFFLINE"] = "0";
        Assert.False(UserConfigLoader.Load(e).Offline);

        e["KRAFTKIT_OFFLINE"] = "maybe";
        var bad = Assert.Throws<KraftException>(() => UserConfigLoader.Load(e));
        Assert.Contains("KRAFTKIT_OFFLINE=maybe", bad.Message);
        Assert.NotNull(bad.Hint);
    }

    [Fact]
    public void Kraftrc_origins_follow_config_yaml_sources_and_duplicates_keep_the_first()
    {
        using var dir = new TempDir();
        dir.Write("cfg/config.yaml", "unikraft:\n  manifests:\n    - https://github.com/unikraft/unikraft.git\n    - /srv/index\n    - /srv/index\n");
        var rc = dir.Write("home/.kraftrc", """
            [fetch]
            prioritize_origin = false
            mirrors = [
              "https://releases.unikraft.org/mirrors",
            ]

            [configure]
            platform = "kvm"
            architecture = "x86_64"

            [list]
            origins = [
              "https://github.com/unikraft/unikraft.git",
              "https://github.com/unikraft/plat-*",
              "https://github.com/unikraft/lib-*",
            ]
            """);
        var c = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"])));
        var yaml = dir["cfg/config.yaml"];
        Assert.Equal(rc, c.KraftrcFile);
        Assert.Equal(
            [new ConfiguredSource("https://github.com/unikraft/unikraft.git", yaml + ":3"),
             new ConfiguredSource("/srv/index", yaml + ":4"),
             new ConfiguredSource("https://github.com/unikraft/plat-*", rc + ":14"),
             new ConfiguredSource("https://github.com/unikraft/lib-*", rc + ":15")],
            c.Sources);
        Assert.Equal(["https://releases.unikraft.org/mirrors"], c.Mirrors);
        Assert.Equal("qemu", c.DefaultPlat); // pykraft's kvm is KraftKit's qemu
        Assert.Equal("x86_64", c.DefaultArch);
    }

    [Fact]
    public void KRAFTRC_moves_the_kraftrc_and_a_missing_one_is_not_created()
    {
        using var dir = new TempDir();
        dir.Write("home/.kraftrc", "[list]\norigins = [\"https://github.com/unikraft/app-*\"]\n");
        var rc = dir.Write("elsewhere/rc.toml", "[configure]\nplatform = \"xen\"\n[list]\norigins = ['https://github.com/unikraft/lib-*']\n");
        var c = UserConfigLoader.Load(Env(dir, ("KRAFTRC", rc)));
        Assert.Equal("https://github.com/unikraft/lib-*", Assert.Single(c.Sources).Location);
        Assert.Equal(rc + ":4", c.Sources[0].From);
        Assert.Equal("xen", c.DefaultPlat);

        var missing = UserConfigLoader.Load(Env(dir, ("KRAFTRC", dir["nope/rc"])));
        Assert.Null(missing.KraftrcFile);
        Assert.False(File.Exists(dir["nope/rc"]));
    }

    [Fact]
    public void Kraftrc_keys_may_be_dotted_or_inline_and_unknown_sections_are_ignored()
    {
        using var dir = new TempDir();
        var rc = dir.Write("rc", """
            list.origins = ["https://github.com/unikraft/lib-*"]
            fetch = { mirrors = ["https://m.example"] }
            [init]
            workdir = "~/.unikraft"
            [[something]]
            x = 1
            """);
        var c = UserConfigLoader.Load(Env(dir, ("KRAFTRC", rc)));
        Assert.Equal(new ConfiguredSource("https://github.com/unikraft/lib-*", rc + ":1"), Assert.Single(c.Sources));
        Assert.Equal(["https://m.example"], c.Mirrors);
    }

    [Fact]
    public void Config_yaml_plat_and_arch_win_over_the_kraftrc()
    {
        using var dir = new TempDir();
        dir.Write("cfg/config.yaml", "default_plat: fc\ndefault_arch: \"\"\n");
        var rc = dir.Write("rc", "[configure]\nplatform = \"kvm\"\narchitecture = \"arm64\"\n");
        var c = UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"]), ("KRAFTRC", rc)));
        Assert.Equal("fc", c.DefaultPlat);
        Assert.Equal("arm64", c.DefaultArch);
    }

    [Theory]
    [InlineData("unikraft:\n  manifests:\n    - a\n   - b\n", 4)]
    [InlineData("paths: [unclosed\n", 2)]
    [InlineData("no_parallel: true\nno_parallel: false\n", 2)]
    [InlineData("unikraft:\n  manifests: \"oops\n", 2)]
    public void Malformed_yaml_names_the_file_and_line(string yaml, int line)
    {
        using var dir = new TempDir();
        var file = dir.Write("cfg/config.yaml", yaml);
        var e = Assert.Throws<KraftException>(() => UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"]))));
        Assert.Equal(file, e.Location!.Value.File);
        Assert.Equal(line, e.Location.Value.Line);
        Assert.True(e.Location.Value.Column > 0);
        Assert.StartsWith("not valid YAML", e.Message);
        Assert.NotNull(e.Hint);
        Assert.DoesNotContain("   at ", e.Describe());
    }

    [Theory]
    [InlineData("unikraft:\n  manifests: https://one.example/index.yaml\n", 2, "unikraft.manifests must be a list")]
    [InlineData("unikraft:\n  manifests:\n    - {url: x}\n", 3, "an item of unikraft.manifests must be a string")]
    [InlineData("unikraft:\n  manifests:\n    - \"\"\n", 3, "an empty item in unikraft.manifests")]
    [InlineData("unikraft: [a]\n", 1, "unikraft must be a mapping")]
    [InlineData("auth:\n  github.com:\n    verify_ssl: sometimes\n", 3, "auth.github.com.verify_ssl must be true or false, not a single value (not shown")]
    [InlineData("auth:\n  github.com:\n    token: [a]\n", 3, "auth.github.com.token must be a string")]
    [InlineData("no_parallel: \"true\"\n", 1, "no_parallel must be true or false")]
    [InlineData("paths:\n  manifests: {a: b}\n", 2, "paths.manifests must be a string")]
    [InlineData("log:\n  timestamps: 3\n", 2, "log.timestamps must be true or false")]
    [InlineData("- a\n- b\n", 1, "the file must be a mapping")]
    public void Wrong_types_in_yaml_name_the_key_file_and_line(string yaml, int line, string message)
    {
        using var dir = new TempDir();
        var file = dir.Write("cfg/config.yaml", yaml);
        var e = Assert.Throws<KraftException>(() => UserConfigLoader.Load(Env(dir, ("KRAFTKIT_CONFIG_DIR", dir["cfg"]))));
        Assert.Contains(message, e.Message);
        Assert.Equal(new SourceLocation(file, line, e.Location!.Value.Column), e.Location);
        Assert.NotNull(e.Hint);
    }

    [Theory]
    [InlineData("[list]\norigins = [\"a\",\n", 3, "not valid TOML")]
    [InlineData("[list]\norigins = \"https://github.com/unikraft/lib-*\"\n", 2, "list.origins must be an array of strings")]
    [InlineData("[list]\norigins = [\"a\", 3]\n", 2, "an item of list.origins must be a string")]
    [InlineData("[configure]\nplatform = 1\n", 2, "configure.platform must be a string")]
    [InlineData("[list]\n[list]\n", 2, "not valid TOML")]
    [InlineData("[fetch]\nmirrors = [\n  \"x\"\n  \"y\"\n]\n", 4, "not valid TOML")]
    public void Bad_kraftrc_names_the_file_and_line(string toml, int line, string message)
    {
        using var dir = new TempDir();
        var rc = dir.Write("rc", toml);
        var e = Assert.Throws<KraftException>(() => UserConfigLoader.Load(Env(dir, ("KRAFTRC", rc))));
        Assert.Contains(message, e.Message);
        Assert.Equal(rc, e.Location!.Value.File);
        Assert.Equal(line, e.Location.Value.Line);
        Assert.True(e.Location.Value.Column > 0);
        Assert.NotNull(e.Hint);
    }
}
