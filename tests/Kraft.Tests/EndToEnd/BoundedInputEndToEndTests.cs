using System.Text.RegularExpressions;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// The published binary (UseSystemResourceKeys, NativeAOT) on hostile files: located messages in
/// kraft's words, exit 1, never "internal error" nor a bare .NET resource key.
/// </summary>
public partial class BoundedInputEndToEndTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    IDictionary<string, string?> Env => new Dictionary<string, string?>
    {
        ["HOME"] = _dir["home"], ["XDG_CONFIG_HOME"] = _dir["home/.config"], ["XDG_DATA_HOME"] = _dir["home/.local/share"],
        ["XDG_CACHE_HOME"] = _dir["home/.cache"], ["KRAFTKIT_OFFLINE"] = "1", ["KRAFTKIT_CONFIG_DIR"] = _dir["home/.config/kraftkit"],
    };

    CliResult Kraft(params string[] args) => KraftCli.Run(_dir.Path, Env, TimeSpan.FromMinutes(1), args);

    static void Refused(CliResult r, string where, string what)
    {
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(where, r.Stderr);
        Assert.Contains(what, r.Stderr);
        Assert.DoesNotContain("internal error", r.Output);
        Assert.False(ResourceKey().IsMatch(r.Stderr), r.ToString());
    }

    [GeneratedRegex(@"\b[A-Z][A-Za-z]+_[A-Za-z_]+\b")]
    private static partial Regex ResourceKey();

    void Kraftfile(byte[] bytes)
    {
        Directory.CreateDirectory(_dir["app"]);
        File.WriteAllBytes(_dir["app/Kraftfile"], bytes);
    }

    [Fact]
    public void Nul_invalid_utf8_tabs_and_alias_bombs_in_a_kraftfile_are_located()
    {
        Kraftfile("spec: v0.6\nname: \"ap\\0p\"\nunikraft: stable\n"u8.ToArray());
        Refused(Kraft("inspect", "app"), "Kraftfile:2:7", "NUL");
        Kraftfile([.. "spec: v0.6\nname: caf"u8.ToArray(), 0xE9, .. "\n"u8.ToArray()]);
        Refused(Kraft("inspect", "app"), "Kraftfile:2:10", "not valid UTF-8");
        Kraftfile("spec: v0.6\nname: x\nlibraries:\n  musl:\n\tversion: stable\n"u8.ToArray());
        Refused(Kraft("inspect", "app"), "Kraftfile:5:1", "tab");
        var bomb = "spec: v0.6\nname: x\nx-b:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + string.Concat(Enumerable.Range(1, 9)
            .Select(i => $"  {(char)('a' + i)}: &{(char)('a' + i)} [{string.Join(", ", Enumerable.Repeat($"*{(char)('a' + i - 1)}", 9))}]\n"));
        Kraftfile(System.Text.Encoding.UTF8.GetBytes(bomb));
        var r = Kraft("inspect", "app");
        Refused(r, "Kraftfile:", "aliases");
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Pkg_source_on_an_alias_bombed_or_non_utf8_config_refuses_and_leaves_it_untouched()
    {
        var config = _dir["home/.config/kraftkit/config.yaml"];
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        Directory.CreateDirectory(_dir["src"]);
        var bomb = "unikraft:\n  manifests: []\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + string.Concat(Enumerable.Range(1, 9)
            .Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [{string.Join(", ", Enumerable.Repeat($"*{(char)('a' + i - 1)}", 9))}]\n"));
        File.WriteAllText(config, bomb);
        var r = Kraft("pkg", "source", _dir["src"]);
        Refused(r, "config.yaml:", "aliases");
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(bomb, File.ReadAllText(config));
        byte[] latin1 = [.. "# caf"u8.ToArray(), 0xE9, .. "\nunikraft:\n  manifests: []\n"u8.ToArray()];
        File.WriteAllBytes(config, latin1);
        Refused(Kraft("pkg", "source", _dir["src"]), "config.yaml:1:6", "not valid UTF-8");
        Assert.Equal(latin1, File.ReadAllBytes(config));
    }

    [Fact]
    public void Io_failures_are_said_in_kraft_words()
    {
        var config = _dir["home/.config/kraftkit/config.yaml"];
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.CreateSymbolicLink(config, config);
        Refused(Kraft("pkg", "ls"), "config.yaml", "Too many levels of symbolic links");
    }
}
