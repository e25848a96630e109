using Kraft.Host;

namespace Kraft.Packages;

/// <summary>The system <c>git</c>, run without prompts (a missing credential is an error, not a hang).</summary>
public sealed class Git
{
    readonly string _git;
    static readonly Dictionary<string, string?> NoPrompt = new()
    {
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_ASKPASS"] = "true",
        ["LC_ALL"] = "C",
    };

    public Git() => _git = ToolLocator.Require("git", "to fetch git sources");

    public ProcessResult Run(string? workDir, CancellationToken cancel, params string[] args) =>
        ProcessRunner.Run(_git, args, workDir, NoPrompt, cancel);

    /// <summary>
    /// Runs git with extra environment variables on top of the no-prompt ones (credentials passed
    /// as GIT_CONFIG_* variables stay out of the command line, which other users can read).
    /// </summary>
    public ProcessResult Run(string? workDir, IReadOnlyDictionary<string, string?> extraEnv, CancellationToken cancel, params string[] args)
    {
        var env = new Dictionary<string, string?>(NoPrompt);
        foreach (var (k, v) in extraEnv) env[k] = v;
        return ProcessRunner.Run(_git, args, workDir, env, cancel);
    }

    /// <summary>Runs git and returns its trimmed stdout, or throws with git's own message.</summary>
    public string Check(string? workDir, string what, CancellationToken cancel, params string[] args)
    {
        var r = Run(workDir, cancel, args);
        if (!r.Succeeded)
            throw new KraftException($"{what} failed: {FirstLines(r.CombinedOutput)}",
                hint: "check the URL and your network or credentials; the full command was: " + ProcessRunner.Quote("git", args));
        return r.StandardOutput.Trim();
    }

    /// <summary>The commit a ref names in <paramref name="repo"/>, or null if it names none.</summary>
    public string? ResolveCommit(string repo, string rev, CancellationToken cancel)
    {
        var r = Run(repo, cancel, "rev-parse", "--verify", "--quiet", rev + "^{commit}");
        return r.Succeeded ? r.StandardOutput.Trim() : null;
    }

    static string FirstLines(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" / ", lines.Take(3));
    }
}
