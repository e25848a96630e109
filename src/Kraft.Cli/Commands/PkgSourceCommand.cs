using System.CommandLine;
using Kraft.Cli.Rendering;
using Kraft.Packages.Config;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft pkg source [SOURCE...]</c>: adds sources to config.yaml's unikraft.manifests, or,
/// with no argument (or <c>--list</c>), prints every configured source and where it comes from.
/// Every argument is checked first (no network: an existing path, a URL, git@host:path or a
/// GitHub wildcard); if one is not usable nothing is written. Each argument gets its own line:
/// "added X" or "X is already a source".
/// </summary>
public static class PkgSourceCommand
{
    public static Command Create()
    {
        var sources = new Argument<string[]>("source")
        {
            Description = "Index, manifest, git repository, GitHub wildcard (https://github.com/ORG/lib-*) or local directory",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var force = new Option<bool>("--force", "-F") { Description = "Add the sources without checking them" };
        var list = new Option<bool>("--list", "-l") { Description = "Print the configured sources and where each comes from" };
        var cmd = new Command("source", "Add sources of components to the configuration, or list them") { sources, force, list };
        cmd.SetAction(r =>
        {
            try
            {
                var args = r.GetValue(sources) ?? [];
                if (args.Length == 0 || r.GetValue(list))
                {
                    if (args.Length > 0)
                        throw new KraftException("--list takes no sources", hint: "run 'kraft pkg source --list' alone");
                    return List();
                }
                return Add(args, r.GetValue(force));
            }
            catch (Exception e)
            {
                return Program.Failure(e);
            }
        });
        return cmd;
    }

    static int List()
    {
        var config = UserConfigLoader.Load();
        var width = config.Sources.Max(s => s.Location.Length);
        foreach (var s in config.Sources)
            Console.Out.WriteLine($"{s.Location.PadRight(width)}  {s.From}");
        return 0;
    }

    static int Add(string[] args, bool force)
    {
        var config = UserConfigLoader.Load();
        var checkedArgs = new List<string>();
        var errors = new List<KraftException>();
        foreach (var a in args)
        {
            try { checkedArgs.Add(force ? SourceString.RefuseCredentials(a.Trim()) : SourceString.Check(a, Environment.CurrentDirectory)); }
            catch (KraftException e) { errors.Add(e); }
        }
        if (errors.Count > 0)
        {
            foreach (var e in errors.SkipLast(1))
                Console.Error.WriteLine($"error: {e.Message}");
            throw new KraftException(errors[^1].Message + (args.Length > 1 ? " (nothing was added)" : ""), hint: errors[^1].Hint);
        }

        // Origins of a .kraftrc are sources already; kraft does not copy them into config.yaml.
        var fromKraftrc = config.KraftrcFile is { } rc
            ? config.Sources.Where(s => s.From.StartsWith(rc + ":", StringComparison.Ordinal)).ToDictionary(s => s.Location, s => s.From)
            : [];
        var toAdd = checkedArgs.Where(a => !fromKraftrc.ContainsKey(a)).ToList();
        using var reporter = new ConsoleReporter();
        var result = SourceListEditor.Add(config.ConfigFile, toAdd, reporter);
        foreach (var a in checkedArgs.Distinct(StringComparer.Ordinal))
        {
            if (fromKraftrc.TryGetValue(a, out var from)) Console.Out.WriteLine($"{a} is already a source (from {from})");
            else if (result.Added.Contains(a)) Console.Out.WriteLine($"added {a}");
            else Console.Out.WriteLine($"{a} is already a source");
        }
        if (result.Written && !result.CommentsKept)
            Console.Error.WriteLine($"note: {config.ConfigFile} was written out anew from its settings; its comments could not be kept");
        return 0;
    }
}
