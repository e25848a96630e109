using System.Collections.Concurrent;
using System.Diagnostics;
using Kraft.Host;

namespace Kraft.Tests.Host;

public class TempNameTests
{
    [Fact]
    public void Names_carry_the_pid_its_start_time_and_a_random_part()
    {
        var a = Path.GetFileName(TempName.Beside("/x/config.yaml"));
        var b = Path.GetFileName(TempName.Beside("/x/config.yaml"));
        Assert.NotEqual(a, b);
        Assert.Matches($@"^\.config\.yaml\.tmp-{Environment.ProcessId}-\d+-[0-9a-f]{{16}}$", a);
        Assert.Matches($@"^\.download-{Environment.ProcessId}-\d+-[0-9a-f]{{16}}$", Path.GetFileName(TempName.In("/x", "", "download")));
    }

    [Fact]
    public void Only_temporaries_of_dead_owners_are_stale()
    {
        Assert.False(TempName.IsStale(TempName.Beside("/x/a"))); // ours
        var start = TempName.StartTime(Environment.ProcessId)!.Value;
        // Our pid with another start time: a dead process whose pid was reused.
        Assert.True(TempName.IsStale($".a.tmp-{Environment.ProcessId}-{start + 1}-0123456789abcdef"));
        var dead = Process.Start("true")!;
        dead.WaitForExit();
        Assert.True(TempName.IsStale($".a.clone-{dead.Id}-1-0123456789abcdef"));
        // Not ours at all: a user's file is never touched.
        Assert.False(TempName.IsStale(".a.tmp"));
        Assert.False(TempName.IsStale($"a.tmp-{dead.Id}-1-0123456789abcdef"));
        Assert.False(TempName.IsStale($".a.backup-{dead.Id}-1-0123456789abcdef"));
    }

    [Fact]
    public void Cleaning_removes_stale_files_and_trees_and_keeps_the_rest()
    {
        using var t = new TempDir();
        var dead = Process.Start("true")!;
        dead.WaitForExit();
        var staleFile = t.Write($".config.yaml.tmp-{dead.Id}-5-0123456789abcdef", "token: secret");
        var staleTree = t[$".lib-musl.clone-{dead.Id}-5-0123456789abcdef"];
        Directory.CreateDirectory(Path.Combine(staleTree, "objects"));
        var live = t.Write(Path.GetFileName(TempName.Beside(t["b"])), "");
        var user = t.Write(".hidden", "");
        Assert.Equal(2, TempName.CleanStale(t.Path));
        Assert.False(File.Exists(staleFile));
        Assert.False(Directory.Exists(staleTree));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(user));
    }

    [Fact]
    public void An_atomic_write_is_private_while_written_and_keeps_the_target_mode()
    {
        using var t = new TempDir();
        var secret = t.Write("config.yaml", "a: 1\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.WriteAllText(secret, "a: 2\n");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
        var shared = t.Write("Kraftfile.lock", "");
        File.SetUnixFileMode(shared, (UnixFileMode)0b110_100_100);
        AtomicFile.WriteAllText(shared, "x");
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(shared));
        var fresh = t["new"];
        AtomicFile.WriteAllText(fresh, "x");
        Assert.True(File.GetUnixFileMode(fresh).HasFlag(UnixFileMode.UserWrite));
        Assert.Equal(["Kraftfile.lock", "config.yaml", "new"], Directory.GetFileSystemEntries(t.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}

public class FileLockTests
{
    sealed class Recorder : IReporter
    {
        public readonly ConcurrentQueue<string> Lines = new();
        public void Info(string message) => Lines.Enqueue(message);
        public void Warn(string message) => Lines.Enqueue(message);
        public void Progress(string step, int done, int total, string? detail = null) { }
        public void ToolOutput(string line, bool isError) { }
    }

    [Fact]
    public async Task A_waiter_says_who_holds_the_lock()
    {
        using var t = new TempDir();
        var path = t["build.lock"];
        var held = FileLock.Acquire(path, "the build", NullReporter.Instance, default);
        var recorder = new Recorder();
        var waiter = Task.Run(() => FileLock.Acquire(path, "the build of hello (qemu/x86_64)", recorder, default));
        var sw = Stopwatch.StartNew();
        while (recorder.Lines.IsEmpty && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
        Assert.False(waiter.IsCompleted);
        held.Dispose();
        using (await waiter) { }
        Assert.Matches($@"^waiting for process {Environment.ProcessId} \(kraft[^,]*, started \d\d:\d\d:\d\d\) to finish with the build of hello \(qemu/x86_64\)$", Assert.Single(recorder.Lines));
    }
}
