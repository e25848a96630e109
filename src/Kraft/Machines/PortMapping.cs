using System.Globalization;
using System.Net;

namespace Kraft.Machines;

public enum PortProtocol
{
    Tcp,
    Udp,
}

/// <summary>One published port: the host's <see cref="HostIp"/>:<see cref="HostPort"/> forwards to the guest's <see cref="GuestPort"/>.</summary>
public sealed record PortMapping(string HostIp, int HostPort, int GuestPort, PortProtocol Protocol = PortProtocol.Tcp)
{
    public const string AnyAddress = "0.0.0.0";
    public const int MaxMappings = 256;

    [System.Text.Json.Serialization.JsonIgnore]
    public string ProtocolName => Protocol == PortProtocol.Udp ? "udp" : "tcp";

    /// <summary>As Docker and `kraft ps` print it: 127.0.0.1:8080->80/tcp.</summary>
    public override string ToString() => $"{HostIp}:{HostPort}->{GuestPort}/{ProtocolName}";

    /// <summary>Whether the two mappings want the same host socket (same protocol and port, and one address covers the other).</summary>
    public bool ClashesWith(PortMapping other) =>
        Protocol == other.Protocol && HostPort == other.HostPort
        && (HostIp == other.HostIp || IsAny(HostIp) || IsAny(other.HostIp));

    public static bool IsAny(string ip) => ip is AnyAddress or "::" or "";

    /// <summary>
    /// Parses Docker's -p syntax: <c>[hostIP:]hostPort:guestPort[/tcp|udp]</c>, where both ports may
    /// be ranges of the same length (<c>8000-8002:9000-9002</c>); a lone guest port or range
    /// publishes the same host port. An IPv6 host address goes in brackets (<c>[::1]:80:80</c>).
    /// </summary>
    public static IReadOnlyList<PortMapping> Parse(string value)
    {
        var text = value.Trim();
        var proto = PortProtocol.Tcp;
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            proto = text[(slash + 1)..].ToLowerInvariant() switch
            {
                "tcp" => PortProtocol.Tcp,
                "udp" => PortProtocol.Udp,
                var p => throw Bad(value, $"unknown protocol '{p}' (tcp or udp)"),
            };
            text = text[..slash];
        }

        var hostIp = AnyAddress;
        string hostPart, guestPart;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':') throw Bad(value, "an IPv6 address ends with ']:'");
            hostIp = text[1..close];
            text = text[(close + 2)..];
            var colon = text.IndexOf(':');
            if (colon < 0) throw Bad(value, "expected hostPort:guestPort after the address");
            (hostPart, guestPart) = (text[..colon], text[(colon + 1)..]);
        }
        else
        {
            var parts = text.Split(':');
            switch (parts.Length)
            {
                case 1: (hostPart, guestPart) = (parts[0], parts[0]); break;
                case 2: (hostPart, guestPart) = (parts[0], parts[1]); break;
                case 3: hostIp = parts[0]; (hostPart, guestPart) = (parts[1], parts[2]); break;
                default: throw Bad(value, "too many ':' (an IPv6 address goes in brackets)");
            }
        }
        if (hostIp.Length == 0) hostIp = AnyAddress;
        if (!IPAddress.TryParse(hostIp, out var address)) throw Bad(value, $"'{hostIp}' is not an IP address");
        hostIp = address.ToString();
        if (hostPart.Length == 0) hostPart = guestPart;

        var (h0, h1) = Range(value, hostPart, "host");
        var (g0, g1) = Range(value, guestPart, "guest");
        if (h1 - h0 != g1 - g0) throw Bad(value, $"the host range has {h1 - h0 + 1} ports but the guest range {g1 - g0 + 1}");
        if (h1 - h0 + 1 > MaxMappings) throw Bad(value, $"a range publishes at most {MaxMappings} ports");
        var result = new List<PortMapping>();
        for (var i = 0; i <= h1 - h0; i++) result.Add(new PortMapping(hostIp, h0 + i, g0 + i, proto));
        return result;
    }

    /// <summary>Parses every -p value; the same host socket twice is refused.</summary>
    public static IReadOnlyList<PortMapping> ParseAll(IEnumerable<string> values)
    {
        var all = new List<PortMapping>();
        foreach (var v in values)
            foreach (var m in Parse(v))
            {
                if (all.FirstOrDefault(o => o.ClashesWith(m)) is { } dup)
                    throw new KraftException($"port {m.HostIp}:{m.HostPort}/{m.ProtocolName} is published twice ({dup} and {m})",
                        hint: "give each host port once");
                all.Add(m);
                if (all.Count > MaxMappings) throw Bad(v, $"at most {MaxMappings} ports can be published");
            }
        return all;
    }

    static (int, int) Range(string value, string text, string side)
    {
        var dash = text.IndexOf('-');
        var first = Port(value, dash < 0 ? text : text[..dash], side);
        var last = dash < 0 ? first : Port(value, text[(dash + 1)..], side);
        if (last < first) throw Bad(value, $"the {side} range {text} runs backwards");
        return (first, last);
    }

    static int Port(string value, string text, string side) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535
            ? p
            : throw Bad(value, $"'{text}' is not a {side} port (1-65535)");

    static KraftException Bad(string value, string why) =>
        new($"invalid port mapping '{value}': {why}",
            hint: "use [hostIP:]hostPort:guestPort[/tcp|udp], e.g. -p 8080:80, -p 127.0.0.1:8443:443, -p 8000-8002:8000-8002/udp");
}
