namespace Kraft;

/// <summary>
/// How the library tells its caller what is happening. The library never writes to the console;
/// the CLI renders these events (a live display on a terminal, plain lines elsewhere).
/// </summary>
public interface IReporter
{
    /// <summary>A short, user-facing statement ("configuring helloworld (qemu/x86_64)").</summary>
    void Info(string message);
    /// <summary>Something the user should know that does not stop the work.</summary>
    void Warn(string message);
    /// <summary>Progress of a long step: <paramref name="done"/> of <paramref name="total"/> units (total 0 when unknown).</summary>
    void Progress(string step, int done, int total, string? detail = null);
    /// <summary>A raw line from a tool we drive (make, git), for verbose or plain output.</summary>
    void ToolOutput(string line, bool isError);
}

/// <summary>A reporter that drops everything, for callers (and tests) that do not care.</summary>
public sealed class NullReporter : IReporter
{
    public static readonly NullReporter Instance = new();
    public void Info(string message) { }
    public void Warn(string message) { }
    public void Progress(string step, int done, int total, string? detail = null) { }
    public void ToolOutput(string line, bool isError) { }
}
