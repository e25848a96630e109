using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class PortMappingTests
{
    [Theory]
    [InlineData("8080:80", "0.0.0.0:8080->80/tcp")]
    [InlineData("127.0.0.1:8443:443", "127.0.0.1:8443->443/tcp")]
    [InlineData("5353:53/udp", "0.0.0.0:5353->53/udp")]
    [InlineData("80", "0.0.0.0:80->80/tcp")]
    [InlineData("[::1]:8080:80/TCP", "::1:8080->80/tcp")]
    [InlineData(":9000:90", "0.0.0.0:9000->90/tcp")]
    public void Parses_docker_syntax(string value, string expected) =>
        Assert.Equal(expected, Assert.Single(PortMapping.Parse(value)).ToString());

    [Fact]
    public void Ranges_expand_pairwise()
    {
        var m = PortMapping.Parse("8000-8002:9000-9002");
        Assert.Equal(["0.0.0.0:8000->9000/tcp", "0.0.0.0:8001->9001/tcp", "0.0.0.0:8002->9002/tcp"], m.Select(x => x.ToString()));
    }

    [Theory]
    [InlineData("8080:80/sctp", "unknown protocol")]
    [InlineData("x:80", "'x' is not a host port")]
    [InlineData("70000:80", "not a host port")]
    [InlineData("8000-8002:80-81", "has 3 ports but the guest range 2")]
    [InlineData("8002-8000:80-82", "runs backwards")]
    [InlineData("300.1.1.1:80:80", "not an IP address")]
    [InlineData("1:2:3:4", "too many ':'")]
    [InlineData("1-60000:1-60000", "at most 256")]
    public void Bad_mappings_say_why(string value, string message)
    {
        var e = Assert.Throws<KraftException>(() => PortMapping.Parse(value));
        Assert.Contains(message, e.Message);
        Assert.Contains("hostPort:guestPort", e.Hint);
    }

    [Fact]
    public void The_same_host_port_twice_is_refused_and_any_address_overlaps()
    {
        var e = Assert.Throws<KraftException>(() => PortMapping.ParseAll(["8080:80", "127.0.0.1:8080:81"]));
        Assert.Contains("published twice", e.Message);
        Assert.Equal(2, PortMapping.ParseAll(["127.0.0.1:8080:80", "127.0.0.2:8080:80"]).Count);
        Assert.Equal(2, PortMapping.ParseAll(["8080:80", "8080:80/udp"]).Count);
    }

    [Fact]
    public void Qemu_gets_one_nic_with_one_hostfwd_per_mapping()
    {
        var args = QemuCommandLine.PortArgs(PortMapping.ParseAll(["127.0.0.1:8080:80", "5353:53/udp"]));
        Assert.Equal(["-netdev", "user,id=ports0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53", "-device", "virtio-net-pci,netdev=ports0"], args);
    }

    [Fact]
    public void The_port_nic_comes_after_the_bridge_nics_so_netdev_ip_entries_name_the_bridge_ones()
    {
        // Unikraft numbers netdevs in PCI order; netdev.ip's first entry is netdev 0. Seen under
        // real Unikraft 0.16.3 (c-http): with the port NIC first, the bridge address went to it.
        var spec = new MachineSpec
        {
            KernelPath = "/k", Arch = GuestArch.X86_64, Ports = PortMapping.ParseAll(["8080:8080"]),
            Networks = [new NetworkAttachment { Network = "n", Cidr = "172.44.0.2/24", Gateway = "172.44.0.1", Tap = "kt1" }],
        };
        var args = QemuCommandLine.Build(spec, Acceleration.Tcg).ToList();
        Assert.True(args.IndexOf("tap,id=net0,ifname=kt1,script=no,downscript=no") < args.FindIndex(a => a.StartsWith("user,id=ports0", StringComparison.Ordinal)),
            string.Join(' ', args));
    }

    [Fact]
    public void A_listening_socket_is_found_with_its_owner()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var e = Assert.Throws<KraftException>(() => PortCheck.EnsureFree(PortMapping.Parse($"{port}:80"), []));
        Assert.Contains($"port 0.0.0.0:{port}/tcp is already in use by", e.Message);
        Assert.Contains($"(pid {Environment.ProcessId})", e.Message);
        // Another address on the same port is free.
        PortCheck.EnsureFree(PortMapping.Parse($"127.0.0.2:{port}:80"), []);
    }
}
