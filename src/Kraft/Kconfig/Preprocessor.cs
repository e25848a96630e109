using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Kraft.Kconfig;

/// <summary>Runs the command of a <c>$(shell,...)</c> macro and returns its standard output.</summary>
public interface IShellRunner
{
    string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment);
}

/// <summary>
/// Runs commands with /bin/sh -c, like popen(3); standard error is passed through. conf reads at most 4096
/// bytes of the output and then closes the pipe (a command still writing gets SIGPIPE), so the output is
/// read up to <see cref="MaxOutputBytes"/> only; a command that does not end within the time limit is killed
/// with its children, an error naming it.
/// </summary>
public sealed class ProcessShellRunner(TimeSpan? timeLimit = null) : IShellRunner
{
    public static readonly ProcessShellRunner Instance = new();

    /// <summary>What is read of a command's output: more than conf uses (4095 bytes), so the result is the same.</summary>
    public const int MaxOutputBytes = 16384;

    /// <summary>How long one command may run: compiler probes take well under a second each.</summary>
    public TimeSpan TimeLimit { get; } = timeLimit ?? TimeSpan.FromMinutes(2);

    public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = new Process { StartInfo = psi };
        // In a session of its own that kraft's reaper ends if kraft dies: the command and all it started
        // (a compiler probe, or a hostile `yes`) do not outlive a kill -9 of kraft.
        Kraft.Host.ChildGuard.StartReaped(p);
        var deadline = Stopwatch.StartNew();
        var stdout = p.StandardOutput.BaseStream;
        var buffer = new byte[MaxOutputBytes];
        int n = 0;
        bool ended = false;
        try
        {
            while (n < buffer.Length)
            {
                // a read that waits past the limit is given up (a child that left the group may hold the pipe)
                var read = stdout.ReadAsync(buffer.AsMemory(n)).AsTask();
                if (!read.Wait(Remaining())) throw TimedOut();
                if (read.Result == 0) break;
                n += read.Result;
            }
            // like pclose: the pipe is closed, then the command is waited for
            stdout.Dispose();
            if (!p.WaitForExit(Remaining())) throw TimedOut();
            ended = true;
        }
        finally
        {
            if (!ended) try { p.Kill(entireProcessTree: true); } catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
            Kraft.Host.ChildGuard.Forget(p);
        }
        return Encoding.UTF8.GetString(buffer, 0, n);

        TimeSpan Remaining() => TimeLimit - deadline.Elapsed is var r && r > TimeSpan.Zero ? r : TimeSpan.Zero;
        KraftException TimedOut() => new(
            $"the command of $(shell,...) did not finish within {TimeLimit.TotalSeconds:0.#} s, so it was stopped: {command}",
            hint: "a $(shell,...) command must end by itself (it must not wait for input or run in the background)");
    }
}

/// <summary>
/// Memoizes shell commands: each distinct command runs once per instance. Results can be given in
/// advance (for example recorded probe results), and several commands can be run in parallel.
/// </summary>
public sealed class CachingShellRunner : IShellRunner
{
    readonly IShellRunner inner;
    readonly ConcurrentDictionary<string, Lazy<string>> cache = new();

    public CachingShellRunner(IShellRunner? inner = null) => this.inner = inner ?? ProcessShellRunner.Instance;

    public void Preset(string command, string output) => cache[command] = new Lazy<string>(output);

    public IReadOnlyDictionary<string, string> Results =>
        cache.Where(kv => kv.Value.IsValueCreated).ToDictionary(kv => kv.Key, kv => kv.Value.Value);

