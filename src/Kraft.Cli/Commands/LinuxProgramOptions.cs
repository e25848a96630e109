using System.CommandLine;
using Kraft.Apps;

namespace Kraft.Cli;

/// <summary>kraft run's option for a Linux program (run through the ELF loader): --loader; its --rootfs is the machine's (a directory put under the program in the initrd).</summary>
public sealed class LinuxProgramOptions
{
    public Option<string?> Loader { get; } = new("--loader")
    {
        Description = "For a Linux program: the ELF loader, a built app-elfloader project directory or its kernel (default: the one kept from an earlier run, else kraft builds app-elfloader from the component index once)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Loader);
    }

    /// <summary>The loader kernel, the initrd with the program and the loader's arguments.</summary>
    public LinuxBinaryPlan Plan(ParseResult r, string program, string? rootfs, IEnumerable<string> args, IReporter reporter, CancellationToken cancel)
    {
        var config = Packages.Config.UserConfigLoader.Load();
        var data = Path.GetDirectoryName(config.SourcesDir)!;
        var loader = ElfLoaderBuilder.Obtain(r.GetValue(Loader), config, Path.Combine(data, "elfloaders"), reporter, cancel);
        var plan = LinuxBinaryRunner.Plan(program, rootfs, loader, args, Path.Combine(data, "linux-initrds"), reporter, cancel);
        foreach (var note in plan.Notes) reporter.Warn(note);
        return plan;
    }
}
