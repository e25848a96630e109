using System.Globalization;
using System.Text;
using Kraft.Host;

namespace Kraft.Kconfig;

public sealed class KconfigLoadOptions
{
    public KconfigDialect Dialect { get; init; } = KconfigDialect.Linux61;
    /// <summary>Where relative paths (root file, source, globs) resolve first; conf's current directory.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>Second place relative paths are tried (conf's $srctree); defaults to env["srctree"].</summary>
    public string? SourceTree { get; init; }
    /// <summary>The CONFIG_ prefix; defaults to env["CONFIG_"] or "CONFIG_".</summary>
    public string? ConfigPrefix { get; init; }
    public Action<string>? Warning { get; init; }
    public Action<string>? Info { get; init; }
}

public enum AllConfigMode { AllNo, AllYes, AllMod, AllDef, Random }

/// <summary>
/// A parsed and finalized Kconfig tree with its current configuration. It computes values the way
/// Linux's scripts/kconfig/conf does and writes .config, auto.conf and autoconf.h identical to it.
/// </summary>
public sealed partial class KconfigTree
{
    readonly SymbolTable table;
    readonly KconfigLoadOptions opt;
    readonly Symbol modulesSym;
    Tristate modulesVal;
    List<Symbol> hashOrder = null!;
    readonly Action<string> warn;
    bool changed = true;
    int confWarnings;

    public MenuNode Root { get; }
    public string Prefix { get; }
    public KconfigDialect Dialect => opt.Dialect;
    public IReadOnlyList<string> Files { get; }
    public IReadOnlyList<(string Name, string Value)> UsedEnvironment { get; }
    public List<string> Warnings { get; } = new();

    KconfigTree(SymbolTable table, KconfigLoadOptions opt, MenuNode root, Symbol? modules, string prefix, List<string> files,
        List<(string, string)> usedEnv, List<string> warnings)
    {
        this.table = table; this.opt = opt; Root = root; Prefix = prefix; Files = files; UsedEnvironment = usedEnv;
        modulesSym = modules ?? table.No;
        Warnings = warnings;
        warn = s => { Warnings.Add(s); opt.Warning?.Invoke(s); };
    }

    /// <summary>Parses <paramref name="rootFile"/> and everything it sources.</summary>
    public static KconfigTree Load(string rootFile, IReadOnlyDictionary<string, string> env, IShellRunner? shell = null, KconfigLoadOptions? options = null)
    {
        options ??= new KconfigLoadOptions();
        var srctree = options.SourceTree ?? env.GetValueOrDefault("srctree");
        if (srctree != options.SourceTree)
            options = new KconfigLoadOptions
            {
                Dialect = options.Dialect, WorkingDirectory = options.WorkingDirectory, SourceTree = srctree,
                ConfigPrefix = options.ConfigPrefix, Warning = options.Warning, Info = options.Info,
            };
        var warnings = new List<string>();
        Action<string> warn = s => { warnings.Add(s); options.Warning?.Invoke(s); };
        var info = options.Info ?? (s => Console.Out.WriteLine(s));
        var table = new SymbolTable();
        var pp = new Preprocessor(env, shell ?? new CachingShellRunner(), options.WorkingDirectory, info, warn);
        var parser = new Parser(table, pp, options, warn);
        var full = Path.GetFullPath(rootFile, options.WorkingDirectory);
        if (!File.Exists(full) && !Path.IsPathRooted(rootFile) && srctree is not null)
            full = Path.GetFullPath(Path.Combine(srctree, rootFile), options.WorkingDirectory);
        if (!File.Exists(full)) throw new KraftException($"can't find file {rootFile}");
        parser.ParseRoot(rootFile, full);
        var prefix = options.ConfigPrefix ?? env.GetValueOrDefault("CONFIG_") ?? "CONFIG_";
        var tree = new KconfigTree(table, options, parser.Root, parser.ModulesSym, prefix, parser.FileList, pp.UsedEnvironment, warnings);
        tree.FinalizeTree(parser.Root);
        tree.hashOrder = table.InHashOrder();
        tree.CheckDependencyLoops();
        return tree;
    }

    public IReadOnlyList<Symbol> Symbols => hashOrder.Where(s => s.Name is not null && !s.IsConst && !s.IsChoice).ToList();

