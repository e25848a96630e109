using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Kraft.Host;

/// <summary>
/// kraft's own words for a failed file operation. The published CLI is built with
/// UseSystemResourceKeys, so .NET's messages arrive as bare keys ("IO_FileNotFound_FileName, /x");
/// this says what failed, on which file, and the errno's meaning as the C library words it
/// (strerror), which needs no resource strings.
/// </summary>
public static partial class IoErrors
{
    /// <summary>"PATH: REASON" for an IOException, UnauthorizedAccessException and their kin.</summary>
    public static string Describe(Exception e, string? path = null)
    {
        path ??= PathOf(e);
        var reason = Reason(e, path);
        return path is { Length: > 0 } ? $"{path}: {reason}" : reason;
    }

    /// <summary>A KraftException for a failed file operation: "cannot DOING PATH: REASON".</summary>
    public static KraftException Wrap(Exception e, string doing, string? path = null, string? hint = null, SourceLocation? location = null)
    {
        path ??= PathOf(e);
        var reason = Reason(e, path);
        var where = path is { Length: > 0 } ? $" {path}" : "";
        return new KraftException($"cannot {doing}{where}: {reason}", location, hint ?? HintFor(e), inner: e);
    }

    /// <summary>The errno's meaning (or what the exception type says), never a resource key.</summary>
    public static string Reason(Exception e, string? path = null)
    {
        var errno = Errno(e);
        if (e is UnauthorizedAccessException && path is { Length: > 0 } && Directory.Exists(path)) errno = 21;
        return e switch
        {
            FileNotFoundException => "no such file",
            DirectoryNotFoundException => "a folder on the path does not exist",
            PathTooLongException => "the path is too long",
            EndOfStreamException => "the file ended early (it is truncated)",
            UnauthorizedAccessException when errno is 21 => "it is a folder, not a file",
            UnauthorizedAccessException when errno is > 0 and not 13 => $"access refused ({Strerror(errno)})",
            UnauthorizedAccessException => "permission denied",
            IOException when errno > 0 => Strerror(errno),
            System.ComponentModel.Win32Exception w when w.NativeErrorCode > 0 => Strerror(w.NativeErrorCode),
            System.Text.Json.JsonException j => $"not valid JSON{(j.LineNumber is { } l ? $" at line {l + 1}, byte {j.BytePositionInLine + 1}" : "")}",
            _ when !IsResourceKey(e.Message) => e.Message,
            _ => $"input/output error ({e.GetType().Name})",
        };
    }

    static string? HintFor(Exception e) => Errno(e) switch
    {
        28 or 122 => "free some disk space (or quota) and try again",
        13 or 1 => "check the file's and its folders' permissions",
        30 => "the file system is read-only",
        _ => e is UnauthorizedAccessException ? "check the file's and its folders' permissions" : null,
    };

    /// <summary>The errno behind an exception (.NET on Unix puts it in HResult), or 0.</summary>
    public static int Errno(Exception e)
    {
        if (e is UnauthorizedAccessException && e.InnerException is IOException inner) return Errno(inner);
        return e.HResult is > 0 and < 4096 ? e.HResult : 0;
    }

    static string Strerror(int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return string.IsNullOrEmpty(text) || IsResourceKey(text) ? $"errno {errno}" : text;
    }

    /// <summary>The path a .NET I/O message names, whether spelt out ('/x') or as a resource key's argument.</summary>
    static string? PathOf(Exception e)
    {
        if (e is FileNotFoundException { FileName: { Length: > 0 } f }) return f;
        var m = e.Message;
        var quoted = QuotedPath().Match(m);
        if (quoted.Success) return quoted.Groups[1].Value;
        var key = KeyWithArgument().Match(m);
        if (key.Success) return key.Groups[1].Value;
        var tail = ColonPath().Match(m);
        return tail.Success ? tail.Groups[1].Value : null;
    }

    /// <summary>True for a message that is a bare .NET resource key (UseSystemResourceKeys).</summary>
    public static bool IsResourceKey(string message) => ResourceKey().IsMatch(message);

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+(,|$)")]
    private static partial Regex ResourceKey();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+, (/[^,]*)")]
    private static partial Regex KeyWithArgument();

    [GeneratedRegex(@"'(/[^']*)'")]
    private static partial Regex QuotedPath();

    [GeneratedRegex(@" : '?(/[^']*)'?$")]
    private static partial Regex ColonPath();
}
