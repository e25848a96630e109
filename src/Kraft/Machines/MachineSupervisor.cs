namespace Kraft.Machines;

/// <summary>
/// The body of a detached machine's supervisor (kraft __supervise): leaves the caller's session
/// and terminal (setsid; stdin /dev/null; stdout and stderr to the machine's vmm.log), then runs
/// the VMM as its child and records how it ends. If this process is killed, the VMM runs on and
/// later commands read its state from the pid and QMP.
/// </summary>
public static class MachineSupervisor
{
    public static int Run(MachineStore store, Machine machine, CancellationToken cancel)
    {
        Detach(machine.Files.VmmLog);
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

    static void Detach(string log)
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
