using System.CommandLine;
using Kraft.Build;
using Kraft.Cli.Rendering;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft config get|set|why|diff</c>: read, change and explain a configured target's .config
/// through its Kconfig tree.
/// </summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var cmd = new Command("config", "Query, change and explain a target's Kconfig values");
        cmd.Subcommands.Add(Sub("get", "Print options' values (one value, or NAME=value lines for several)", "options", (c, names, _) =>
        {
            foreach (var n in names)
                Console.Out.WriteLine(names.Length == 1 ? c.Get(n) : ConfigValues.FormatLine(c.Tree.Prefix + c.Resolve(n).Name, c.Get(n)));
            return 0;
        }));
        cmd.Subcommands.Add(Sub("why", "Print options' values and the reasons for them (defaults, dependencies, selects, the user)", "options", (c, names, _) =>
        {
            foreach (var n in names)
                Console.Out.Write(c.Why(n).ToString());
            return 0;
        }));
        cmd.Subcommands.Add(Sub("set", "Set options (CONFIG_X=value ...), refusing values that would not stick", "assignments", (c, assignments, _) =>
        {
            foreach (var assignment in assignments)
            {
                var eq = assignment.IndexOf('=');
                if (eq <= 0)
                    throw new KraftException($"'{assignment}' is not an assignment", hint: "write CONFIG_NAME=value, e.g. CONFIG_LIBUKDEBUG_PRINTK_INFO=y");
                c.Set(assignment[..eq], assignment[(eq + 1)..]);
            }
            c.Save(KconfigBackendOption.SelfPath);
            Console.Out.WriteLine("updated");
            return 0;
        }));
        var defaults = new Option<bool>("--defaults") { Description = "List every option that is not at its default, instead of the difference from the Kraftfile" };
        var diff = Sub("diff", "Show how the .config differs from what the Kraftfile gives (hand edits, kraft config set)", null, (c, _, r) =>
        {
            var againstDefaults = r.GetValue(defaults);
            var differences = c.Diff(againstDefaults);
            foreach (var d in differences)
                Console.Out.WriteLine(againstDefaults ? ConfigValues.FormatLine(d.Name, d.Current ?? "n")
                    : $"{d.Name}: {d.Current ?? "(not set)"} (Kraftfile gives {d.Other ?? "(not set)"})");
            if (differences.Count == 0) Console.Out.WriteLine(againstDefaults ? "every option is at its default" : "no differences from the Kraftfile");
            return 0;
        }, extra: defaults);
        cmd.Subcommands.Add(diff);
        return cmd;
    }

    static Command Sub(string name, string description, string? argument, Func<TargetConfig, string[], ParseResult, int> action,
        Option<bool>? extra = null)
    {
        var selection = new ProjectTargetOptions();
        var cmd = new Command(name, description);
        Argument<string[]>? arg = argument is null ? null
            : new Argument<string[]>(argument) { Arity = ArgumentArity.OneOrMore };
        if (arg is not null) cmd.Arguments.Add(arg);
        foreach (var o in new Option[] { selection.Kraftfile, selection.Plat, selection.Arch, selection.Target })
            cmd.Options.Add(o);
        if (extra is not null) cmd.Options.Add(extra);
        cmd.SetAction((r, cancel) =>
        {
            try
            {
                var (project, targets) = selection.Select(r, Environment.CurrentDirectory);
                var target = Kraft.Machines.RunPlanner.PickTarget(project, targets);
                var plan = new ProjectBuilder(new ConsoleReporter()).Plan(project, [target], fetch: false, cancel);
                var config = TargetConfig.Open(plan, plan.Targets[0]);
                return Task.FromResult(action(config, arg is null ? [] : r.GetValue(arg) ?? [], r));
            }
            catch (Exception e)
            {
                return Task.FromResult(Program.Failure(e));
            }
        });
        return cmd;
    }
}
