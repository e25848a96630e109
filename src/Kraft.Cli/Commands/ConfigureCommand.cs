using System.CommandLine;
using Kraft.Build;
using Kraft.Cli.Rendering;

namespace Kraft.Cli;

/// <summary><c>kraft configure</c>: fetch the components and write each selected target's .config, then stop.</summary>
public static class ConfigureCommand
{
    public static Command Create()
    {
        var selection = new ProjectTargetOptions();
        var backend = KconfigBackendOption.Create();
        var force = new Option<bool>("--force") { Description = "Write the .config even if some requested Kconfig options did not get their value" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show where the configuration time went" };
        var fetching = new FetchFlags();
        var cmd = new Command("configure", "Write the targets' .config from the Kraftfile (and the files make would generate), without building")
            { backend, force, verbose };
        selection.AddTo(cmd);
        fetching.AddTo(cmd);
        cmd.SetAction((r, cancel) => Task.FromResult(Run(r, selection, fetching, new BuildOptions
        {
            Force = r.GetValue(force),
            Backend = r.GetValue(backend),
            KraftExecutable = KconfigBackendOption.SelfPath,
        }, r.GetValue(verbose), cancel)));
        return cmd;
    }

    static int Run(ParseResult r, ProjectTargetOptions selection, FetchFlags fetching, BuildOptions options, bool verbose, CancellationToken cancel)
    {
        try
        {
            var loaded = selection.Load(r);
            if (Oci.RuntimeProject.PlanFor(loaded) is { } runtime)
                throw new KraftException($"a runtime project has nothing to configure: its kernel comes built in the runtime {runtime.Runtime?.ToString() ?? runtime.RuntimeKernel}",
                    loaded.Runtime!.Location ?? new SourceLocation(loaded.KraftfilePath),
                    "'kraft build' pulls the runtime and builds the root filesystem; 'kraft run' boots it");
            var (project, targets) = selection.Select(r, loaded);
            using var reporter = new ConsoleReporter(verbose);
            var builder = new ProjectBuilder(reporter);
            var (fetchOptions, config) = fetching.Read(r, fetch: true);
            var plan = builder.Plan(project, targets, fetchOptions, config, cancel);
            foreach (var t in plan.Targets)
            {
                var result = builder.ConfigureOnly(plan, t, options, cancel);
                var rel = Path.GetRelativePath(Environment.CurrentDirectory, t.Layout.ConfigPath);
                var how = options.Backend == KconfigBackend.Native ? "native" : "make";
                reporter.Done($"{t.Target.Name} ({t.Target.PlatArch}): configured ({how}) in {result.Elapsed.TotalMilliseconds:F0} ms  {rel}"
                    + (verbose && result.Timings is { } tm ? $"\n  {tm}" : ""));
            }
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }
}
