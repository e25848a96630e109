using System.Globalization;
using System.Text.RegularExpressions;

namespace Kraft.Packages.Manifests;

/// <summary>
/// Reads the timestamps indexes carry (<c>last_updated</c>) in whatever form their writer chose:
/// RFC 3339 with up to nine fractional digits (Go's yaml.v2), a space instead of 'T', a date alone,
/// or Go's <c>2006-01-02 15:04:05.999 -0700 MST</c>. Anything unreadable is simply unknown.
/// </summary>
public static partial class Timestamps
{
    public static DateTimeOffset? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim();
        // Go's time.String(): "2024-10-21 10:00:00.123 +0000 UTC" — drop the zone abbreviation.
        var go = GoForm().Match(t);
        if (go.Success) t = go.Groups[1].Value + go.Groups[2].Value + " " + go.Groups[3].Value;
        // .NET reads at most 7 fractional digits; Go writes 9.
        t = Fraction().Replace(t, m => m.Value.Length > 8 ? m.Value[..8] : m.Value);
        if (ZoneNoColon().Match(t) is { Success: true } z) t = t[..z.Index] + z.Groups[1].Value + ":" + z.Groups[2].Value;
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture,
            DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out var value) ? value : null;
    }

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(\.\d+)? ([+-]\d{4}) [A-Z]{2,5}$")]
    private static partial Regex GoForm();

    [GeneratedRegex(@"\.\d+")]
    private static partial Regex Fraction();

    [GeneratedRegex(@" ?([+-]\d{2})(\d{2})$")]
    private static partial Regex ZoneNoColon();
}
