namespace Kraft.Tests.EndToEnd;

/// <summary>
/// Opt-in: the component index against the real Unikraft repository (KRAFT_TEST_UNIKRAFT_GIT, a
/// clone or mirror of unikraft/unikraft with its RELEASE tags). examples/helloworld asks for
/// v0.17.0 without a source: kraft must find it through the index, pin release 0.17.0's commit
/// in Kraftfile.lock, and configure it, and a second "machine" with only the lock gets the same.
/// </summary>
public class RealUnikraftIndexTests
{
    static readonly string? Repository = Environment.GetEnvironmentVariable("KRAFT_TEST_UNIKRAFT_GIT");

    [SkippableFact]
    public void Helloworld_resolves_v0_17_0_through_the_index_and_pins_it()
    {
        Skip.If(string.IsNullOrEmpty(Repository), "set KRAFT_TEST_UNIKRAFT_GIT to a clone of unikraft/unikraft (path or URL)");
        var source = Repository!.TrimEnd('/').EndsWith("unikraft.git", StringComparison.Ordinal) ? Repository : Repository + "#unikraft";
        using var dir = new TempDir();
        dir.Write("config/config.yaml", $"unikraft:\n  manifests:\n    - {source}\n");
        var env = new Dictionary<string, string?>
        {
            ["KRAFTKIT_CONFIG_DIR"] = dir["config"],
            ["KRAFTKIT_PATHS_MANIFESTS"] = dir["manifests"],
            ["KRAFTKIT_PATHS_SOURCES"] = dir["sources"],
            ["KRAFT_GIT_ORIGIN_BASE"] = null,
        };
        var app = dir["helloworld"];
        FixtureApp.CopyTree(Path.Combine(TestPaths.RepoRoot, "examples", "helloworld"), app);
        var timeout = TimeSpan.FromMinutes(10);

        var update = KraftCli.Run(app, env, timeout, "pkg", "update");
        Assert.True(update.ExitCode == 0, update.ToString());
        var info = KraftCli.Run(app, env, timeout, "pkg", "info", "unikraft");
        Assert.Contains("RELEASE-0.17.0", info.Stdout);

        var configure = KraftCli.Run(app, env, timeout, "configure", "-t", "qemu/x86_64");
        Assert.True(configure.ExitCode == 0, configure.ToString());
        var release = Git(dir.Path, "-C", Repository!, "rev-parse", "RELEASE-0.17.0^{commit}");
        var lockText = File.ReadAllText(Path.Combine(app, "Kraftfile.lock"));
        Assert.Contains("commit: " + release, lockText);
        Assert.Equal(release, Git(app, "-C", Path.Combine(app, ".unikraft", "unikraft"), "rev-parse", "HEAD"));

        // Another machine: the project with its lock, an empty cache; --locked must give the same commit.
        var other = dir["other"];
        Directory.CreateDirectory(other);
        foreach (var f in new[] { "Kraftfile", "Kraftfile.lock", "main.c", "Makefile.uk", "Config.uk" })
            if (File.Exists(Path.Combine(app, f))) File.Copy(Path.Combine(app, f), Path.Combine(other, f));
        var otherEnv = new Dictionary<string, string?>(env)
        {
            ["KRAFTKIT_PATHS_MANIFESTS"] = dir["other-manifests"],
            ["KRAFTKIT_PATHS_SOURCES"] = dir["other-sources"],
        };
        var offline = KraftCli.Run(other, otherEnv, timeout, "build", "--locked", "--offline", "-t", "qemu/x86_64");
        Assert.NotEqual(0, offline.ExitCode);
        Assert.Contains("not in the cache", offline.Stderr);
        var pull = KraftCli.Run(other, otherEnv, timeout, "pkg", "pull");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(release, Git(other, "-C", Path.Combine(other, ".unikraft", "unikraft"), "rev-parse", "HEAD"));
        Assert.Equal(lockText, File.ReadAllText(Path.Combine(other, "Kraftfile.lock")));
    }

    static string Git(string workDir, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = workDir, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }
}
