using System.Globalization;
using System.Runtime.InteropServices;

namespace Kraft.Kconfig;

public sealed partial class KconfigTree
{
    // ================================================================ expression values

    Tristate Eval(Expr? e)
    {
        if (e is null) return Tristate.Yes;
        switch (e.Kind)
        {
            case ExprKind.Symbol: CalcValue(e.Sym!); return e.Sym!.CurTri;
            case ExprKind.And or ExprKind.Or or ExprKind.Not when StackRoom.Low: throw TooDeep(evaluating);
            case ExprKind.And when deferred is not null && (Unanswered(e.Left) || Unanswered(e.Right)):
                return Lazily(e, Tristate.No);
            case ExprKind.Or when deferred is not null && (Unanswered(e.Left) || Unanswered(e.Right)):
                return Lazily(e, Tristate.Yes);
            case ExprKind.And: { var a = Eval(e.Left); var b = Eval(e.Right); return Tri.And(a, b); }
            case ExprKind.Or: { var a = Eval(e.Left); var b = Eval(e.Right); return Tri.Or(a, b); }
            case ExprKind.Not: return Tri.Not(Eval(e.Left));
        }
        var l = e.Sym!; var r = e.Sym2!;
        CalcValue(l); CalcValue(r);
        var s1 = StringValue(l); var s2 = StringValue(r);
        int res;
        NumKind k1 = NumKind.String, k2 = NumKind.String;
        long ls = 0, rs = 0; ulong lu = 0, ru = 0;
        if (l.Type != SymbolType.String || r.Type != SymbolType.String)
        {
            k1 = ParseForCompare(s1, l.Type, out ls, out lu);
            k2 = ParseForCompare(s2, r.Type, out rs, out ru);
        }
        if (k1 == NumKind.String || k2 == NumKind.String) res = Math.Sign(string.CompareOrdinal(s1, s2));
        else if (k1 == NumKind.Unsigned || k2 == NumKind.Unsigned)
        {
            // conf reads both sides through the same union, so a signed value is seen as its bit pattern
            ulong a = k1 == NumKind.Unsigned ? lu : unchecked((ulong)ls), b = k2 == NumKind.Unsigned ? ru : unchecked((ulong)rs);
            res = a.CompareTo(b);
        }
        else res = ls.CompareTo(rs);
        bool ok = e.Kind switch
        {
            ExprKind.Equal => res == 0,
            ExprKind.Unequal => res != 0,
            ExprKind.Less => res < 0,
            ExprKind.LessEqual => res <= 0,
            ExprKind.Greater => res > 0,
            _ => res >= 0,
        };
        return ok ? Tristate.Yes : Tristate.No;
    }

    /// <summary>
    /// True for an expression of constants only, one of them a deferred probe not answered yet: reading it has
    /// no side effects, so it can wait until the other operand is known (see <see cref="DeferredProbes"/>).
    /// </summary>
    static bool Unanswered(Expr? e)
    {
        bool pending = false;
        return e is not null && Walk(e) && pending;

        bool Walk(Expr x)
        {
            switch (x.Kind)
            {
                case ExprKind.Symbol:
                    if (!x.Sym!.IsConst) return false;
                    pending |= (x.Sym.Flags & (SymFlags.Deferred | SymFlags.Valid)) == SymFlags.Deferred;
                    return true;
                case ExprKind.And or ExprKind.Or: StackRoom.Check(); return Walk(x.Left!) && Walk(x.Right!);
                case ExprKind.Not: StackRoom.Check(); return Walk(x.Left!);
                default: return false;
            }
        }
    }

    /// <summary>An And (decided by n) or Or (decided by y) evaluating its other operand first.</summary>
    Tristate Lazily(Expr e, Tristate decides)
    {
        bool leftWaits = Unanswered(e.Left);
        var first = Eval(leftWaits ? e.Right : e.Left);
        if (first == decides) return decides;
        var second = Eval(leftWaits ? e.Left : e.Right);
        return e.Kind == ExprKind.And ? Tri.And(first, second) : Tri.Or(first, second);
    }

    enum NumKind { String, Signed, Unsigned }

