using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Kraft.Cli;

/// <summary>
/// Turns what System.CommandLine could not parse into kraft's own messages, for every command: an
/// unknown option is named as such with the near ones (it would otherwise be taken as a positional
/// argument, "-d is not a directory"), a typed option says what it expects in words, and no help
/// page is printed (the hint names the command's --help).
/// </summary>
public static class ParseErrors
{
    /// <summary>The error to show for <paramref name="parse"/>, or null when it can be run.</summary>
    public static KraftException? Check(ParseResult parse)
    {
        var command = parse.CommandResult;
        // A command that takes its words raw (kconfig-conf, conf's syntax) is left alone.
        if (!command.Command.TreatUnmatchedTokensAsErrors)
            return null;
        var name = CommandPath(command);
        var seeHelp = $"see '{name} --help'";

        // Option-like words that no option took: in a positional argument, or left over.
        var strays = command.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value)
            .Concat(parse.UnmatchedTokens)
            .Where(LooksLikeOption)
            .ToList();
        if (strays.Count > 0)
        {
            var word = strays[0].Split('=', 2)[0];
            var near = Suggestions.SimilarNames(word, OptionNames(command.Command).Where(n => Comparable(word, n)));
            return new KraftException($"unknown option '{word}' for '{name}'",
                hint: near.Count > 0 ? $"did you mean {Quoted(near)}? ({seeHelp})" : seeHelp);
        }

        if (parse.Errors.Count == 0)
            return null;

        if (parse.UnmatchedTokens.Count > 0)
        {
            var word = parse.UnmatchedTokens[0];
            var subcommands = command.Command.Subcommands.Where(c => !c.Hidden).ToList();
            if (subcommands.Count > 0 && !command.Children.OfType<ArgumentResult>().Any())
            {
                var near = Suggestions.SimilarNames(word, subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)));
                return new KraftException($"unknown command '{word}' for '{name}'",
                    hint: near.Count > 0 ? $"did you mean {Quoted(near)}? ({seeHelp})" : $"{seeHelp} for its commands");
            }
            return new KraftException($"unexpected argument '{word}' for '{name}'", hint: seeHelp);
        }

        var error = parse.Errors[0];
        // An option's value is an argument result under the option: report it as the option's.
        var symbol = error.SymbolResult is ArgumentResult { Parent: OptionResult owner } ? owner : error.SymbolResult;
        switch (symbol)
        {
            case OptionResult { Implicit: false } option when option.Tokens.Count == 0:
                return new KraftException($"{option.Option.Name} needs a value{Expecting(option.Option.ValueType, " (", ")")}", hint: seeHelp);
            case OptionResult option when Invalid(option.Option.ValueType, option.Tokens) is { } bad:
                return new KraftException($"{option.Option.Name} expects {Expected(option.Option.ValueType)}, got '{bad}'", hint: seeHelp);
            case ArgumentResult argument when Invalid(argument.Argument.ValueType, argument.Tokens) is { } bad:
                return new KraftException($"<{argument.Argument.Name}> expects {Expected(argument.Argument.ValueType)}, got '{bad}'", hint: seeHelp);
            case CommandResult { Command.Subcommands.Count: > 0 } parent when !parent.Children.Any() || error.Message.Contains("command", StringComparison.OrdinalIgnoreCase):
                var names = parent.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
                return new KraftException($"'{name}' needs a command: {string.Join(", ", names)}", hint: $"{seeHelp} for what each does");
        }
        return new KraftException(error.Message.TrimEnd('.'), hint: seeHelp);
    }

    /// <summary>"-d", "--menuconfig", "--x=1"; not "-", "--", "-1" or "-0.5" (values).</summary>
    static bool LooksLikeOption(string word) =>
        word.Length > 1 && word[0] == '-' && word != "--" && (char.IsAsciiLetter(word[1]) || (word[1] == '-' && word.Length > 2 && char.IsAsciiLetter(word[2])));

    /// <summary>"kraft pkg pull".</summary>
    static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is not null; r = r.Parent)
            if (r is CommandResult c)
                names.Add(c.Parent is null ? "kraft" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Every option name and alias the command accepts, its own and the recursive ones of its parents.</summary>
    static IEnumerable<string> OptionNames(Command command)
    {
        var options = command.Options.Where(o => !o.Hidden).ToList();
        var seen = new HashSet<Command> { command };
        var frontier = new Queue<Command>(command.Parents.OfType<Command>());
        while (frontier.Count > 0)
        {
            var parent = frontier.Dequeue();
            if (!seen.Add(parent)) continue;
            options.AddRange(parent.Options.Where(o => o.Recursive && !o.Hidden));
            foreach (var p in parent.Parents.OfType<Command>()) frontier.Enqueue(p);
        }
        return options.SelectMany(o => o.Aliases.Prepend(o.Name));
    }

    /// <summary>A long option is compared with long ones; "-d" with the long ones starting with "--d".</summary>
    static bool Comparable(string typed, string candidate) =>
        typed.StartsWith("--", StringComparison.Ordinal)
            ? candidate.StartsWith("--", StringComparison.Ordinal)
            : candidate.StartsWith("--" + typed[1], StringComparison.Ordinal);

    static string Quoted(IEnumerable<string> names) => string.Join(" or ", names.Select(n => $"'{n}'"));

    static Type Element(Type type)
    {
        if (type.IsArray) type = type.GetElementType()!;
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    /// <summary>What a value of <paramref name="type"/> is, in words.</summary>
    static string Expected(Type type)
    {
        var t = Element(type);
        if (t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte))
            return "a whole number";
        if (t == typeof(uint) || t == typeof(ulong) || t == typeof(ushort))
            return "a whole number, 0 or more";
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
            return "a number";
        if (t == typeof(bool))
            return "true or false";
        if (t.IsEnum)
        {
            var names = Enum.GetNames(t).Select(n => n.ToLowerInvariant()).ToList();
            return names.Count == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
        }
        return "a value";
    }

    static string Expecting(Type type, string before, string after) =>
        Expected(type) is var e && e != "a value" && Element(type) != typeof(bool) ? before + e + after : "";

    /// <summary>The first token that is not a <paramref name="type"/>, or null when all are (or the type is one kraft does not check).</summary>
    static string? Invalid(Type type, IReadOnlyList<Token> tokens)
    {
        var t = Element(type);
        foreach (var token in tokens)
        {
            var v = token.Value;
            var ok = t == typeof(int) ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : t == typeof(long) ? long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : t == typeof(short) ? short.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : t == typeof(byte) ? byte.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : t == typeof(uint) ? uint.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : t == typeof(ulong) ? ulong.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : t == typeof(ushort) ? ushort.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                : t == typeof(bool) ? bool.TryParse(v, out _)
                : t.IsEnum ? Enum.GetNames(t).Any(n => string.Equals(n, v, StringComparison.OrdinalIgnoreCase))
                : true;
            if (!ok) return v;
        }
        return null;
    }
}
