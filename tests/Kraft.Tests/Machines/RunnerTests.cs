using System.Diagnostics;
using System.Text;
using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class ConsoleScannerTests
{
    static ConsoleScanner Scan(params string[] chunks)
    {
        var s = new ConsoleScanner();
        foreach (var c in chunks) s.Feed(Encoding.Latin1.GetBytes(c));
        s.Complete();
        return s;
    }

    [Fact]
    public void Finds_the_hwrng_failure_even_when_split_across_reads()
    {
        var s = Scan("[    0.101804] ERR:  [libukrandom] <random.c @   65> Could not ini", "tialize the HWRNG (-95)\r\n",
            "[    0.102682] ERR:  [libukboot] <boot.c @  427> Init function at 0x1246f0 returned error -95\r\n");
        Assert.True(s.SawHwrngFailure);
        Assert.True(s.SawCrash);
        Assert.Single(s.CrashLines);
        Assert.StartsWith("[    0.102682] ERR:  [libukboot]", s.CrashLines[0]);
    }

    [Fact]
    public void Crit_lines_mark_a_crash_and_ansi_is_stripped()
    {
        var s = Scan("Hello\r\n", "[    0.2] \x1b[0m\x1b[1;31mCRIT:\x1b[0m [libkvmplat] <traps.c @  113> Crashing\r\n");
        Assert.True(s.SawCrash);
        Assert.False(s.SawHwrngFailure);
        Assert.Equal("[    0.2] CRIT: [libkvmplat] <traps.c @  113> Crashing", s.CrashLines[0]);
    }

    [Fact]
    public void Unterminated_last_line_is_checked() => Assert.True(Scan("Abnormal termination!").SawCrash);

    [Fact]
    public void Normal_output_is_not_a_crash()
    {
        var s = Scan("Powered by\r\n", "Hello world!\r\nArguments:  \"helloworld\"\r\n");
        Assert.True(s.SawOutput);
        Assert.False(s.SawCrash);
        Assert.False(s.SawHwrngFailure);
    }
}

public class QemuRunnerTests
{
    static MachineSpec Spec(GuestArch arch = GuestArch.X86_64) => new() { KernelPath = "/k", Arch = arch };

    /// <summary>A launch whose "QEMU" is a shell script, so the runner can be tested without a kernel.</summary>
    static QemuLaunch Fake(string script, GuestArch arch = GuestArch.X86_64, Acceleration accel = Acceleration.Tcg, Version? v = null) =>
        new(Spec(arch), new QemuBinary("/bin/sh", []), accel, v, ["-c", script]);