    static NumKind ParseForCompare(string s, SymbolType t, out long sv, out ulong uv)
    {
        sv = 0; uv = 0;
        switch (t)
        {
            case SymbolType.Bool or SymbolType.Tristate:
                sv = s == "n" ? 0 : s == "m" ? 1 : s == "y" ? 2 : -1;
                return NumKind.Signed;
            case SymbolType.Hex:
                {
                    var ok = CNum.StrToULL(s, 16, out uv, out var end, out var overflow);
                    return Valid(s, end, overflow) ? NumKind.Unsigned : NumKind.String;
                }
            default:
                {
                    CNum.StrToLL(s, t == SymbolType.Int ? 10 : 0, out sv, out var end, out var overflow);
                    return Valid(s, end, overflow) ? NumKind.Signed : NumKind.String;
                }
        }
        static bool Valid(string s, int end, bool overflow) => !overflow && end == s.Length && end > 0 && Uri.IsHexDigit(s[end - 1]);
    }

    SymbolType GetType(Symbol s)
    {
        var t = s.Type;
        if (t == SymbolType.Tristate && (s.IsChoiceValue && s.VisibleTri == Tristate.Yes || modulesVal == Tristate.No))
            t = SymbolType.Bool;
        return t;
    }

    internal string StringValue(Symbol s) => s.Type is SymbolType.Bool or SymbolType.Tristate ? Tri.Text(s.CurTri) : s.CurStr;

    Property? DefaultProp(Symbol s)
    {
        foreach (var p in CollectionsMarshal.AsSpan(s.Props))
        {
            if (p.Kind != PropertyKind.Default) continue;
            p.VisibleTri = Eval(p.Visible);
            if (p.VisibleTri != Tristate.No) return p;
        }
        return null;
    }

    Property? RangeProp(Symbol s)
    {
        foreach (var p in CollectionsMarshal.AsSpan(s.Props))
        {
            if (p.Kind != PropertyKind.Range) continue;
            p.VisibleTri = Eval(p.Visible);
            if (p.VisibleTri != Tristate.No) return p;
        }
        return null;
    }

    void CalcVisibility(Symbol s)
    {
        var tri = Tristate.No;
        var choice = s.IsChoiceValue ? s.Choice : null;
        foreach (var p in CollectionsMarshal.AsSpan(s.Props))
        {
            if (p.Kind != PropertyKind.Prompt && !(p.Kind == PropertyKind.Menu && p.Node.Symbol == s)) continue;
            p.VisibleTri = Eval(p.Visible);
            if (choice is not null && s.Type == SymbolType.Tristate && p.VisibleTri == Tristate.Mod && choice.CurTri == Tristate.Yes)
                p.VisibleTri = Tristate.No;
            tri = Tri.Or(tri, p.VisibleTri);
        }
        if (tri == Tristate.Mod && (s.Type != SymbolType.Tristate || modulesVal == Tristate.No)) tri = Tristate.Yes;
        s.VisibleTri = tri;
        if (s.IsChoiceValue) return;

        tri = s.DirDep is null ? Tristate.Yes : Eval(s.DirDep);
        if (tri == Tristate.Mod && GetType(s) == SymbolType.Bool) tri = Tristate.Yes;
        s.DirDepTri = tri;

        tri = s.RevDep is null ? Tristate.No : Eval(s.RevDep);
        if (tri == Tristate.Mod && GetType(s) == SymbolType.Bool) tri = Tristate.Yes;
        s.RevDepTri = tri;

        tri = Tristate.No;
        if (s.ImpliedDep is not null && (opt.Dialect == KconfigDialect.Linux61 || s.DirDepTri != Tristate.No))
            tri = Eval(s.ImpliedDep);
        if (tri == Tristate.Mod && GetType(s) == SymbolType.Bool) tri = Tristate.Yes;
        s.ImpliedTri = tri;
    }

    Symbol? ChoiceDefault(Symbol choice)
    {
        foreach (var p in CollectionsMarshal.AsSpan(choice.Props))
        {
            if (p.Kind != PropertyKind.Default) continue;
            p.VisibleTri = Eval(p.Visible);
            if (p.VisibleTri == Tristate.No) continue;
            var d = p.Target!;
            if (d.VisibleTri != Tristate.No) return d;
        }
        foreach (var v in choice.ChoiceValues)
            if (v.VisibleTri != Tristate.No) return v;
        return null;
    }

    Symbol? CalcChoice(Symbol choice)
    {
        var flags = choice.Flags;
        foreach (var v in choice.ChoiceValues)
        {
            CalcVisibility(v);
            if (v.VisibleTri != Tristate.No) flags &= v.Flags;
        }
        choice.Flags &= flags | ~SymFlags.DefUser;
        if (choice.UserChoice is { } u && u.VisibleTri != Tristate.No) return u;
        var d = ChoiceDefault(choice);
        if (d is null) choice.CurTri = Tristate.No;
        return d;
    }

