using Kraft.Host;

namespace Kraft.Tests.Packages;

/// <summary>A real git repository made by the test: commits, tags and branches.</summary>
public sealed class GitRepoFixture : IDisposable
{
    readonly TempDir _dir = new();
    public string Path => _dir.Path;
    public string Url => "file://" + Path;

    public GitRepoFixture()
    {
        Git("init", "-q", "-b", "main");
        Git("config", "user.email", "t@example.org");
        Git("config", "user.name", "test");
    }

    public string Commit(string file, string content, string message)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, file), content);
        Git("add", "-A");
        Git("commit", "-q", "-m", message);
        return Git("rev-parse", "HEAD");
    }

    public string Git(params string[] args)
    {
        var r = ProcessRunner.Run("git", args, Path);
        if (!r.Succeeded) throw new InvalidOperationException($"git {string.Join(' ', args)}: {r.CombinedOutput}");
        return r.StandardOutput.Trim();
    }

    public void Dispose() => _dir.Dispose();
}
