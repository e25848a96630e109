namespace Kraft.Kconfig;

/// <summary>Kconfig's three-valued logic: n &lt; m &lt; y.</summary>
public enum Tristate : byte { No = 0, Mod = 1, Yes = 2 }

public enum SymbolType : byte { Unknown, Bool, Tristate, String, Int, Hex }

/// <summary>Which conf the engine imitates where they differ (Unikraft ships Linux 5.2's scripts/kconfig with patches).</summary>
public enum KconfigDialect
{
    /// <summary>Linux 6.1 scripts/kconfig.</summary>
    Linux61,
    /// <summary>Unikraft's support/kconfig (Linux 5.2 plus glob source; a missing sourced file is silently skipped).</summary>
    Unikraft,
}

internal static class Tri
{
    public static Tristate And(Tristate a, Tristate b) => a < b ? a : b;
    public static Tristate Or(Tristate a, Tristate b) => a > b ? a : b;
    public static Tristate Not(Tristate a) => (Tristate)(2 - (int)a);
    public static string Text(Tristate t) => t switch { Tristate.No => "n", Tristate.Mod => "m", _ => "y" };
}

public enum ExprKind : byte { Symbol, And, Or, Not, Equal, Unequal, Less, LessEqual, Greater, GreaterEqual }

/// <summary>An expression tree. Comparisons hold two symbols (constants are symbols too, as in conf).</summary>
public sealed class Expr
{
    public ExprKind Kind { get; }
    internal int Mark;
    /// <summary>Every symbol under this node is finished by the dependency-loop search (see KconfigTree.CollectLoopEdges).</summary>
    internal bool LoopChecked;
    public Expr? Left { get; }
    public Expr? Right { get; }
    public Symbol? Sym { get; }
    public Symbol? Sym2 { get; }

    /// <summary>
    /// How many operator levels the tree has (a symbol or comparison is 1). Every walk over an expression is
    /// recursive, so trees deeper than <see cref="MaxDepth"/> are refused where they are made: Linux's deepest
    /// (the reverse dependency of REGMAP_I2C, selected 402 times) is about a tenth of it.
    /// </summary>
    public int Depth { get; }
    public const int MaxDepth = 4096;

    Expr(ExprKind kind, Expr? left, Expr? right, Symbol? sym, Symbol? sym2)
    {
        Kind = kind; Left = left; Right = right; Sym = sym; Sym2 = sym2;
        Depth = 1 + Math.Max(left?.Depth ?? 0, right?.Depth ?? 0);
        if (Depth > MaxDepth) throw new ExprTooDeepException();
    }

    /// <summary>The expression that is just <paramref name="s"/>: one node per symbol, shared by every use.</summary>
    public static Expr Of(Symbol s) => s.SelfExpr ??= new(ExprKind.Symbol, null, null, s, null);
    public static Expr Compare(ExprKind kind, Symbol a, Symbol b) => new(kind, null, null, a, b);
    public static Expr Not(Expr e) => new(ExprKind.Not, e, null, null, null);
    public static Expr? And(Expr? a, Expr? b) => a is null ? b : b is null ? a : new(ExprKind.And, a, b, null, null);
    public static Expr? Or(Expr? a, Expr? b) => a is null ? b : b is null ? a : new(ExprKind.Or, a, b, null, null);

    public bool IsComparison => Kind >= ExprKind.Equal;

    public bool Contains(Symbol s) => Kind switch
    {
        ExprKind.And or ExprKind.Or or ExprKind.Not when StackRoom.Low => throw new ExprTooDeepException(),
        ExprKind.Symbol => Sym == s,
        ExprKind.And or ExprKind.Or => Left!.Contains(s) || Right!.Contains(s),
        ExprKind.Not => Left!.Contains(s),
        _ => Sym == s || Sym2 == s,
    };

    public void CollectSymbols(HashSet<Symbol> into)
    {
        StackRoom.Check();
        switch (Kind)
        {
            case ExprKind.Symbol: into.Add(Sym!); break;
            case ExprKind.And or ExprKind.Or: Left!.CollectSymbols(into); Right!.CollectSymbols(into); break;
            case ExprKind.Not: Left!.CollectSymbols(into); break;
            default: into.Add(Sym!); into.Add(Sym2!); break;
        }
    }

    public bool StructurallyEquals(Expr o)
    {
        if (Kind != o.Kind) return false;
        StackRoom.Check();
        return Kind switch
        {
            ExprKind.Symbol => SameSymbol(Sym!, o.Sym!),
            ExprKind.Not => Left!.StructurallyEquals(o.Left!),
            ExprKind.And or ExprKind.Or => Left!.StructurallyEquals(o.Left!) && Right!.StructurallyEquals(o.Right!),
            _ => Sym == o.Sym && Sym2 == o.Sym2,
        };
    }