    /// <summary>The symbol whose value was asked for last (for the location of <see cref="TooDeep"/>).</summary>
    Symbol? evaluating;

    /// <summary>A value that depends on a chain too long for the stack: symbols whose values each need the next one's.</summary>
    static KraftException TooDeep(Symbol? s) => new(
        $"the value of {s?.Name ?? "a symbol"} depends on a chain of symbols too long to follow (each one's dependencies, selects or defaults needing the next one's value)",
        s?.Nodes.FirstOrDefault()?.Location,
        "real Kconfig trees chain a few dozen symbols; look for generated or repeated entries");

    void CalcValue(Symbol s)
    {
        if ((s.Flags & SymFlags.Valid) != 0) return;
        if ((s.Flags & SymFlags.Deferred) != 0) { deferred!.Answer(s); return; }
        if (StackRoom.Low) throw TooDeep(s);
        evaluating = s;
        if (s.IsChoiceValue && (s.Flags & SymFlags.NeedSetChoiceValues) != 0)
        {
            s.Flags &= ~SymFlags.NeedSetChoiceValues;
            CalcValue(s.Choice!);
        }
        s.Flags |= SymFlags.Valid;

        Tristate newTri = Tristate.No;
        string newStr = "";
        switch (s.Type)
        {
            case SymbolType.Int or SymbolType.Hex or SymbolType.String:
            case SymbolType.Bool or SymbolType.Tristate:
                break;
            default:
                s.CurStr = s.Name ?? "";
                s.CurTri = Tristate.No;
                return;
        }
        s.Flags &= ~SymFlags.Write;
        CalcVisibility(s);
        if (s.VisibleTri != Tristate.No) s.Flags |= SymFlags.Write;

        // the value seen by recursive evaluation
        s.CurTri = newTri; s.CurStr = newStr; s.CurChoice = null;

        var type = GetType(s);
        switch (type)
        {
            case SymbolType.Bool or SymbolType.Tristate:
                if (s.IsChoiceValue && s.VisibleTri == Tristate.Yes)
                {
                    newTri = s.Choice!.CurChoice == s ? Tristate.Yes : Tristate.No;
                }
                else
                {
                    if (s.VisibleTri != Tristate.No && s.HasUserValue)
                    {
                        newTri = Tri.And(s.UserTri, s.VisibleTri);
                    }
                    else
                    {
                        if (s.RevDepTri != Tristate.No) s.Flags |= SymFlags.Write;
                        if (!s.IsChoice)
                        {
                            var p = DefaultProp(s);
                            if (p is not null)
                            {
                                newTri = Tri.And(Eval(p.Expr), p.VisibleTri);
                                if (newTri != Tristate.No) s.Flags |= SymFlags.Write;
                            }
                            if (s.ImpliedTri != Tristate.No)
                            {
                                s.Flags |= SymFlags.Write;
                                newTri = Tri.Or(newTri, s.ImpliedTri);
                                if (opt.Dialect == KconfigDialect.Linux61) newTri = Tri.And(newTri, s.DirDepTri);
                            }
                        }
                    }
                    if (s.DirDepTri < s.RevDepTri) WarnUnmet(s);
                    newTri = Tri.Or(newTri, s.RevDepTri);
                }
                if (newTri == Tristate.Mod && (GetType(s) == SymbolType.Bool ||
                    opt.Dialect == KconfigDialect.Unikraft && s.ImpliedTri == Tristate.Yes))
                    newTri = Tristate.Yes;
                break;
            default:
                if (s.VisibleTri != Tristate.No && s.HasUserValue)
                {
                    newStr = s.UserStr ?? "";
                    break;
                }
                {
                    var p = DefaultProp(s);
                    if (p?.Target is { } ds)
                    {
                        s.Flags |= SymFlags.Write;
                        CalcValue(ds);
                        newStr = ds.Type is SymbolType.Bool or SymbolType.Tristate ? Tri.Text(ds.CurTri) : ds.CurStr;
                    }
                }
                break;
        }
        s.CurTri = newTri; s.CurStr = newStr;
        if (s.IsChoice && newTri == Tristate.Yes) s.CurChoice = CalcChoice(s);
        ValidateRange(s);
        if (s == modulesSym) modulesVal = s.CurTri;

        if (s.IsChoice)
            foreach (var v in s.ChoiceValues)
                if ((s.Flags & SymFlags.Write) != 0 && v.VisibleTri != Tristate.No) v.Flags |= SymFlags.Write;
        if ((s.Flags & SymFlags.NoWrite) != 0) s.Flags &= ~SymFlags.Write;
        if ((s.Flags & SymFlags.NeedSetChoiceValues) != 0) SetAllChoiceValues(s);
    }

