using System.Diagnostics;
using System.Text;

namespace Kraft.Tests.EndToEnd;

/// <summary>The result of one kraft invocation.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string Output => Stdout + Stderr;
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the published kraft binary as a user would, with a time limit.</summary>
public static class KraftCli
{
    /// <summary>Config and caches for CLI runs that do not set their own (one per test process).</summary>
    static readonly string IsolatedHome = Directory.CreateTempSubdirectory("kraft-test-home-").FullName;

    /// <summary>The machine store of CLI runs that do not set their own (foreground runs leave records there).</summary>
    public static string RuntimeDir => Path.Combine(IsolatedHome, "runtime");

    public static CliResult Run(string workDir, params string[] args) => Run(workDir, null, TimeSpan.FromMinutes(5), args);

    public static CliResult Run(string workDir, IDictionary<string, string?>? env, TimeSpan timeout, params string[] args)
    {
        var bin = TestPaths.KraftBinary;
        if (!File.Exists(bin))
            throw new InvalidOperationException($"kraft binary not found at {bin}; run ./test.sh (it publishes it) or set KRAFT_BIN");
        var psi = new ProcessStartInfo(bin)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CI"] = "true";
        // Never the user's own kraft configuration or caches (tests that care pass their own).
        psi.Environment["KRAFTKIT_CONFIG_DIR"] = Path.Combine(IsolatedHome, "config");
        psi.Environment["KRAFTKIT_PATHS_MANIFESTS"] = Path.Combine(IsolatedHome, "manifests");
        psi.Environment["KRAFTKIT_PATHS_SOURCES"] = Path.Combine(IsolatedHome, "sources");
        psi.Environment["KRAFTKIT_RUNTIME_DIR"] = RuntimeDir;
        psi.Environment["KRAFT_OCI_DIR"] = Path.Combine(IsolatedHome, "oci");
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var outEnded = new ManualResetEventSlim();
        using var errEnded = new ManualResetEventSlim();
        p.OutputDataReceived += (_, e) => { if (e.Data is null) outEnded.Set(); else lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is null) errEnded.Set(); else lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"kraft {string.Join(' ', args)} did not finish in {timeout}: {stdout}{stderr}");
        }
        // The output's end: a process kraft left behind (a machine's supervisor) must not hold our pipes.
        if (!outEnded.Wait(TimeSpan.FromSeconds(30)) || !errEnded.Wait(TimeSpan.FromSeconds(30)))
            throw new InvalidOperationException($"kraft {string.Join(' ', args)} exited ({p.ExitCode}), but a process it started still holds its stdout or stderr");
        return new CliResult(p.ExitCode, stdout.ToString(), stderr.ToString(), sw.Elapsed);
    }
}
