using Kraft.Host;
using Kraft.Machines;
using Kraft.Networks;

namespace Kraft.Tests.Networks;

/// <summary>Address allocation and records, over a recording stand-in for the host's links (the real ones are checked in a network namespace below).</summary>
public class NetworkStoreTests
{
    sealed class RecordingLinks : IHostLinks
    {
        public readonly HashSet<string> Links = [];
        public List<HostAddress> Host { get; } = [];
        public bool Exists(string name) => Links.Contains(name);
        public IReadOnlyList<HostAddress> Addresses() => Host;
        public void CreateBridge(string name, Ipv4Cidr gateway) => Links.Add(name);
        public void CreateTap(string name, string bridge) => Links.Add(name);
        public void SetUp(string name, bool up) { }
        public void Delete(string name) => Links.Remove(name);
    }

    [Fact]
    public void Addresses_are_leased_without_collision_and_given_back()
    {
        using var dir = new TempDir();
        var links = new RecordingLinks();
        var s = new NetworkStore(dir.Path, links);
        s.Create("n1", "10.9.0.1/29");
        var a = s.Attach(new NetworkAttachment { Network = "n1" }, "m1");
        var b = s.Attach(new NetworkAttachment { Network = "n1" }, "m2");
        Assert.Equal("10.9.0.2/29", a.Cidr);
        Assert.Equal("10.9.0.3/29", b.Cidr);
        Assert.Equal("10.9.0.1", a.Gateway);
        Assert.Equal("n1", a.Bridge);
        Assert.NotEqual(a.Tap, b.Tap);
        Assert.True(a.Tap!.Length <= 15);
        Assert.StartsWith("02:b0:b0:", a.Mac);
        Assert.Contains("already in use", Assert.Throws<KraftException>(() => s.Attach(new NetworkAttachment { Network = "n1", Cidr = "10.9.0.3" }, "m3")).Message);
        Assert.Contains("not a host address", Assert.Throws<KraftException>(() => s.Attach(new NetworkAttachment { Network = "n1", Cidr = "10.9.1.3" }, "m3")).Message);
        var c = s.Attach(new NetworkAttachment { Network = "n1", Cidr = "10.9.0.6" }, "m3");
        Assert.Equal("10.9.0.6/29", c.Cidr);
        s.Attach(new NetworkAttachment { Network = "n1" }, "m4");
        s.Attach(new NetworkAttachment { Network = "n1" }, "m5");
        Assert.Contains("no free address", Assert.Throws<KraftException>(() => s.Attach(new NetworkAttachment { Network = "n1" }, "m6")).Message);

        s.Release([a]);
        Assert.DoesNotContain(a.Tap, links.Links);
        Assert.Equal("10.9.0.2/29", s.Attach(new NetworkAttachment { Network = "n1" }, "m7").Cidr);
        Assert.Contains("in use", Assert.Throws<KraftException>(() => s.Remove("n1")).Message);
    }

    [Fact]
    public void Overlapping_and_bad_subnets_are_refused_and_the_pool_skips_taken_ones()
    {
        using var dir = new TempDir();
        var links = new RecordingLinks();
        links.Host.Add(new HostAddress("docker0", new Ipv4Cidr((172u << 24) | (17u << 16) | 1, 16)));
        var s = new NetworkStore(dir.Path, links);
        Assert.Equal("172.18.0.1/16", s.Create("a", null).Gateway.ToString());
        Assert.Equal("172.19.0.1/16", s.Create("b", null).Gateway.ToString());
        Assert.Contains("overlaps network 'a'", Assert.Throws<KraftException>(() => s.Create("c", "172.18.5.1/24")).Message);
        Assert.Contains("host interface docker0", Assert.Throws<KraftException>(() => s.Create("c", "172.17.5.1/24")).Message);
        Assert.Contains("invalid network", Assert.Throws<KraftException>(() => s.Create("c", "300.1.1.1/24")).Message);
        Assert.Contains("network address", Assert.Throws<KraftException>(() => s.Create("c", "10.1.1.0/24")).Message);
        Assert.Contains("already exists", Assert.Throws<KraftException>(() => s.Create("a", "10.1.1.1/24")).Message);
        Assert.Contains("invalid network name", Assert.Throws<KraftException>(() => s.Create("../x", null)).Message);
        var missing = Assert.Throws<KraftException>(() => s.Attach(new NetworkAttachment { Network = "aa" }, "m"));
        Assert.Contains("did you mean 'a'", missing.Hint);
        s.Remove("b");
        Assert.DoesNotContain("b", links.Links);
        Assert.Equal(["a"], s.List().Select(n => n.Name));
        Assert.Equal("kr-", NetworkStore.BridgeName("a-very-long-network-name")[..3]);
    }

