namespace Kraft.Packages.Origins;

/// <summary>
/// One archive a library downloads during the build, as Unikraft's fetch rules spell it: the
/// library (make's name, e.g. liblwip), the URLs tried in order (fetch2 and fetchas2 give a
/// second one), where make stores the file (<c>$(O)/&lt;lib&gt;/&lt;file&gt;</c>; make downloads it only
/// when that file is missing) and the sha256 the library itself declares (<c>LIBX_ORIGIN_SHA256</c>).
/// </summary>
public sealed record LibraryOrigin(string Library, IReadOnlyList<string> Urls, string Destination, string? DeclaredSha256)
{
    public string File => Path.GetFileName(Destination);
    public string Url => Urls[0];
}

/// <summary>A library whose download kraft cannot take over (make's own wget or git runs for it), and why.</summary>
public sealed record UnreadableOrigin(string Library, string Reason);

/// <summary>Everything a configured target's make would download.</summary>
public sealed record OriginList(IReadOnlyList<LibraryOrigin> Origins, IReadOnlyList<UnreadableOrigin> Unreadable)
{
    public static OriginList Empty { get; } = new([], []);
}
