using System.Security.Cryptography;

namespace Kraft.Oci;

/// <summary>
/// A content digest, "sha256:" and 64 lowercase hex digits: the only algorithm kraft writes and
/// the only one it accepts (so a digest is always safe as a file name under blobs/sha256/).
/// </summary>
public readonly record struct Digest
{
    public string Hex { get; }
    Digest(string hex) => Hex = hex;

    public const string Prefix = "sha256:";
    public override string ToString() => Prefix + Hex;
    /// <summary>The first 12 hex digits, as listings show them.</summary>
    public string Short => Hex[..12];

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null || text.Length != Prefix.Length + 64 || !text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        for (var i = Prefix.Length; i < text.Length; i++)
            if (!char.IsAsciiHexDigitLower(text[i]) && !char.IsAsciiDigit(text[i])) return false;
        digest = new Digest(text[Prefix.Length..]);
        return true;
    }

    public static Digest Parse(string? text, string what = "digest") =>
        TryParse(text, out var d) ? d
            : throw new KraftException($"invalid {what} {Names.Quote(text)}", hint: "a digest is sha256: followed by 64 lowercase hex digits");

    public static Digest FromHex(string hex) => Parse(Prefix + hex);

    public static Digest Of(ReadOnlySpan<byte> content) => new(Convert.ToHexStringLower(SHA256.HashData(content)));

    public static Digest FromHash(byte[] sha256) => new(Convert.ToHexStringLower(sha256));
}