    /// <summary>
    /// conf's warning for a symbol selected beyond its dependencies, as conf prints it each time it computes the
    /// value: the dependencies and the selecting expressions with every symbol's current value.
    /// </summary>
    void WarnUnmet(Symbol s)
    {
        if (deferred is { Speculating: true }) return; // values of a speculative round are not the configuration's
        var sb = new System.Text.StringBuilder();
        sb.Append("\nWARNING: unmet direct dependencies detected for ").Append(s.Name).Append('\n');
        sb.Append("  Depends on [").Append(s.DirDepTri == Tristate.Mod ? 'm' : 'n').Append("]: ")
          .Append(s.DirDep is null ? "y" : s.DirDep.Format(WithValue)).Append('\n');
        SelectedBy(s.RevDep, Tristate.Yes, "  Selected by [y]:\n");
        SelectedBy(s.RevDep, Tristate.Mod, "  Selected by [m]:\n");
        warn(sb.ToString(0, sb.Length - 1)); // the warning sink ends the line

        // the top-level alternatives of the reverse dependency that have the value asked for, one per line
        void SelectedBy(Expr? e, Tristate want, string title)
        {
            string? heading = title;
            Walk(e);
            void Walk(Expr? x)
            {
                if (x is null) return;
                if (x.Kind == ExprKind.Or) { StackRoom.Check(); Walk(x.Left); Walk(x.Right); return; }
                if (Eval(x) != want) return;
                if (heading is not null) { sb.Append(heading); heading = null; }
                sb.Append("  - ").Append(x.Format(WithValue)).Append('\n');
            }
        }
    }

    /// <summary>A symbol as conf's warnings print it: its name and, if it has a type, its current value.</summary>
    string WithValue(Symbol s)
    {
        if (s.Answered().Name is not { } name) return "<choice>";
        if (s.Type == SymbolType.Unknown) return name;
        string value = s.Type is SymbolType.Bool or SymbolType.Tristate
            ? s.CurTri switch
            {
                Tristate.No => "n",
                Tristate.Mod => Modules() ? "m" : "n",
                _ => "y",
            }
            : s.CurStr;
        return $"{name} [={value}]";

        bool Modules() { CalcValue(modulesSym); return modulesSym.CurTri != Tristate.No; }
    }

    void ValidateRange(Symbol s)
    {
        int b;
        if (s.Type == SymbolType.Int) b = 10;
        else if (s.Type == SymbolType.Hex) b = 16;
        else return;
        var p = RangeProp(s);
        if (p is null) return;
        CNum.StrToLL(s.CurStr, b, out var val, out _, out _);
        var rs = p.Low!;
        var v2 = RangeVal(rs, b);
        if (val >= v2)
        {
            rs = p.High!;
            v2 = RangeVal(rs, b);
            if (val <= v2) return;
        }
        if (opt.Dialect == KconfigDialect.Unikraft)
            s.CurStr = s.Type == SymbolType.Int ? v2.ToString(CultureInfo.InvariantCulture) : "0x" + v2.ToString("x", CultureInfo.InvariantCulture);
        else
            s.CurStr = StringValue(rs);
    }

    long RangeVal(Symbol s, int b)
    {
        CalcValue(s);
        if (s.Type == SymbolType.Int) b = 10; else if (s.Type == SymbolType.Hex) b = 16;
        CNum.StrToLL(StringValue(s), b, out var v, out _, out _);
        return v;
    }

    void SetAllChoiceValues(Symbol choice)
    {
        foreach (var v in choice.ChoiceValues)
            if (!v.HasUserValue) v.UserTri = Tristate.No;
        choice.Flags |= SymFlags.DefUser;
        choice.Flags &= ~(SymFlags.Valid | SymFlags.NeedSetChoiceValues);
    }

    /// <summary>
    /// Runs, side by side, the deferred probes the configuration as loaded will read. Rounds of evaluation
    /// with every unanswered probe read as n start the probes they reach; once those answered, the next round
    /// may reach others; a round that starts none ends it. The configuration's own evaluation comes after
    /// (everything is invalidated again), so values never depend on these rounds; a probe they missed would
    /// simply run when first read.
    /// </summary>
    void AnswerNeededProbes()
    {
        if (deferred is not { Unanswered: > 0 } d) return;
        var wasChanged = changed;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int rounds = 0, before = d.Unanswered;
        do
        {
            rounds++;
            d.Speculating = true;
            try
            {
                foreach (var s in table.All) s.Flags &= ~SymFlags.Valid;
                CalcAll();
            }
            finally { d.Speculating = false; }
        }
        while (d.WaitForRequested() && d.Unanswered > 0);
        d.Finish();
        foreach (var s in table.All) s.Flags &= ~SymFlags.Valid;
        changed = wasChanged;
        Timing?.Invoke($"deferred probes: {before - d.Unanswered} of {before} needed, {rounds} rounds, {clock.Elapsed.TotalMilliseconds:F1} ms");
    }

