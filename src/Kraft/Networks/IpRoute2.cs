using System.Text.Json;
using Kraft.Host;

namespace Kraft.Networks;

/// <summary>An IPv4 address configured on a host interface.</summary>
public sealed record HostAddress(string Interface, Ipv4Cidr Cidr);

/// <summary>The host's network links, as the network store changes them.</summary>
public interface IHostLinks
{
    bool Exists(string name);
    IReadOnlyList<HostAddress> Addresses();
    void CreateBridge(string name, Ipv4Cidr gateway);
    void CreateTap(string name, string bridge);
    void SetUp(string name, bool up);
    void Delete(string name);
}

/// <summary>
/// Bridges and taps through iproute2's `ip` (Debian's iproute2). Needs CAP_NET_ADMIN; a refusal
/// is reported with what to do. Only interfaces kraft made are ever changed.
/// </summary>
public sealed class IpRoute2 : IHostLinks
{
    static string Ip => ToolLocator.Find("ip") ?? (File.Exists("/usr/sbin/ip") ? "/usr/sbin/ip" : File.Exists("/sbin/ip") ? "/sbin/ip" : "ip");

    static ProcessResult Run(params string[] args) => ProcessRunner.Run(Ip, args);

    static void Must(string what, params string[] args)
    {
        ProcessResult r;
        try { r = Run(args); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or KraftException)
        {
            throw new KraftException("'ip' (iproute2) was not found; networks need it", hint: "install it with: sudo apt-get install -y iproute2");
        }
        if (r.Succeeded) return;
        var msg = r.CombinedOutput;
        throw new KraftException($"could not {what}: {msg}",
            hint: msg.Contains("Operation not permitted") ? "networks change host interfaces: run kraft as root (or with CAP_NET_ADMIN)" : null);
    }

    public bool Exists(string name) => Run("link", "show", "dev", name).Succeeded;

    public IReadOnlyList<HostAddress> Addresses()
    {
        var r = Run("-j", "-4", "addr", "show");
        if (!r.Succeeded) return [];
        var list = new List<HostAddress>();
        try
        {
            using var doc = JsonDocument.Parse(r.StandardOutput);
            foreach (var link in doc.RootElement.EnumerateArray())
            {
                var ifname = link.GetProperty("ifname").GetString() ?? "";
                if (!link.TryGetProperty("addr_info", out var infos)) continue;
                foreach (var a in infos.EnumerateArray())
                    if (a.TryGetProperty("local", out var local) && a.TryGetProperty("prefixlen", out var p)
                        && Ipv4Cidr.TryParse($"{local.GetString()}/{p.GetInt32()}", out var c) && ifname != "lo")
                        list.Add(new HostAddress(ifname, c));
            }
        }
        catch (JsonException) { }
        return list;
    }

    public void CreateBridge(string name, Ipv4Cidr gateway)
    {
        Must($"create the bridge {name}", "link", "add", name, "type", "bridge");
        try
        {
            Must($"give {name} the address {gateway}", "addr", "add", gateway.ToString(), "dev", name);
            Must($"bring {name} up", "link", "set", name, "up");
        }
        catch
        {
            Run("link", "del", name);
            throw;
        }
    }

    public void CreateTap(string name, string bridge)
    {
        Must($"create the tap {name}", "tuntap", "add", "dev", name, "mode", "tap");
        try
        {
            Must($"attach {name} to {bridge}", "link", "set", name, "master", bridge);
            Must($"bring {name} up", "link", "set", name, "up");
        }
        catch
        {
            Run("link", "del", name);
            throw;
        }
    }

    public void SetUp(string name, bool up) => Must($"set {name} {(up ? "up" : "down")}", "link", "set", name, up ? "up" : "down");

    public void Delete(string name) => Must($"delete {name}", "link", "del", name);
}
