namespace Kraft.Kconfig;

public sealed partial class KconfigTree
{
    /// <summary>The value of an expression under the current configuration (for diagnostics).</summary>
    public Tristate Evaluate(Expr? e) => Eval(e);

    /// <summary>The active range of an int or hex symbol, as written in Kconfig (symbol names or numbers).</summary>
    public (string Low, string High)? ActiveRange(Symbol s)
    {
        CalcValue(s);
        return RangeProp(s) is { Low: { } lo, High: { } hi } ? (RangeBound(lo), RangeBound(hi)) : null;
    }

    string RangeBound(Symbol b) { if (!b.IsConst) CalcValue(b); return b.IsConst ? b.Name! : StringValue(b); }

    /// <summary>Every named, non-constant symbol (choices excluded).</summary>
    public IEnumerable<string> SymbolNames => hashOrder.Where(s => s.Name is not null && !s.IsConst && !s.IsChoice).Select(s => s.Name!);
}
