using System.Diagnostics;
using System.Text;

namespace Kraft.Host;

/// <summary>The outcome of a finished process, with the output it captured.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
    /// <summary>Both streams, for error messages.</summary>
    public string CombinedOutput => (StandardOutput + StandardError).TrimEnd();
}

/// <summary>
/// Runs host programs (make, git, qemu). Arguments are passed as an argv list, never through a
/// shell, so paths with spaces or quotes need no escaping. When <see cref="ChildGuard"/> is
/// enabled (the kraft CLI enables it), every child runs under the guard and dies with kraft.
/// </summary>
public static class ProcessRunner
{
    /// <summary>How long a guarded child has to stop after cancellation before its tree is SIGKILLed.</summary>
    static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The start info for <paramref name="file"/> with <paramref name="args"/>: under the guard when it
    /// is enabled (<paramref name="group"/> says whether the child gets a process group of its own),
    /// directly otherwise. Callers that need their own redirections (the QEMU runner) start from this.
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(string file, IEnumerable<string> args, ChildGroup group,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? env = null)
    {
        ProcessStartInfo psi;
        if (ChildGuard.Executable is { } guard)
        {
            // The guard would only find out in the child; say it here, as an unguarded start would.
            var resolved = ToolLocator.Find(file) ?? throw CouldNotStart(file, "No such file or directory");
            var (guardFile, guardArgs) = ChildGuard.Wrap(guard, resolved, args, group, Environment.ProcessId);
            psi = new ProcessStartInfo(guardFile);
            foreach (var a in guardArgs) psi.ArgumentList.Add(a);
        }
        else
        {
            psi = new ProcessStartInfo(file);
            foreach (var a in args) psi.ArgumentList.Add(a);
        }
        psi.UseShellExecute = false;
        psi.WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory;
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        return psi;
    }

    static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, string? workingDirectory, IReadOnlyDictionary<string, string?>? env) =>
        CreateStartInfo(file, args, ChildGroup.Own, workingDirectory, env);

    /// <summary>Runs to completion and captures stdout and stderr.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? env = null, CancellationToken cancel = default)
    {
        var psi = StartInfo(file, args, workingDirectory, env);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        using var p = StartOrExplain(psi);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync(cancel);
        var stderr = p.StandardError.ReadToEndAsync(cancel);
        using (cancel.Register(() => Stop(p)))
            p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>
    /// Runs to completion, handing every output line (stdout and stderr, as they come) to
    /// <paramref name="onLine"/>; the last lines are also kept for an error message.
    /// </summary>
    public static ProcessResult RunStreaming(string file, IEnumerable<string> args, Action<string, bool> onLine,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? env = null, CancellationToken cancel = default)
    {
        var psi = StartInfo(file, args, workingDirectory, env);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        var outBuf = new StringBuilder();
        var errBuf = new StringBuilder();
        var gate = new object();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is null) return; lock (gate) { outBuf.AppendLine(e.Data); onLine(e.Data, false); } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (gate) { errBuf.AppendLine(e.Data); onLine(e.Data, true); } };
        Start(p, psi.FileName);
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using (cancel.Register(() => Stop(p)))
            p.WaitForExit();
        lock (gate)
            return new ProcessResult(p.ExitCode, outBuf.ToString(), errBuf.ToString());
    }

    /// <summary>Starts a process that inherits this terminal's stdin, stdout and stderr.</summary>
    public static Process StartInherited(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? env = null)
    {
        var psi = CreateStartInfo(file, args, ChildGroup.Shared, workingDirectory, env);
        return StartOrExplain(psi);
    }

    static Process StartOrExplain(ProcessStartInfo psi)
    {
        var p = new Process { StartInfo = psi };
        Start(p, psi.FileName);
        return p;
    }

    static void Start(Process p, string file)
    {
        try { ChildProcesses.Start(p); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw CouldNotStart(file, IoErrors.Reason(e));
        }
    }

    static KraftException CouldNotStart(string file, string why) =>
        new($"could not start '{file}': {why}",
            hint: "check that it is installed and on PATH (./install.sh installs the host tools)");

    /// <summary>
    /// Stops a child started here: a guarded one is asked first (it stops its whole group with
    /// SIGTERM, then SIGKILL), and its tree is killed if it is still there after a grace period.
    /// </summary>
    public static void Stop(Process p)
    {
        if (p.StartInfo.ArgumentList is [ChildGuard.Command, ..])
        {
            ChildGuard.AskToStop(p);
            _ = Task.Delay(CancelGrace).ContinueWith(_ => KillTree(p), TaskScheduler.Default);
        }
        else KillTree(p);
    }

    public static void KillTree(Process p)
    {
        try { if (!p.HasExited) p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>Renders an argv list as one shell-safe line, for dry runs and error messages.</summary>
    public static string Quote(string file, IEnumerable<string> args) =>
        string.Join(' ', new[] { file }.Concat(args).Select(QuoteOne));

    static string QuoteOne(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))
            ? s
            : "'" + s.Replace("'", "'\\''") + "'";
}
