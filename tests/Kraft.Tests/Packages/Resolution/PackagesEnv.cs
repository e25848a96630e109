using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Tests.Packages;

/// <summary>
/// A machine for package tests: its own config dir, index cache and sources cache in a temp dir,
/// never the user's. Index snapshots are written directly (the updater is tested elsewhere).
/// </summary>
public sealed class PackagesEnv : IDisposable
{
    readonly TempDir _dir = new();
    public string Root => _dir.Path;
    public string ConfigDir => _dir["config"];
    public string ManifestsDir => _dir["manifests"];
    public string SourcesDir => _dir["sources"];

    public UserConfig Config => new()
    {
        ConfigFile = System.IO.Path.Combine(ConfigDir, "config.yaml"),
        ManifestsDir = ManifestsDir,
        SourcesDir = SourcesDir,
    };

    public UserConfig OfflineConfig => Config with { Offline = true };

    /// <summary>Variables that point a kraft process at this machine's directories.</summary>
    public Dictionary<string, string?> CliEnv => new()
    {
        ["KRAFTKIT_CONFIG_DIR"] = ConfigDir,
        ["KRAFTKIT_PATHS_MANIFESTS"] = ManifestsDir,
        ["KRAFTKIT_PATHS_SOURCES"] = SourcesDir,
        ["HOME"] = _dir["home"],
        ["XDG_CONFIG_HOME"] = _dir["home/.config"],
        ["XDG_DATA_HOME"] = _dir["home/.local/share"],
        ["KRAFTKIT_OFFLINE"] = null,
        ["KRAFT_GIT_ORIGIN_BASE"] = null,
        ["KRAFT_HTTP_RETRIES"] = "0",
    };

    /// <summary>Stores an index snapshot with one source listing these manifests.</summary>
    public void SaveIndex(params Manifest[] manifests) =>
        new IndexStore(ManifestsDir).Save(new IndexSnapshot
        {
            UpdatedAt = DateTimeOffset.UtcNow,
            Sources = [new SourceListing { Location = "https://index.test/index.yaml", Kind = "index", ListedAt = DateTimeOffset.UtcNow, Manifests = manifests }],
        });

    public static KraftProject ProjectIn(string dir, Component? core, params Component[] libs) => new()
    {
        Directory = dir, KraftfilePath = System.IO.Path.Combine(dir, "Kraftfile"), Spec = "v0.6", Name = "app",
        OutDir = System.IO.Path.Combine(dir, ".unikraft", "build"), Unikraft = core, Libraries = libs,
    };

    public static Component Core(string? source = null, string? version = null, int line = 3) =>
        new() { Name = "unikraft", Kind = ComponentKind.Core, Source = source, Version = version, Location = new SourceLocation("Kraftfile", line, 3) };

    public static Component Lib(string name, string? source = null, string? version = null, int line = 6) =>
        new() { Name = name, Kind = ComponentKind.Library, Source = source, Version = version, Location = new SourceLocation("Kraftfile", line, 3) };

    public void Dispose() => _dir.Dispose();
}
