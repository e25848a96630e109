using System.Diagnostics;

namespace Kraft.Machines;

/// <summary>
/// The machine life cycle, the same for every driver: create (validate, check ports, record),
/// supervise (start the VMM, record that it runs, wait, record how it ended, fall back from a KVM
/// that cannot run the guest), start detached (a supervisor process), pause, stop (graceful, then
/// quit, then SIGKILL) and remove; and the live view of a machine whose supervisor is gone.
/// </summary>
public sealed class MachineController(MachineStore store, IReporter reporter)
{
    /// <summary>The hidden command a detached machine's supervisor runs: kraft __supervise --runtime-dir DIR NAME.</summary>
    public const string SupervisorCommand = "__supervise";

    /// <summary>How long `kraft run -d` / `start -d` wait for the VMM to come up.</summary>
    public static TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public MachineStore Store => store;

    /// <summary>Extra drivers (Firecracker, Xen) registered by the code that provides them.</summary>
    public static readonly Dictionary<Platform, Func<MachineStore, IMachineDriver>> Drivers = new()
    {
        [Platform.Qemu] = s => new QemuDriver(s),
        [Platform.Xen] = _ => new XenDriver(),
        [Platform.Firecracker] = _ => new Firecracker.FirecrackerDriver(),
    };

    public IMachineDriver DriverFor(Platform platform) =>
        Drivers.TryGetValue(platform, out var make)
            ? make(store)
            : throw new KraftException($"running machines on the {platform.Name()} platform is not supported yet", hint: "use --plat qemu");

    /// <summary>Validates the spec for its driver, refuses taken ports, and records the machine (state created).</summary>
    public Machine Create(MachineSpec spec, string? name, bool foreground = false)
    {
        var driver = DriverFor(spec.Platform);
        driver.Validate(spec);
        if (name is not null && store.Exists(name))
            throw new KraftException($"machine name '{name}' is already in use", hint: $"choose another --name, or remove the old machine: kraft rm {name}");
        CheckPorts(spec, null);
        var machine = store.Create(name, spec, foreground);
        try { driver.Create(machine, reporter); }
        catch
        {
            store.Delete(machine);
            throw;
        }
        return machine;
    }

    /// <summary>
    /// For kraft run --dry-run on a platform other than QEMU: checks the spec (not the VMM's
    /// presence: nothing runs) and says what a run would start, write and send. Records nothing.
    /// </summary>
    public string DryRun(MachineSpec spec, string? name)
    {
        var driver = DriverFor(spec.Platform);
        driver.ValidateForDryRun(spec);
        var unnamed = name ?? "NAME";
        var files = new MachineFiles(Path.Combine(store.MachinesDir, unnamed));
        return driver.DryRun(new Machine(unnamed, "", spec, new MachineStatus(), files), new StartOptions());
    }

    void CheckPorts(MachineSpec spec, string? self)
    {
        if (spec.Ports.Count == 0) return;
        var live = store.List().Machines.Where(m => m.Name != self).Select(Observe).Where(m => m.Status.State.IsLive());
        PortCheck.EnsureFree(spec.Ports, live);
    }

    /// <summary>
    /// Runs the machine's VMM as a child of this process until it ends, keeping the record current.
    /// <paramref name="console"/> non-null: a foreground run (the console is copied there, the VMM
    /// dies with us). A KVM that cannot run the guest (and was not demanded with --accel kvm) is
    /// remembered for this host and the machine starts again under emulation.
    /// </summary>
    public RunResult Supervise(Machine machine, Stream? console, CancellationToken cancel)
    {
        var driver = DriverFor(machine.Spec.Platform);
        var noting = new NotingReporter(reporter);
        var accel = driver.ChooseAccel(machine.Spec, noting);
        var accelNote = noting.Last;
        var self = ProcessIdentities.Self;
        try { return SuperviseVmm(machine, console, driver, accel, accelNote, self, cancel); }
        finally
        {
            // The VMM has ended (or never started): its taps go; the addresses stay leased until kraft rm.
            RemoveTaps(machine);
        }
    }

