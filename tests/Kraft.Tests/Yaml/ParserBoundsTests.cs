using System.Diagnostics;
using System.Text;
using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Locking;
using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Tests.Yaml;

/// <summary>Hostile sizes, depths, aliases, NULs and bytes in every file kraft parses: a located refusal, quickly.</summary>
public class ParserBoundsTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    const string Head = "spec: v0.6\nname: app\nunikraft: stable\ntargets:\n  - qemu/x86_64\n";

    static string AliasBomb(string prefix = "") =>
        prefix + "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
        string.Concat(Enumerable.Range(1, 9).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [{string.Join(", ", Enumerable.Repeat($"*{(char)('a' + i - 1)}", 9))}]\n"));

    static void Timed(TimeSpan limit, Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        Assert.True(clock.Elapsed < limit, $"took {clock.Elapsed.TotalMilliseconds:0} ms, more than {limit.TotalMilliseconds} ms");
    }

    static void Located(KraftException e, string file, int line = 0)
    {
        Assert.NotNull(e.Location);
        Assert.Equal(file, e.Location!.Value.File);
        if (line > 0) Assert.Equal(line, e.Location.Value.Line);
    }

    [Fact]
    public void An_alias_bomb_in_config_yaml_is_refused_by_the_editing_path_quickly()
    {
        var config = _dir["config.yaml"];
        File.WriteAllText(config, AliasBomb("unikraft:\n  manifests: []\n"));
        var before = File.ReadAllBytes(config);
        Timed(TimeSpan.FromSeconds(3), () =>
        {
            var e = Assert.Throws<KraftException>(() => SourceListEditor.Add(config, ["https://example.org/index.yaml"]));
            Assert.Contains("aliases", e.Message);
            Located(e, config);
        });
        Assert.Equal(before, File.ReadAllBytes(config));
    }

    [Fact]
    public void Alias_bombs_are_refused_in_kraftfiles_manifests_and_locks()
    {
        Timed(TimeSpan.FromSeconds(3), () =>
        {
            Located(Assert.Throws<KraftException>(() => KraftfileLoader.Parse("Kraftfile", Head + AliasBomb("x-bomb:\n  ").Replace("\n", "\n  ").TrimEnd(' '))), "Kraftfile");
            Located(Assert.Throws<KraftException>(() => ManifestReader.ReadAny(AliasBomb("name: x\ntype: lib\n"), "index.yaml")), "index.yaml");
            Located(Assert.Throws<KraftException>(() => LockFile.Parse(_dir["Kraftfile.lock"], AliasBomb("version: 1\n"))), _dir["Kraftfile.lock"]);
        });
    }

    [Fact]
    public void Forty_thousand_kconfig_keys_parse_quickly_and_two_hundred_thousand_are_refused_quickly()
    {
        var keys40k = Head + "kconfig:\n" + string.Concat(Enumerable.Range(0, 40_000).Select(i => $"  CONFIG_X{i}: y\n"));
        Timed(TimeSpan.FromSeconds(10), () => Assert.Equal(40_000, KraftfileLoader.Parse("Kraftfile", keys40k).Kconfig.Count));
        var list40k = Head + "kconfig:\n" + string.Concat(Enumerable.Range(0, 40_000).Select(i => $"  - CONFIG_X{i}=y\n"));
        Timed(TimeSpan.FromSeconds(10), () => Assert.Equal(40_000, KraftfileLoader.Parse("Kraftfile", list40k).Kconfig.Count));
        var keys200k = Head + "kconfig:\n" + string.Concat(Enumerable.Range(0, 200_000).Select(i => $"  CONFIG_X{i}: y\n"));
        Timed(TimeSpan.FromSeconds(3), () =>
        {
            var e = Assert.Throws<KraftException>(() => KraftfileLoader.Parse("Kraftfile", keys200k));
            Assert.Contains("too large", e.Message);
            Located(e, "Kraftfile");
        });
    }

    [Fact]
    public void Repeated_keys_stay_linear()
    {
        var text = Head + "kconfig:\n" + string.Concat(Enumerable.Range(0, 30_000).Select(i => $"  CONFIG_X{i % 10}: y\n"));
        Timed(TimeSpan.FromSeconds(10), () => Assert.Equal(10, KraftfileLoader.Parse("Kraftfile", text).Kconfig.Count));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_twenty_thousand_deep_map_is_refused_at_the_place_it_goes_too_deep(bool flow)
    {
        var deep = flow
            ? "x-deep: " + string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "1" + new string('}', 20_000) + "\n"
            : "x-deep:\n" + string.Concat(Enumerable.Range(1, 1_000).Select(i => new string(' ', i) + "a:\n")); // 20k deep would be 200 MB of indentation
        Timed(TimeSpan.FromSeconds(3), () =>
        {
            var e = Assert.Throws<KraftException>(() => KraftfileLoader.Parse("Kraftfile", Head + deep));
            Assert.Contains("nest more than 64", e.Message);
            Located(e, "Kraftfile");
            Assert.True(e.Location!.Value.Line > 5);
        });
    }

    static string LockText(int components) =>
        "version: 1\ncomponents:\n" + string.Concat(Enumerable.Range(0, components).Select(i =>
            $"  - type: lib\n    name: l{i}\n    resolved:\n      kind: archive\n      url: https://x/{i}.tgz\n      sha256: {new string('a', 64)}\n"));

    [Fact]
    public void A_lock_with_many_components_parses_in_linear_time_and_a_huge_one_is_refused()
    {
        var path = _dir["Kraftfile.lock"];
        var text = LockText(5_000);
        Timed(TimeSpan.FromSeconds(10), () =>
        {
            var lockFile = LockFile.Parse(path, text);
            Assert.Equal(5_000, lockFile.Entries.Count);
            for (var i = 0; i < 5_000; i++) Assert.NotNull(lockFile.Find(ComponentType.Lib, $"l{i}"));
        });
        File.WriteAllText(path, LockText(50_000));
        Timed(TimeSpan.FromSeconds(3), () => Assert.Contains("too large", Assert.Throws<KraftException>(() => LockFile.Load(path)).Message));
    }

    [Fact]
    public void A_kraftrc_nested_deeper_than_the_limit_is_a_located_error_not_a_toml_exception()
    {
        var e = Assert.Throws<KraftException>(() => KraftrcReader.Parse("[list]\norigins = " + new string('[', 100) + new string(']', 100) + "\n", ".kraftrc"));
        Assert.Contains("nest more than", e.Message);
        Assert.Equal(new SourceLocation(".kraftrc", 2, 43), e.Location);
        var inline = Assert.Throws<KraftException>(() => KraftrcReader.Parse("a = " + string.Concat(Enumerable.Repeat("{b=", 70)) + "1" + new string('}', 70), ".kraftrc"));
        Assert.Equal(1, inline.Location!.Value.Line);
        // Brackets in strings and comments are not nesting.
        Assert.Single(KraftrcReader.Parse("# " + new string('[', 100) + "\n[list]\norigins = [\"" + new string('[', 100) + "\"]\n", ".kraftrc").Origins);
    }

    [Fact]
    public void A_tab_used_as_indentation_is_reported_where_it_is()
    {
        var e = Assert.Throws<KraftException>(() => KraftfileLoader.Parse("Kraftfile", "spec: v0.6\nname: x\nlibraries:\n  musl:\n\tversion: stable\n"));
        Assert.Contains("tab", e.Message);
        Assert.Equal(new SourceLocation("Kraftfile", 5, 1), e.Location);
        var config = Assert.Throws<KraftException>(() => ConfigYamlReader.Parse("log:\n  level: info\nunikraft:\n  manifests:\n\tmirrors: []\n", "config.yaml"));
        Assert.Equal(5, config.Location!.Value.Line);
    }

    [Fact]
    public void A_nul_in_a_name_a_lock_path_or_paths_sources_is_a_located_error()
    {
        var k = Assert.Throws<KraftException>(() => KraftfileLoader.Parse("Kraftfile", "spec: v0.6\nname: \"ap\\0p\"\nunikraft: stable\n"));
        Assert.Equal(new SourceLocation("Kraftfile", 2, 7), k.Location);
        Assert.Contains("NUL", k.Message);
        var l = Assert.Throws<KraftException>(() => LockFile.Parse(_dir["Kraftfile.lock"],
            "version: 1\ncomponents:\n  - type: lib\n    name: x\n    resolved:\n      kind: directory\n      path: \"a\\0b\"\n"));
        Assert.Equal(7, l.Location!.Value.Line);
        var c = Assert.Throws<KraftException>(() => ConfigYamlReader.Parse("paths:\n  sources: \"/tmp/\\0x\"\n", "config.yaml"));
        Assert.Equal(new SourceLocation("config.yaml", 2, 12), c.Location);
        var rc = Assert.Throws<KraftException>(() => KraftrcReader.Parse("[list]\norigins = [\"a\\u0000b\"]\n", ".kraftrc"));
        Assert.Equal(2, rc.Location!.Value.Line);
    }

    public static TheoryData<string> Files => new() { "Kraftfile", "config.yaml", "Kraftfile.lock", ".kraftrc", "index.yaml" };

    void Load(string kind, string path)
    {
        switch (kind)
        {
            case "Kraftfile": KraftfileLoader.Load(path); break;
            case "config.yaml": ConfigYamlReader.Read(path); break;
            case "Kraftfile.lock": LockFile.Load(path); break;
            case ".kraftrc": KraftrcReader.Read(path); break;
            default: ManifestReader.ReadAny(TextInput.ReadFile(path, "the manifest", 1 << 20).Value, path); break;
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Invalid_utf8_is_refused_at_its_line_and_column_never_replaced(string kind)
    {
        var path = _dir[kind];
        // Line 2, after "# caf": a Latin-1 é (0xE9) that is no UTF-8.
        File.WriteAllBytes(path, [.. "# ok \u00e9\n"u8.ToArray(), .. "# caf"u8.ToArray(), 0xE9, .. "\n"u8.ToArray()]);
        var e = Assert.Throws<KraftException>(() => Load(kind, path));
        Assert.Contains("UTF-8", e.Message);
        Assert.Equal(new SourceLocation(path, 2, 6), e.Location);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_raw_nul_byte_is_refused_at_its_place(string kind)
    {
        var path = _dir[kind];
        File.WriteAllBytes(path, [.. "# a\nx"u8.ToArray(), 0, .. "y\n"u8.ToArray()]);
        var e = Assert.Throws<KraftException>(() => Load(kind, path));
        Assert.Contains("NUL", e.Message);
        Assert.Equal(new SourceLocation(path, 2, 2), e.Location);
    }

    [Fact]
    public void Pkg_source_changes_only_the_lines_it_means_to()
    {
        var config = _dir["config.yaml"];
        byte[] original = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(
            "# réglages — 日本語 comment\r\nno_prompt: true   # trailing\r\nunikraft:\n  manifests:\n    - https://a.example/index.yaml\n  mirrors: []\nlog:\n  level: \"info\"\n")];
        File.WriteAllBytes(config, original);
        var result = SourceListEditor.Add(config, ["https://b.example/index.yaml"]);
        Assert.True(result.Written && result.CommentsKept);
        var after = File.ReadAllBytes(config);
        var insert = "    - https://b.example/index.yaml\n"u8.ToArray();
        var at = Encoding.UTF8.GetByteCount("\uFEFF# réglages — 日本語 comment\r\nno_prompt: true   # trailing\r\nunikraft:\n  manifests:\n    - https://a.example/index.yaml\n");
        Assert.Equal([.. original[..at], .. insert, .. original[at..]], after);
        SourceListEditor.Remove(config, ["https://b.example/index.yaml"]);
        Assert.Equal(original, File.ReadAllBytes(config));
    }
}
