using System.CommandLine;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary><c>kraft logs [-f] NAME...</c>: a machine's console, whole or followed until it ends.</summary>
public static class LogsCommand
{
    public static Command Create()
    {
        var options = new MachineOptions();
        var names = new Argument<string[]>("name") { Description = "Machine names", Arity = ArgumentArity.OneOrMore };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing until the machine ends" };
        var noPrefix = new Option<bool>("--no-prefix") { Description = "Do not prefix lines with the machine's name when showing several" };
        var cmd = new Command("logs", "Print a machine's console") { names, follow, noPrefix };
        cmd.Aliases.Add("log");
        options.AddTo(cmd);
        cmd.SetAction((r, cancel) =>
        {
            try
            {
                var controller = options.Controller(r);
                var machines = MachineOptions.Resolve(controller.Store, r.GetValue(names) ?? [], false, "logs");
                Follow(controller, machines, r.GetValue(follow), !r.GetValue(noPrefix) && machines.Count > 1, cancel);
                return Task.FromResult(0);
            }
            catch (Exception e)
            {
                return Task.FromResult(Program.Failure(e));
            }
        });
        return cmd;
    }

    /// <summary>Copies the consoles of <paramref name="machines"/> to stdout, each in its own thread, lines prefixed "name | " when asked.</summary>
    public static void Follow(MachineController controller, IReadOnlyList<Machine> machines, bool follow, bool prefix, CancellationToken cancel)
    {
        var stdout = Console.OpenStandardOutput();
        var gate = new object();
        var width = machines.Max(m => m.Name.Length);
        var threads = machines.Select(m => new Thread(() =>
        {
            if (prefix)
            {
                var lines = new ConsoleLogs.LinePrefixer(m.Name.PadRight(width) + " | ", line =>
                {
                    var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
                    lock (gate) { stdout.Write(bytes); stdout.Flush(); }
                });
                ConsoleLogs.Copy(controller, m, lines.Write, follow, cancel);
                lines.Flush();
            }
            else
                ConsoleLogs.Copy(controller, m, chunk => { lock (gate) { stdout.Write(chunk); stdout.Flush(); } }, follow, cancel);
        }) { IsBackground = true }).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
    }
}
