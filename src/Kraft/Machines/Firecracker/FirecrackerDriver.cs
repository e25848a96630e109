using Kraft.Host;

namespace Kraft.Machines.Firecracker;

/// <summary>
/// Machines under Firecracker: `firecracker --api-sock DIR/fc.sock` started as the machine's VMM
/// (its stdout is the guest's serial console), then configured over the API
/// (<see cref="FirecrackerApi.Configure"/>, InstanceStart). Pause and resume are PATCH /vm, the
/// state is GET /, a shutdown request is SendCtrlAltDel (x86 only, and only a guest with an i8042
/// driver reacts; Unikraft has none, so kraft stop ends it with SIGTERM after the grace).
/// Firecracker has no user-mode network and no 9pfs: -p and -v are refused before boot.
/// </summary>
public sealed class FirecrackerDriver : IMachineDriver
{
    public const string SocketFileName = "fc.sock";
    /// <summary>The Firecracker binary to run, when it is not `firecracker` on PATH.</summary>
    public const string BinaryVariable = "KRAFT_FIRECRACKER";
    static readonly TimeSpan ApiTimeout = TimeSpan.FromSeconds(3);
    static readonly TimeSpan SocketTimeout = TimeSpan.FromSeconds(10);

    const string InstallHint = "download a release from https://github.com/firecracker-microvm/firecracker/releases and put "
                               + "`firecracker` on PATH or set " + BinaryVariable + "=/path/to/firecracker; or run it under QEMU (build and run --plat qemu)";

    public Platform Platform => Platform.Firecracker;

    public static string SocketPath(Machine m) => m.Files.File(SocketFileName);

