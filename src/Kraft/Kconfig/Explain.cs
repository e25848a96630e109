using System.Text;

namespace Kraft.Kconfig;

/// <summary>Why a symbol has its value: for a later `kraft config why`.</summary>
public sealed record Explanation(string Symbol, string Value, string Type, bool Written, IReadOnlyList<string> Reasons)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Symbol).Append(" = ").Append(Value).Append(" (").Append(Type).Append(Written ? "" : ", not written").Append(")\n");
        foreach (var r in Reasons) sb.Append("  - ").Append(r).Append('\n');
        return sb.ToString();
    }
}

public sealed partial class KconfigTree
{
    /// <summary>
    /// Says where a user value came from: given the symbol's name (without prefix), the user value and the value
    /// the symbol would have without it, the reason to show, or null for the plain one.
    /// </summary>
    public delegate string? UserValueOrigin(string name, string userValue, string defaultValue);

    /// <summary>The value the symbol would have without a user value (conf's sym_get_string_default).</summary>
    public string DefaultOf(Symbol s) { EnsureChecked(); CalcValue(s); return StringDefault(s); }

    /// <summary>The value of a symbol and the chain of reasons: user value, visibility, dependencies, selects, implies, defaults, range.</summary>
    public Explanation Explain(string name, UserValueOrigin? userOrigin = null)
    {
        var s = FindSymbol(name) ?? throw new KraftException($"unknown symbol {name}");
        CalcValue(s);
        var reasons = new List<string>();
        var value = StringValue(s);
        foreach (var n in s.Nodes) reasons.Add($"defined at {n.Location}");
        reasons.Add(s.VisibleTri == Tristate.No ? "has no visible prompt, so a user value is ignored" : $"prompt visible ({Tri.Text(s.VisibleTri)})");
        if (s.DirDep is not null) reasons.Add($"depends on {s.DirDep} = {Tri.Text(s.DirDepTri)}");
        if (s.HasUserValue && !s.IsChoice)
        {
            // a configuration read gives every symbol it holds a user value: most are the defaults written back
            var user = s.Type is SymbolType.Bool or SymbolType.Tristate ? Tri.Text(s.UserTri) : s.UserStr ?? "";
            var dflt = StringDefault(s);
            CalcValue(s);
            reasons.Add(userOrigin?.Invoke(s.Name!, user, dflt)
                ?? (user == dflt ? $"kept from the configuration read, equal to the default ({Shown(dflt)})"
                                 : $"set to {Shown(user)} in the configuration read (the default is {Shown(dflt)})"));
        }
        if (s.IsChoiceValue)
        {
            var c = s.Choice!;
            CalcValue(c);
            reasons.Add(c.CurChoice == s ? $"is the selected value of its choice" + (c.UserChoice == s ? " (chosen by the user)" : " (the choice's default)")
                                          : $"another value of its choice is selected ({c.CurChoice?.Name ?? "none"})");
        }
        foreach (var (by, cond) in Terms(s.RevDep))
            reasons.Add($"selected by {by.Name}{(cond is null ? "" : " if " + cond)} = {Tri.Text(Tri.And(TristateOf(by), Eval(cond)))}");
        foreach (var (by, cond) in Terms(s.ImpliedDep))
            reasons.Add($"implied by {by.Name}{(cond is null ? "" : " if " + cond)} = {Tri.Text(Tri.And(TristateOf(by), Eval(cond)))}");
        foreach (var p in s.Props.Where(p => p.Kind == PropertyKind.Default))
        {
            var vis = Eval(p.Visible);
            reasons.Add($"default {p.Expr}{(p.Visible is null ? "" : " if " + p.Visible)} at {p.Location}: {(vis == Tristate.No ? "inactive" : "active")}");
        }
        if (s.Type is SymbolType.Int or SymbolType.Hex && RangeProp(s) is { } r)
        {
            var inRange = s.HasUserValue && s.UserStr is { } u && !StringWithinRange(s, u);
            reasons.Add($"range {r.Low!.DisplayName} {r.High!.DisplayName}" + (inRange ? $": the user value {s.UserStr} is out of range" : ""));
        }
        return new Explanation(s.Name!, value, Parser.TypeName(s.Type), (s.Flags & SymFlags.Write) != 0, reasons);
    }

    /// <summary>A value as messages quote it: in quotes when empty or holding a blank.</summary>
    internal static string Shown(string v) => v.Length == 0 || v.Contains(' ') ? "\"" + v + "\"" : v;

    static IEnumerable<(Symbol By, Expr? Cond)> Terms(Expr? e)
    {
        if (e is null) yield break;
        if (e.Kind == ExprKind.Or)
        {
            StackRoom.Check();
            foreach (var t in Terms(e.Left)) yield return t;
            foreach (var t in Terms(e.Right)) yield return t;
            yield break;
        }
        if (e.Kind == ExprKind.And && e.Left!.Kind == ExprKind.Symbol) yield return (e.Left.Sym!, e.Right);
        else if (e.Kind == ExprKind.Symbol) yield return (e.Sym!, null);
    }
}
