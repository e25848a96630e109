using System.CommandLine;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary><c>kraft stop</c>, <c>kraft pause</c> and <c>kraft rm</c>: act on machines by name (several in parallel) or on --all.</summary>
public static class StopCommand
{
    public static Command Create()
    {
        var options = new MachineOptions();
        var names = new Argument<string[]>("name") { Description = "Machine names", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every running machine" };
        var time = new Option<double>("--time", "-t") { Description = "Seconds the guest gets to power off before QEMU is ended (default 5)", DefaultValueFactory = _ => 5 };
        var cmd = new Command("stop", "Stop machines: power off, then end the VMM after --time, then kill it") { names, all, time };
        options.AddTo(cmd);
        cmd.SetAction(r => Each(options, r, r.GetValue(names) ?? [], r.GetValue(all), "stop",
            (c, m) => { c.Stop(m, TimeSpan.FromSeconds(Math.Clamp(r.GetValue(time), 0, 3600))); return true; },
            m => m.Status.State.IsLive()));
        return cmd;
    }

    public static Command CreatePause()
    {
        var options = new MachineOptions();
        var names = new Argument<string[]>("name") { Description = "Machine names", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every running machine" };
        var cmd = new Command("pause", "Pause running machines (kraft start resumes them)") { names, all };
        options.AddTo(cmd);
        cmd.SetAction(r => Each(options, r, r.GetValue(names) ?? [], r.GetValue(all), "pause",
            (c, m) => { c.Pause(m); return true; }, m => m.Status.State == MachineState.Running));
        return cmd;
    }

    public static Command CreateRemove()
    {
        var options = new MachineOptions();
        var names = new Argument<string[]>("name") { Description = "Machine names", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every machine" };
        var force = new Option<bool>("--force", "-f") { Description = "Also remove running machines (they are killed)" };
        var cmd = new Command("remove", "Remove machines") { names, all, force };
        cmd.Aliases.Add("rm");
        options.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var store = options.Store(r);
            var given = r.GetValue(names) ?? [];
            // Unreadable records are removable by name (or with --all) and never block the others.
            var problems = store.List().Problems;
            var broken = problems.Where(p => r.GetValue(all) || given.Contains(p.Name)).ToList();
            foreach (var p in broken) { store.DeleteUnreadable(p); Console.Out.WriteLine(p.Name); }
            var rest = given.Where(n => broken.All(p => p.Name != n)).ToArray();
            if (broken.Count > 0 && rest.Length == 0 && !r.GetValue(all)) return 0;
            return Each(options, r, rest, r.GetValue(all), "rm", (c, m) => { c.Remove(m, r.GetValue(force)); return true; }, _ => true);
        });
        return cmd;
    }

    /// <summary>Runs <paramref name="act"/> on every machine in parallel; prints each name done; the first error decides the exit code, the others are still done.</summary>
    static int Each(MachineOptions options, ParseResult r, IReadOnlyList<string> names, bool all, string command,
        Func<MachineController, Machine, bool> act, Func<Machine, bool> applies)
    {
        try
        {
            var controller = options.Controller(r);
            var machines = MachineOptions.Resolve(controller.Store, names, all, command).Select(controller.Observe).ToList();
            if (all) machines = machines.Where(applies).ToList();
            var errors = new Exception?[machines.Count];
            var threads = machines.Select((m, i) => new Thread(() =>
            {
                try
                {
                    if (act(controller, m)) lock (machines) Console.Out.WriteLine(m.Name);
                }
                catch (Exception e) { errors[i] = e; }
            })).ToList();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            var code = 0;
            foreach (var e in errors)
                if (e is not null) code = Math.Max(code, Program.Failure(e));
            return code;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }
}