    [Theory]
    [InlineData("net", null, null)]
    [InlineData("net:172.18.0.5/16:172.18.0.1:1.1.1.1:8.8.8.8:web:example.org", "172.18.0.5/16", "172.18.0.1")]
    [InlineData("net:172.18.0.5", "172.18.0.5", null)]
    public void Network_flags_parse(string flag, string? cidr, string? gw)
    {
        var a = NetworkFlag.Parse(flag);
        Assert.Equal("net", a.Network);
        Assert.Equal(cidr, a.Cidr);
        Assert.Equal(gw, a.Gateway);
    }

    [Theory]
    [InlineData(":1.2.3.4", "no network name")]
    [InlineData("n:1.2.3", "not an IPv4 address")]
    [InlineData("n:1.2.3.4/33", "not an IPv4 address")]
    [InlineData("n:1.2.3.4:gw", "gateway 'gw'")]
    [InlineData("n:::x", "DNS server 'x'")]
    [InlineData("n:1:2:3:4:5:6:7", "too many")]
    [InlineData("bad/name", "invalid network name")]
    public void Bad_network_flags_say_what_is_wrong(string flag, string expected) =>
        Assert.Contains(expected, Assert.Throws<KraftException>(() => NetworkFlag.Parse(flag)).Message);

    [Fact]
    public void The_guest_is_told_its_address_through_netdev_ip_and_gets_a_tap_nic()
    {
        var a = new NetworkAttachment { Network = "n", Cidr = "172.18.0.2/16", Gateway = "172.18.0.1", Dns = ["1.1.1.1"], Tap = "kt1", Mac = "02:b0:b0:00:00:01" };
        Assert.Equal("netdev.ip=172.18.0.2/16:172.18.0.1:1.1.1.1:::", NetworkFlag.NetdevIpParam(a));
        Assert.Equal(["-netdev", "tap,id=net0,ifname=kt1,script=no,downscript=no", "-device", "virtio-net-pci,netdev=net0,mac=02:b0:b0:00:00:01"],
            NetworkFlag.QemuArgs([a]));
        var spec = new MachineSpec { KernelPath = "/k", Arch = GuestArch.X86_64, Networks = [a], AppArgs = ["x"] };
        Assert.Equal("netdev.ip=172.18.0.2/16:172.18.0.1:1.1.1.1::: -- x", QemuCommandLine.Append(spec));
    }
}

/// <summary>kraft net and run --network against real bridges and taps, inside a network namespace of the test's own.</summary>
public sealed class NetworkNamespaceEndToEndTests
{
    static ProcessResult Sh(string cmd) => ProcessRunner.Run("/bin/sh", ["-c", cmd]);

    [SkippableFact]
    public void Networks_bridges_taps_and_leases_in_a_private_namespace()
    {
        Skip.If(!Environment.IsPrivilegedProcess, "network namespaces need root");
        var ns = $"kraft-test-{Environment.ProcessId}-{Random.Shared.Next(100000)}";
        Skip.If(!Sh($"ip netns add {ns}").Succeeded, "ip netns add failed here");
        using var dir = new TempDir();
        try
        {
            var kraft = TestPaths.KraftBinary;
            var env = $"KRAFTKIT_RUNTIME_DIR={dir["runtime"]}";
            string X(string args) { var p = Sh($"{env} ip netns exec {ns} {kraft} {args} 2>&1"); return $"{p.ExitCode}|{p.CombinedOutput}"; }
            Assert.Equal("0|t-net", X("net create t-net -n 172.31.7.1/24"));
            Assert.Contains("overlaps network 't-net'", X("net create t-two -n 172.31.7.129/25"));
            var ls = X("net ls");
            Assert.Contains("t-net  172.31.7.1/24  bridge  up", ls);
            Assert.Contains("172.31.7.1/24", Sh($"ip netns exec {ns} ip -4 -o addr show dev t-net").StandardOutput);
            Assert.Equal("0|t-net", X("net down t-net"));
            Assert.Contains("state DOWN", Sh($"ip netns exec {ns} ip -o link show dev t-net").StandardOutput);
            Assert.Equal("0|t-net", X("net up t-net"));
            Assert.Contains("no network named 't-nte'", X("net inspect t-nte"));
            Assert.Contains("\"gateway\": \"172.31.7.1\"", X("net inspect t-net"));
            Assert.Equal("0|t-net", X("net rm t-net"));
            Assert.False(Sh($"ip netns exec {ns} ip link show dev t-net").Succeeded);
            Assert.DoesNotContain("internal error", ls);
        }
        finally
        {
            Sh($"ip netns del {ns}");
        }
    }
}
