using Kraft.Machines;
using Kraft.Machines.Firecracker;

namespace Kraft.Tests.Machines.Firecracker;

/// <summary>kraft's Firecracker requests, sent to <see cref="FakeFirecracker"/>, which checks them against Firecracker's OpenAPI description.</summary>
public class FirecrackerApiTests
{
    static MachineSpec Spec(TempDir dir) => new()
    {
        KernelPath = dir.Write("app_fc-x86_64", "ELF"),
        Arch = GuestArch.X86_64, Platform = Platform.Firecracker, MemoryMiB = 128, Cpus = 2,
        InitrdPath = dir.Write("initramfs-x86_64.cpio", "070701"),
        KernelArgs = ["netdev.x=1"], AppArgs = ["/srv", "a b"],
        Networks = [new NetworkAttachment { Network = "n", Cidr = "172.18.0.2/16", Gateway = "172.18.0.1", Tap = "kt1", Mac = "02:b0:b0:00:00:01" }],
        Volumes = [new VolumeMount { Source = "/i", GuestPath = "/", Driver = VolumeMount.Initrd }],
    };

    [Fact]
    public void Boot_args_start_with_the_kernel_name_and_always_carry_the_separator()
    {
        using var dir = new TempDir();
        var spec = Spec(dir);
        Assert.Equal("app_fc-x86_64 netdev.x=1 netdev.ip=172.18.0.2/16:172.18.0.1:::: vfs.fstab=[ \"initrd0:/:extract::ramfs=2:\" ] -- /srv 'a b'",
            FirecrackerApi.BootArgs(spec));
        Assert.Equal("app_fc-x86_64 -- x", FirecrackerApi.BootArgs(spec with { KernelArgs = [], Networks = [], Volumes = [], AppArgs = ["x"] }));
    }

    [Fact]
    public void The_configuration_is_accepted_and_the_machine_starts_pauses_and_resumes()
    {
        using var dir = new TempDir();
        var sock = dir["fc.sock"];
        using var fc = new FakeFirecracker(sock);
        using var client = new FirecrackerClient(sock);
        foreach (var r in FirecrackerApi.Configure(Spec(dir))) client.Send(r);
        Assert.Equal("Not started", client.InstanceState());
        Assert.Equal(MachineState.Created, FirecrackerApi.StateOf(client.InstanceState()));
        client.Send(FirecrackerApi.Start);
        Assert.Equal(MachineState.Running, FirecrackerApi.StateOf(client.InstanceState()));
        client.Send(FirecrackerApi.Pause);
        Assert.Equal("Paused", client.InstanceState());
        client.Send(FirecrackerApi.Resume);
        client.Send(FirecrackerApi.CtrlAltDel);
        Assert.Equal(
            ["PUT /network-interfaces/net0", "PUT /machine-config", "PUT /boot-source", "PUT /actions", "PATCH /vm", "PATCH /vm", "PUT /actions"],
            fc.Accepted.Select(a => string.Join(' ', a.Split(' ').Take(2))));
        Assert.Contains("\"vcpu_count\":2,\"mem_size_mib\":128", fc.Accepted.ElementAt(1));
        // Pre-boot resources cannot change once it runs, as with the real Firecracker.
        var late = Assert.Throws<KraftException>(() => client.Send(FirecrackerApi.Configure(Spec(dir))[1]));
        Assert.Contains("not supported after starting", late.Message);
    }

