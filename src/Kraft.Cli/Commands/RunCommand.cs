using System.CommandLine;
using Kraft.Build;
using Kraft.Cli.Rendering;
using Kraft.Machines;
using Kraft.Project;

namespace Kraft.Cli;

/// <summary><c>kraft run</c>: boot a built target, or any kernel file, in the foreground.</summary>
public static class RunCommand
{
    /// <summary>Arguments after the first bare "--": they belong to the guest, not to kraft.</summary>
    public static IReadOnlyList<string>? AppArgs { get; set; }

    static LinuxProgramOptions? Linux;

    public static Command Create()
    {
        var selection = new ProjectTargetOptions("dir|kernel", "A project directory (default: the current one) or a kernel image");
        var memory = new Option<string?>("--memory", "-M") { Description = "Guest memory (64M, 64Mi, 1G...; default 64Mi)" };
        var smp = new Option<int?>("--smp") { Description = "Number of virtual CPUs (default 1)" };
        var kernelArgs = new Option<string[]>("--kernel-arg", "-a")
        {
            Description = "A Unikraft library parameter, lib.param=value (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var initrd = new Option<string?>("--initrd") { Description = "An initial ramdisk (CPIO) to pass to the guest" };
        var noAccel = new Option<bool>("--disable-acceleration", "-W") { Description = "Use emulation even when KVM is available" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the QEMU command line and stop" };
        var linux = new LinuxProgramOptions();
        var cmd = new Command("run", "Boot a unikernel in the foreground under QEMU (arguments after -- go to the application)")
        {
            memory, smp, kernelArgs, initrd, noAccel, dryRun,
        };
        selection.AddTo(cmd);
        linux.AddTo(cmd);
        Linux = linux;
        cmd.Aliases.Add("r");
        cmd.SetAction((r, cancel) => Task.FromResult(Run(r, selection, r.GetValue(memory), r.GetValue(smp), r.GetValue(kernelArgs) ?? [],
            r.GetValue(initrd), r.GetValue(noAccel), r.GetValue(dryRun), cancel)));
        return cmd;
    }

    static int Run(ParseResult parse, ProjectTargetOptions selection, string? memory, int? smp,
        string[] kernelArgs, string? initrd, bool noAccel, bool dryRun, CancellationToken cancel)
    {
        try
        {
            var what = parse.GetValue(selection.Directory);
            var plat = parse.GetValue(selection.Plat);
            var arch = parse.GetValue(selection.Arch);
            IEnumerable<string> appArgs = AppArgs ?? [];
            IEnumerable<KeyValuePair<string, string>> env = [];
            string kernel;
            if (what is not null && File.Exists(what) && Linux is not null && Apps.LinuxBinaryRunner.IsLinuxProgram(what))
            {
                // A Linux program: run by the ELF loader, the program (and --rootfs) in the initrd (Apps/LinuxBinaryRunner).
                using var planReporter = new ConsoleReporter();
                var program = Linux.Plan(parse, what, appArgs, planReporter, cancel);
                (kernel, initrd, appArgs) = (program.Kernel, program.Initrd, program.AppArgs);
                memory ??= "512M";
            }
            else if (what is not null && File.Exists(what))
            {
                kernel = what;
            }
            else
            {
                var (project, candidates) = selection.Select(parse);
                var chosen = PickTarget(project, candidates);
                kernel = Path.Combine(project.OutDir, chosen.KernelName);
                if (!File.Exists(kernel))
                    throw new KraftException($"{chosen.Name} ({chosen.PlatArch}) is not built yet: {kernel} does not exist",
                        hint: $"build it with: kraft build -t {chosen.PlatArch}");
                arch ??= chosen.Architecture;
                plat ??= chosen.Platform;
                if (AppArgs is null && project.Cmd.Count > 0)
                {
                    // In a Kraftfile's cmd, a "--" separates library parameters from the application's arguments.
                    var sep = project.Cmd.ToList().IndexOf("--");
                    appArgs = sep < 0 ? project.Cmd : project.Cmd.Skip(sep + 1);
                    if (sep >= 0 && kernelArgs.Length == 0) kernelArgs = project.Cmd.Take(sep).ToArray();
                }
                env = project.Env;
            }
            if (plat is not null && TargetSelector.NormalisePlatform(plat) != "qemu")
                throw new KraftException($"running on platform '{plat}' is not supported yet", hint: "use -p qemu (Firecracker and Xen come later)");

            var spec = MachineSpec.Create(kernel, arch, "qemu", memory, smp, kernelArgs, appArgs, initrd, noAccel, env);
            using var reporter = new ConsoleReporter();
            var launch = QemuRunner.Prepare(spec, reporter);
            if (dryRun)
            {
                Console.Out.WriteLine(launch.CommandLine);
                return 0;
            }
            var result = QemuRunner.Run(launch, reporter, cancel);
            if (result.ToException() is { } error)
            {
                Console.Out.Flush();
                Console.Error.WriteLine($"error: {error.Describe()}");
            }
            return result.ExitCode;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    /// <summary>
    /// Several targets may match: prefer built ones, then this machine's architecture (no
    /// emulation), then QEMU, as KraftKit picks the host's qemu target.
    /// </summary>
    internal static Target PickTarget(KraftProject project, IReadOnlyList<Target> candidates)
    {
        var host = GuestArchNames.Host?.Name();
        return candidates
            .OrderByDescending(t => File.Exists(Path.Combine(project.OutDir, t.KernelName)))
            .ThenByDescending(t => t.Architecture == host)
            .ThenByDescending(t => t.Platform == "qemu")
            .First();
    }
}