    public Symbol? FindSymbol(string name)
    {
        var s = table.Find(name);
        return s is null || s.IsConst ? null : s;
    }

    public string MainMenuTitle => Root.Prompt?.Text ?? "Main menu";

    // ================================================================ finalization (conf's menu_finalize)

    Expr? RewriteM(Expr? e)
    {
        if (e is null) return null;
        switch (e.Kind)
        {
            case ExprKind.Not: return Expr.Not(RewriteM(e.Left)!);
            case ExprKind.And: return Expr.And(RewriteM(e.Left), RewriteM(e.Right));
            case ExprKind.Or: return Expr.Or(RewriteM(e.Left), RewriteM(e.Right));
            case ExprKind.Symbol when e.Sym == table.Mod: return Expr.And(e, Expr.Of(modulesSym));
            default: return e;
        }
    }

    static void Conjuncts(Expr? e, List<Expr> into)
    {
        if (e is null) return;
        if (e.Kind == ExprKind.And) { Conjuncts(e.Left, into); Conjuncts(e.Right, into); }
        else into.Add(e);
    }

    bool DependsOn(Expr? dep, Symbol sym)
    {
        if (dep is null) return false;
        return dep.Kind switch
        {
            ExprKind.And => DependsOn(dep.Left, sym) || DependsOn(dep.Right, sym),
            ExprKind.Symbol => dep.Sym == sym,
            ExprKind.Equal => dep.Sym == sym && (dep.Sym2 == table.Yes || dep.Sym2 == table.Mod),
            ExprKind.Unequal => dep.Sym == sym && dep.Sym2 == table.No,
            _ => false,
        };
    }

    void FinalizeTree(MenuNode parent)
    {
        var sym = parent.Symbol;
        if (parent.FirstChild is not null)
        {
            Expr? parentDep;
            if (sym is not null && sym.IsChoice)
            {
                if (sym.Type == SymbolType.Unknown)
                    foreach (var c in parent.Children)
                        if (c.Symbol is { Type: not SymbolType.Unknown } cs) { sym.Type = cs.Type; break; }
                foreach (var c in parent.Children)
                    if (c.Symbol is { Type: SymbolType.Unknown } cs) cs.Type = sym.Type;
                parentDep = Expr.Of(sym);
            }
            else parentDep = parent.Dependencies;

            foreach (var node in parent.Children)
            {
                var baseDep = Expr.And(parentDep, RewriteM(node.Dependencies));
                node.Dependencies = baseDep;
                IEnumerable<Property> props = node.Symbol is not null ? node.Symbol.Props : node.Prompt is null ? Array.Empty<Property>() : new[] { node.Prompt };
                foreach (var p in props)
                {
                    if (p.Node != node) continue;
                    var dep = Expr.And(baseDep, RewriteM(p.Visible));
                    p.Visible = dep;
                    if (p.Kind == PropertyKind.Select)
                        p.Target!.RevDep = Expr.Or(p.Target.RevDep, Expr.And(Expr.Of(node.Symbol!), dep));
                    else if (p.Kind == PropertyKind.Imply)
                        p.Target!.ImpliedDep = Expr.Or(p.Target.ImpliedDep, Expr.And(Expr.Of(node.Symbol!), dep));
                }
            }
            for (var node = parent.FirstChild; node is not null; node = node.Next) FinalizeTree(node);
        }
        else if (sym is not null)
        {
            // automatic submenus: following entries that depend on this symbol become its children
            var baseConj = new List<Expr>();
            Conjuncts(parent.Prompt?.Visible, baseConj);
            MenuNode? last = null;
            for (var node = parent.Next; node is not null; node = node.Next)
            {
                var dep = node.Prompt is not null ? node.Prompt.Visible : node.Dependencies;
                if (dep is null || !dep.Contains(sym)) break;
                if (!DependsOn(dep, sym))
                {
                    var depConj = new List<Expr>();
                    Conjuncts(dep, depConj);
                    if (!baseConj.All(b => depConj.Any(d => d.StructurallyEquals(b)))) break;
                }
                FinalizeTree(node);
                node.Parent = parent;
                last = node;
            }
            if (last is not null)
            {
                parent.FirstChild = parent.Next;
                parent.Next = last.Next;
                last.Next = null;
            }
            sym.DirDep = Expr.Or(sym.DirDep, parent.Dependencies);
        }

        for (var node = parent.FirstChild; node is not null; node = node.Next)
        {
            if (sym is not null && sym.IsChoice && node.Symbol is { } cv && !cv.IsChoiceValue)
            {
                cv.Flags |= SymFlags.ChoiceValue;
                cv.Choice = sym;
                if (node.Prompt is null) warn($"{node.Location}: warning: choice value must have a prompt");
                if (sym.Type == SymbolType.Tristate && cv.Type != SymbolType.Tristate)
                {
                    var b = Expr.Compare(ExprKind.Equal, sym, table.Yes);
                    node.Dependencies = Expr.And(b, node.Dependencies);
                    foreach (var p in cv.Props)
                        if (p.Node == node) p.Visible = Expr.And(b, p.Visible);
                }
                sym.ChoiceValues.Add(cv);
            }
            if (node.FirstChild is not null && node.Prompt is null)
            {
                MenuNode lastChild = node.FirstChild;
                for (; ; lastChild = lastChild.Next!)
                {
                    lastChild.Parent = parent;
                    if (lastChild.Next is null) break;
                }
                lastChild.Next = node.Next;
                node.Next = node.FirstChild;
                node.FirstChild = null;
            }
        }

        if (sym is not null && (sym.Flags & SymFlags.Warned) == 0)
        {
            if (sym.Type == SymbolType.Unknown) warn($"{parent.Location}: warning: config symbol defined without type");
            if (sym.IsChoice && parent.Prompt is null) warn($"{parent.Location}: warning: choice must have a prompt");
            sym.Flags |= SymFlags.Warned;
        }
        if (sym is not null && !sym.IsOptional && parent.Prompt is not null)
            sym.RevDep = Expr.Or(sym.RevDep, Expr.And(parent.Prompt.Visible, Expr.Of(table.Mod)));
    }

