using System.CommandLine;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary>--runtime-dir, shared by the machine commands (one instance per command: a symbol has one parent).</summary>
public sealed class MachineOptions
{
    public Option<string?> RuntimeDir { get; } = new("--runtime-dir")
    {
        Description = "Where machines are kept (default: $KRAFTKIT_RUNTIME_DIR, else $XDG_DATA_HOME/kraftkit/runtime, else ~/.local/share/kraftkit/runtime)",
    };

    public void AddTo(Command command) => command.Options.Add(RuntimeDir);

    public MachineStore Store(ParseResult r) => MachineStore.Open(r.GetValue(RuntimeDir));

    public MachineController Controller(ParseResult r) => new(Store(r), StderrReporter.Instance);

    /// <summary>kraft itself, for the supervisor of a detached machine.</summary>
    public static string KraftBinary =>
        Environment.ProcessPath ?? throw new KraftException("cannot tell where the kraft binary is, to start a detached machine");

    /// <summary>The machines NAME... names, or all of them with --all; an unknown name is an error with near names.</summary>
    public static IReadOnlyList<Machine> Resolve(MachineStore store, IReadOnlyList<string> names, bool all, string command)
    {
        if (all) return store.List().Machines;
        if (names.Count == 0)
            throw new KraftException("no machine given", hint: $"kraft {command} NAME... (or --all); list them with: kraft ps -a");
        return names.Distinct().Select(store.Get).ToList();
    }
}

/// <summary>Progress and warnings on stderr, so that stdout carries only what a script reads (names, tables, logs).</summary>
public sealed class StderrReporter : IReporter
{
    public static readonly StderrReporter Instance = new();
    public void Info(string message) => Console.Error.WriteLine(message);
    public void Warn(string message) => Console.Error.WriteLine("warning: " + message);
    public void Progress(string step, int done, int total, string? detail = null) { }
    public void ToolOutput(string line, bool isError) { }
}