    RunResult SuperviseVmm(Machine machine, Stream? console, IMachineDriver driver, Acceleration accel, string? accelNote,
        ProcessIdentity self, CancellationToken cancel)
    {
        while (true)
        {
            machine = store.Update(machine, s => s with
            {
                State = MachineState.Starting, Supervisor = self, Foreground = console is not null, Accel = accel, AccelNote = accelNote,
                StartedAt = DateTimeOffset.UtcNow, ExitedAt = null, Vmm = null, ExitKind = null, ExitCode = null, VmmExitCode = null,
                Signal = null, Message = null, Hint = null,
            }) ?? throw Removed(machine);
            // After the record names us: a kraft that sees a dead machine then leaves these taps alone.
            if (machine.Spec.Networks.Count > 0) NetworkStoreOf().RestoreTaps(machine.Spec.Networks);
            IVmmProcess vmm;
            try { vmm = driver.Start(machine, new StartOptions { Accel = accel, Console = console }, reporter); }
            catch (KraftException e)
            {
                // A VMM that refused its configuration (Firecracker's API): the record says why.
                store.Update(machine, s => s with
                {
                    State = MachineState.Failed, ExitedAt = DateTimeOffset.UtcNow, ExitKind = RunExitKind.QemuFailed, ExitCode = 1, Message = e.Message, Hint = e.Hint,
                });
                throw;
            }
            using var vmmOwned = vmm;
            TestHooks.PauseIfAsked(TestHooks.PauseBeforeVmmRecorded);
            var running = console is not null ? MachineState.Running : MachineState.Starting;
            if (store.Update(machine, s => s with { State = running, Vmm = vmm.Identity }) is not { } recorded)
            {
                // Removed while it started (kraft rm -f): nothing may outlive the record.
                Native.Kill(vmm.Identity.Pid, Native.SIGKILL);
                return vmm.Wait(cancel);
            }
            machine = recorded;
            if (console is null && vmm.WaitReady(StartTimeout))
                machine = store.Update(machine, s => s.State == MachineState.Starting ? s with { State = MachineState.Running } : s) ?? machine;
            var result = vmm.Wait(cancel);
            if (result.KvmFailed && accel == Acceleration.Kvm && machine.Spec.Accel == AccelRequest.Auto)
            {
                var why = result.Message is { } said && said.StartsWith("KVM could not run", StringComparison.Ordinal)
                    ? said
                    : $"KVM could not run the guest ({FirstLine(result.Message ?? "QEMU failed")})";
                if (driver is QemuDriver q) q.Verdicts.Set(q.HostKey(machine.Spec), false, why);
                accelNote = $"emulated: {why} (remembered for this host)";
                reporter.Warn($"{why}; using emulation instead (slower). Remembered for this host; --accel kvm tries KVM again");
                accel = Acceleration.Tcg;
                continue;
            }
            store.Update(machine, s => s.Ended(result, DateTimeOffset.UtcNow));
            return result;
        }
    }

    static string FirstLine(string text) => text.Split('\n')[0].Trim();

    static KraftException Removed(Machine m) => new($"machine '{m.Name}' was removed");

    /// <summary>Passes messages on and keeps the last one (the accelerator choice, for the record).</summary>
    sealed class NotingReporter(IReporter inner) : IReporter
    {
        public string? Last { get; private set; }
        public void Info(string message) { Last = message; inner.Info(message); }
        public void Warn(string message) { Last = message; inner.Warn(message); }
        public void Progress(string step, int done, int total, string? detail = null) => inner.Progress(step, done, total, detail);
        public void ToolOutput(string line, bool isError) => inner.ToolOutput(line, isError);
    }