    void ClearAllValid()
    {
        foreach (var s in table.All) s.Flags &= ~SymFlags.Valid;
        changed = true;
        CalcValue(modulesSym);
    }

    void CalcAll()
    {
        CalcValue(modulesSym);
        foreach (var s in hashOrder) CalcValue(s);
    }

    // ================================================================ value checks

    static bool StringValid(Symbol s, string str)
    {
        switch (s.Type)
        {
            case SymbolType.String: return true;
            case SymbolType.Int:
                {
                    int i = 0;
                    if (i < str.Length && str[i] == '-') i++;
                    if (i >= str.Length || !char.IsAsciiDigit(str[i])) return false;
                    if (str[i] == '0' && i + 1 < str.Length) return false;
                    for (i++; i < str.Length; i++) if (!char.IsAsciiDigit(str[i])) return false;
                    return true;
                }
            case SymbolType.Hex:
                {
                    int i = 0;
                    if (str.Length >= 2 && str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) i = 2;
                    if (i >= str.Length) return false;
                    for (; i < str.Length; i++) if (!Uri.IsHexDigit(str[i])) return false;
                    return true;
                }
            case SymbolType.Bool or SymbolType.Tristate:
                return str.Length > 0 && "yYmMnN".Contains(str[0]);
            default: return false;
        }
    }

    bool StringWithinRange(Symbol s, string str)
    {
        switch (s.Type)
        {
            case SymbolType.String: return true;
            case SymbolType.Int or SymbolType.Hex:
                {
                    if (!StringValid(s, str)) return false;
                    var p = RangeProp(s);
                    if (p is null) return true;
                    int b = s.Type == SymbolType.Int ? 10 : 16;
                    CNum.StrToLL(str, b, out var v, out _, out _);
                    return v >= RangeVal(p.Low!, b) && v <= RangeVal(p.High!, b);
                }
            default: return false;
        }
    }
}

/// <summary>strtoll/strtoull as C does them (leading blanks, sign, 0x for base 16 or 0, saturation).</summary>
internal static class CNum
{
    public static bool StrToLL(string s, int b, out long value, out int end, out bool overflow)
    {
        var ok = Parse(s, b, out var mag, out var neg, out end, out overflow);
        if (neg)
        {
            if (overflow || mag > 9223372036854775808UL) { overflow = true; value = long.MinValue; }
            else value = unchecked(-(long)mag);
        }
        else
        {
            if (overflow || mag > long.MaxValue) { overflow = true; value = long.MaxValue; }
            else value = (long)mag;
        }
        return ok;
    }

    public static bool StrToULL(string s, int b, out ulong value, out int end, out bool overflow)
    {
        var ok = Parse(s, b, out var mag, out var neg, out end, out overflow);
        value = overflow ? ulong.MaxValue : neg ? unchecked(0UL - mag) : mag;
        return ok;
    }

    static bool Parse(string s, int b, out ulong mag, out bool neg, out int end, out bool overflow)
    {
        mag = 0; neg = false; overflow = false; end = 0;
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        if ((b == 16 || b == 0) && i + 1 < s.Length && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
            i + 2 < s.Length && Uri.IsHexDigit(s[i + 2]))
        {
            i += 2; b = 16;
        }
        else if (b == 0) b = i < s.Length && s[i] == '0' ? 8 : 10;
        int start = i;
        for (; i < s.Length; i++)
        {
            int d = s[i] switch
            {
                >= '0' and <= '9' => s[i] - '0',
                >= 'a' and <= 'z' => s[i] - 'a' + 10,
                >= 'A' and <= 'Z' => s[i] - 'A' + 10,
                _ => 99,
            };
            if (d >= b) break;
            if (!overflow)
            {
                var next = unchecked(mag * (ulong)b + (ulong)d);
                if (mag > (ulong.MaxValue - (ulong)d) / (ulong)b) overflow = true; else mag = next;
            }
        }
        if (i == start) { end = 0; mag = 0; neg = false; return false; }
        end = i;
        return true;
    }
}