    /// <summary>Collects console writes with the time each one happened.</summary>
    sealed class Capture : Stream
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly MemoryStream _data = new();
        public readonly List<(TimeSpan At, string Text)> Writes = [];
        public string Text { get { lock (_data) return Encoding.Latin1.GetString(_data.ToArray()); } }
        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_data)
            {
                _data.Write(buffer, offset, count);
                Writes.Add((_clock.Elapsed, Encoding.Latin1.GetString(buffer, offset, count)));
            }
        }
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    sealed class Recorder : IReporter
    {
        public readonly List<string> Warnings = [];
        public void Info(string message) { }
        public void Warn(string message) { lock (Warnings) Warnings.Add(message); }
        public void Progress(string step, int done, int total, string? detail = null) { }
        public void ToolOutput(string line, bool isError) { }
    }

    static (RunResult, Capture) Run(QemuLaunch launch, CancellationToken cancel = default, IReporter? reporter = null)
    {
        var c = new Capture();
        return (QemuRunner.Run(launch, reporter ?? NullReporter.Instance, cancel, c), c);
    }

    [Fact]
    public void Debug_exit_83_is_a_normal_halt()
    {
        var (r, c) = Run(Fake("printf 'Hello world!\\r\\n'; exit 83"));
        Assert.Equal(RunExitKind.Halted, r.Kind);
        Assert.Equal(83, r.QemuExitCode);
        Assert.Equal(0, r.ExitCode);
        Assert.Null(r.ToException());
        Assert.Equal("Hello world!\r\n", c.Text);
        Assert.NotNull(r.FirstOutput);
    }

    [Fact]
    public void Debug_exit_85_is_a_crash()
    {
        var (r, _) = Run(Fake("printf '[    0.1] CRIT: [libkvmplat] <traps.c @  113> Crashing\\r\\n'; exit 85"));
        Assert.Equal(RunExitKind.Crashed, r.Kind);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the unikernel crashed: [    0.1] CRIT:", r.Message);
        Assert.Equal(1, r.ToException()!.ExitCode);
    }

    [Fact]
    public void Hwrng_failure_is_explained()
    {
        var (r, _) = Run(Fake(
            "printf '[    0.1] ERR:  [libukrandom] <random.c @   65> Could not initialize the HWRNG (-95)\\r\\n'; exit 85",
            v: new Version(7, 2, 22)));
        Assert.Equal(RunExitKind.Crashed, r.Kind);
        Assert.True(r.HwrngFailure);
        Assert.Contains("RDRAND and RDSEED", r.Message);
        Assert.Contains("QEMU 7.2.22 cannot emulate RDSEED", r.Message);
        Assert.Contains("CONFIG_LIBUKRANDOM", r.Hint);
        Assert.Contains("KVM", r.Hint);
        Assert.Contains("8.1.3", r.Hint);
    }

    [Fact]
    public void Arm_power_off_is_a_halt_unless_the_console_shows_a_crash()
    {
        var (ok, _) = Run(Fake("printf 'Hello\\r\\n'; exit 0", GuestArch.Arm64));
        Assert.Equal(RunExitKind.Halted, ok.Kind);
        Assert.Equal(0, ok.ExitCode);

        var (bad, _) = Run(Fake("printf 'CRIT: [libukboot] Assertion failure: x\\r\\n'; exit 0", GuestArch.Arm64));
        Assert.Equal(RunExitKind.Crashed, bad.Kind);
        Assert.Equal(1, bad.ExitCode);
    }

    [Fact]
    public void Exit_83_means_nothing_special_on_arm()
    {
        var (r, _) = Run(Fake("exit 83", GuestArch.Arm64));
        Assert.Equal(RunExitKind.QemuFailed, r.Kind);
    }

    [Fact]
    public void Qemu_failure_carries_its_stderr()
    {
        var recorder = new Recorder();
        var (r, c) = Run(Fake("echo 'qemu-system-x86_64: -bogus: invalid option' >&2; exit 1", accel: Acceleration.Kvm), reporter: recorder);
        Assert.Equal(RunExitKind.QemuFailed, r.Kind);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("QEMU failed (exit code 1): qemu-system-x86_64: -bogus: invalid option", r.Message);
        Assert.Contains("-W", r.Hint);
        Assert.Equal("", c.Text);
        Assert.Empty(recorder.Warnings);
    }

    [Fact]
    public void Qemu_warnings_are_reported_as_they_come()
    {
        var recorder = new Recorder();
        var (r, _) = Run(Fake("echo 'qemu-system-x86_64: warning: TCG doesn'\\''t support requested feature' >&2; exit 83"), reporter: recorder);
        Assert.Equal(RunExitKind.Halted, r.Kind);
        Assert.Single(recorder.Warnings);
        Assert.Contains("TCG doesn't support", recorder.Warnings[0]);
    }

    [Fact]
    public void Qemu_abort_is_a_failure()
    {
        var (r, _) = Run(Fake("echo 'kvm_buf_set_msrs: Assertion failed' >&2; kill -ABRT $$", accel: Acceleration.Kvm));
        Assert.Equal(RunExitKind.QemuFailed, r.Kind);
        Assert.Equal(134, r.QemuExitCode);
        Assert.StartsWith("QEMU died with signal 6: kvm_buf_set_msrs", r.Message);
    }

    [Fact]
    public void Kvm_internal_error_stops_qemu()
    {
        var sw = Stopwatch.StartNew();
        var (r, _) = Run(Fake("echo 'KVM internal error. Suberror: 1' >&2; sleep 30", accel: Acceleration.Kvm));
        Assert.Equal(RunExitKind.QemuFailed, r.Kind);
        Assert.Contains("KVM internal error", r.Message);
        Assert.Contains("-W", r.Hint);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_child_holding_the_pipes_after_qemu_exits_does_not_hold_up_the_result()
    {
        // The child keeps QEMU's stdout and stderr open for 30 s after QEMU itself has exited.
        var sw = Stopwatch.StartNew();
        var (r, c) = Run(Fake("printf 'bye\\n'; sleep 30 & exit 83"));
        Assert.Equal(RunExitKind.Halted, r.Kind);
        Assert.Equal("bye\n", c.Text);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public void Console_output_is_passed_on_before_qemu_exits()
    {
        var sw = Stopwatch.StartNew();
        var (r, c) = Run(Fake("printf 'first\\n'; sleep 1; printf 'second\\n'; exit 83"));
        Assert.Equal(RunExitKind.Halted, r.Kind);
        Assert.Equal("first\nsecond\n", c.Text);
        Assert.True(c.Writes.Count >= 2);
        Assert.Equal("first\n", c.Writes[0].Text);
        Assert.True(c.Writes[^1].At - c.Writes[0].At > TimeSpan.FromMilliseconds(700), "the first line waited for the second");
    }

    [Fact]
    public async Task Cancellation_kills_the_whole_tree_and_maps_to_130()
    {
        var pidFile = Path.GetTempFileName();
        try
        {
            using var cts = new CancellationTokenSource();
            // sh ignores nothing, but its background child would survive sh's death on its own.
            var launch = Fake($"sleep 60 & echo $! > {pidFile}; printf 'started\\n'; wait");
            var capture = new Capture();
            var task = Task.Run(() => QemuRunner.Run(launch, NullReporter.Instance, cts.Token, capture));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!capture.Text.Contains("started") && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.Contains("started", capture.Text);
            var child = int.Parse(File.ReadAllText(pidFile).Trim());
            cts.Cancel();
            var r = await task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(RunExitKind.Killed, r.Kind);
            Assert.Equal(130, r.ExitCode);
            Assert.Null(r.ToException());
            Assert.False(IsRunning(child), $"child {child} is still running");
        }
        finally { File.Delete(pidFile); }
    }

    [Fact]
    public async Task Stubborn_qemu_is_killed_after_the_grace_period()
    {
        var old = QemuRunner.StopGrace;
        QemuRunner.StopGrace = TimeSpan.FromMilliseconds(300);
        try
        {
            using var cts = new CancellationTokenSource();
            var capture = new Capture();
            var launch = Fake("trap '' TERM; printf 'up\\n'; while :; do sleep 0.1; done");
            var task = Task.Run(() => QemuRunner.Run(launch, NullReporter.Instance, cts.Token, capture));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!capture.Text.Contains("up") && DateTime.UtcNow < deadline) Thread.Sleep(20);
            cts.Cancel();
            var r = await task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(RunExitKind.Killed, r.Kind);
            Assert.Equal(130, r.ExitCode);
        }
        finally { QemuRunner.StopGrace = old; }
    }

    [Fact]
    public void Qemu_killed_by_the_terminal_signal_counts_as_ctrl_c()
    {
        var (r, _) = Run(Fake("echo 'qemu-system-x86_64: terminating on signal 2' >&2; exit 0"));
        Assert.Equal(RunExitKind.Killed, r.Kind);
        Assert.Equal(130, r.ExitCode);
    }

    static bool IsRunning(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            string stat;
            try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
            catch (IOException) { return false; }
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            if (state is "Z" or "X") return false;
            Thread.Sleep(50);
        }
        return true;
    }
}

