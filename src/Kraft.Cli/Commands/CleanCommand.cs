using System.CommandLine;
using Kraft.Build;
using Kraft.Cli.Rendering;
using Kraft.Host;

namespace Kraft.Cli;

/// <summary><c>kraft clean [--proper]</c>: make clean, or remove the build folder.</summary>
public static class CleanCommand
{
    public static Command Create()
    {
        var selection = new ProjectTargetOptions();
        var proper = new Option<bool>("--proper", "-P") { Description = "Remove the whole build folder of each target (make properclean)" };
        var cmd = new Command("clean", "Remove build outputs") { proper };
        selection.AddTo(cmd);
        cmd.Aliases.Add("cln");
        cmd.SetAction((r, cancel) => Task.FromResult(Run(r, selection, r.GetValue(proper), cancel)));
        return cmd;
    }

    static int Run(ParseResult parse, ProjectTargetOptions selection, bool proper, CancellationToken cancel)
    {
        try
        {
            var (project, targets) = selection.Select(parse);
            using var reporter = new ConsoleReporter();
            var plan = new ProjectBuilder(reporter).Plan(project, targets, fetch: false, cancel);
            foreach (var t in plan.Targets)
            {
                var label = $"{t.Target.Name} ({t.Target.PlatArch})";
                if (proper)
                {
                    // properclean is "remove O"; doing it here also works when the core is gone.
                    DeleteIfExists(t.Layout.ObjDir);
                    AtomicFile.TryDelete(t.Layout.KernelPath);
                    AtomicFile.TryDelete(t.Layout.DebugKernelPath);
                    reporter.Info($"{label}: removed {Path.GetRelativePath(Environment.CurrentDirectory, t.Layout.ObjDir)}");
                    continue;
                }
                if (!File.Exists(t.Layout.ConfigPath) || !Directory.Exists(t.Layout.ObjDir) || plan.Core.Pending)
                {
                    reporter.Info($"{label}: nothing to clean");
                    continue;
                }
                var make = ToolLocator.Require("make", "to clean");
                var r = ProcessRunner.Run(make, t.Clean.Arguments, cancel: cancel);
                if (!r.Succeeded)
                    throw new BuildFailedException($"cleaning {label} failed", t.Clean.ToString(), r.CombinedOutput);
                AtomicFile.TryDelete(t.Layout.KernelPath);
                AtomicFile.TryDelete(t.Layout.DebugKernelPath);
                AtomicFile.TryDelete(Path.Combine(t.Layout.ObjDir, ".kraft-build.fp"));
                reporter.Info($"{label}: cleaned");
            }
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    static void DeleteIfExists(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
