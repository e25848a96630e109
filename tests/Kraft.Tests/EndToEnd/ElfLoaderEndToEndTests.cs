using Kraft.Tests.Packages;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// kraft run ./a.out with no --loader: kraft builds the ELF loader once from the index's
/// app/elfloader (here the fixture's stand-in, tests/fixtures/apps/elfloader, on the fixture core,
/// both offered by a directory source), keeps it, and reuses it. The fixture loader prints the
/// program it found in the initrd, its argv and env, and reports the status of an "exit=N" argument.
/// </summary>
public sealed class ElfLoaderEndToEndTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly TempDir _work = new();
    readonly string _program;

    public ElfLoaderEndToEndTests()
    {
        File.WriteAllText(_work["hello.c"], "int main(void) { return 0; }\n");
        _program = _work["a.out"];
        var cc = global::Kraft.Host.ProcessRunner.Run("gcc", ["-static-pie", "-o", _program, _work["hello.c"]]);
        Assert.True(cc.Succeeded, cc.CombinedOutput);
    }

    public void Dispose()
    {
        _env.Dispose();
        _work.Dispose();
    }

    string Elfloaders => Path.Combine(_env.Root, "elfloaders");

    /// <summary>A directory source offering the fixture core as "unikraft" and the fixture loader as app/elfloader.</summary>
    void OfferLoader(bool withLoader = true)
    {
        var checkouts = _work["checkouts"];
        FixtureApp.CopyTree(Path.Combine(TestPaths.Fixtures, "unikraft-core"), Path.Combine(checkouts, "unikraft"));
        if (withLoader) FixtureApp.CopyTree(Path.Combine(TestPaths.Fixtures, "apps", "elfloader"), Path.Combine(checkouts, "elfloader"));
        Assert.Equal(0, Kraft("pkg", "source", checkouts).ExitCode);
        Assert.Equal(0, Kraft("pkg", "update").ExitCode);
    }

    CliResult Kraft(params string[] args) => KraftCli.Run(_work.Path, _env.CliEnv, TimeSpan.FromMinutes(3), args);

    [Fact]
    public void The_first_run_builds_the_loader_once_and_later_runs_use_it()
    {
        OfferLoader();
        var first = Kraft("run", "-W", "-e", "GREETING=hi there", _program, "--", "one", "exit=3");
        Assert.Equal(3, first.ExitCode);
        Assert.Contains("building the ELF loader once", first.Output);
        Assert.Contains("elfloader: program /a.out:", first.Stdout);
        Assert.Contains("elfloader: argv[0]: /a.out", first.Stdout);
        Assert.Contains("elfloader: argv[1]: one", first.Stdout);
        Assert.Contains("elfloader: env: GREETING=hi there", first.Stdout);
        var kept = Path.Combine(Elfloaders, "0.17.0");
        Assert.True(File.Exists(Path.Combine(kept, "kernel")), first.ToString());
        Assert.Contains("\"unikraft_version\": \"0.17.0\"", File.ReadAllText(Path.Combine(kept, "loader.json")));
        // kraft's exit-status library is built into every loader it builds (inert here: the fixture loader reports by itself).
        Assert.Contains("\"kraft-exit-status\"", File.ReadAllText(Path.Combine(kept, "loader.json")));
        Assert.True(File.Exists(Path.Combine(Elfloaders, "build", "kraft-exit-status", "exit_status.c")));
        Assert.True(File.Exists(Path.Combine(Elfloaders, "build", "build.log")));

        // The kept loader: no build (the build folder is not touched), and the status is the program's.
        var stamp = Directory.GetFiles(Path.Combine(Elfloaders, "build"), "*", SearchOption.AllDirectories).Max(File.GetLastWriteTimeUtc);
        var second = Kraft("run", "-W", _program, "--", "two");
        Assert.Equal(0, second.ExitCode);
        Assert.DoesNotContain("building", second.Output);
        Assert.Contains("elfloader: argv[1]: two", second.Stdout);
        Assert.Equal(stamp, Directory.GetFiles(Path.Combine(Elfloaders, "build"), "*", SearchOption.AllDirectories).Max(File.GetLastWriteTimeUtc));
    }

    [Fact]
    public async Task Two_runs_at_once_build_the_loader_once()
    {
        OfferLoader();
        var runs = await Task.WhenAll(
            Task.Run(() => Kraft("run", "-W", _program, "--", "exit=4")),
            Task.Run(() => Kraft("run", "-W", _program, "--", "exit=5")));
        Assert.Equal(4, runs[0].ExitCode);
        Assert.Equal(5, runs[1].ExitCode);
        var builds = runs.Count(r => r.Output.Contains("building the ELF loader once"));
        Assert.True(builds == 1, $"{runs[0]}\n{runs[1]}");
    }

    [Fact]
    public void Without_app_elfloader_in_the_index_the_error_says_how_to_get_one()
    {
        OfferLoader(withLoader: false);
        var r = Kraft("run", "-W", _program);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the component index offers no app-elfloader", r.Output);
        Assert.Contains("--loader", r.Output);
        Assert.False(Directory.Exists(Path.Combine(Elfloaders, "build")));
    }

    [Fact]
    public void A_loader_that_fails_to_build_shows_the_tail_and_the_log()
    {
        OfferLoader();
        File.AppendAllText(Path.Combine(_work["checkouts"], "elfloader", "main.c"), "\n#error the fixture loader is broken\n");
        var r = Kraft("run", "-W", _program);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the fixture loader is broken", r.Output);
        Assert.Contains("building the ELF loader failed", r.Output);
        Assert.Contains(Path.Combine(Elfloaders, "build", "build.log"), r.Output);
        Assert.False(Directory.Exists(Path.Combine(Elfloaders, "0.17.0")));
    }
}