    // ================================================================ dependency loops

    void CheckDependencyLoops()
    {
        // edges: a symbol's value depends on the symbols in its prompts, defaults, ranges, dependencies,
        // reverse dependencies and implications; choice values depend on their choice and vice versa.
        var state = new Dictionary<Symbol, int>();
        var stack = new List<Symbol>();
        foreach (var s in table.All)
            if (!state.ContainsKey(s)) Visit(s);

        void Visit(Symbol s)
        {
            state[s] = 1;
            stack.Add(s);
            foreach (var d in DependenciesOf(s))
            {
                if (d.IsConst || d.Type == SymbolType.Unknown && !d.IsChoice) continue;
                if (state.TryGetValue(d, out var st))
                {
                    if (st == 1)
                    {
                        var i = stack.IndexOf(d);
                        var cycle = stack.Skip(i).Append(d).Select(x => x.Name ?? "<choice>");
                        var loc = d.Nodes.FirstOrDefault()?.Location;
                        throw new KraftException("recursive dependency detected: " + string.Join(" -> ", cycle), loc);
                    }
                    continue;
                }
                Visit(d);
            }
            stack.RemoveAt(stack.Count - 1);
            state[s] = 2;
        }
    }

    IEnumerable<Symbol> DependenciesOf(Symbol s)
    {
        var set = new HashSet<Symbol>();
        void Add(Expr? e) => e?.CollectSymbols(set);
        foreach (var p in s.Props)
        {
            if (p.Kind is PropertyKind.Select or PropertyKind.Imply or PropertyKind.Symbol or PropertyKind.Choice) continue;
            Add(p.Visible);
            Add(p.Expr);
            if (p.Low is not null) set.Add(p.Low);
            if (p.High is not null) set.Add(p.High);
        }
        Add(s.DirDep); Add(s.RevDep); Add(s.ImpliedDep);
        if (s.IsChoice)
        {
            // a choice's mode does not depend on its values' values, only on their visibility
            foreach (var v in s.ChoiceValues)
                foreach (var p in v.Props)
                    if (p.Kind == PropertyKind.Prompt) Add(p.Visible);
        }
        set.Remove(s);
        if (s.IsChoiceValue) set.Remove(s.Choice!);
        return set;
    }
}
