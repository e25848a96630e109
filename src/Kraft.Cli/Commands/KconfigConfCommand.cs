using System.Collections;
using System.CommandLine;
using Kraft.Kconfig;

namespace Kraft.Cli;

/// <summary>
/// Hidden <c>kraft kconfig-conf</c>: a drop-in for Linux's / Unikraft's scripts/kconfig/conf, with the same
/// options, environment and output files, so Unikraft's own make targets can run kraft's Kconfig engine.
/// </summary>
public static class KconfigConfCommand
{
    public static Command Create()
    {
        var cmd = new Command("kconfig-conf", "conf-compatible Kconfig tool (used by Unikraft's make targets)")
        {
            Hidden = true,
            TreatUnmatchedTokensAsErrors = false,
        };
        var rest = new Argument<string[]>("args") { Arity = ArgumentArity.ZeroOrMore };
        cmd.Add(rest);
        // conf's -h/--help (usage, exit 1) instead of the generic help of a hidden command
        cmd.Add(new Option<bool>("--help", "-h") { Hidden = true });
        cmd.SetAction(pr =>
        {
            // conf's own option syntax: take the raw words after the command name
            var words = pr.Tokens.Select(t => t.Value).ToList();
            int at = words.IndexOf("kconfig-conf");
            var args = at >= 0 ? words.Skip(at + 1).ToList() : words;
            return Run(args);
        });
        return cmd;
    }

    public static int Run(IReadOnlyList<string> args)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            env[(string)e.Key] = (string?)e.Value ?? "";
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        try
        {
            return KconfigConf.Run(args, new ConfContext { Environment = env, Out = stdout, Error = Console.Error });
        }
        finally { stdout.Flush(); }
    }
}
