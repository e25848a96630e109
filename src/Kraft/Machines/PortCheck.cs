using System.Globalization;
using System.Net;

namespace Kraft.Machines;

/// <summary>
/// Refuses published ports that are already taken before anything boots: by another live machine
/// (its spec), or by any process on the host (/proc/net/{tcp,tcp6,udp,udp6}, with the owner found
/// by the socket's inode in /proc/*/fd where we may look).
/// </summary>
public static class PortCheck
{
    /// <summary>A host socket bound to a local address and port.</summary>
    public sealed record HostSocket(PortProtocol Protocol, string Address, int Port, ulong Inode);

    public static void EnsureFree(IReadOnlyList<PortMapping> ports, IEnumerable<Machine> liveMachines, string procRoot = "/proc")
    {
        if (ports.Count == 0) return;
        foreach (var other in liveMachines)
            foreach (var theirs in other.Spec.Ports)
                if (ports.FirstOrDefault(p => p.ClashesWith(theirs)) is { } mine)
                    throw new KraftException($"port {mine.HostIp}:{mine.HostPort}/{mine.ProtocolName} is already in use by machine '{other.Name}' ({theirs})",
                        hint: $"publish another host port, or stop it first: kraft stop {other.Name}");
        var sockets = HostSockets(procRoot);
        foreach (var mine in ports)
            if (sockets.FirstOrDefault(s => s.Protocol == mine.Protocol && s.Port == mine.HostPort
                                            && (PortMapping.IsAny(s.Address) || PortMapping.IsAny(mine.HostIp) || s.Address == mine.HostIp
                                                || (IsLoopbackAny(s.Address) && IsLoopbackAny(mine.HostIp)))) is { } taken)
                throw new KraftException($"port {mine.HostIp}:{mine.HostPort}/{mine.ProtocolName} is already in use by {Owner(taken.Inode, procRoot)} (bound to {taken.Address}:{taken.Port})",
                    hint: "publish another host port (-p OTHER:" + mine.GuestPort + "), or stop what holds it");
    }

    static bool IsLoopbackAny(string a) => a is "::ffff:0.0.0.0";

    /// <summary>Listening TCP and bound UDP sockets of the host.</summary>
    public static List<HostSocket> HostSockets(string procRoot = "/proc")
    {
        var result = new List<HostSocket>();
        foreach (var (file, proto, v6) in new[] { ("tcp", PortProtocol.Tcp, false), ("tcp6", PortProtocol.Tcp, true), ("udp", PortProtocol.Udp, false), ("udp6", PortProtocol.Udp, true) })
        {
            string[] lines;
            try { lines = File.ReadAllLines(Path.Combine(procRoot, "net", file)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var line in lines.Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10) continue;
                var state = f[3];
                if (proto == PortProtocol.Tcp && state != "0A") continue; // TCP_LISTEN
                var colon = f[1].IndexOf(':');
                if (colon < 0 || !int.TryParse(f[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)) continue;
                var address = DecodeAddress(f[1][..colon], v6);
                if (address is null) continue;
                ulong.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode);
                result.Add(new HostSocket(proto, address, port, inode));
            }
        }
        return result;
    }

    /// <summary>/proc/net's hex addresses: host byte order per 32-bit word.</summary>
    static string? DecodeAddress(string hex, bool v6)
    {
        if (hex.Length != (v6 ? 32 : 8)) return null;
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            if (!uint.TryParse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var w)) return null;
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), w);
        }
        var ip = new IPAddress(bytes);
        if (v6 && ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return ip.ToString();
    }

    /// <summary>"python3 (pid 1234)" for the process holding socket <paramref name="inode"/>, or a neutral phrase when not visible.</summary>
    public static string Owner(ulong inode, string procRoot = "/proc")
    {
        if (inode == 0) return "another process";
        var target = $"socket:[{inode}]";
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(procRoot))
            {
                var pidText = Path.GetFileName(dir);
                if (!int.TryParse(pidText, out var pid)) continue;
                IEnumerable<string> fds;
                try { fds = Directory.EnumerateFiles(Path.Combine(dir, "fd")).ToList(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
                foreach (var fd in fds)
                {
                    string? link;
                    try { link = new FileInfo(fd).LinkTarget; }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
                    if (link == target)
                    {
                        var comm = "process";
                        try { comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim(); }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                        return $"{comm} (pid {pid})";
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return "another process (not visible to this user)";
    }
}