    public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment) =>
        cache.GetOrAdd(command, c => new Lazy<string>(() => inner.Run(c, workingDirectory, environment))).Value;

    /// <summary>The result if the command already ran (or was preset).</summary>
    public bool TryGetResult(string command, out string output)
    {
        if (cache.TryGetValue(command, out var l) && l.IsValueCreated) { output = l.Value; return true; }
        output = "";
        return false;
    }

    // Background workers: commands someone will need go first; "later" commands (held-back probes that may
    // turn out not to be needed) only fill workers that would otherwise wait, and can be dropped unstarted.
    readonly object gate = new();
    readonly Queue<Lazy<string>> now = new();
    readonly LinkedList<(string Command, Lazy<string> Work)> later = new();
    int workers;
    bool stopping;

    /// <summary>Starts the command on a background worker (at most <paramref name="parallelism"/> at once) unless it ran or runs.</summary>
    public void Start(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment, int parallelism = 0)
    {
        bool added = false;
        var lazy = cache.GetOrAdd(command, c => { added = true; return new Lazy<string>(() => inner.Run(c, workingDirectory, environment)); });
        lock (gate)
        {
            if (!added)
            {
                // a command queued for later is wanted now
                for (var n = later.First; n is not null; n = n.Next)
                    if (n.Value.Command == command) { later.Remove(n); now.Enqueue(n.Value.Work); EnsureWorkers(parallelism); break; }
                return;
            }
            now.Enqueue(lazy);
            EnsureWorkers(parallelism);
        }
    }

    /// <summary>Queues the command behind every command started with <see cref="Start"/>; see <see cref="DropLater"/>.</summary>
    public void StartLater(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment, int parallelism = 0)
    {
        bool added = false;
        var lazy = cache.GetOrAdd(command, c => { added = true; return new Lazy<string>(() => inner.Run(c, workingDirectory, environment)); });
        if (!added) return;
        lock (gate)
        {
            laterOpen = true;
            later.AddLast((command, lazy));
            EnsureWorkers(parallelism);
        }
    }

    /// <summary>Forgets the commands queued for later that no worker took: they run only if someone asks for them.</summary>
    public void DropLater()
    {
        lock (gate) later.Clear();
    }

    void EnsureWorkers(int parallelism)
    {
        stopping = false;
        if (parallelism <= 0) parallelism = Math.Max(2, Environment.ProcessorCount * 2);
        while (workers < parallelism)
        {
            workers++;
            new Thread(Work) { IsBackground = true, Name = "kconfig-shell" }.Start();
        }
        Monitor.PulseAll(gate);
    }

    // later work never takes more workers than there are processors: the parse and the commands it waits for
    // keep theirs
    static readonly int LaterAtOnce = Math.Max(1, Environment.ProcessorCount);
    int runningLater;
    bool laterOpen;
    void Work()
    {
        while (true)
        {
            Lazy<string> work;
            bool isLater = false;
            lock (gate)
            {
                while (true)
                {
                    if (now.Count > 0) { work = now.Dequeue(); break; }
                    if (laterOpen && later.First is { } n && runningLater < LaterAtOnce) { later.RemoveFirst(); work = n.Value.Work; runningLater++; isLater = true; break; }
                    if (stopping) { workers--; return; }
                    Monitor.Wait(gate);
                }
            }
            try { _ = work.Value; }
            catch (Exception) { /* the one who asks for the result gets the error */ }
            if (isLater) lock (gate) { runningLater--; Monitor.PulseAll(gate); }
        }
    }

    /// <summary>True if the command was started, queued, preset or ran.</summary>
    public bool Knows(string command) => cache.ContainsKey(command);

    /// <summary>
    /// Lets the background workers end once the commands started with <see cref="Start"/> ran; commands queued
    /// for later stay queued, unstarted, until someone asks for them or <see cref="DropLater"/>.
    /// </summary>
    public void StopWorkers()
    {
        lock (gate) { stopping = true; laterOpen = false; Monitor.PulseAll(gate); }
    }
}

