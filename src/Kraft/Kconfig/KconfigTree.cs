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
    /// <summary>
    /// Runs the <c>$(shell,...)</c> commands concurrently before the real parse: a first pass collects every
    /// command whose text does not depend on another command's output, they run in parallel, and the real
    /// parse then finds their results in the cache. Results are those of a sequential parse; only commands
    /// a sequential parse would also run are run, except those reached through a failed speculative pass.
    /// Needs a <see cref="CachingShellRunner"/> (or no runner).
    /// </summary>
    public bool PrefetchShell { get; init; }
    /// <summary>
    /// With <see cref="PrefetchShell"/>: a yes/no compiler probe used as an operand of an expression runs only if
    /// evaluating the configuration reads it (see <see cref="DeferredProbes"/>); the results are the same.
    /// Evaluation must start with <see cref="KconfigTree.LoadConfig"/> for the probes it needs to run side by side.
    /// </summary>
    public bool DeferProbes { get; init; }
    /// <summary>With <see cref="DeferProbes"/>: workers with nothing else to run start held-back probes meanwhile.</summary>
    public bool RunHeldProbesWhenIdle { get; init; } = true;
    /// <summary>How many prefetched commands run at once (0: two per processor).</summary>
    public int ShellParallelism { get; init; }
    /// <summary>
    /// Checks for dependency loops on another thread while the first values are computed, instead of in
    /// Load; a loop then surfaces from the first call that produces a result (a value, a rendering, a file).
    /// </summary>
    public bool CheckLoopsInBackground { get; init; }
    /// <summary>Reads the files named by literal source statements on a background thread, ahead of the parser.</summary>
    public bool ReadAhead { get; init; }
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

    /// <summary>Receives phase timings (for profiling); set KRAFT_KCONFIG_TIMING=1 for kraft kconfig-conf.</summary>
    public static Action<string>? Timing;

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
                PrefetchShell = options.PrefetchShell, DeferProbes = options.DeferProbes,
                RunHeldProbesWhenIdle = options.RunHeldProbesWhenIdle, ShellParallelism = options.ShellParallelism,
                CheckLoopsInBackground = options.CheckLoopsInBackground, ReadAhead = options.ReadAhead,
            };
        var warnings = new List<string>();
        Action<string> warn = s => { warnings.Add(s); options.Warning?.Invoke(s); };
        var info = options.Info ?? (s => Console.Out.WriteLine(s));
        shell ??= new CachingShellRunner();
        var full = Path.GetFullPath(rootFile, options.WorkingDirectory);
        if (!File.Exists(full) && !Path.IsPathRooted(rootFile) && srctree is not null)
            full = Path.GetFullPath(Path.Combine(srctree, rootFile), options.WorkingDirectory);
        if (!File.Exists(full)) throw new KraftException($"can't find file {rootFile}");
        var fileCache = new KconfigFileCache(options.ReadAhead, options.WorkingDirectory);
        ShellCollector? collector = null;
        DeferredProbes? deferred = null;
        if (options.PrefetchShell && shell is CachingShellRunner cache)
        {
            var swp = System.Diagnostics.Stopwatch.StartNew();
            collector = new ShellCollector(cache, options.ShellParallelism, holdYesNo: options.DeferProbes,
                runHeldWhenIdle: options.RunHeldProbesWhenIdle);
            try
            {
                var dryPp = new Preprocessor(env, collector, options.WorkingDirectory, _ => { }, _ => { })
                {
                    Markers = options.DeferProbes ? collector : null,
                };
                new Parser(new SymbolTable(), dryPp, options, _ => { }) { Files = fileCache }.ScanRoot(rootFile, full);
            }
            catch (KraftException) { /* the real pass reports it */ }
            var held = collector.Held;
            Timing?.Invoke($"speculative scan {swp.Elapsed.TotalMilliseconds:F1} ms: {collector.Started} commands started, " +
                $"{collector.Templates} depend on others, {held.Count} yes/no probes held back");
            if (held.Count > 0) deferred = new DeferredProbes(cache, held, options.ShellParallelism);
            collector.ResolveInBackground(options.WorkingDirectory, env);
        }
        var table = new SymbolTable();
        var pp = new Preprocessor(env, deferred ?? shell, options.WorkingDirectory, info, warn) { Markers = deferred };
        var parser = new Parser(table, pp, options, warn) { Files = fileCache, Deferred = deferred };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try { parser.ParseRoot(rootFile, full); }
        finally { collector?.Stop(); (shell as CachingShellRunner)?.StopWorkers(); fileCache.Stop(); }
        Timing?.Invoke($"parse {sw.Elapsed.TotalMilliseconds:F1} ms, {GC.GetTotalAllocatedBytes() >> 20} MB allocated so far");
        var prefix = options.ConfigPrefix ?? env.GetValueOrDefault("CONFIG_") ?? "CONFIG_";
        if (deferred is { Unanswered: 0 }) { deferred.Finish(); deferred = null; }
        var tree = new KconfigTree(table, options, parser.Root, parser.ModulesSym, prefix, parser.FileList, pp.UsedEnvironment, warnings)
        {
            deferred = deferred,
        };
        var lookups = parser.LookupOrder.ToList();
        lookups.Reverse();
        tree.ConfFileList = lookups;
        sw.Restart();
        // the hash order reads only names and creation order, which finalization does not change: beside it
        var hashOrder = options.CheckLoopsInBackground ? Task.Run(table.InHashOrder) : Task.FromResult(table.InHashOrder());
        try { tree.FinalizeTree(parser.Root, 0); }
        catch (ExprTooDeepException)
        {
            throw new KraftException(tree.finalizing is { Kind: PropertyKind.Select or PropertyKind.Imply } p
                ? $"{p.Target!.Name} is selected or implied by more entries than kraft follows (its reverse dependency would nest more than {Expr.MaxDepth} levels deep)"
                : $"the dependencies of this entry nest more than {Expr.MaxDepth} levels deep (with those of the menus and if blocks around it)",
                tree.finalizing?.Location ?? tree.finalizingNode?.Location);
        }
        Timing?.Invoke($"finalize {sw.Elapsed.TotalMilliseconds:F1} ms, {GC.GetTotalAllocatedBytes() >> 20} MB allocated so far");
        sw.Restart();
        tree.hashOrder = hashOrder.GetAwaiter().GetResult();
        Timing?.Invoke($"hash order (waited) {sw.Elapsed.TotalMilliseconds:F1} ms");
        // the loop check only reads the finalized structure, so it runs beside the first evaluation;
        // every result (value, rendering, file) waits for it, and a loop is reported before any output
        if (options.CheckLoopsInBackground) tree.loopCheck = Task.Run(tree.CheckDependencyLoops);
        else tree.CheckDependencyLoops();
        return tree;
    }

    Task? loopCheck;
    DeferredProbes? deferred;

    /// <summary>Waits for the dependency-loop check started by Load; throws its error.</summary>
    internal void EnsureChecked()
    {
        if (loopCheck is null) return;
        try { loopCheck.GetAwaiter().GetResult(); }
        finally { if (loopCheck.IsCompletedSuccessfully) loopCheck = null; }
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
        if (e.Kind is ExprKind.And or ExprKind.Or or ExprKind.Not) StackRoom.Check();
        switch (e.Kind)
        {
            // expressions are immutable: an unchanged subtree is shared, not copied
            case ExprKind.Not: { var l = RewriteM(e.Left)!; return l == e.Left ? e : Expr.Not(l); }
            case ExprKind.And: { var l = RewriteM(e.Left); var r = RewriteM(e.Right); return l == e.Left && r == e.Right ? e : Expr.And(l, r); }
            case ExprKind.Or: { var l = RewriteM(e.Left); var r = RewriteM(e.Right); return l == e.Left && r == e.Right ? e : Expr.Or(l, r); }
            case ExprKind.Symbol when e.Sym == table.Mod: return Expr.And(e, Expr.Of(modulesSym));
            default: return e;
        }
    }

    static void Conjuncts(Expr? e, List<Expr> into)
    {
        if (e is null) return;
        if (e.Kind == ExprKind.And) { StackRoom.Check(); Conjuncts(e.Left, into); Conjuncts(e.Right, into); }
        else into.Add(e);
    }

    bool DependsOn(Expr? dep, Symbol sym)
    {
        if (dep is null) return false;
        return dep.Kind switch
        {
            ExprKind.And => !StackRoom.Low ? DependsOn(dep.Left, sym) || DependsOn(dep.Right, sym) : throw new ExprTooDeepException(),
            ExprKind.Symbol => dep.Sym == sym,
            ExprKind.Equal => dep.Sym == sym && (dep.Sym2 == table.Yes || dep.Sym2 == table.Mod),
            ExprKind.Unequal => dep.Sym == sym && dep.Sym2 == table.No,
            _ => false,
        };
    }

    /// <summary>Adds the node's dependencies to a property's condition; a select or imply feeds its target.</summary>
    // what finalization works on, for the location of an error
    Property? finalizing;
    MenuNode? finalizingNode;

    /// <summary>How deep the menu tree may nest once automatic submenus are made (every walk over it is recursive).</summary>
    internal const int MaxMenuDepth = 1024;

    void FinalizeProperty(Property p, Expr? nodeDep)
    {
        finalizing = p;
        var dep = Expr.And(nodeDep, RewriteM(p.Visible));
        p.Visible = dep;
        if (p.Kind == PropertyKind.Select)
            p.Target!.RevDep = Expr.Or(p.Target.RevDep, Expr.And(Expr.Of(p.Node.Symbol!), dep));
        else if (p.Kind == PropertyKind.Imply)
            p.Target!.ImpliedDep = Expr.Or(p.Target.ImpliedDep, Expr.And(Expr.Of(p.Node.Symbol!), dep));
    }

    /// <summary>Whether every expression of <paramref name="required"/> has a structural equal in <paramref name="conjuncts"/>.</summary>
    static bool ContainsAll(List<Expr> conjuncts, List<Expr> required)
    {
        foreach (var r in required)
        {
            bool found = false;
            foreach (var c in conjuncts)
                if (c.StructurallyEquals(r)) { found = true; break; }
            if (!found) return false;
        }
        return true;
    }

    void FinalizeTree(MenuNode parent, int depth)
    {
        // entries that each depend on the one before nest as automatic submenus
        if (depth > MaxMenuDepth || StackRoom.Low)
            throw new KraftException($"menus nest more than {MaxMenuDepth} levels deep (blocks, and entries that each depend on the entry before)",
                parent.Location, "a chain of entries that each depend on the previous one becomes a chain of submenus: let them depend on a common symbol");
        finalizingNode = parent; finalizing = null;
        var sym = parent.Symbol;
        if (parent.FirstChild is not null)
        {
            Expr? parentDep;
            if (sym is not null && sym.IsChoice)
            {
                if (sym.Type == SymbolType.Unknown)
                    for (var c = parent.FirstChild; c is not null; c = c.Next)
                        if (c.Symbol is { Type: not SymbolType.Unknown } cs) { sym.Type = cs.Type; break; }
                for (var c = parent.FirstChild; c is not null; c = c.Next)
                    if (c.Symbol is { Type: SymbolType.Unknown } cs) cs.Type = sym.Type;
                parentDep = Expr.Of(sym);
            }
            else parentDep = parent.Dependencies;

            for (var node = parent.FirstChild; node is not null; node = node.Next)
            {
                finalizingNode = node; finalizing = null;
                var baseDep = Expr.And(parentDep, RewriteM(node.Dependencies));
                node.Dependencies = baseDep;
                if (node.Symbol is not null)
                {
                    foreach (var p in node.Symbol.Props)
                        if (p.Node == node) FinalizeProperty(p, baseDep);
                }
                else if (node.Prompt is { } prompt && prompt.Node == node) FinalizeProperty(prompt, baseDep);
            }
            for (var node = parent.FirstChild; node is not null; node = node.Next) FinalizeTree(node, depth + 1);
        }
        else if (sym is not null)
        {
            // automatic submenus: following entries that depend on this symbol become its children
            List<Expr>? baseConj = null;   // made only for the (rare) entry that mentions sym without depending on it
            MenuNode? last = null;
            for (var node = parent.Next; node is not null; node = node.Next)
            {
                var dep = node.Prompt is not null ? node.Prompt.Visible : node.Dependencies;
                if (dep is null || !dep.Contains(sym)) break;
                if (!DependsOn(dep, sym))
                {
                    if (baseConj is null) Conjuncts(parent.Prompt?.Visible, baseConj = new List<Expr>());
                    var depConj = new List<Expr>();
                    Conjuncts(dep, depConj);
                    if (!ContainsAll(depConj, baseConj)) break;
                }
                FinalizeTree(node, depth + 1);
                node.Parent = parent;
                last = node;
            }
            if (last is not null)
            {
                parent.FirstChild = parent.Next;
                parent.Next = last.Next;
                last.Next = null;
            }
            finalizingNode = parent; finalizing = null;
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
        finalizingNode = parent; finalizing = null;
        if (sym is not null && !sym.IsOptional && parent.Prompt is not null)
            sym.RevDep = Expr.Or(sym.RevDep, Expr.And(parent.Prompt.Visible, Expr.Of(table.Mod)));
    }

    // ================================================================ dependency loops

    void CheckDependencyLoops()
    {
        // edges: a symbol's value depends on the symbols in its prompts, defaults, ranges, dependencies,
        // reverse dependencies and implications; choice values depend on their choice and vice versa.
        // LoopState: 0 unvisited, 1 on the stack, 2 done. Mark deduplicates one symbol's dependency list.
        foreach (var s in table.All) s.LoopState = 0;
        var stack = new List<Symbol>();
        var pool = new Stack<List<Symbol>>();
        int stamp = 0;
        // depth first, with an explicit stack: a chain of symbols can be as long as the tree (each frame is a
        // symbol, its dependency list and how far along it the search is)
        var frames = new Stack<(Symbol Sym, List<Symbol> Deps, int Next)>();
        foreach (var root in table.All)
        {
            if (root.LoopState != 0) continue;
            Enter(root);
            while (frames.Count > 0)
            {
                var (s, deps, i) = frames.Pop();
                bool descended = false;
                while (i < deps.Count)
                {
                    var d = deps[i++];
                    if (d.IsConst || d.Type == SymbolType.Unknown && !d.IsChoice) continue;
                    if (d.LoopState == 1)
                    {
                        var at = stack.IndexOf(d);
                        var cycle = stack.Skip(at).Append(d).Select(x => x.Name ?? "<choice>");
                        var loc = d.Nodes.FirstOrDefault()?.Location;
                        throw new KraftException("recursive dependency detected: " + string.Join(" -> ", cycle), loc);
                    }
                    if (d.LoopState == 0)
                    {
                        frames.Push((s, deps, i));
                        Enter(d);
                        descended = true;
                        break;
                    }
                }
                if (descended) continue;
                pool.Push(deps);
                stack.RemoveAt(stack.Count - 1);
                s.LoopState = 2;
            }
        }

        void Enter(Symbol s)
        {
            s.LoopState = 1;
            stack.Add(s);
            var deps = pool.Count > 0 ? pool.Pop() : new List<Symbol>();
            deps.Clear();
            CollectDependencies(s, deps, ++stamp);
            frames.Push((s, deps, 0));
        }
    }

    static void CollectDependencies(Symbol s, List<Symbol> into, int stamp)
    {
        // the symbol itself (and a choice value's choice) are excluded by marking them first
        s.Mark = stamp;
        if (s.IsChoiceValue) s.Choice!.Mark = stamp;
        foreach (var p in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Props))
        {
            if (p.Kind is PropertyKind.Select or PropertyKind.Imply or PropertyKind.Symbol or PropertyKind.Choice) continue;
            if (p.Visible is not null) CollectLoopEdges(p.Visible, into, stamp);
            if (p.Expr is not null) CollectLoopEdges(p.Expr, into, stamp);
            if (p.Low is { } lo && lo.Mark != stamp) { lo.Mark = stamp; into.Add(lo); }
            if (p.High is { } hi && hi.Mark != stamp) { hi.Mark = stamp; into.Add(hi); }
        }
        if (s.DirDep is not null) CollectLoopEdges(s.DirDep, into, stamp);
        if (s.RevDep is not null) CollectLoopEdges(s.RevDep, into, stamp);
        if (s.ImpliedDep is not null) CollectLoopEdges(s.ImpliedDep, into, stamp);
        if (s.IsChoice)
        {
            // a choice's mode does not depend on its values' values, only on their visibility
            foreach (var v in s.ChoiceValues)
                foreach (var p in v.Props)
                    if (p.Kind == PropertyKind.Prompt && p.Visible is not null) CollectLoopEdges(p.Visible, into, stamp);
        }
    }

    /// <summary>
    /// Adds the symbols under <paramref name="e"/> to <paramref name="into"/>, each once per <paramref name="stamp"/>
    /// (tracked in <see cref="Symbol.Mark"/>; a subexpression shared within the walk is walked once, by
    /// <see cref="Expr.Mark"/>). Returns whether every symbol under e is finished: searched to the end (LoopState 2)
    /// or never searched (constants, symbols without type). Such a subtree holds nothing the search still needs,
    /// for good, so it is marked and skipped by every later walk: the dependencies of nested menus and if blocks
    /// are shared by thousands of symbols. Only finished symbols are left out, so the search itself is unchanged.
    /// </summary>
    static bool CollectLoopEdges(Expr e, List<Symbol> into, int stamp)
    {
        if (e.LoopChecked) return true;
        if (e.Mark == stamp) return false;   // walked already for this symbol; its symbols are in the list
        e.Mark = stamp;
        bool finished = e.Kind switch
        {
            ExprKind.Symbol => Add(e.Sym!),
            ExprKind.And or ExprKind.Or or ExprKind.Not when StackRoom.Low => throw new ExprTooDeepException(),
            // & rather than &&: both sides are walked
            ExprKind.And or ExprKind.Or => CollectLoopEdges(e.Left!, into, stamp) & CollectLoopEdges(e.Right!, into, stamp),
            ExprKind.Not => CollectLoopEdges(e.Left!, into, stamp),
            _ => Add(e.Sym!) & Add(e.Sym2!),
        };
        if (finished) e.LoopChecked = true;
        return finished;

        bool Add(Symbol s)
        {
            if (s.Mark != stamp) { s.Mark = stamp; into.Add(s); }
            return s.LoopState == 2 || s.IsConst || s.Type == SymbolType.Unknown && !s.IsChoice;
        }
    }
}
