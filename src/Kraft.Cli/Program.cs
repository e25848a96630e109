using System.CommandLine;
using System.Runtime.InteropServices;
using Kraft.Build;
using Kraft.Host;

namespace Kraft.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Every make, gcc and git kraft starts runs under this hidden command, so it comes first.
        if (ChildGuard.IsGuardInvocation(args))
            return ChildGuard.RunGuard(args);
        if (ChildGuard.IsReaperInvocation(args))
            return ChildGuard.RunReaper();
        // A detached machine's Firecracker or xl, recorded before it runs (it execs the VMM).
        if (Kraft.Machines.VmmLauncher.IsInvocation(args))
            return Kraft.Machines.VmmLauncher.Run(args);
        ChildGuard.Enable(Environment.ProcessPath);
        Rendering.RedactingWriter.Install();
        // Answer --version before building the command tree: it is what scripts call most.
        if (args is ["--version"] or ["version"] or ["-V"])
        {
            Console.Out.WriteLine(VersionCommand.Text);
            return 0;
        }
        // Everything after a bare "--" goes to the guest application untouched.
        if (args.Length > 0 && args[0] is "run" or "r" && Array.IndexOf(args, "--") is var sep and > 0)
        {
            RunCommand.AppArgs = args[(sep + 1)..];
            args = args[..sep];
        }
        var root = new RootCommand("kraft: build, configure and run Unikraft unikernels (Kraft.NET)")
        {
            InspectCommand.Create(),
            BuildCommand.Create(),
            ConfigureCommand.Create(),
            ConfigCommand.Create(),
            CleanCommand.Create(),
            PkgCommand.Create(),
            PkgRegistryCommands.Login(),
            PkgRegistryCommands.Logout(),
            RunCommand.Create(),
            PsCommand.Create(),
            StartCommand.Create(),
            StopCommand.Create(),
            StopCommand.CreatePause(),
            StopCommand.CreateRemove(),
            LogsCommand.Create(),
            VolCommand.Create(),
            NetCommand.Create(),
            SuperviseCommand.Create(),
            VersionCommand.Create(),
            KconfigConfCommand.Create(),
        };
        try
        {
            // Ctrl-C and SIGTERM become cancellation, so make and QEMU are stopped (with their
            // children) and kraft exits 130 instead of dying and leaving them behind.
            using var interrupted = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; interrupted.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; interrupted.Cancel(); });
            var parse = root.Parse(args);
            if (ParseErrors.Check(parse) is { } usage)
                return Failure(usage);
            return parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            }, interrupted.Token).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    /// <summary>Runs a command's body; a failure is shown as <see cref="Failure"/> shows it.</summary>
    public static int Guarded(Action body)
    {
        try { body(); return 0; }
        catch (Exception e) { return Failure(e); }
    }

    /// <summary>Prints an error the way users should see it: what, where, how to fix; never a stack trace.</summary>
    public static int Failure(Exception e)
    {
        switch (e)
        {
            case OperationCanceledException:
                Console.Error.WriteLine("kraft: interrupted");
                return 130;
            case BuildFailedException b:
                // Outside a terminal make's output was already shown line by line; on one, only its tail is.
                var shown = Rendering.ConsoleReporter.LastToolLine is { } last
                    && b.OutputTail.TrimEnd().EndsWith(last.TrimEnd(), StringComparison.Ordinal);
                if (b.OutputTail.Length > 0 && !shown)
                    Console.Error.WriteLine(b.OutputTail);
                Console.Error.WriteLine($"error: {b.Describe()}");
                Console.Error.WriteLine($"  command: {b.Command}");
                return b.ExitCode;
            case KraftException k:
                Console.Error.WriteLine($"error: {k.Describe()}");
                return k.ExitCode;
            case UnauthorizedAccessException or IOException:
                // .NET's own message is a bare resource key in this build (UseSystemResourceKeys).
                Console.Error.WriteLine($"error: {Kraft.Host.IoErrors.Describe(e)}");
                return 1;
            default:
                Console.Error.WriteLine($"kraft: internal error ({e.GetType().Name}): {e.Message}");
                if (Environment.GetEnvironmentVariable("KRAFT_DEBUG") is { Length: > 0 })
                    Console.Error.WriteLine(e);
                else
                    Console.Error.WriteLine("  this is a bug in kraft; set KRAFT_DEBUG=1 for details and report it");
                return 70;
        }
    }
}