/// <summary>Boots a real kernel when KRAFT_TEST_KERNEL points at one (e.g. /work/real/build-0.16.3-x86/helloworld_qemu-x86_64).</summary>
public class RealKernelTests
{
    [SkippableFact]
    public void Boots_the_kernel_from_KRAFT_TEST_KERNEL()
    {
        var kernel = Environment.GetEnvironmentVariable("KRAFT_TEST_KERNEL");
        Skip.If(string.IsNullOrEmpty(kernel), "set KRAFT_TEST_KERNEL to a Unikraft kernel image to run this test");
        var spec = MachineSpec.Create(kernel, appArgs: ["kraft", "test arg"],
            disableAcceleration: Environment.GetEnvironmentVariable("KRAFT_TEST_KVM") != "1");
        var launch = QemuRunner.Prepare(spec, NullReporter.Instance);
        var console = new MemoryStream();
        var r = QemuRunner.Run(launch, NullReporter.Instance, default, console);
        var text = Encoding.Latin1.GetString(console.ToArray());
        Skip.If(r.HwrngFailure, $"this QEMU cannot run the image: {r.Message}");
        Assert.True(r.Kind == RunExitKind.Halted, $"{r.Kind}: {r.Message}\n{text}\n{r.QemuStderr}");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Powered by", text);
        Assert.Contains("\"test arg\"", text);
    }
}
