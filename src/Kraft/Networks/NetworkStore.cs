using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kraft.Host;
using Kraft.Machines;

namespace Kraft.Networks;

/// <summary>One address handed out on a network: to a machine's tap.</summary>
public sealed record Lease(string Ip, string Tap, string Mac)
{
    /// <summary>The lease as a JSON object (in the network's record and in <c>kraft net inspect</c>).</summary>
    public void WriteTo(Utf8JsonWriter j)
    {
        j.WriteStartObject();
        j.WriteString("ip", Ip);
        j.WriteString("tap", Tap);
        j.WriteString("mac", Mac);
        j.WriteEndObject();
    }
}

/// <summary>A kraft network: a Linux bridge holding the gateway address, and the addresses leased on it.</summary>
public sealed record NetworkRecord(string Name, string Bridge, Ipv4Cidr Gateway, DateTimeOffset Created, IReadOnlyList<Lease> Leases);

/// <summary>
/// Networks (<c>kraft net</c>), one JSON file each under &lt;runtime&gt;/networks, changed only under
/// the store's lock, so parallel `kraft run --network` never hand out one address twice. The host
/// side is made with iproute2: a bridge per network, a tap per attached machine interface.
/// </summary>
public sealed class NetworkStore(string runtimeDir, IHostLinks? links = null)
{
    public string Root { get; } = Path.Combine(Path.GetFullPath(runtimeDir), "networks");
    public IHostLinks Links { get; } = links ?? new IpRoute2();

    /// <summary>Free subnets tried in order when `net create` gets no -n (KraftKit's pool).</summary>
    public static IEnumerable<Ipv4Cidr> DefaultPool()
    {
        for (uint b = 17; b <= 31; b++) yield return new Ipv4Cidr((172u << 24) | (b << 16) | 1, 16);
        for (uint c = 0; c < 256; c += 16) yield return new Ipv4Cidr((192u << 24) | (168u << 16) | (c << 8) | 1, 20);
    }

    string FileOf(string name) => ContainedPath.Combine(Root, Names.Check(NameKind.Network, name) + ".json");

    public FileLock Lock() => FileLock.Acquire(Path.Combine(Root, ".lock"), "the network store", NullReporter.Instance, CancellationToken.None);

    public IReadOnlyList<NetworkRecord> List()
    {
        if (!Directory.Exists(Root)) return [];
        var list = new List<NetworkRecord>();
        foreach (var f in Directory.GetFiles(Root, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(f);
            if (Names.IsValid(name) && TryRead(name) is { } r) list.Add(r);
        }
        return list;
    }

    public NetworkRecord Get(string name) => TryRead(name) ?? throw NotFound(name);

    public NetworkRecord? TryRead(string name)
    {
        if (!Names.IsValid(name)) return null;
        var path = FileOf(name);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var e = doc.RootElement;
            Ipv4Cidr.TryParse(e.GetProperty("gateway").GetString()!, out var gw);
            var leases = e.GetProperty("leases").EnumerateArray()
                .Select(l => new Lease(l.GetProperty("ip").GetString()!, l.GetProperty("tap").GetString()!, l.GetProperty("mac").GetString()!)).ToList();
            return new NetworkRecord(e.GetProperty("name").GetString()!, e.GetProperty("bridge").GetString()!, gw,
                e.GetProperty("created").GetDateTimeOffset(), leases);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new KraftException($"the network record {path} is corrupt: {ex.Message}", new SourceLocation(path),
                "remove the file (and the bridge it names, with ip link del) to forget the network");
        }
    }