    /// <summary>conf compares symbols by identity; a deferred probe is the constant y or n it answers.</summary>
    static bool SameSymbol(Symbol a, Symbol b)
    {
        if (a == b) return true;
        if ((a.Flags & SymFlags.Deferred) == 0 && (b.Flags & SymFlags.Deferred) == 0) return false;
        return a.IsConst && b.IsConst && (a.Answered().Name is "y" or "n") && a.Name == b.Answered().Name;
    }

    public override string ToString() => Format(static s => s.DisplayName);

    /// <summary>The expression as conf prints it (its operator precedence and parentheses), each symbol as <paramref name="symbol"/> says.</summary>
    internal string Format(Func<Symbol, string> symbol) => Format(symbol, 0);

    string Format(Func<Symbol, string> symbol, int parentPrec)
    {
        StackRoom.Check();
        int prec = Kind switch { ExprKind.Or => 1, ExprKind.And => 2, ExprKind.Not => 3, _ => 4 };
        string s = Kind switch
        {
            ExprKind.Symbol => symbol(Sym!),
            ExprKind.Not => "!" + Left!.Format(symbol, 3),
            ExprKind.And => Left!.Format(symbol, 2) + " && " + Right!.Format(symbol, 2),
            ExprKind.Or => Left!.Format(symbol, 1) + " || " + Right!.Format(symbol, 1),
            ExprKind.Equal => $"{symbol(Sym!)}={symbol(Sym2!)}",
            ExprKind.Unequal => $"{symbol(Sym!)}!={symbol(Sym2!)}",
            ExprKind.Less => $"{symbol(Sym!)}<{symbol(Sym2!)}",
            ExprKind.LessEqual => $"{symbol(Sym!)}<={symbol(Sym2!)}",
            ExprKind.Greater => $"{symbol(Sym!)}>{symbol(Sym2!)}",
            _ => $"{symbol(Sym!)}>={symbol(Sym2!)}",
        };
        return prec < parentPrec ? "(" + s + ")" : s;
    }
}

/// <summary>An expression would nest deeper than <see cref="Expr.MaxDepth"/>; whoever made it reports where (a <see cref="KraftException"/>).</summary>
internal sealed class ExprTooDeepException : KraftException
{
    public ExprTooDeepException() : base($"an expression nests more than {Expr.MaxDepth} levels deep, or too deep for the stack left") { }
}

/// <summary>
/// Whether the thread's stack is nearly used up: recursive walks over what users write (expressions, chains of
/// symbols, macros) stop there with an error that says where, instead of overflowing the stack, which ends the
/// process. The check is a compare against the thread's stack limit.
/// </summary>
internal static class StackRoom
{
    public static bool Low => !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack();

    /// <summary>For a walk over an expression: stops it when the stack is nearly used up.</summary>
    public static void Check()
    {
        if (Low) throw new ExprTooDeepException();
    }
}

public enum PropertyKind : byte { Symbol, Prompt, Menu, Comment, Default, Select, Imply, Range, Choice }

/// <summary>One property line (prompt, default, select, imply, range) of a symbol or a menu entry.</summary>
public sealed class Property
{
    public PropertyKind Kind { get; internal set; }
    public Expr? Expr { get; internal set; }
    /// <summary>The condition: the property's own "if" and, after finalization, the node's dependencies.</summary>
    public Expr? Visible { get; internal set; }
    internal Tristate VisibleTri;
    public string? Text { get; internal set; }
    public MenuNode Node { get; internal set; } = null!;
    public SourceLocation Location { get; internal set; }
    /// <summary>For range: the two bounds.</summary>
    public Symbol? Low { get; internal set; }
    public Symbol? High { get; internal set; }
    public Symbol? Target => Expr is { Kind: ExprKind.Symbol } e ? e.Sym : null;
}

[Flags]
internal enum SymFlags : uint
{
    None = 0,
    Const = 1 << 0,
    Choice = 1 << 1,
    ChoiceValue = 1 << 2,
    Optional = 1 << 3,
    NoWrite = 1 << 4,
    Write = 1 << 5,
    Valid = 1 << 6,
    DefUser = 1 << 7,
    NeedSetChoiceValues = 1 << 8,
    Written = 1 << 9,
    Warned = 1 << 10,
    AllNoConfigY = 1 << 11,
    Changed = 1 << 12,
    DefAuto = 1 << 13,
    /// <summary>A yes/no compiler probe whose answer is fetched when a value first needs it (see <see cref="DeferredProbes"/>).</summary>
    Deferred = 1 << 14,
}

