namespace Kraft.Machines;

/// <summary>
/// The body of a detached machine's supervisor (kraft __supervise): leaves the caller's session
/// and terminal (setsid; stdin /dev/null; stdout and stderr to the machine's vmm.log; it inherits no descriptor of the caller's), then runs
/// the VMM as its child and records how it ends. If this process is killed, the VMM runs on and
/// later commands read its state from the pid and QMP.
/// </summary>
public static class MachineSupervisor
{
    /// <param name="decorate">wraps the writers that replace Console.Out and Console.Error (the CLI's redaction).</param>
    public static int Run(MachineStore store, Machine machine, Func<TextWriter, TextWriter> decorate, CancellationToken cancel)
    {
        Detach(machine.Files.VmmLog, decorate);
        var reporter = new LogReporter();
        try
        {
            var result = new MachineController(store, reporter).Supervise(machine, null, cancel);
            return result.ExitCode;
        }
        catch (KraftException e)
        {
            reporter.Warn(e.Describe());
            store.Update(machine, s => s with
            {
                State = MachineState.Failed, ExitedAt = DateTimeOffset.UtcNow, Vmm = null,
                ExitKind = RunExitKind.QemuFailed, ExitCode = 1, Message = e.Message, Hint = e.Hint,
            });
            return 1;
        }
    }

    /// <summary>
    /// Points stdin at /dev/null and stdout and stderr at the log, and gives Console writers on
    /// them: the runtime's own Console streams are duplicates of the descriptors we started with
    /// (pipes kraft run closed at once, see <see cref="MachineController.StartDetached"/>).
    /// </summary>
    static void Detach(string log, Func<TextWriter, TextWriter> decorate)
    {
        if (!OperatingSystem.IsLinux()) return;
        _ = Native.SetSid();
        using var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        using var logFile = Native.OpenAppend(log);
        var nullFd = (int)devNull.SafeFileHandle.DangerousGetHandle();
        var logFd = (int)logFile.SafeFileHandle.DangerousGetHandle();
        _ = Native.Dup2(nullFd, 0);
        _ = Native.Dup2(logFd, 1);
        _ = Native.Dup2(logFd, 2);
        Console.SetOut(decorate(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true }));
        Console.SetError(decorate(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true }));
    }

    /// <summary>The supervisor's own messages, in vmm.log.</summary>
    sealed class LogReporter : IReporter
    {
        public void Info(string message) => Console.Error.WriteLine("kraft: " + message);
        public void Warn(string message) => Console.Error.WriteLine("kraft: warning: " + message);
        public void Progress(string step, int done, int total, string? detail = null) { }
        public void ToolOutput(string line, bool isError) { }
    }
}