/// <summary>
/// The speculative pass of a prefetching load (see <see cref="KconfigLoadOptions.PrefetchShell"/>). It answers
/// commands that already ran from the cache, starts every other command at once on the background workers and
/// answers it with a marker naming it. A command whose text holds markers depends on other commands' output:
/// it is kept as a template, and once those commands finished <see cref="ResolveInBackground"/> puts their
/// output in place of the markers and starts the result. Kconfig's macro language has no conditionals, so an
/// output only ever flows into other text unchanged (after the $(shell) post-processing, which the markers go
/// through as well). Should a template still not match what the real parse asks for, the real parse simply
/// runs its own command: results never depend on the speculation.
/// With <paramref name="holdYesNo"/>, a yes/no probe (<see cref="ProbeMarker.AnswersYesOrNo"/>) is held back
/// until the scan sees its output used other than as an operand of an expression (see <see cref="DeferredProbes"/>);
/// <see cref="Held"/> are those never so used. With <paramref name="runHeldWhenIdle"/> they are queued behind
/// every other command (<see cref="CachingShellRunner.StartLater"/>) to use workers that would otherwise wait.
/// </summary>
internal sealed class ShellCollector(CachingShellRunner cache, int parallelism, bool holdYesNo = false, bool runHeldWhenIdle = true)
    : IShellRunner, IProbeMarkers
{
    readonly List<string?> commands = new();          // by index: the command, null for an unresolved template
    readonly Dictionary<string, int> indexOf = new(StringComparer.Ordinal);
    readonly List<(string Template, int Index)> templates = new();
    readonly HashSet<int> held = new();
    volatile bool stopped;
    string workDir = ".";
    IReadOnlyDictionary<string, string> environment = new Dictionary<string, string>();

    public int Started => commands.Count(c => c is not null) - held.Count;
    public int Templates => templates.Count;

    /// <summary>The yes/no probes held back and never used other than as an operand of an expression.</summary>
    public IReadOnlySet<string> Held => held.Select(i => commands[i]!).ToHashSet(StringComparer.Ordinal);

    public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        workDir = workingDirectory; this.environment = environment;
        if (cache.TryGetResult(command, out var output)) return output;
        if (indexOf.TryGetValue(command, out var i)) return ProbeMarker.Of(i);
        i = commands.Count;
        indexOf[command] = i;
        if (ProbeMarker.In(command)) { commands.Add(null); templates.Add((command, i)); }
        else
        {
            commands.Add(command);
            if (holdYesNo && !cache.Knows(command) && ProbeMarker.AnswersYesOrNo(command))
            {
                held.Add(i);
                if (runHeldWhenIdle) cache.StartLater(command, workingDirectory, environment, parallelism);
            }
            else cache.Start(command, workingDirectory, environment, parallelism);
        }
        return ProbeMarker.Of(i);
    }

    public bool IsSingleMarker(string text) => ProbeMarker.IsSingle(text, out var i) && i < commands.Count;

    /// <summary>The scan saw this text used: the held commands behind its markers start now.</summary>
    public string Consume(string text)
    {
        if (held.Count == 0 || !ProbeMarker.In(text)) return text;
        foreach (var i in ProbeMarker.Indices(text))
            if (held.Remove(i)) cache.Start(commands[i]!, workDir, environment, parallelism);
        return text;
    }

    /// <summary>Resolves the templates in order on a background thread, starting each once its inputs are known.</summary>
    public void ResolveInBackground(string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        if (templates.Count == 0) return;
        new Thread(() =>
        {
            foreach (var (template, index) in templates)
            {
                if (stopped) return;
                bool ok = true;
                var concrete = ProbeMarker.Replace(template, j =>
                {
                    if (!ok || j >= commands.Count || commands[j] is not { } dep) { ok = false; return ""; }
                    // waits for (or runs) the command this one depends on
                    return Preprocessor.ShellOutput(cache.Run(dep, workingDirectory, environment));
                });
                if (!ok || stopped) continue;
                commands[index] = concrete;
                cache.Start(concrete, workingDirectory, environment, parallelism);
            }
        }) { IsBackground = true, Name = "kconfig-shell-resolve" }.Start();
    }

    public void Stop() => stopped = true;
}

/// <summary>Kconfig's macro language: variables, user functions with $(1).., built-in functions, environment.</summary>
internal sealed class Preprocessor
{
    sealed class Variable
    {
        public string Value = "";
        public bool Recursive;
        public int Depth;
    }

    readonly Dictionary<string, Variable> variables = new(StringComparer.Ordinal);
    readonly IReadOnlyDictionary<string, string> env;
    readonly IShellRunner shell;
    readonly string workDir;
    readonly Action<string> info, warn;
    public readonly List<(string Name, string Value)> UsedEnvironment = new();
    public Func<SourceLocation> Where = () => new SourceLocation("<none>");

