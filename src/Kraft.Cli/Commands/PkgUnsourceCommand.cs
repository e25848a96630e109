using System.CommandLine;
using Kraft.Cli.Rendering;
using Kraft.Packages.Config;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft pkg unsource SOURCE...</c>: removes exact matches from config.yaml's
/// unikraft.manifests (a path that was added made absolute also matches its relative form).
/// Every argument is handled; the exit code is 1 when any of them was not a source in
/// config.yaml (like <c>rm</c> of a missing file), after the others were removed.
/// </summary>
public static class PkgUnsourceCommand
{
    public static Command Create()
    {
        var sources = new Argument<string[]>("source")
        {
            Description = "Sources to remove, as 'kraft pkg source --list' prints them",
            Arity = ArgumentArity.OneOrMore,
        };
        var cmd = new Command("unsource", "Remove sources of components from the configuration") { sources };
        cmd.SetAction(r =>
        {
            try
            {
                return Run(r.GetValue(sources) ?? []);
            }
            catch (Exception e)
            {
                return Program.Failure(e);
            }
        });
        return cmd;
    }

    static int Run(string[] args)
    {
        var config = UserConfigLoader.Load();
        var configured = config.Sources.Where(s => s.From.StartsWith(config.ConfigFile + ":", StringComparison.Ordinal))
            .Select(s => s.Location).ToHashSet(StringComparer.Ordinal);
        var names = args.Select(a => a.Trim()).Select(a =>
        {
            if (configured.Contains(a))
                return a;
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(a, Environment.CurrentDirectory));
            return configured.Contains(full) ? full : a;
        }).Distinct(StringComparer.Ordinal).ToList();

        using var reporter = new ConsoleReporter();
        var result = SourceListEditor.Remove(config.ConfigFile, names, reporter);
        foreach (var r in result.Removed)
            Console.Out.WriteLine($"removed {r}");
        foreach (var n in result.NotPresent)
        {
            var elsewhere = config.Sources.FirstOrDefault(s => s.Location == n);
            Console.Error.WriteLine(elsewhere switch
            {
                { From: "default" } => $"error: {n} is the default index, used while no source is configured; it is not in {config.ConfigFile}",
                { } s => $"error: {n} comes from {s.From}; kraft does not edit that file\n  hint: remove it from there by hand",
                _ => $"error: {n} is not a source in {config.ConfigFile}\n  hint: 'kraft pkg source --list' prints the sources",
            });
        }
        if (result.Written && !result.CommentsKept)
            Console.Error.WriteLine($"note: {config.ConfigFile} was written out anew from its settings; its comments could not be kept");
        return result.NotPresent.Count > 0 ? 1 : 0;
    }
}
