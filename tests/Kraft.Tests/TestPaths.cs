namespace Kraft.Tests;

/// <summary>Where the repository, its fixtures and the published kraft binary are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");
    public static string FixtureCore => Path.Combine(Fixtures, "unikraft-core");

    /// <summary>The NativeAOT kraft that test.sh publishes (KRAFT_BIN), as users run it.</summary>
    public static string KraftBinary =>
        Environment.GetEnvironmentVariable("KRAFT_BIN") is { Length: > 0 } bin ? bin : Path.Combine(RepoRoot, "artifacts", "bin", "kraft");

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kraft.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Kraft.slnx) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary directory that is deleted at the end of the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("kraft-test-").FullName;
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public string Write(string relative, string content)
    {
        var full = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
