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
/// shell, so paths with spaces or quotes need no escaping.
/// </summary>
public static class ProcessRunner
{
    static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, string? workingDirectory, IReadOnlyDictionary<string, string?>? env)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        return psi;
    }

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
        using (cancel.Register(() => KillTree(p)))
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
        using (cancel.Register(() => KillTree(p)))
            p.WaitForExit();
        lock (gate)
            return new ProcessResult(p.ExitCode, outBuf.ToString(), errBuf.ToString());
    }

    /// <summary>Starts a process that inherits this terminal's stdin, stdout and stderr.</summary>
    public static Process StartInherited(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? env = null)
    {
        var psi = StartInfo(file, args, workingDirectory, env);
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
        try { p.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new KraftException($"could not start '{file}': {IoErrors.Reason(e)}",
                hint: "check that it is installed and on PATH (./install.sh installs the host tools)");
        }
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
