namespace Kraft;

/// <summary>A location in a user's file, 1-based, printed as file:line:column.</summary>
public readonly record struct SourceLocation(string File, int Line = 0, int Column = 0)
{
    public override string ToString() =>
        Line <= 0 ? File : Column <= 0 ? $"{File}:{Line}" : $"{File}:{Line}:{Column}";
}

/// <summary>
/// Something the user got wrong or must fix on their machine. The CLI prints it as one message
/// (with where and how to fix it) and exits non-zero; anything else that escapes is a bug.
/// </summary>
public class KraftException : Exception
{
    public SourceLocation? Location { get; }
    public string? Hint { get; }
    public int ExitCode { get; }

    public KraftException(string message, SourceLocation? location = null, string? hint = null, int exitCode = 1, Exception? inner = null)
        : base(message, inner)
    {
        Location = location;
        Hint = hint;
        ExitCode = exitCode;
    }

    /// <summary>The full text shown to the user: "where: what" and, on the next line, the fix.</summary>
    public string Describe()
    {
        var head = Location is { } at ? $"{at}: {Message}" : Message;
        return Hint is null ? head : $"{head}\n  hint: {Hint}";
    }
}