    [Fact]
    public void What_the_real_firecracker_refuses_is_refused_with_its_fault_message()
    {
        using var dir = new TempDir();
        var sock = dir["fc.sock"];
        using var fc = new FakeFirecracker(sock);
        using var client = new FirecrackerClient(sock);
        string Refused(ApiRequest r) => Assert.Throws<KraftException>(() => client.Send(r)).Message;
        Assert.Contains("number of vCPUs must be greater than 0", Refused(new("PUT", "/machine-config", "{\"vcpu_count\":0,\"mem_size_mib\":64}")));
        Assert.Contains("memory size (MiB) is either 0", Refused(new("PUT", "/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":0}")));
        Assert.Contains("out of range", Refused(new("PUT", "/network-interfaces/a", "{\"iface_id\":\"a\",\"host_dev_name\":\"t\",\"mtu\":1}")));
        Assert.Contains("missing field `mem_size_mib`", Refused(new("PUT", "/machine-config", "{\"vcpu_count\":1}")));
        Assert.Contains("unknown field `memory`", Refused(new("PUT", "/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":64,\"memory\":1}")));
        Assert.Contains("kernel file cannot be opened", Refused(new("PUT", "/boot-source", "{\"kernel_image_path\":\"/nonexistent\"}")));
        Assert.Contains("does not match", Refused(new("PUT", "/network-interfaces/a", "{\"iface_id\":\"b\",\"host_dev_name\":\"t\"}")));
        Assert.Contains("unknown variant `Stop`", Refused(new("PUT", "/actions", "{\"action_type\":\"Stop\"}")));
        Assert.Contains("without kernel configuration", Refused(FirecrackerApi.Start));
        Assert.Contains("before starting", Refused(FirecrackerApi.Pause));
        Assert.Contains("Invalid request", Refused(new("PUT", "/drivez/x", "{}")));
        Assert.Contains("(400)", Refused(new("PUT", "/machine-config", "not json")));
        Assert.Empty(fc.Accepted);
    }

    [Fact]
    public void Ports_and_9pfs_volumes_are_refused_before_firecracker_is_asked()
    {
        using var dir = new TempDir();
        var spec = Spec(dir);
        Assert.Contains("-p cannot publish ports", Assert.Throws<KraftException>(() =>
            FirecrackerApi.Configure(spec with { Ports = PortMapping.ParseAll(["8080:80"]) })).Message);
        Assert.Contains("no 9pfs", Assert.Throws<KraftException>(() =>
            FirecrackerApi.Configure(spec with { Volumes = [new VolumeMount { Source = "/h", GuestPath = "/d" }] })).Message);
        Assert.Equal(["--api-sock", "/s/fc.sock", "--id", "m1"], FirecrackerApi.Argv("/s/fc.sock", "m1"));
        var driver = new FirecrackerDriver();
        Assert.Contains("-p/--port is not available on Firecracker", Assert.Throws<KraftException>(() =>
            driver.Validate(spec with { Ports = PortMapping.ParseAll(["8080:80"]) })).Message);
        Assert.Contains("-v/--volume is not available on Firecracker", Assert.Throws<KraftException>(() =>
            driver.Validate(spec with { Volumes = [new VolumeMount { Source = "/h", GuestPath = "/d" }] })).Message);
        Assert.Equal("my-web-1", FirecrackerDriver.InstanceId("my_web.1"));
    }

    [Fact]
    public void A_xen_config_is_written_for_xl()
    {
        using var dir = new TempDir();
        var spec = Spec(dir) with { Platform = Platform.Xen, Networks = [Spec(dir).Networks[0] with { Bridge = "kraft0" }] };
        var text = XenConfig.Render(spec, "m1");
        Assert.Equal(
            "name = \"m1\"\ntype = \"pv\"\n"
            + $"kernel = \"{spec.KernelPath}\"\nramdisk = \"{spec.InitrdPath}\"\nmemory = 128\nvcpus = 2\n"
            + "cmdline = \"netdev.x=1 netdev.ip=172.18.0.2/16:172.18.0.1:::: vfs.fstab=[ \\\"initrd0:/:extract::ramfs=2:\\\" ] -- /srv 'a b'\"\n"
            + "vif = [ \"bridge=kraft0,mac=02:b0:b0:00:00:01\" ]\n"
            + "on_poweroff = \"destroy\"\non_reboot = \"destroy\"\non_crash = \"destroy\"\n", text);
        Assert.StartsWith("xl create /r/m1/xl.cfg needs a Xen host (dom0)", XenConfig.NeedsXenHost("/r/m1/xl.cfg"));
    }
}
