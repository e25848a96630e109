using System.Text;

namespace Kraft.Kconfig;

/// <summary>
/// Markers that stand, inside expanded text, for the output of a <c>$(shell,...)</c> that is not known yet:
/// <c>\u0001N\u0002</c>, N the command's index in whoever handed the marker out.
/// </summary>
internal static class ProbeMarker
{
    public const char Open = '\u0001', Close = '\u0002';

    public static string Of(int index) => $"{Open}{index}{Close}";

    public static bool In(string? text) => text is not null && text.Contains(Open);

    /// <summary>True if <paramref name="text"/> is exactly one marker.</summary>
    public static bool IsSingle(string? text, out int index)
    {
        index = -1;
        return text is { Length: > 2 } && text[0] == Open && text[^1] == Close && text.IndexOf(Open, 1) < 0
            && int.TryParse(text.AsSpan(1, text.Length - 2), out index);
    }

    /// <summary>The indices of the markers in <paramref name="text"/>, in order.</summary>
    public static IEnumerable<int> Indices(string text)
    {
        for (int p = text.IndexOf(Open); p >= 0; p = text.IndexOf(Open, p + 1))
        {
            int end = text.IndexOf(Close, p);
            if (end > p && int.TryParse(text.AsSpan(p + 1, end - p - 1), out var i)) yield return i;
        }
    }

    /// <summary>The text with each marker replaced by <paramref name="value"/> of its index.</summary>
    public static string Replace(string text, Func<int, string> value)
    {
        var sb = new StringBuilder(text.Length);
        for (int p = 0; p < text.Length; p++)
        {
            char c = text[p];
            int end = c == Open ? text.IndexOf(Close, p) : -1;
            if (end < 0 || !int.TryParse(text.AsSpan(p + 1, end - p - 1), out var i)) { sb.Append(c); continue; }
            sb.Append(value(i));
            p = end;
        }
        return sb.ToString();
    }

    /// <summary>
    /// True for the commands of Kconfig.include's <c>$(success,...)</c> and <c>$(failure,...)</c>:
    /// <c>{ CMD; } &gt;/dev/null 2&gt;&amp;1 &amp;&amp; echo "y" || echo "n"</c> (or n/y). They print y or n whatever
    /// CMD does, unless CMD leaves the shell early, so a word made of one is the constant y or n.
    /// </summary>
    public static bool AnswersYesOrNo(string command)
    {
        const string yes = "; } >/dev/null 2>&1 && echo \"y\" || echo \"n\"", no = "; } >/dev/null 2>&1 && echo \"n\" || echo \"y\"";
        if (!command.StartsWith("{ ", StringComparison.Ordinal)) return false;
        if (!command.EndsWith(yes, StringComparison.Ordinal) && !command.EndsWith(no, StringComparison.Ordinal)) return false;
        var inner = command.AsSpan(2, command.Length - 2 - yes.Length);
        return !inner.Contains("exit", StringComparison.Ordinal) && !inner.Contains("exec", StringComparison.Ordinal)
            && !inner.Contains(Open) && !inner.Contains('}');
    }
}

/// <summary>What the lexer and the preprocessor do with probe markers in the text they expand.</summary>
internal interface IProbeMarkers
{
    /// <summary>True if <paramref name="text"/> is one marker this pass handed out.</summary>
    bool IsSingleMarker(string text);

    /// <summary>
    /// The text as it is used for good (a prompt, a name, a message...): the speculative scan starts the
    /// commands behind its markers; the real parse puts their output in place.
    /// </summary>
    string Consume(string text);
}