    /// <summary>$KRAFT_FIRECRACKER, else `firecracker` on PATH; a KraftException saying how to get it when there is none.</summary>
    public static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable(BinaryVariable);
        if (!string.IsNullOrEmpty(configured))
            return ToolLocator.Find(configured)
                   ?? throw new KraftException($"{BinaryVariable}={configured}: there is no such program", hint: $"point {BinaryVariable} at a Firecracker binary, or unset it to use `firecracker` on PATH");
        return ToolLocator.Find("firecracker")
               ?? throw new KraftException("running on Firecracker needs the `firecracker` program, which is not on PATH", hint: InstallHint);
    }

    /// <summary>Firecracker's --id: 1 to 64 letters, digits and '-' (its validate_instance_id).</summary>
    public static string InstanceId(string machineName)
    {
        var id = new string(machineName.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
        return id.Length == 0 ? "kraft" : id.Length > 64 ? id[..64] : id;
    }

    public void Validate(MachineSpec spec)
    {
        ValidateForDryRun(spec);
        Locate();
    }

    public void ValidateForDryRun(MachineSpec spec)
    {
        if (spec.Ports.Count > 0)
            throw new KraftException("-p/--port is not available on Firecracker: it has no user-mode network to forward ports from",
                hint: "attach the machine to a network instead: kraft net create NAME, then --network NAME (or run it with --plat qemu)");
        if (spec.Volumes.Any(v => v.Driver != VolumeMount.Initrd))
            throw new KraftException("-v/--volume is not available on Firecracker: it has no 9pfs device to share host folders",
                hint: "put the files into the root filesystem (--rootfs) instead, or run it with --plat qemu");
        if (spec.Accel == AccelRequest.Tcg)
            throw new KraftException("Firecracker always runs guests under KVM; -W/--accel tcg (emulation) is QEMU's", hint: "drop -W, or run it with --plat qemu");
        if (GuestArchNames.Host is { } host && host != spec.Arch)
            throw new KraftException($"Firecracker runs guests of the host's architecture only ({host.Name()}), not {spec.Arch.Name()}", hint: "run it with --plat qemu (which emulates)");
        var name = Path.GetFileName(spec.KernelPath);
        if (name.EndsWith(".dbg", StringComparison.Ordinal))
            throw new KraftException($"{spec.KernelPath} is the debug ELF of a unikernel (for gdb), not a bootable image", hint: $"run the image beside it: {name[..^4]}");
        var config = BootChecks.ReadConfig(spec.KernelConfigPath ?? BootChecks.ConfigBeside(spec.KernelPath));
        if (BootChecks.PlatformOf(config, name) is { } other && other != Platform.Firecracker)
            throw new KraftException($"{spec.KernelPath} was built for {other.Name()}, not for Firecracker",
                hint: $"build the fc target (kraft build --plat fc) or run it with --plat {other.Name()}");
    }

    public void Create(Machine machine, IReporter reporter) { }

    public Acceleration ChooseAccel(MachineSpec spec, IReporter reporter) => Acceleration.Kvm;

    /// <summary>The program <see cref="Locate"/> would find, or the name it looks for when there is none.</summary>
    static string ProgramOrName()
    {
        try { return Locate(); }
        catch (KraftException) { return Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } configured ? configured : "firecracker"; }
    }

    public string CommandLine(Machine machine, StartOptions options) =>
        ProcessRunner.Quote(ProgramOrName(), FirecrackerApi.Argv(SocketPath(machine), InstanceId(machine.Name)));

    /// <summary>The command line, then each API request Start sends, as the curl command that would send it.</summary>
    public string DryRun(Machine machine, StartOptions options)
    {
        var lines = new List<string> { CommandLine(machine, options) };
        foreach (var r in FirecrackerApi.Configure(machine.Spec).Append(FirecrackerApi.Start))
        {
            var args = new List<string> { "--unix-socket", SocketPath(machine), "-X", r.Method, "http://localhost" + r.Path };
            if (r.Body is not null) args.AddRange(["-H", "Content-Type: application/json", "-d", r.Body]);
            lines.Add(ProcessRunner.Quote("curl", args));
        }
        return string.Join('\n', lines);
    }

    public IVmmProcess Start(Machine machine, StartOptions options, IReporter reporter)
    {
        var socket = SocketPath(machine);
        // Firecracker refuses to bind a socket path that exists (one left by a killed instance).
        AtomicFile.TryDelete(socket);
        var launch = new ChildVmmLaunch(Locate(), FirecrackerApi.Argv(socket, InstanceId(machine.Name)), "Firecracker", InstallHint);
        var vmm = new ChildVmmProcess(launch, machine.Files, options.Console, options.Foreground, () => Answers(socket));
        try
        {
            var deadline = DateTime.UtcNow + SocketTimeout;
            while (!Answers(socket))
            {
                if (vmm.HasExited || DateTime.UtcNow > deadline)
                    throw new KraftException(vmm.HasExited
                            ? $"Firecracker exited before it served its API socket {socket}" + LastLine(vmm.Stderr)
                            : $"Firecracker did not serve its API socket {socket} within {SocketTimeout.TotalSeconds:0} s",
                        hint: $"see {machine.Files.VmmLog}");
                Thread.Sleep(5);
            }
            using var api = new FirecrackerClient(socket, ApiTimeout);
            foreach (var request in FirecrackerApi.Configure(machine.Spec)) api.Send(request);
            api.Send(FirecrackerApi.Start);
            return vmm;
        }
        catch (KraftException e)
        {
            // Nothing may run on for a machine that failed to start.
            if (!vmm.HasExited) Native.Kill(vmm.Identity.Pid, Native.SIGKILL);
            vmm.Wait(CancellationToken.None);
            vmm.Dispose();
            AtomicFile.TryDelete(socket);
            throw new KraftException(e.Message, hint: e.Hint ?? $"Firecracker's own log: {machine.Files.VmmLog}");
        }
    }

    static string LastLine(string stderr) =>
        stderr.Trim() is { Length: > 0 } t ? ": " + t.Split('\n')[^1].Trim() : "";

    static bool Answers(string socket)
    {
        if (!File.Exists(socket)) return false;
        try
        {
            using var api = new FirecrackerClient(socket, TimeSpan.FromSeconds(1));
            return api.InstanceState() is not null;
        }
        catch (KraftException) { return false; }
    }

    void Send(Machine m, ApiRequest request)
    {
        using var api = new FirecrackerClient(SocketPath(m), ApiTimeout);
        try { api.Send(request); }
        catch (KraftException e)
        {
            throw new KraftException($"machine '{m.Name}': {e.Message}", hint: $"see its state with: kraft ps -a; Firecracker's log: {m.Files.VmmLog}");
        }
    }

    public void Pause(Machine machine) => Send(machine, FirecrackerApi.Pause);

    public void Resume(Machine machine) => Send(machine, FirecrackerApi.Resume);

    /// <summary>SendCtrlAltDel exists on x86 only (Intel and AMD).</summary>
    public bool RequestShutdown(Machine machine)
    {
        if (machine.Spec.Arch != GuestArch.X86_64) return false;
        try
        {
            using var api = new FirecrackerClient(SocketPath(machine), ApiTimeout);
            api.Send(FirecrackerApi.CtrlAltDel);
            return true;
        }
        catch (KraftException) { return false; }
    }

    /// <summary>The API has no quit: SIGTERM to the VMM (checked against its start time).</summary>
    public bool Quit(Machine machine)
    {
        if (machine.Status.Vmm is not { } vmm || !vmm.IsAlive()) return false;
        return Native.Kill(vmm.Pid, Native.SIGTERM) == 0;
    }

    public MachineState? Status(Machine machine, TimeSpan timeout)
    {
        try
        {
            using var api = new FirecrackerClient(SocketPath(machine), timeout);
            return FirecrackerApi.StateOf(api.InstanceState()) switch
            {
                MachineState.Created => MachineState.Starting,
                var s => s,
            };
        }
        catch (Exception e) when (e is KraftException or System.Text.Json.JsonException) { return null; }
    }

    public void Delete(Machine machine) => AtomicFile.TryDelete(SocketPath(machine));
}