    /// <summary>
    /// Starts the machine in a supervisor process detached from our terminal and session (kraft
    /// itself, <see cref="SupervisorCommand"/>) and returns once the VMM runs (or has failed).
    /// </summary>
    public Machine StartDetached(Machine machine, string kraftBinary)
    {
        if (store.Refresh(machine) is { } now && Observe(now).Status.State.IsLive())
            throw new KraftException($"machine '{machine.Name}' is already {Observe(now).Status.State.Name()}");
        CheckPorts(machine.Spec, machine.Name);
        if (DriverFor(machine.Spec.Platform).CannotStartHere(machine) is { } written)
            throw new KraftException(written.Why, hint: $"take {written.File} to a Xen host, or remove the machine: kraft rm {machine.Name}");
        // Its stdio are pipes we close at once: the supervisor outlives this command and must not
        // hold our caller's terminal or pipe (kraft run -d | cat would never end).
        var psi = new ProcessStartInfo(kraftBinary)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in new[] { SupervisorCommand, "--runtime-dir", store.Root, machine.Name }) psi.ArgumentList.Add(a);
        using var supervisor = new Process { StartInfo = psi };
        Kraft.Host.ChildProcesses.Start(supervisor);
        supervisor.StandardInput.Close();
        supervisor.StandardOutput.Close();
        supervisor.StandardError.Close();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            var current = store.Refresh(machine) ?? throw Removed(machine);
            var state = current.Status.State;
            var ours = current.Status.Supervisor?.Pid == supervisor.Id;
            if (ours && state is MachineState.Running or MachineState.Paused or MachineState.Exited or MachineState.Failed)
                return current;
            if (supervisor.HasExited)
            {
                // A supervisor killed before it recorded the VMM may leave one running: ask it.
                current = Observe(store.Refresh(machine) ?? current);
                if (current.Status.State is MachineState.Created or MachineState.Starting)
                    throw new KraftException($"the supervisor of machine '{machine.Name}' exited ({supervisor.ExitCode}) before the machine started",
                        hint: $"see {machine.Files.VmmLog}");
                return current;
            }
            if (DateTime.UtcNow > deadline)
                throw new KraftException($"machine '{machine.Name}' did not start within {StartTimeout.TotalSeconds:0} s", hint: $"see {machine.Files.VmmLog}");
            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// The machine as it is now. The record is current while its supervisor lives; without one,
    /// the VMM's pid (checked against its start time) and the driver's control socket tell.
    /// </summary>
    public Machine Observe(Machine m)
    {
        var s = m.Status;
        if (!s.State.IsLive()) return m;
        if (s.Supervisor is { } sup && sup.IsAlive()) return m;
        var vmm = s.Vmm ?? VmmFromPidFile(m);
        if (vmm is { } v && v.IsAlive())
        {
            var state = DriverFor(m.Spec.Platform).Status(m, TimeSpan.FromSeconds(1)) ?? s.State;
            return m with { Status = s with { State = state, Vmm = v } };
        }
        return Reconcile(m, m with
        {
            Status = s with
            {
                State = MachineState.Exited, Vmm = null,
                Message = s.Foreground ? "the kraft run that ran it was killed; its exit status is lost" : "its supervisor was killed; the exit status is lost",
            },
        });
    }

    /// <summary>
    /// A machine whose supervisor and VMM are both gone while its record says live (both were
    /// killed): records that it exited and deletes its taps, under the machine's lock, re-checked
    /// there, so a supervisor starting it again meanwhile is never undone. A record this kraft
    /// cannot write is shown as exited all the same.
    /// </summary>
    Machine Reconcile(Machine m, Machine dead)
    {
        try
        {
            var changed = store.Update(m, s =>
            {
                if (!s.State.IsLive() || s.Supervisor is { } sup && sup.IsAlive() || (s.Vmm ?? VmmFromPidFile(m)) is { } v && v.IsAlive()) return s;
                RemoveTaps(m);
                return s with { State = MachineState.Exited, Vmm = null, Message = dead.Status.Message, ExitedAt = DateTimeOffset.UtcNow };
            });
            return changed ?? dead;
        }
        catch (Exception e) when (e is KraftException or IOException or UnauthorizedAccessException)
        {
            return dead;
        }
    }

    Networks.NetworkStore NetworkStoreOf() => new(store.Root);

    /// <summary>Deletes the machine's taps; a failure is a warning (the VMM is gone, nothing else depends on it).</summary>
    void RemoveTaps(Machine m)
    {
        if (m.Spec.Networks.Count == 0) return;
        try { NetworkStoreOf().RemoveTaps(m.Spec.Networks); }
        catch (Exception e) when (e is KraftException or IOException or UnauthorizedAccessException)
        {
            reporter.Warn($"could not delete the taps of machine '{m.Name}': {e.Message}");
        }
    }