    void Write(NetworkRecord r)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            j.WriteStartObject();
            j.WriteString("name", r.Name);
            j.WriteString("driver", "bridge");
            j.WriteString("bridge", r.Bridge);
            j.WriteString("gateway", r.Gateway.ToString());
            j.WriteString("created", r.Created);
            j.WriteStartArray("leases");
            foreach (var l in r.Leases) l.WriteTo(j);
            j.WriteEndArray();
            j.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(FileOf(r.Name), ms.ToArray());
    }

    /// <summary>The bridge's state as ip-link shows it: up, down, or missing (removed behind our back).</summary>
    public string State(NetworkRecord n)
    {
        if (!Links.Exists(n.Bridge)) return "missing";
        var r = ProcessRunner.Run("ip", ["-o", "link", "show", "dev", n.Bridge]);
        return r.StandardOutput.Contains(",UP", StringComparison.Ordinal) || r.StandardOutput.Contains("<UP", StringComparison.Ordinal) ? "up" : "down";
    }

    public KraftException NotFound(string name)
    {
        var near = Suggestions.SimilarNames(name, List().Select(n => n.Name)).FirstOrDefault();
        return new KraftException($"no network named {Names.Quote(name)}",
            hint: near is not null ? $"did you mean '{near}'?" : $"create it with: kraft net create {name}");
    }

    /// <summary>Host interface names are at most 15 bytes: short network names are used as they are.</summary>
    public static string BridgeName(string network) => network.Length <= 15 ? network : "kr-" + ShortHash(network, 12);

    static string ShortHash(string s, int n) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..n];

    /// <summary>Creates the record and the bridge (with the gateway address, up). <paramref name="cidr"/> is gateway/prefix, or null for the first free pool subnet.</summary>
    public NetworkRecord Create(string name, string? cidr)
    {
        Names.Check(NameKind.Network, name);
        Directory.CreateDirectory(Root);
        using var _ = Lock();
        if (TryRead(name) is not null)
            throw new KraftException($"network '{name}' already exists", hint: $"use it with --network {name}, or remove it: kraft net rm {name}");
        var existing = List();
        var hostAddrs = Links.Addresses();
        Ipv4Cidr gw;
        if (cidr is not null)
        {
            if (!Ipv4Cidr.TryParse(cidr, out gw) || gw.Prefix is < 1 or > 30)
                throw new KraftException($"invalid network '{cidr}'", hint: "give the gateway address with a prefix length from 1 to 30, e.g. -n 172.18.0.1/16");
            if (gw.Address == gw.Network || gw.Address == gw.Broadcast)
                throw new KraftException($"invalid network '{cidr}': {Ipv4Cidr.Format(gw.Address)} is the subnet's {(gw.Address == gw.Network ? "network" : "broadcast")} address",
                    hint: $"give the gateway's own address, e.g. -n {Ipv4Cidr.Format(gw.Network + 1)}/{gw.Prefix}");
            if (existing.FirstOrDefault(n => n.Gateway.Overlaps(gw)) is { } clash)
                throw new KraftException($"network {gw.Subnet} overlaps network '{clash.Name}' ({clash.Gateway.Subnet})", hint: "choose another subnet with -n");
            if (hostAddrs.FirstOrDefault(h => h.Cidr.Overlaps(gw)) is { } host)
                throw new KraftException($"network {gw.Subnet} overlaps {host.Cidr.Subnet} on the host interface {host.Interface}", hint: "choose another subnet with -n");
        }
        else
        {
            gw = DefaultPool().FirstOrDefault(p => !existing.Any(n => n.Gateway.Overlaps(p)) && !hostAddrs.Any(h => h.Cidr.Overlaps(p)));
            if (gw.Prefix == 0)
                throw new KraftException("no free subnet is left in the default pool (172.17-31.0.0/16, 192.168.0.0/16)", hint: "give one with -n, e.g. -n 10.88.0.1/24");
        }
        var bridge = BridgeName(name);
        if (Links.Exists(bridge))
            throw new KraftException($"the host already has an interface named {bridge}", hint: "choose another network name");
        Links.CreateBridge(bridge, gw);
        var record = new NetworkRecord(name, bridge, gw, DateTimeOffset.UtcNow, []);
        try { Write(record); }
        catch { Links.Delete(bridge); throw; }
        return record;
    }

    /// <summary>Removes a network and its bridge; refused while addresses are leased (machines use it).</summary>
    public void Remove(string name, Func<NetworkRecord, IReadOnlyList<string>>? usersOf = null)
    {
        using var _ = Lock();
        var r = Get(name);
        var users = usersOf?.Invoke(r) ?? [];
        if (r.Leases.Count > 0 || users.Count > 0)
            throw new KraftException($"network '{name}' is in use by {(users.Count > 0 ? string.Join(", ", users) : $"{r.Leases.Count} interface(s)")}",
                hint: "remove those machines first (kraft rm)");
        if (Links.Exists(r.Bridge)) Links.Delete(r.Bridge);
        File.Delete(FileOf(name));
    }

    public void SetUp(string name, bool up)
    {
        var r = Get(name);
        Links.SetUp(r.Bridge, up);
        foreach (var l in r.Leases)
            if (Links.Exists(l.Tap)) Links.SetUp(l.Tap, up);
    }

    /// <summary>
    /// Leases an address and makes a tap on the network's bridge for one machine interface: the
    /// requested address (it must be inside the subnet and free) or the first free one after the
    /// gateway. Returns the attachment completed with bridge, tap, MAC, CIDR and gateway.
    /// </summary>
    public NetworkAttachment Attach(NetworkAttachment wanted, string machine, bool dryRun = false)
    {
        Directory.CreateDirectory(Root);
        using var _ = Lock();
        var r = TryRead(wanted.Network) ?? throw NotFound(wanted.Network);
        var taken = r.Leases.Select(l => Ipv4Cidr.TryParse(l.Ip, out var c) ? c.Address : 0).ToHashSet();
        uint ip;
        if (wanted.Cidr is { } req)
        {
            Ipv4Cidr.TryParse(req, out var c, defaultPrefix: r.Gateway.Prefix);
            if (!req.Contains('/')) c = c with { Prefix = r.Gateway.Prefix };
            if (!r.Gateway.Contains(c.Address) || c.Address == r.Gateway.Network || c.Address == r.Gateway.Broadcast)
                throw new KraftException($"address {Ipv4Cidr.Format(c.Address)} is not a host address of network '{r.Name}' ({r.Gateway.Subnet})",
                    hint: $"give an address inside {r.Gateway.Subnet}, or leave it out to get one");
            if (c.Address == r.Gateway.Address || taken.Contains(c.Address))
                throw new KraftException($"address {Ipv4Cidr.Format(c.Address)} on network '{r.Name}' is already in use", hint: "leave the address out to get a free one");
            ip = c.Address;
        }
        else
        {
            ip = 0;
            for (var a = r.Gateway.Network + 1; a < r.Gateway.Broadcast; a++)
                if (a != r.Gateway.Address && !taken.Contains(a)) { ip = a; break; }
            if (ip == 0) throw new KraftException($"network '{r.Name}' ({r.Gateway.Subnet}) has no free address left", hint: "remove machines, or create a larger network");
        }
        var cidr = $"{Ipv4Cidr.Format(ip)}/{r.Gateway.Prefix}";
        var tap = "kt" + ShortHash($"{r.Name}/{machine}/{cidr}", 10);
        var mac = "02:b0:b0:" + string.Join(':', Convert.FromHexString(ShortHash(tap, 6)).Select(b => b.ToString("x2")));
        var done = wanted with { Cidr = cidr, Gateway = wanted.Gateway ?? Ipv4Cidr.Format(r.Gateway.Address), Bridge = r.Bridge, Tap = tap, Mac = mac };
        if (dryRun) return done;
        Links.CreateTap(tap, r.Bridge);
        try { Write(r with { Leases = [.. r.Leases, new Lease(cidr, tap, mac)] }); }
        catch { Links.Delete(tap); throw; }
        return done;
    }

    /// <summary>
    /// Deletes the taps of a machine whose VMM has ended; its addresses stay leased (they are
    /// given back by <see cref="Release"/> on kraft rm), so a restart gets the same ones.
    /// </summary>
    public void RemoveTaps(IEnumerable<NetworkAttachment> attachments)
    {
        var taps = attachments.Select(a => a.Tap).OfType<string>().ToList();
        if (taps.Count == 0) return;
        using var _ = Lock();
        foreach (var tap in taps)
            if (Links.Exists(tap)) Links.Delete(tap);
    }

    /// <summary>
    /// Makes again the taps <see cref="RemoveTaps"/> deleted, before a machine's VMM starts: each
    /// on its network's bridge, for the address the machine still leases.
    /// </summary>
    public void RestoreTaps(IEnumerable<NetworkAttachment> attachments)
    {
        var list = attachments.Where(a => a.Tap is not null).ToList();
        if (list.Count == 0) return;
        using var _ = Lock();
        foreach (var a in list)
        {
            if (Links.Exists(a.Tap!)) continue;
            var r = TryRead(a.Network)
                ?? throw new KraftException($"network '{a.Network}' of this machine was removed", hint: "remove the machine (kraft rm) and run it again on an existing network");
            if (!r.Leases.Any(l => l.Tap == a.Tap))
                throw new KraftException($"the address {a.Cidr} on network '{a.Network}' is no longer leased to this machine",
                    hint: "remove the machine (kraft rm) and run it again");
            Links.CreateTap(a.Tap!, r.Bridge);
        }
    }

    /// <summary>Deletes the taps of <paramref name="attachments"/> and gives their addresses back (missing ones are skipped).</summary>
    public void Release(IEnumerable<NetworkAttachment> attachments)
    {
        var list = attachments.Where(a => a.Tap is not null).ToList();
        if (list.Count == 0 || !Directory.Exists(Root)) return;
        using var _ = Lock();
        foreach (var a in list)
        {
            if (Links.Exists(a.Tap!)) Links.Delete(a.Tap!);
            if (TryRead(a.Network) is { } r && r.Leases.Any(l => l.Tap == a.Tap))
                Write(r with { Leases = r.Leases.Where(l => l.Tap != a.Tap).ToList() });
        }
    }
}
