using System.Net;
using System.Net.Sockets;

namespace Kraft.Networks;

/// <summary>An IPv4 address with a prefix length ("172.18.0.1/16"): an interface address and its subnet.</summary>
public readonly record struct Ipv4Cidr(uint Address, int Prefix)
{
    public uint Mask => Prefix == 0 ? 0 : uint.MaxValue << (32 - Prefix);
    public uint Network => Address & Mask;
    public uint Broadcast => Network | ~Mask;
    public Ipv4Cidr Subnet => new(Network, Prefix);

    public bool Contains(uint ip) => (ip & Mask) == Network;
    public bool Overlaps(Ipv4Cidr other)
    {
        var p = Math.Min(Prefix, other.Prefix);
        var m = p == 0 ? 0 : uint.MaxValue << (32 - p);
        return (Address & m) == (other.Address & m);
    }

    public override string ToString() => $"{Format(Address)}/{Prefix}";

    public static string Format(uint ip) => $"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}";

    public static bool TryParseAddress(string text, out uint ip)
    {
        ip = 0;
        if (!IPAddress.TryParse(text, out var a) || a.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') != 3) return false;
        var b = a.GetAddressBytes();
        ip = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        return true;
    }

    /// <summary>"a.b.c.d/p" (p 1..30 for a network kraft manages; a bare address takes <paramref name="defaultPrefix"/>).</summary>
    public static bool TryParse(string text, out Ipv4Cidr cidr, int? defaultPrefix = null)
    {
        cidr = default;
        var slash = text.IndexOf('/');
        var addr = slash < 0 ? text : text[..slash];
        int prefix;
        if (slash < 0)
        {
            if (defaultPrefix is null) return false;
            prefix = defaultPrefix.Value;
        }
        else if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix is < 0 or > 32) return false;
        if (!TryParseAddress(addr, out var ip)) return false;
        cidr = new Ipv4Cidr(ip, prefix);
        return true;
    }
}
