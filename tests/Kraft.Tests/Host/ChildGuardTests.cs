using System.Diagnostics;
using Kraft.Host;

namespace Kraft.Tests.Host;

/// <summary>The guard is process-wide; these tests turn it on and off alone, not beside other tests.</summary>
[CollectionDefinition(nameof(ChildGuardTests), DisableParallelization = true)]
public sealed class ChildGuardCollection;

[Collection(nameof(ChildGuardTests))]
public sealed class ChildGuardTests : IDisposable
{
    public void Dispose() => ChildGuard.Disable();

    [Fact]
    public void Wraps_a_command_line_for_the_guard()
    {
        var (file, args) = ChildGuard.Wrap("/opt/kraft", "/usr/bin/make", ["-C", "a b"], ChildGroup.Own, 42);
        Assert.Equal("/opt/kraft", file);
        Assert.Equal(["__guard", "own", "42", "--", "/usr/bin/make", "-C", "a b"], args);
        Assert.Equal("shared", ChildGuard.Wrap("k", "q", [], ChildGroup.Shared, 1).Args[1]);
    }

    /// <summary>Enables the guard with the published kraft, or skips when there is none that has it.</summary>
    internal static void RequireGuard()
    {
        var bin = TestPaths.KraftBinary;
        Skip.IfNot(File.Exists(bin), $"no published kraft at {bin} (./test.sh publishes it; or set KRAFT_BIN)");
        var probe = Process.Start(new ProcessStartInfo(bin, ["__guard", "own", Environment.ProcessId.ToString(), "--", "true"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        Skip.IfNot(probe.ExitCode == 0, $"the kraft at {bin} predates the guard (publish it again)");
        ChildGuard.Enable(bin);
    }

    [SkippableFact]
    public void A_guarded_child_passes_output_and_exit_code_through()
    {
        RequireGuard();
        var r = ProcessRunner.Run("sh", ["-c", "echo out; echo err >&2; exit 7"]);
        Assert.Equal(7, r.ExitCode);
        Assert.Equal("out\n", r.StandardOutput);
        Assert.Equal("err\n", r.StandardError);
        var missing = Assert.Throws<KraftException>(() => ProcessRunner.Run("no-such-tool-kraft-test", []));
        Assert.Contains("could not start 'no-such-tool-kraft-test'", missing.Message);
    }

    [SkippableFact]
    public void A_child_outlives_the_thread_that_started_it()
    {
        // The trap PR_SET_PDEATHSIG sets: it fires when the forking *thread* exits.
        RequireGuard();
        ProcessResult? result = null;
        var starter = new Thread(() => result = ProcessRunner.Run("sh", ["-c", "sleep 0.3; echo alive"]));
        var sw = Stopwatch.StartNew();
        starter.Start();
        starter.Join();
        Assert.Equal("alive\n", result!.StandardOutput);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(300));
    }

    [SkippableFact]
    public void Cancelling_stops_the_child_and_everything_it_started()
    {
        RequireGuard();
        using var t = new TempDir();
        var pids = t["pids"];
        using var cancel = new CancellationTokenSource();
        var run = Task.Run(() => ProcessRunner.Run("sh", ["-c", $"sleep 300 & echo $! >> {pids}; echo $$ >> {pids}; sleep 301"], cancel: cancel.Token));
        var started = WaitForPids(pids, 2, TimeSpan.FromSeconds(20));
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => run.GetAwaiter().GetResult());
        AssertAllGone(started, TimeSpan.FromSeconds(3));
    }

    internal static int[] WaitForPids(string file, int count, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (File.Exists(file))
            {
                var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToArray();
                if (lines.Length >= count) return lines.Select(int.Parse).ToArray();
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException($"the child did not write {count} pids to {file} in {timeout}");
    }

    /// <summary>Waits until none of <paramref name="pids"/> is alive (a zombie waiting for init to reap it is dead).</summary>
    internal static void AssertAllGone(int[] pids, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var alive = pids.Where(Alive).ToArray();
            if (alive.Length == 0) return;
            if (sw.Elapsed > within)
            {
                foreach (var p in alive) try { Process.GetProcessById(p).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
                Assert.Fail($"still running {within.TotalSeconds} s later: {string.Join(", ", alive)}");
            }
            Thread.Sleep(20);
        }
    }

    static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
    }
}
