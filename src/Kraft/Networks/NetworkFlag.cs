using Kraft.Machines;

namespace Kraft.Networks;

/// <summary>Parses --network NAME[:ip[/mask][:gw[:dns0[:dns1[:hostname[:domain]]]]]] (KraftKit's form).</summary>
public static class NetworkFlag
{
    public const string Hint = "write --network NAME, or NAME:IP[/PREFIX][:GATEWAY[:DNS0[:DNS1[:HOSTNAME[:DOMAIN]]]]], e.g. --network mynet:172.18.0.10/16";

    public static NetworkAttachment Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length > 7)
            throw new KraftException($"invalid --network '{text}': too many ':' fields", hint: Hint);
        var name = parts[0];
        if (name.Length == 0) throw new KraftException($"invalid --network '{text}': no network name", hint: Hint);
        Names.Check(NameKind.Network, name);
        string? cidr = null, gw = null;
        if (parts.Length > 1 && parts[1].Length > 0)
        {
            if (!Ipv4Cidr.TryParse(parts[1], out var c, defaultPrefix: 0) || (parts[1].Contains('/') && c.Prefix is < 1 or > 30))
                throw new KraftException($"invalid --network '{text}': '{parts[1]}' is not an IPv4 address (with an optional /prefix)", hint: Hint);
            cidr = parts[1];
        }
        if (parts.Length > 2 && parts[2].Length > 0)
        {
            if (!Ipv4Cidr.TryParseAddress(parts[2], out _))
                throw new KraftException($"invalid --network '{text}': gateway '{parts[2]}' is not an IPv4 address", hint: Hint);
            gw = parts[2];
        }
        var dns = new List<string>();
        foreach (var d in parts.Skip(3).Take(2))
        {
            if (d.Length == 0) continue;
            if (!Ipv4Cidr.TryParseAddress(d, out _))
                throw new KraftException($"invalid --network '{text}': DNS server '{d}' is not an IPv4 address", hint: Hint);
            dns.Add(d);
        }
        string? host = parts.Length > 5 && parts[5].Length > 0 ? parts[5] : null;
        string? domain = parts.Length > 6 && parts[6].Length > 0 ? parts[6] : null;
        foreach (var s in new[] { host, domain })
            if (s is not null && !s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.'))
                throw new KraftException($"invalid --network '{text}': '{s}' is not a host or domain name", hint: Hint);
        return new NetworkAttachment { Network = name, Cidr = cidr, Gateway = gw, Dns = dns, Hostname = host, Domain = domain };
    }

    /// <summary>netdev.ip=CIDR:GW:DNS0:DNS1:HOST:DOMAIN for one attached interface (empty fields kept, as Unikraft's parser counts them).</summary>
    public static string NetdevIpParam(NetworkAttachment a)
    {
        var dns0 = a.Dns.Count > 0 ? a.Dns[0] : "";
        var dns1 = a.Dns.Count > 1 ? a.Dns[1] : "";
        return $"netdev.ip={a.Cidr}:{a.Gateway}:{dns0}:{dns1}:{a.Hostname}:{a.Domain}";
    }

    /// <summary>QEMU's tap netdev and virtio NIC for each attachment (net0, net1...; the port NIC is separate).</summary>
    public static IReadOnlyList<string> QemuArgs(IReadOnlyList<NetworkAttachment> networks)
    {
        var a = new List<string>();
        for (var i = 0; i < networks.Count; i++)
        {
            var n = networks[i];
            a.AddRange(["-netdev", $"tap,id=net{i},ifname={n.Tap},script=no,downscript=no",
                        "-device", $"virtio-net-pci,netdev=net{i}{(n.Mac is null ? "" : ",mac=" + n.Mac)}"]);
        }
        return a;
    }
}
