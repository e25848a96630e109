using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Index.Sources;

namespace Kraft.Tests.Packages.Index;

/// <summary>Manifests, indexes and configurations for the index tests.</summary>
internal static class IndexFixtures
{
    public static string Manifest(string name, string type = "lib", string? origin = null) => $"""
        name: {name}
        type: {type}
        description: the {name} component
        origin: {origin ?? $"https://git.example/{type}-{name}.git"}
        channels:
          - name: stable
            default: true
            resource: https://git.example/{type}-{name}/stable.tar.gz
          - name: staging
            resource: https://git.example/{type}-{name}/staging.tar.gz
        versions:
          - version: v0.17.0
            type: semver
            resource: https://git.example/{type}-{name}/v0.17.0.tar.gz
            sha256: {new string('a', 64)}
        """;

    /// <summary>An index of references: each (name, type, path) points to ./path.</summary>
    public static string Index(params (string Name, string Type, string Path)[] entries) =>
        "last_updated: 2024-10-21T10:00:00Z\nmanifests:\n" +
        string.Concat(entries.Select(e => $"  - name: {e.Name}\n    type: {e.Type}\n    manifest: {e.Path}\n"));

    /// <summary>Serves an index of <paramref name="names"/> (libraries) with one manifest file each under <paramref name="dir"/>.</summary>
    public static string ServeIndex(LoopbackHttpServer server, string dir, params string[] names)
    {
        server.Serve($"{dir}/index.yaml", Index(names.Select(n => (n, "lib", $"./libs/{n}.yaml")).ToArray()));
        foreach (var n in names) server.Serve($"{dir}/libs/{n}.yaml", Manifest(n));
        return server.Url($"{dir}/index.yaml");
    }

    public static UserConfig TestConfig(TempDir dir, params string[] sources) => new()
    {
        ConfigFile = dir["config/config.yaml"],
        ManifestsDir = dir["manifests"],
        SourcesDir = dir["sources"],
        Sources = sources.Select(s => new ConfiguredSource(s, "test")).ToList(),
    };

    public static SourceContext Context(TempDir dir, HttpFetcher http) => new(TestConfig(dir), http, NullReporter.Instance);
}

/// <summary>A reporter that keeps what it is told, for assertions.</summary>
internal sealed class RecordingReporter : IReporter
{
    public List<string> Lines { get; } = [];
    public void Info(string message) { lock (Lines) Lines.Add("info: " + message); }
    public void Warn(string message) { lock (Lines) Lines.Add("warn: " + message); }
    public void Progress(string step, int done, int total, string? detail = null) { lock (Lines) Lines.Add($"progress: {step} {detail}"); }
    public void ToolOutput(string line, bool isError) { }
}