    /// <summary>
    /// The VMM a supervisor started but had no time to record: the identity <see cref="VmmLauncher"/>
    /// wrote (Firecracker, xl), else QEMU's own pid file if that process names it on its command line.
    /// </summary>
    static ProcessIdentity? VmmFromPidFile(Machine m)
    {
        if (VmmLauncher.Recorded(m.Files) is { } launched) return launched;
        try
        {
            if (!File.Exists(m.Files.PidFile) || !int.TryParse(File.ReadAllText(m.Files.PidFile).Trim(), out var pid)) return null;
            return ProcessIdentities.CommandLine(pid) is { } cmd && cmd.Contains(m.Files.PidFile, StringComparison.Ordinal)
                ? ProcessIdentities.Of(pid)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public Machine Pause(Machine m)
    {
        var now = Observe(m);
        if (now.Status.State != MachineState.Running)
            throw new KraftException($"machine '{m.Name}' is {now.Status.State.Name()}, not running", hint: "only a running machine can be paused");
        DriverFor(m.Spec.Platform).Pause(now);
        return store.Update(now, s => s with { State = MachineState.Paused }) ?? now;
    }

    public Machine Resume(Machine m)
    {
        DriverFor(m.Spec.Platform).Resume(m);
        return store.Update(m, s => s with { State = MachineState.Running }) ?? m;
    }

    /// <summary>
    /// Stops a machine: asks the guest to power off, after <paramref name="grace"/> ends the VMM
    /// through its control socket, and two seconds later SIGKILLs it. Returns once it has exited
    /// and its ending is recorded.
    /// </summary>
    public Machine Stop(Machine m, TimeSpan grace)
    {
        var now = Observe(m);
        if (!now.Status.State.IsLive()) return now;
        // A supervisor still launching the VMM: let it record the VMM first, so there is one to stop.
        if (now.Status.State == MachineState.Starting && now.Status.Vmm is null && now.Status.Supervisor is { } launching && launching.IsAlive())
        {
            WaitUntil(() => store.Refresh(now) is not { } r || r.Status.Vmm is not null || r.Status.State != MachineState.Starting || !launching.IsAlive(), StartTimeout);
            now = Observe(store.Refresh(now) ?? now);
            if (!now.Status.State.IsLive()) return now;
        }
        var driver = DriverFor(m.Spec.Platform);
        var vmm = now.Status.Vmm ?? VmmFromPidFile(now);
        bool Gone() => vmm is not { } v || !v.IsAlive();
        // The press is repeated: a guest still booting has not enabled its power button yet and
        // would never see a single early one.
        var graceEnds = DateTime.UtcNow + grace;
        while (now.Status.State == MachineState.Running && !Gone() && DateTime.UtcNow < graceEnds && driver.RequestShutdown(now))
            WaitUntil(Gone, TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(500).Ticks, Math.Max(0, (graceEnds - DateTime.UtcNow).Ticks))));
        if (!Gone())
        {
            driver.Quit(now);
            WaitUntil(Gone, TimeSpan.FromSeconds(2));
        }
        if (!Gone() && vmm is { } alive)
        {
            Native.Kill(alive.Pid, Native.SIGKILL);
            WaitUntil(Gone, TimeSpan.FromSeconds(2));
        }
        // The supervisor records how the VMM ended; without one, we do.
        var sup = now.Status.Supervisor;
        WaitUntil(() => sup is not { } s || !s.IsAlive() || store.Refresh(now)?.Status.State.IsLive() != true, TimeSpan.FromSeconds(3));
        var after = store.Refresh(now) ?? now;
        if (after.Status.State.IsLive())
            after = store.Update(after, s => s with
            {
                State = MachineState.Exited, Vmm = null, ExitedAt = DateTimeOffset.UtcNow, ExitKind = RunExitKind.Killed,
                Message = "stopped by kraft stop (no supervisor recorded the exit status)",
            }) ?? after;
        driver.Delete(after);
        return after;
    }

    /// <summary>Removes a machine; a live one only with <paramref name="force"/> (it is killed first).</summary>
    public void Remove(Machine m, bool force)
    {
        var now = Observe(m);
        if (now.Status.State.IsLive())
        {
            if (!force)
                throw new KraftException($"machine '{m.Name}' is {now.Status.State.Name()}", hint: $"stop it first (kraft stop {m.Name}) or remove it anyway: kraft rm -f {m.Name}");
            Stop(now, TimeSpan.Zero);
        }
        // A supervisor that is still finishing must not write into a folder we are removing.
        var current = store.Refresh(now) ?? now;
        if (current.Status.Supervisor is { } sup && sup.Pid != Environment.ProcessId)
        {
            WaitUntil(() => !sup.IsAlive(), TimeSpan.FromSeconds(3));
            if (sup.IsAlive()) Native.Kill(sup.Pid, Native.SIGKILL);
        }
        DriverFor(m.Spec.Platform).Delete(now);
        // Its taps go, and their addresses are free again.
        NetworkStoreOf().Release(m.Spec.Networks);
        store.Delete(now);
    }

    static void WaitUntil(Func<bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done() && DateTime.UtcNow < deadline) Thread.Sleep(5);
    }
}
