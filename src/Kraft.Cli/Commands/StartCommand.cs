using System.CommandLine;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary><c>kraft start [-d] NAME...</c>: start created or exited machines, or resume paused ones.</summary>
public static class StartCommand
{
    public static Command Create()
    {
        var options = new MachineOptions();
        var names = new Argument<string[]>("name") { Description = "Machine names", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every machine that is not running" };
        var detach = new Option<bool>("--detach", "-d") { Description = "Return once they run (otherwise follow their consoles until they end)" };
        var cmd = new Command("start", "Start machines, or resume paused ones") { names, all, detach };
        options.AddTo(cmd);
        cmd.SetAction((r, cancel) =>
        {
            try
            {
                var controller = options.Controller(r);
                var machines = MachineOptions.Resolve(controller.Store, r.GetValue(names) ?? [], r.GetValue(all), "start")
                    .Select(controller.Observe).ToList();
                if (r.GetValue(all)) machines = machines.Where(m => m.Status.State != MachineState.Running).ToList();
                var started = new List<Machine>();
                foreach (var m in machines)
                {
                    var now = m.Status.State switch
                    {
                        MachineState.Paused => controller.Resume(m),
                        MachineState.Running or MachineState.Starting => throw new KraftException($"machine '{m.Name}' is already running"),
                        _ => controller.StartDetached(m, MachineOptions.KraftBinary),
                    };
                    started.Add(now);
                    if (r.GetValue(detach)) Console.Out.WriteLine(m.Name);
                }
                if (!r.GetValue(detach) && started.Count > 0)
                {
                    // Attached: the consoles until the machines end; Ctrl-C stops them (as KraftKit's start does).
                    using var reg = cancel.Register(() =>
                    {
                        foreach (var m in started) { try { controller.Stop(m, TimeSpan.FromSeconds(1)); } catch (KraftException) { } }
                    });
                    LogsCommand.Follow(controller, started, follow: true, prefix: started.Count > 1, CancellationToken.None);
                    if (cancel.IsCancellationRequested) return Task.FromResult(130);
                    var ended = started.Select(m => controller.Store.Refresh(m) ?? m).ToList();
                    return Task.FromResult(ended.Count == 1 ? ended[0].Status.ExitCode ?? 0 : ended.Max(m => m.Status.ExitCode ?? 0));
                }
                return Task.FromResult(0);
            }
            catch (Exception e)
            {
                return Task.FromResult(Program.Failure(e));
            }
        });
        return cmd;
    }
}
