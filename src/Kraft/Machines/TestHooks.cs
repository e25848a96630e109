using Kraft.Host;

namespace Kraft.Machines;

/// <summary>
/// Points where a test can hold a supervisor still, to kill it at a moment it could otherwise not
/// hit (FOR TESTS ONLY; unset in any real use). The variable names a file: the process writes its
/// pid there and then sleeps until it is killed.
/// </summary>
public static class TestHooks
{
    /// <summary>After the VMM was started and configured, before the supervisor records it in status.json.</summary>
    public const string PauseBeforeVmmRecorded = "KRAFT_TEST_HOOK_PAUSE_BEFORE_VMM_RECORDED";

    public static void PauseIfAsked(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } file) return;
        AtomicFile.WriteAllText(file, Environment.ProcessId + "\n", durable: false);
        Thread.Sleep(Timeout.Infinite);
    }
}