    /// <summary>Where probe markers can appear (a pass that defers probes): text used for good is consumed.</summary>
    public IProbeMarkers? Markers;

    public Preprocessor(IReadOnlyDictionary<string, string> env, IShellRunner shell, string workDir, Action<string> info, Action<string> warn)
    {
        this.env = env; this.shell = shell; this.workDir = workDir; this.info = info; this.warn = warn;
    }

    /// <summary>Where errors are reported while an assignment's value expands (its statement, not the next line).</summary>
    public SourceLocation? ErrorLocation;

    KraftException Error(string msg) => new(msg, ErrorLocation ?? Where());

    public void Assign(string name, string value, string op)
    {
        variables.TryGetValue(name, out var v);
        bool append = false;
        bool recursive;
        if (v is not null)
        {
            if (op == "+=") { append = true; recursive = v.Recursive; }
            else recursive = op == "=";
        }
        else
        {
            recursive = op != ":=";
            v = new Variable();
            variables[name] = v;
        }
        v.Recursive = recursive;
        var newValue = recursive ? value : Expand(value);
        v.Value = append ? v.Value + " " + newValue : newValue;
    }

    public string Expand(string s)
    {
        Begin();
        try { return ExpandWithArgs(s, Array.Empty<string>()); }
        finally { nesting--; }
    }

    // Bounds of one expansion (a statement's macros): conf limits each variable to 1000 nested uses of itself,
    // which leaves a function that calls itself twice, or doubles its argument, running for ever.
    internal const int MaxExpansionSteps = 100_000;     // references expanded (Linux's tree: under 10 per statement)
    internal const int MaxExpansionLength = 1 << 20;    // characters of any text made
    internal const int MaxExpansionNesting = 1000;      // references inside references being expanded
    int steps, nesting;
    string? expanding;                                  // the variable or function expanded last (for the message)

    /// <summary>Starts an expansion from the outside (the lexer or the parser): the bounds count from here.</summary>
    void Begin()
    {
        if (nesting++ == 0) steps = 0;
    }

    KraftException Unending(string what) => Error($"the macro expansion {what}{(expanding is { } v ? $" (expanding '{v}')" : "")}");

    string ExpandWithArgs(string s, string[] args)
    {
        if (s.IndexOf('$') < 0) return s;
        var sb = new StringBuilder();
        int i = 0;
        while (i < s.Length)
        {
            if (s[i] == '$')
            {
                i++;
                sb.Append(ExpandDollarCore(s, ref i, args));
                if (sb.Length > MaxExpansionLength) throw Unending($"makes a text longer than {MaxExpansionLength} characters");
            }
            else sb.Append(s[i++]);
        }
        return sb.ToString();
    }

    /// <summary>Expands a word token: up to the first character that cannot be part of a symbol name.</summary>
    public string ExpandToken(string s, ref int i)
    {
        Begin();
        try
        {
            var sb = new StringBuilder();
            while (i < s.Length)
            {
                char c = s[i];
                if (c == '$')
                {
                    i++; sb.Append(ExpandDollarCore(s, ref i, Array.Empty<string>()));
                    if (sb.Length > MaxExpansionLength) throw Unending($"makes a text longer than {MaxExpansionLength} characters");
                    continue;
                }
                if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-')) break;
                sb.Append(c); i++;
            }
            return sb.ToString();
        }
        finally { nesting--; }
    }

    /// <summary>Expands a reference whose '$' was just consumed; <paramref name="i"/> points after it.</summary>
    public string ExpandDollar(string s, ref int i, string[] args)
    {
        Begin();
        try { return ExpandDollarCore(s, ref i, args); }
        finally { nesting--; }
    }

    string ExpandDollarCore(string s, ref int i, string[] args)
    {
        if (i >= s.Length || s[i] != '(') return "$";
        int start = i + 1, q = start, nest = 0;
        while (q < s.Length)
        {
            if (s[q] == '(') nest++;
            else if (s[q] == ')') { if (nest-- == 0) break; }
            q++;
        }
        if (q >= s.Length) throw Error($"unterminated reference to '{s[start..]}': missing ')'");
        i = q + 1;
        return EvalClause(s.Substring(start, q - start), args);
    }

