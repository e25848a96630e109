namespace Kraft.Packages.Fetching;

public enum ArchiveKind { Tar, TarGz, Zip }

/// <summary>Which archive a URL names (by its extension) or a file holds (by its first bytes).</summary>
public static class ArchiveFormat
{
    /// <summary>The archive kind an URL's path ends with (.tar.gz, .tgz, .tar, .zip), or null.</summary>
    public static ArchiveKind? FromUrl(string url)
    {
        var path = url.Split('?', '#')[0];
        if (path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase))
            return ArchiveKind.TarGz;
        if (path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase)) return ArchiveKind.Tar;
        if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return ArchiveKind.Zip;
        return null;
    }

    /// <summary>The kind of a downloaded file, from its magic numbers (URLs do not always say).</summary>
    public static ArchiveKind? Sniff(string file)
    {
        Span<byte> head = stackalloc byte[265];
        int n;
        using (var f = File.OpenRead(file)) n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return ArchiveKind.TarGz;
        if (n >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] is 3 or 5) return ArchiveKind.Zip;
        if (n >= 262 && head[257] == (byte)'u' && head[258] == (byte)'s' && head[259] == (byte)'t' && head[260] == (byte)'a' && head[261] == (byte)'r')
            return ArchiveKind.Tar;
        return null;
    }
}
