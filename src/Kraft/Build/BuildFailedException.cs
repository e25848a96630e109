namespace Kraft.Build;

/// <summary>make (or conf) failed: carries the command and the end of its output.</summary>
public sealed class BuildFailedException(string message, string command, string outputTail, string? hint = null)
    : KraftException(message, hint: hint)
{
    public string Command { get; } = command;
    public string OutputTail { get; } = outputTail;
}

/// <summary>Configuration did not honour what the Kraftfile asked for.</summary>
public sealed class ConfigMismatchException(string target, IReadOnlyList<ConfigMismatch> mismatches, string kraftfile)
    : KraftException(Render(target, mismatches), new SourceLocation(kraftfile),
        "fix the options above (dependencies that are off, or symbols that do not exist), or build anyway with --force")
{
    public IReadOnlyList<ConfigMismatch> Mismatches { get; } = mismatches;

    static string Render(string target, IReadOnlyList<ConfigMismatch> ms)
    {
        var nameW = Math.Max(4, ms.Max(m => m.Name.Length));
        var askW = Math.Max(5, ms.Max(m => m.Asked.Length));
        var lines = ms.Select(m => $"  {m.Name.PadRight(nameW)}  {m.Asked.PadRight(askW)}  {m.GotText}   [{m.Origin}]"
            + (m.Why is { } why ? $"\n  {"".PadRight(nameW)}  -> {why}" : ""));
        return $"{ms.Count} requested option(s) did not get their value for {target}:\n"
            + $"  {"NAME".PadRight(nameW)}  {"ASKED".PadRight(askW)}  GOT\n" + string.Join('\n', lines);
    }
}