/// <summary>
/// Compiler probes of the real parse whose answer waits until a value needs it. Linux's Kconfig asks the
/// compiler about many features that only matter under a condition that is false for a given
/// configuration (a sanitizer that is off, a clang-only flag, 32-bit linking on a 64-bit build); conf runs
/// every probe while parsing. Here a word that is one yes/no probe (<see cref="ProbeMarker.AnswersYesOrNo"/>),
/// used as an operand of an expression (a dependency, a condition, a default) and held back by the
/// speculative scan, is parsed as a deferred constant. Evaluation reads it only when the rest of its
/// expression does not decide the value already (n and anything is n, y or anything is y), which is exact:
/// a constant has no side effects to skip. Any other use of the output (a prompt, a name, a comparison,
/// another command) gets it at once. <see cref="KconfigTree"/> finds the probes a configuration needs in
/// rounds of evaluation (<see cref="Speculating"/>) so that they run side by side; the held-back probes
/// also fill workers that would otherwise wait, and those nobody needs are dropped unstarted.
/// </summary>
internal sealed class DeferredProbes(CachingShellRunner cache, IReadOnlySet<string> deferrable, int parallelism)
    : IShellRunner, IProbeMarkers
{
    readonly List<string> commands = new();
    readonly Dictionary<string, int> indexOf = new(StringComparer.Ordinal);
    readonly Dictionary<int, Symbol> constants = new();
    readonly List<Symbol> requested = new();
    string workDir = ".";
    IReadOnlyDictionary<string, string> environment = new Dictionary<string, string>();

    /// <summary>While true, a deferred constant whose probe has not finished starts it and reads as n for now.</summary>
    public bool Speculating { get; set; }

    /// <summary>Deferred constants made by the parse whose probe has not been read.</summary>
    public int Unanswered { get; private set; }

    public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> env)
    {
        workDir = workingDirectory; environment = env;
        command = Consume(command);
        if (cache.TryGetResult(command, out var output)) return output;
        if (!deferrable.Contains(command)) return cache.Run(command, workingDirectory, env);
        if (!indexOf.TryGetValue(command, out var i))
        {
            i = commands.Count;
            commands.Add(command);
            indexOf[command] = i;
        }
        return ProbeMarker.Of(i);
    }

    public bool IsSingleMarker(string text) => ProbeMarker.IsSingle(text, out var i) && i < commands.Count;

    public string Consume(string text) =>
        ProbeMarker.In(text) ? ProbeMarker.Replace(text, i => i < commands.Count ? Output(commands[i]) : ProbeMarker.Of(i)) : text;

    string Output(string command) => Preprocessor.ShellOutput(cache.Run(command, workDir, environment));

    /// <summary>The deferred constant for a marker word (one per command).</summary>
    public Symbol ConstantFor(string marker)
    {
        ProbeMarker.IsSingle(marker, out var i);
        if (constants.TryGetValue(i, out var s)) return s;
        s = new Symbol(null, SymFlags.Const | SymFlags.Deferred, -1) { ProbeCommand = commands[i], Probes = this };
        constants[i] = s;
        Unanswered++;
        return s;
    }

    /// <summary>Gives a deferred constant its value (conf's constant y or n), running its probe if need be.</summary>
    public void Answer(Symbol s)
    {
        if ((s.Flags & SymFlags.Valid) != 0) return;
        var command = s.ProbeCommand!;
        if (Speculating && !cache.TryGetResult(command, out _))
        {
            cache.Start(command, workDir, environment, parallelism); // or moves it to the front of the queue
            if (!requested.Contains(s)) requested.Add(s);
            s.Type = SymbolType.Tristate; s.CurTri = Tristate.No; s.CurStr = "n";
            return;
        }
        var text = Output(command);
        if (text is not ("y" or "n"))
            throw new KraftException($"the probe $(shell,{command}) printed '{text}' where y or n was expected",
                hint: "a $(success,...) or $(failure,...) command must not leave the shell early (exit, exec)");
        s.Name = text;
        s.Type = SymbolType.Tristate;
        s.CurTri = text == "y" ? Tristate.Yes : Tristate.No;
        s.CurStr = text;
        s.Flags |= SymFlags.Valid;
        Unanswered--;
    }

    /// <summary>Waits for the probes a speculative round asked for; false if it asked for none.</summary>
    public bool WaitForRequested()
    {
        if (requested.Count == 0) return false;
        foreach (var s in requested) Answer(s);
        requested.Clear();
        return true;
    }

    /// <summary>No more rounds: held-back probes no worker took are not needed (they run if ever read).</summary>
    public void Finish()
    {
        cache.DropLater();
        cache.StopWorkers();
    }
}
