using Kraft.Project;

namespace Kraft.Tests.Project;

/// <summary>A throw-away project directory, and shortcuts for loading Kraftfile text in it.</summary>
internal sealed class TempProject : IDisposable
{
    public string Dir { get; }

    public TempProject(string name = "myapp")
    {
        Dir = Path.Combine(Path.GetTempPath(), "kraft-tests-" + Guid.NewGuid().ToString("N"), name);
        Directory.CreateDirectory(Dir);
    }

    public string KraftfilePath => Path.Combine(Dir, "Kraftfile");

    public string Write(string relative, string text = "")
    {
        var path = Path.Combine(Dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public KraftProject Load(string yaml) => KraftfileLoader.Parse(KraftfilePath, yaml);

    public KraftException Fail(string yaml) => Assert.Throws<KraftException>(() => Load(yaml));

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(Dir)!, recursive: true); } catch (IOException) { }
    }
}

internal static class Yaml
{
    /// <summary>Joins lines so tests can count lines and columns exactly.</summary>
    public static string Lines(params string[] lines) => string.Join("\n", lines) + "\n";
}
