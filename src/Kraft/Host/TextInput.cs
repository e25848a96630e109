using System.Text;
using System.Text.Unicode;

namespace Kraft.Host;

/// <summary>
/// The one way kraft reads a text file a user (or a server) hands it: at most a size limit of bytes
/// (checked before reading, and again while reading, for pipes and /dev files), decoded as strict
/// UTF-8: an invalid byte or a NUL is refused at its line:column rather than turned into U+FFFD
/// (which would change values) or taken as the end of the text (YamlDotNet stops at a NUL).
/// A leading byte-order mark is dropped and reported so an editor can write it back.
/// </summary>
public static class TextInput
{
    /// <summary>The text of a file as read, and whether it began with a UTF-8 byte-order mark.</summary>
    public readonly record struct Text(string Value, bool HadBom);

    /// <summary>
    /// Reads <paramref name="path"/> (shown as <paramref name="shownAs"/>) as UTF-8 text of at most
    /// <paramref name="maxBytes"/> bytes; <paramref name="what"/> names it in messages ("the Kraftfile").
    /// </summary>
    public static Text ReadFile(string path, string what, long maxBytes, string? shownAs = null)
    {
        shownAs ??= path;
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            if (stream.CanSeek && stream.Length > maxBytes) throw TooLarge(shownAs, what, stream.Length, maxBytes);
            bytes = ReadAtMost(stream, maxBytes, shownAs, what);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoErrors.Wrap(e, $"read {what}", shownAs);
        }
        return Decode(bytes, shownAs, what);
    }

    /// <summary>Reads a stream (stdin, a pipe) to its end, refusing more than <paramref name="maxBytes"/>.</summary>
    public static Text ReadStream(Stream stream, string shownAs, string what, long maxBytes)
    {
        byte[] bytes;
        try { bytes = ReadAtMost(stream, maxBytes, shownAs, what); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoErrors.Wrap(e, $"read {what}", shownAs);
        }
        return Decode(bytes, shownAs, what);
    }

    static byte[] ReadAtMost(Stream stream, long maxBytes, string shownAs, string what)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > maxBytes) throw TooLarge(shownAs, what, null, maxBytes);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    static KraftException TooLarge(string shownAs, string what, long? size, long maxBytes) =>
        new($"{what} is too large: {(size is { } s ? Sizes.Format(s) : "more than " + Sizes.Format(maxBytes))}; kraft reads at most {Sizes.Format(maxBytes)} of it",
            new SourceLocation(shownAs), "no real file comes near this limit: check that this is the file you meant");

    /// <summary>Strict UTF-8 decoding with a located error for an invalid byte or a NUL.</summary>
    public static Text Decode(ReadOnlySpan<byte> bytes, string shownAs, string what)
    {
        var bom = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
        if (bom) bytes = bytes[3..];
        var nul = bytes.IndexOf((byte)0);
        var valid = nul < 0 ? bytes : bytes[..nul];
        var chars = new char[valid.Length];
        var status = Utf8.ToUtf16(valid, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
            throw new KraftException($"{what} is not valid UTF-8: byte 0x{valid[read]:X2} cannot start or continue a character here",
                At(bytes, read, shownAs, bom), "save the file as UTF-8 (an editor's 'encoding' setting, or iconv -f latin1 -t utf-8)");
        if (nul >= 0)
            throw new KraftException($"{what} holds a NUL byte", At(bytes, nul, shownAs, bom),
                "a text file has no NUL bytes: remove it (is this a binary file, or saved as UTF-16?)");
        return new Text(new string(chars, 0, written), bom);
    }

    /// <summary>The line:column (1-based, column counted in characters) of byte <paramref name="offset"/>.</summary>
    static SourceLocation At(ReadOnlySpan<byte> bytes, int offset, string shownAs, bool bom)
    {
        var before = bytes[..offset];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var column = 1;
        foreach (var b in before[lineStart..])
            if ((b & 0xC0) != 0x80) column++; // continuation bytes do not start a character
        return new SourceLocation(shownAs, line, column);
    }

    /// <summary>Encodes text for writing back, with the byte-order mark it was read with.</summary>
    public static byte[] Encode(string text, bool bom)
    {
        var body = new UTF8Encoding(false).GetBytes(text);
        return bom ? [0xEF, 0xBB, 0xBF, .. body] : body;
    }
}

/// <summary>Byte counts as people read them.</summary>
public static class Sizes
{
    public const long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

    public static string Format(long bytes) => bytes switch
    {
        >= GiB when bytes % GiB == 0 => $"{bytes / GiB} GiB",
        >= GiB => $"{bytes / (double)GiB:0.#} GiB",
        >= MiB when bytes % MiB == 0 => $"{bytes / MiB} MiB",
        >= MiB => $"{bytes / (double)MiB:0.#} MiB",
        >= KiB when bytes % KiB == 0 => $"{bytes / KiB} KiB",
        >= KiB => $"{bytes / (double)KiB:0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
