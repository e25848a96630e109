using System.CommandLine;
using Kraft.Cli.Rendering;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary><c>kraft ps</c>: the machines (running ones, or all with -a).</summary>
public static class PsCommand
{
    public static Command Create()
    {
        var options = new MachineOptions();
        var all = new Option<bool>("--all", "-a") { Description = "Show every machine, not only running ones" };
        var isLong = new Option<bool>("--long", "-l") { Description = "More columns (id, pid, accelerator)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only the names" };
        var output = new Option<string>("--output", "-o") { Description = "table, json or yaml", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var cmd = new Command("ps", "List machines") { all, isLong, quiet, output };
        options.AddTo(cmd);
        cmd.SetAction(r =>
        {
            try
            {
                var controller = options.Controller(r);
                var (machines, problems) = controller.Store.List();
                foreach (var p in problems)
                    Console.Error.WriteLine($"warning: machine '{p.Name}' cannot be read ({p.Reason}); remove it with: kraft rm -f {p.Name}");
                var shown = machines.Select(controller.Observe)
                    .Where(m => r.GetValue(all) || m.Status.State is MachineState.Running or MachineState.Paused or MachineState.Starting)
                    .ToList();
                if (r.GetValue(quiet))
                {
                    foreach (var m in shown) Console.Out.WriteLine(m.Name);
                    return 0;
                }
                Console.Out.Write(r.GetValue(output) switch
                {
                    "json" => MachineRenderer.Json(shown),
                    "yaml" => MachineRenderer.Yaml(shown),
                    _ => MachineRenderer.Table(shown, r.GetValue(isLong)),
                });
                return 0;
            }
            catch (Exception e)
            {
                return Program.Failure(e);
            }
        });
        return cmd;
    }
}
