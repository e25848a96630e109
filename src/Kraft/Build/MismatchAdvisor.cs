using Kraft.Kconfig;

namespace Kraft.Build;

/// <summary>
/// Says why a requested option did not get its value, from the Kconfig tree: an unknown name gets
/// the closest existing names, a known one the dependency, select, choice or range that decided it.
/// </summary>
public static class MismatchAdvisor
{
    public static IReadOnlyList<ConfigMismatch> Explain(KconfigTree tree, IReadOnlyList<ConfigMismatch> mismatches) =>
        mismatches.Select(m => m with { Why = Why(tree, m) }).ToList();

    public static string? Why(KconfigTree tree, ConfigMismatch m)
    {
        var prefix = tree.Prefix;
        if (!m.Name.StartsWith(prefix, StringComparison.Ordinal))
            return $"Kconfig options start with {prefix}";
        var name = m.Name[prefix.Length..];
        var s = tree.FindSymbol(name);
        if (s is null || s.Type == SymbolType.Unknown)
        {
            var close = Closest(name, tree.SymbolNames).Select(n => prefix + n).ToList();
            return close.Count == 0 ? "no such option in this Unikraft tree"
                : $"no such option; did you mean {string.Join(" or ", close)}?";
        }
        var reasons = new List<string>();
        var asked = m.Asked;
        bool isBool = s.Type is SymbolType.Bool or SymbolType.Tristate;
        if (isBool && asked != "n" && s.DirDep is { } dep && tree.Evaluate(dep) == Tristate.No)
            reasons.Add($"depends on {Describe(tree, dep, prefix)}");
        if (isBool && asked == "n")
            foreach (var (by, cond) in Terms(s.RevDep))
                if (tree.Evaluate(cond is null ? Expr.Of(by) : Expr.And(Expr.Of(by), cond)) != Tristate.No)
                    reasons.Add($"selected by {prefix}{by.Name} (={tree.ValueOf(by)})");
        if (reasons.Count == 0 && s.Prompts.All(p => tree.Evaluate(p.Visible) == Tristate.No))
        {
            if (!s.Prompts.Any()) reasons.Add("has no prompt, so only defaults and selects set it");
            else if (s.Prompts.FirstOrDefault()?.Visible is { } vis) reasons.Add($"its prompt depends on {Describe(tree, vis, prefix)}");
        }
        if (reasons.Count == 0 && s.IsChoiceValue && s.Choice is { } choice && asked != "n")
        {
            var selected = choice.ChoiceValues.FirstOrDefault(v => tree.ValueOf(v) == "y" && v != s);
            if (selected is not null) reasons.Add($"another value of its choice is selected: {prefix}{selected.Name}");
        }
        if (reasons.Count == 0 && s.Type is SymbolType.Int or SymbolType.Hex && tree.ActiveRange(s) is var (lo, hi))
            reasons.Add($"out of range {lo}..{hi}");
        if (reasons.Count == 0 && s.Type is SymbolType.Int or SymbolType.Hex && !IsNumber(asked, s.Type))
            reasons.Add($"not a valid {(s.Type == SymbolType.Int ? "int" : "hex")} value");
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    static bool IsNumber(string v, SymbolType t) => t == SymbolType.Int
        ? long.TryParse(v, out _)
        : v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? v.Length > 2 && v[2..].All(char.IsAsciiHexDigit) : v.All(char.IsAsciiHexDigit);

    /// <summary>The parts of a dependency that are not met, with their values: "PLAT_XEN (=n)".</summary>
    static string Describe(KconfigTree tree, Expr e, string prefix)
    {
        var failing = new List<string>();
        void Walk(Expr x)
        {
            if (x.Kind == ExprKind.And) { Walk(x.Left!); Walk(x.Right!); return; }
            if (tree.Evaluate(x) != Tristate.No) return;
            failing.Add(x.Kind == ExprKind.Symbol && x.Sym is { IsConst: false, Name: { } n }
                ? $"{prefix}{n} (={tree.ValueOf(x.Sym)})"
                : $"{x} (=n)");
        }
        Walk(e);
        return failing.Count == 0 ? $"{e} (={Tri.Text(tree.Evaluate(e))})" : string.Join(" && ", failing);
    }

    static IEnumerable<(Symbol By, Expr? Cond)> Terms(Expr? e)
    {
        if (e is null) yield break;
        if (e.Kind == ExprKind.Or)
        {
            foreach (var t in Terms(e.Left)) yield return t;
            foreach (var t in Terms(e.Right)) yield return t;
        }
        else if (e.Kind == ExprKind.And && e.Left!.Kind == ExprKind.Symbol) yield return (e.Left.Sym!, e.Right);
        else if (e.Kind == ExprKind.Symbol) yield return (e.Sym!, null);
    }

    /// <summary>
    /// The names closest to <paramref name="name"/> by edit distance, if close enough to be a typo
    /// (at most a quarter of the name, at least 2): every name at the smallest distance, up to three.
    /// </summary>
    public static IReadOnlyList<string> Closest(string name, IEnumerable<string> candidates)
    {
        var limit = Math.Max(2, name.Length / 4);
        var near = candidates.Distinct().Select(c => (c, d: Suggestions.Distance(name, c))).Where(x => x.d <= limit).ToList();
        if (near.Count == 0) return [];
        var best = near.Min(x => x.d);
        return near.Where(x => x.d == best).Select(x => x.c).Order(StringComparer.Ordinal).Take(3).ToList();
    }
}