    string EvalClause(string clause, string[] args)
    {
        if (++steps > MaxExpansionSteps) throw Unending($"does not end: more than {MaxExpansionSteps} references expanded");
        if (++nesting > MaxExpansionNesting || StackRoom.Low) throw Unending($"nests more than {MaxExpansionNesting} references deep");
        try { return EvalClauseCore(clause, args); }
        finally { nesting--; }
    }

    string EvalClauseCore(string clause, string[] args)
    {
        if (clause.Length > 0 && clause.All(char.IsAsciiDigit) && int.TryParse(clause, out var n) && n > 0 && n <= args.Length)
            return args[n - 1];
        var parts = new List<string>();
        int nest = 0, prev = 0;
        for (int p = 0; p < clause.Length; p++)
        {
            char c = clause[p];
            if (nest == 0 && c == ',') { parts.Add(clause[prev..p]); prev = p + 1; }
            else if (c == '(') nest++;
            else if (c == ')') nest--;
        }
        parts.Add(clause[prev..]);
        if (parts.Count > 17) throw Error("too many function arguments");
        var name = ExpandWithArgs(parts[0], args);
        if (Markers is { } m) name = m.Consume(name);
        var fargs = new string[parts.Count - 1];
        for (int k = 0; k < fargs.Length; k++) fargs[k] = ExpandWithArgs(parts[k + 1], args);

        if (variables.TryGetValue(name, out var v))
        {
            expanding = name;
            if (fargs.Length == 0 && v.Depth > 0)
                throw Error($"Recursive variable '{name}' references itself (eventually)");
            if (v.Depth > 1000) throw Error("Too deep recursive expansion");
            v.Depth++;
            try { return v.Recursive ? ExpandWithArgs(v.Value, fargs) : v.Value; }
            finally { v.Depth--; }
        }
        expanding = name;
        if (CallFunction(name, fargs) is { } res) return res;
        if (fargs.Length == 0 && name.Length > 0 && env.TryGetValue(name, out var ev))
        {
            if (!UsedEnvironment.Any(u => u.Name == name)) UsedEnvironment.Add((name, ev));
            return ev;
        }
        return "";
    }

    string? CallFunction(string name, string[] a)
    {
        (int min, int max) = name switch
        {
            "error-if" => (2, 2),
            "filename" => (0, 0),
            "info" => (1, 1),
            "lineno" => (0, 0),
            "shell" => (1, 1),
            "warning-if" => (2, 2),
            _ => (-1, -1),
        };
        if (min < 0) return null;
        if (a.Length < min) throw Error($"too few function arguments passed to '{name}'");
        if (a.Length > max) throw Error($"too many function arguments passed to '{name}'");
        if (Markers is { } m && name != "shell")
            for (int k = 0; k < a.Length; k++) a[k] = m.Consume(a[k]);
        switch (name)
        {
            case "error-if":
                if (a[0] == "y") throw Error(a[1]);
                return "";
            case "filename": return Where().File;
            case "lineno": return Where().Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
            case "info": info(a[0]); return "";
            case "warning-if":
                if (a[0] == "y") { var w = Where(); warn($"{w.File}:{w.Line}: {a[1]}"); }
                return "";
            default:
                return Shell(a[0]);
        }
    }

    string Shell(string cmd)
    {
        try { return ShellOutput(shell.Run(cmd, workDir, env)); }
        catch (KraftException e) when (e.Location is null) { throw new KraftException(e.Message, ErrorLocation ?? Where(), e.Hint); }
    }

    /// <summary>What $(shell,...) expands to: conf reads at most 4095 bytes, drops trailing new lines and turns the others into spaces.</summary>
    internal static string ShellOutput(string output)
    {
        if (output.Length < 1024 && output.IndexOf('\n') < 0) return output;
        var bytes = Encoding.UTF8.GetBytes(output);
        if (bytes.Length >= 4096) output = Encoding.UTF8.GetString(bytes, 0, 4095);
        output = output.TrimEnd('\n');
        return output.Replace('\n', ' ');
    }
}