/// <summary>A config symbol, a choice (which conf models as a symbol), or a constant.</summary>
public sealed class Symbol
{
    public string? Name { get; internal set; }
    public SymbolType Type { get; internal set; }
    internal SymFlags Flags;
    internal readonly int Sequence;
    internal int LoopState, Mark;
    internal readonly List<Property> Props = new();
    public List<MenuNode> Nodes { get; } = new();

    internal Expr? DirDep, RevDep, ImpliedDep;
    /// <summary>The node of <see cref="Expr.Of"/> (expressions are immutable, so a symbol needs only one).</summary>
    internal Expr? SelfExpr;
    internal Tristate DirDepTri = Tristate.Yes, RevDepTri, ImpliedTri, VisibleTri;

    // current value
    internal Tristate CurTri;
    internal string CurStr = "";
    internal Symbol? CurChoice;

    // user value (conf's S_DEF_USER)
    internal Tristate UserTri;
    internal string? UserStr;
    internal Symbol? UserChoice;

    /// <summary>The help text (of the last definition that has one); made from the file text when first asked for.</summary>
    public string? Help { get => help ??= helpSource?.Text; internal set { help = value; helpSource = null; } }
    string? help;
    internal HelpText? helpSource;
    internal HelpText? HelpSource { set { helpSource = value; help = null; } }

    internal Symbol(string? name, SymFlags flags, int seq)
    {
        Name = name; Flags = flags; Sequence = seq;
    }

    public bool IsChoice => (Flags & SymFlags.Choice) != 0;
    public bool IsChoiceValue => (Flags & SymFlags.ChoiceValue) != 0;
    public bool IsConst => (Flags & SymFlags.Const) != 0;
    public bool IsOptional => (Flags & SymFlags.Optional) != 0;
    internal bool HasUserValue => (Flags & SymFlags.DefUser) != 0;
    /// <summary>For a deferred probe: its shell command, and who answers it.</summary>
    internal string? ProbeCommand;
    internal DeferredProbes? Probes;

    /// <summary>This symbol, with its value if it is a deferred probe (which then reads like y or n).</summary>
    internal Symbol Answered()
    {
        if (Probes is not null && (Flags & SymFlags.Valid) == 0) Probes.Answer(this);
        return this;
    }

    public string DisplayName => Answered().Name is not { } name ? "<choice>" : IsConst && !(name is "y" or "m" or "n") ? "\"" + name + "\"" : name;

    /// <summary>For choice values: the choice that contains it.</summary>
    public Symbol? Choice { get; internal set; }

    /// <summary>For choices: the values, in order (the list is made on first use: most symbols are not choices).</summary>
    public List<Symbol> ChoiceValues => choiceValues ??= new();
    List<Symbol>? choiceValues;

    public IEnumerable<Property> Properties => Props;
    public IEnumerable<Property> Prompts => Props.Where(p => p.Kind == PropertyKind.Prompt);
    public IEnumerable<Property> Defaults => Props.Where(p => p.Kind == PropertyKind.Default);

    public override string ToString() => DisplayName;
}

public enum MenuNodeKind : byte { Root, Config, MenuConfig, Choice, Menu, Comment, If }

/// <summary>A node of the menu tree: one definition site of a symbol or choice, a menu, comment or if block.</summary>
public sealed class MenuNode
{
    public MenuNodeKind Kind { get; internal set; }
    public Symbol? Symbol { get; internal set; }
    public Property? Prompt { get; internal set; }
    public Expr? Dependencies { get; internal set; }
    public Expr? VisibleIf { get; internal set; }
    public MenuNode? Parent { get; internal set; }
    public MenuNode? FirstChild { get; internal set; }
    public MenuNode? Next { get; internal set; }
    public string? Help { get => help ??= helpSource?.Text; internal set { help = value; helpSource = null; } }
    string? help;
    internal HelpText? helpSource;
    internal HelpText? HelpSource { set { helpSource = value; help = null; } }
    public SourceLocation Location { get; internal set; }

    public IEnumerable<MenuNode> Children
    {
        get { for (var c = FirstChild; c is not null; c = c.Next) yield return c; }
    }

    public override string ToString() => $"{Kind} {Symbol?.DisplayName ?? Prompt?.Text} at {Location}";
}

/// <summary>Where a help text is in its file; the text itself is only made when someone asks for it.</summary>
internal sealed class HelpText(byte[] fileText, int start)
{
    string? text;
    public string Text => text ??= FileLexer.HelpAt(fileText, start);
}
