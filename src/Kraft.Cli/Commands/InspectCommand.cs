using System.CommandLine;
using Kraft.Cli.Rendering;
using Kraft.Machines;
using Kraft.Project;

namespace Kraft.Cli;

/// <summary><c>kraft inspect</c>: the project as kraft understands it, after every form is normalised.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var selection = new ProjectTargetOptions();
        var dir = selection.Directory;
        var kraftfile = selection.Kraftfile;
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format: table, json or yaml",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var machineOptions = new MachineOptions();
        var cmd = new Command("inspect", "Print the normalised project (targets, components, kconfig), or a machine given by name") { dir, kraftfile, output };
        machineOptions.AddTo(cmd);
        cmd.SetAction(r =>
        {
            try
            {
                if (MachineNamed(r, machineOptions, r.GetValue(dir)) is { } machine)
                {
                    Console.Out.Write(r.GetValue(output) == "table" ? MachineRenderer.InspectText(machine) : MachineRenderer.InspectJson(machine));
                    return 0;
                }
                var project = ProjectLoading.Load(r.GetValue(dir), r.GetValue(kraftfile));
                Console.Out.Write(ProjectRenderer.Render(project, r.GetValue(output)!));
                return 0;
            }
            catch (Exception e)
            {
                return Program.Failure(e);
            }
        });
        return cmd;
    }

    /// <summary>
    /// The argument names a machine when it is a machine's name and not a path that exists (a
    /// path is written with a '/' or is a directory here); both at once is refused, so that
    /// `kraft inspect X` never silently means the other one.
    /// </summary>
    static Machine? MachineNamed(ParseResult r, MachineOptions options, string? arg)
    {
        if (arg is null || arg.Contains('/') || arg is "." or ".." || !Names.IsValid(arg)) return null;
        var controller = options.Controller(r);
        if (!controller.Store.Exists(arg)) return null;
        if (Directory.Exists(arg) || File.Exists(arg))
            throw new KraftException($"'{arg}' is both a machine and a path in this directory",
                hint: $"write ./{arg} for the project directory, or run kraft inspect {arg} from another directory for the machine");
        return controller.Observe(controller.Store.Get(arg));
    }
}
