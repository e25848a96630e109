using System.CommandLine;
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
        var cmd = new Command("inspect", "Print the normalised project (targets, components, kconfig)") { dir, kraftfile, output };
        cmd.SetAction(r =>
        {
            try
            {
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
}
