using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class MachineStoreTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("kraft-store-").FullName;
    public void Dispose() => Directory.Delete(_root, true);

    static MachineSpec Spec => new() { KernelPath = "/k/hello_qemu-x86_64", Arch = GuestArch.X86_64, Ports = PortMapping.Parse("8080:80") };

    [Fact]
    public void Records_round_trip_and_names_are_unique()
    {
        var store = new MachineStore(_root);
        var a = store.Create("web", Spec);
        Assert.Equal(Path.Combine(_root, "machines", "web"), a.Files.Dir);
        var e = Assert.Throws<KraftException>(() => store.Create("web", Spec));
        Assert.Contains("machine name 'web' is already in use", e.Message);

        var names = Enumerable.Range(0, 40).AsParallel().Select(_ => store.Create(null, Spec).Name).ToList();
        Assert.Equal(40, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z]+_[a-z-]+(_[0-9]+)?$", n));

        var back = store.Get("web");
        Assert.Equal(a.Id, back.Id);
        Assert.Equal(Spec.Ports, back.Spec.Ports);
        Assert.Equal(MachineState.Created, back.Status.State);
        Assert.Equal(41, store.List().Machines.Count);
    }

    [Fact]
    public void A_corrupt_record_is_named_and_skipped()
    {
        var store = new MachineStore(_root);
        store.Create("good", Spec);
        var bad = store.Create("bad", Spec);
        File.WriteAllText(bad.Files.StatusFile, "{ not json");
        var (machines, problems) = store.List();
        Assert.Equal("good", Assert.Single(machines).Name);
        Assert.Equal("bad", Assert.Single(problems).Name);
        var e = Assert.Throws<KraftException>(() => store.Get("bad"));
        Assert.Contains("machine 'bad' cannot be read", e.Message);
        store.DeleteUnreadable(problems[0]);
        Assert.Empty(store.List().Problems);
    }

    [Fact]
    public void Unknown_names_get_near_ones()
    {
        var store = new MachineStore(_root);
        store.Create("webserver", Spec);
        var e = Assert.Throws<KraftException>(() => store.Get("webservr"));
        Assert.Contains("no machine named 'webservr'", e.Message);
        Assert.Contains("'webserver'", e.Hint);
        Assert.Throws<KraftException>(() => store.Get("../etc"));
    }

    [Fact]
    public void Updates_are_locked_and_stop_once_removed()
    {
        var store = new MachineStore(_root);
        var m = store.Create("x", Spec);
        Parallel.For(0, 20, i => store.Update(m, s => s with { ExitCode = (s.ExitCode ?? 0) + 1 }));
        Assert.Equal(20, store.Get("x").Status.ExitCode);
        store.Delete(m);
        Assert.Null(store.Update(m, s => s with { ExitCode = 1 }));
        Assert.False(Directory.Exists(m.Files.Dir));
    }

    [Fact]
    public void Runtime_dir_precedence()
    {
        Assert.Equal("/x/y", MachineStore.DefaultRoot("/x/y"));
        var old = Environment.GetEnvironmentVariable(MachineStore.RuntimeDirVariable);
        try
        {
            Environment.SetEnvironmentVariable(MachineStore.RuntimeDirVariable, "/from/env");
            Assert.Equal("/from/env", MachineStore.DefaultRoot());
            Environment.SetEnvironmentVariable(MachineStore.RuntimeDirVariable, null);
            Assert.EndsWith(Path.Combine("kraftkit", "runtime"), MachineStore.DefaultRoot());
        }
        finally { Environment.SetEnvironmentVariable(MachineStore.RuntimeDirVariable, old); }
    }

    [Fact]
    public void Process_identity_sees_pid_reuse()
    {
        var self = ProcessIdentities.Self;
        Assert.True(self.IsAlive());
        Assert.False((self with { StartTicks = self.StartTicks + 1 }).IsAlive());
        Assert.Null(ProcessIdentities.Of(int.MaxValue));
    }
}
