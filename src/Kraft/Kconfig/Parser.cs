using System.Text;

namespace Kraft.Kconfig;

/// <summary>All symbols by name, in conf's hash-table order when enumerated.</summary>
internal sealed class SymbolTable
{
    public const int HashSize = 9973;
    public readonly Symbol Yes, Mod, No;
    readonly Dictionary<string, Symbol> normal = new(StringComparer.Ordinal);
    readonly Dictionary<string, Symbol> consts = new(StringComparer.Ordinal);
    readonly Dictionary<string, Symbol> choices = new(StringComparer.Ordinal);
    public readonly List<Symbol> All = new();
    int seq;

    public SymbolTable()
    {
        Yes = MakeTri("y", Tristate.Yes); Mod = MakeTri("m", Tristate.Mod); No = MakeTri("n", Tristate.No);
    }

    Symbol MakeTri(string name, Tristate t) => new(name, SymFlags.Const | SymFlags.Valid, -1)
    {
        Type = SymbolType.Tristate, CurTri = t, CurStr = name,
    };

    public Symbol? Find(string name)
    {
        if (name.Length == 1) switch (name[0]) { case 'y': return Yes; case 'm': return Mod; case 'n': return No; }
        return normal.GetValueOrDefault(name);
    }

    public Symbol Lookup(string? name, SymFlags kind)
    {
        if (name is { Length: 1 }) switch (name[0]) { case 'y': return Yes; case 'm': return Mod; case 'n': return No; }
        var dict = kind == SymFlags.Const ? consts : kind == SymFlags.Choice ? choices : normal;
        if (name is not null && dict.TryGetValue(name, out var s)) return s;
        s = new Symbol(name, kind, seq++);
        if (name is not null) dict[name] = s;
        All.Add(s);
        return s;
    }

    public static uint Hash(string name)
    {
        uint h = 2166136261U;
        bool ascii = true;
        foreach (var c in name) if (c >= 0x80) { ascii = false; break; }
        if (ascii)
        {
            foreach (var c in name) h = (h ^ c) * 0x01000193;
            return h;
        }
        foreach (var b in Encoding.UTF8.GetBytes(name))
            h = (h ^ (uint)(int)(sbyte)b) * 0x01000193;
        return h;
    }

    /// <summary>The order of conf's for_all_symbols: hash bucket, newest first within a bucket.</summary>
    public List<Symbol> InHashOrder()
    {
        // bucket ascending, then newest (highest sequence) first: All is in creation order, so a counting
        // sort by bucket over All taken backwards gives it in linear time
        var syms = All;
        int n = syms.Count;
        var buckets = new int[n];
        var start = new int[HashSize + 1];
        for (int i = 0; i < n; i++)
        {
            var s = syms[i];
            int b = s.Name is null ? 0 : (int)(Hash(s.Name) % HashSize);
            buckets[i] = b;
            start[b + 1]++;
        }
        for (int b = 0; b < HashSize; b++) start[b + 1] += start[b];
        var ordered = new Symbol[n];
        for (int i = n - 1; i >= 0; i--) ordered[start[buckets[i]]++] = syms[i];
        return new List<Symbol>(ordered);
    }
}

/// <summary>Parses Kconfig files into the symbol table and the menu tree (before finalization).</summary>
internal sealed class Parser
{
    readonly SymbolTable syms;
    readonly Preprocessor pp;
    readonly KconfigLoadOptions opt;
    readonly Action<string> warn;
    readonly Stack<FileLexer> files = new();
    public readonly List<string> FileList = new();
    /// <summary>conf's file_list: each file name once, in the order conf looks them up (reversed when written).</summary>
    public readonly List<string> LookupOrder = new();
    readonly HashSet<string> lookedUp = new(StringComparer.Ordinal);

    void Lookup(string name) { if (lookedUp.Add(name)) LookupOrder.Add(name); }
    public readonly MenuNode Root;
    public Symbol? ModulesSym;

    MenuNode currentMenu;       // conf's current_menu: the parent new entries go into
    MenuNode? currentEntry;     // conf's current_entry
    MenuNode? lastChild;        // last entry in currentMenu's list
    readonly Stack<(MenuNode Block, string Kind, SourceLocation Opened)> blocks = new();

    Token tok;
    Tok prev = Tok.Eol, prevPrev = Tok.Eol;
    bool havePeek;
    Token peeked;
    FileLexer cur = null!;
    SourceLocation stmtLoc;

    public Parser(SymbolTable syms, Preprocessor pp, KconfigLoadOptions opt, Action<string> warn)
    {
        this.syms = syms; this.pp = pp; this.opt = opt; this.warn = warn;
        Root = new MenuNode { Kind = MenuNodeKind.Root };
        currentMenu = Root;
        pp.Where = () => cur is null ? stmtLoc : new SourceLocation(cur.Name, cur.Line, cur.Column);
    }

    // ---------------------------------------------------------------- tokens

    Token RawNext()
    {
        while (true)
        {
            var t = cur.Next();
            if (t.Kind != Tok.Eof) return t;
            if (files.Count == 1) return t;
            files.Pop();
            cur = files.Peek();
            return new Token(Tok.Eol, null, cur.Line, cur.Column);
        }
    }

    /// <summary>True while the parser reads an expression operand, which may stay a deferred probe.</summary>
    bool operandMode;

    /// <summary>The next token; a word that is a probe marker has the probe's output (unless read as an operand).</summary>
    Token Next()
    {
        var t = NextRaw();
        if (Deferred is { } d && !operandMode && t.Kind == Tok.Word && ProbeMarker.In(t.Text))
            tok = t = t with { Text = d.Consume(t.Text!) };
        return t;
    }

    Token NextRaw()
    {
        if (havePeek) { havePeek = false; tok = peeked; return tok; }
        Token t;
        while (true)
        {
            t = RawNext();
            if ((prev == Tok.Eol || prev == Tok.HelpText) && t.Kind == Tok.Eol) continue;
            break;
        }
        if (prev == Tok.Eol || prev == Tok.HelpText)
            stmtLoc = new SourceLocation(cur.Name, t.Line, t.Column);
        if (prevPrev == Tok.Eol && prev == Tok.Word && t.Kind is Tok.Equal or Tok.ColonEqual or Tok.PlusEqual)
            cur.EnterAssignValue();
        prevPrev = prev; prev = t.Kind;
        tok = t;
        return t;
    }

    Token Peek()
    {
        if (!havePeek) { var save = tok; peeked = NextRaw(); tok = save; havePeek = true; }
        return peeked;
    }

    SourceLocation Here => new(cur.Name, tok.Line, tok.Column);

    KraftException Error(string msg, SourceLocation? at = null, string? hint = null) => new(msg, at ?? Here, hint);

    void Expect(Tok k, string what)
    {
        if (Next().Kind != k) throw Error($"syntax error: expected {what}" + Describe(tok));
    }

    static string Describe(Token t) => t.Kind switch
    {
        Tok.Eol => ", found end of line",
        Tok.Eof => ", found end of file",
        Tok.Word or Tok.Quoted => $", found '{t.Text}'",
        _ => t.Text is null ? "" : $", found '{t.Text}'",
    };

    void ExpectEol()
    {
        var t = Next();
        if (t.Kind != Tok.Eol && t.Kind != Tok.Eof) throw Error("syntax error: unexpected" + Describe(t)[7..]);
    }

    // ---------------------------------------------------------------- files

    public void ParseRoot(string rootName, string rootFull)
    {
        var text = ReadFile(rootFull, rootName, null);
        cur = new FileLexer(rootName, rootFull, text, pp, warn);
        files.Push(cur);
        FileList.Add(rootName);
        Lookup(rootName);
        stmtLoc = new SourceLocation(rootName, 1, 1);
        try { ParseStatements(); }
        catch (ExprTooDeepException)
        {
            throw new KraftException($"the conditions of this entry nest more than {Expr.MaxDepth} levels deep", stmtLoc,
                "split the expression, or the 'depends on' lines and the if blocks around it");
        }
        if (blocks.Count > 0)
        {
            var (_, kind, opened) = blocks.Peek();
            throw new KraftException($"unterminated '{kind}' block (missing 'end{kind}')", opened);
        }
        if (Root.Prompt is null)
            Root.Prompt = NewProp(PropertyKind.Menu, null, null, Root, "Main menu");
    }

    /// <summary>Where file texts come from (shared between passes of one load).</summary>
    public KconfigFileCache Files = new(false, Directory.GetCurrentDirectory());

    /// <summary>The probes whose answer may wait (the real parse of a deferring load), or null.</summary>
    public DeferredProbes? Deferred;
    byte[]? preRead;
    bool scanning;

    /// <summary>A lexer for a file; in the scan, one that reads only what can start a probe when the file has no macro.</summary>
    FileLexer NewLexer(string name, string full, byte[] text) => new(name, full, text, pp, warn)
    {
        OnlySourcesAndAssignments = scanning && text.AsSpan().IndexOf((byte)'$') < 0,
    };

    byte[]? TryReadFile(string full, string name, SourceLocation? from)
    {
        try { return ReadFile(full, name, from, rethrowMissing: true); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    /// <summary>
    /// Only what expands macros: tokenizes every file (help texts skipped as the parser skips them), runs
    /// assignments and follows source statements; builds no symbols or menus. For speculative passes.
    /// </summary>
    public void ScanRoot(string rootName, string rootFull)
    {
        scanning = true;
        var text = ReadFile(rootFull, rootName, null);
        cur = NewLexer(rootName, rootFull, text);
        files.Push(cur);
        stmtLoc = new SourceLocation(rootName, 1, 1);
        while (true)
        {
            var t = Next();
            if (t.Kind == Tok.Eof) return;
            if (t.Kind == Tok.Eol) continue;
            switch (t.Kind)
            {
                case Tok.Help when Peek().Kind == Tok.Eol:
                    Next();
                    cur.ReadHelp(build: false);
                    prevPrev = prev; prev = Tok.HelpText;
                    continue;
                case Tok.Source:
                    ParseSource("source");
                    continue;
                case Tok.Word when Peek().Kind is Tok.Equal or Tok.ColonEqual or Tok.PlusEqual:
                    {
                        var name = t.Text!;
                        var op = Next().Text!;
                        var v = Next();
                        string value = "";
                        if (v.Kind == Tok.AssignVal) { value = v.Text!; Next(); }
                        pp.ErrorLocation = new SourceLocation(cur.Name, t.Line, t.Column);
                        try { pp.Assign(name, value, op); }
                        finally { pp.ErrorLocation = null; }
                        continue;
                    }
            }
            if (pp.Markers is { } markers) t = HoldOrRelease(t, markers);
            while (t.Kind is not (Tok.Eol or Tok.Eof)) t = Next();
            if (t.Kind == Tok.Eof) return;
        }
    }

    /// <summary>
    /// The scan's part of <see cref="DeferredProbes"/>: reads the rest of a statement; a probe whose marker is
    /// an operand of an expression (where the real parse may keep it as a deferred constant) stays held back,
    /// any other marker starts its probe now. Returns the end of line (or file).
    /// </summary>
    Token HoldOrRelease(Token first, IProbeMarkers markers)
    {
        bool expression = first.Kind is Tok.Depends or Tok.Visible or Tok.If or Tok.Default or Tok.DefBool or Tok.DefTristate;
        if (first.Kind == Tok.Word && markers.IsSingleMarker(first.Text!)) markers.Consume(first.Text!);
        var before = first;
        var t = Next();
        while (t.Kind is not (Tok.Eol or Tok.Eof))
        {
            var next = Next();
            if (t.Kind == Tok.If) expression = true;
            bool operand = expression && !IsComparison(before.Kind) && !IsComparison(next.Kind);
            if (t.Kind == Tok.Word && markers.IsSingleMarker(t.Text!) && !operand) markers.Consume(t.Text!);
            before = t;
            t = next;
        }
        return t;

        static bool IsComparison(Tok k) => k is Tok.Equal or Tok.Unequal or Tok.Less or Tok.LessEqual or Tok.Greater or Tok.GreaterEqual;
    }

    byte[] ReadFile(string full, string name, SourceLocation? from, bool rethrowMissing = false)
    {
        byte[]? text;
        try { text = Files.Read(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KraftException($"can't open file \"{name}\"", from, Kraft.Host.IoErrors.Describe(e, full));
        }
        if (text is not null) return text;
        if (rethrowMissing) throw new FileNotFoundException(full);
        throw new KraftException($"can't open file \"{name}\"", from, "No such file or directory");
    }

    void Source(string kind, string path, SourceLocation at)
    {
        bool relative = kind is "rsource" or "orsource";
        bool optional = kind is "osource" or "orsource";
        bool glob = path.IndexOfAny(new[] { '*', '?', '[' }) >= 0;
        // the glob walks a path one component at a time, recursively; PATH_MAX (4096) bounds conf's
        if (path.Length > 4096) throw new KraftException($"the file name of this source statement is longer than 4096 characters", at);
        var matches = new List<(string Name, string Full)>();
        if (relative && !Path.IsPathRooted(path))
            path = Path.Combine(Path.GetDirectoryName(cur.Name) ?? "", path);
        if (glob || opt.Dialect == KconfigDialect.Unikraft)
        {
            foreach (var m in Glob.Expand(path, opt.WorkingDirectory))
                matches.Add((m, Path.GetFullPath(m, opt.WorkingDirectory)));
            if (matches.Count == 0 && glob && opt.Dialect != KconfigDialect.Unikraft && opt.SourceTree is { } st && !Path.IsPathRooted(path))
                foreach (var m in Glob.Expand(Path.Combine(st, path), opt.WorkingDirectory))
                    matches.Add((m, Path.GetFullPath(m, opt.WorkingDirectory)));
            if (matches.Count == 0 && !glob && !optional && opt.Dialect != KconfigDialect.Unikraft)
                throw new KraftException($"can't open file \"{path}\"", at);
        }
        else
        {
            // open directly instead of asking first: one system call less per file
            var full = Path.GetFullPath(path, opt.WorkingDirectory);
            preRead = TryReadFile(full, path, at);
            if (preRead is null && !Path.IsPathRooted(path) && opt.SourceTree is { } st)
            {
                full = Path.GetFullPath(Path.Combine(st, path), opt.WorkingDirectory);
                preRead = TryReadFile(full, path, at);
            }
            if (preRead is null)
            {
                if (optional) return;
                throw new KraftException($"can't open file \"{path}\"", at);
            }
            matches.Add((path, full));
        }
        // conf pushes every match onto its file stack, so they are read in order, before the rest of this file
        for (int i = matches.Count - 1; i >= 0; i--)
        {
            var (name, full) = matches[i];
            Lookup(name);
            foreach (var f in files)
                if (f.FullPath == full)
                    throw new KraftException($"recursive inclusion of \"{name}\" (included from {string.Join(" <- ", files.Select(x => x.Name))})", at);
            var text = preRead ?? ReadFile(full, name, at);
            preRead = null;
            cur = NewLexer(name, full, text);
            files.Push(cur);
        }
        for (int i = 0; i < matches.Count; i++) FileList.Add(matches[i].Name);
    }

    // ---------------------------------------------------------------- menu building (conf's menu_add_*)

    MenuNode AddEntry(MenuNodeKind kind, Symbol? sym)
    {
        var node = new MenuNode { Kind = kind, Symbol = sym, Parent = currentMenu, Location = stmtLoc };
        if (lastChild is null) currentMenu.FirstChild = node; else lastChild.Next = node;
        lastChild = node;
        currentEntry = node;
        if (sym is not null)
        {
            sym.Nodes.Add(node);
            NewProp(PropertyKind.Symbol, Expr.Of(sym), null, node, null);
        }
        return node;
    }

    /// <summary>How deep menu, choice and if blocks may nest (the menu tree is walked recursively; Linux nests about 10).</summary>
    internal const int MaxBlockDepth = 512;

    void OpenBlock(string kind)
    {
        if (blocks.Count >= MaxBlockDepth)
            throw Error($"blocks nest more than {MaxBlockDepth} levels deep (menu, choice and if)", stmtLoc,
                "close a block with its end statement before opening the next");
        blocks.Push((currentEntry!, kind, currentEntry!.Location));
        currentMenu = currentEntry!;
        lastChild = null;
    }

    void CloseBlock(string kind)
    {
        if (blocks.Count == 0) throw Error($"'end{kind}' without matching '{kind}'", stmtLoc);
        var (block, open, opened) = blocks.Pop();
        if (open != kind)
            throw Error($"'end{kind}' in wrong place: the '{open}' opened at {opened} is still open", stmtLoc);
        currentMenu = block.Parent!;
        lastChild = block;
    }

    Property NewProp(PropertyKind kind, Expr? expr, Expr? cond, MenuNode node, string? text)
    {
        var p = new Property { Kind = kind, Expr = expr, Visible = cond, Node = node, Text = text, Location = stmtLoc };
        if (node.Symbol is not null && kind != PropertyKind.Menu && kind != PropertyKind.Comment) node.Symbol.Props.Add(p);
        return p;
    }

    void AddPrompt(PropertyKind kind, string text, Expr? cond)
    {
        var node = currentEntry!;
        if (text.Length > 0 && char.IsWhiteSpace(text[0])) { warn($"{stmtLoc}: warning: leading whitespace ignored"); text = text.TrimStart(); }
        if (node.Prompt is not null && node != Root) warn($"{stmtLoc}: warning: prompt redefined");
        if (kind == PropertyKind.Prompt)
            for (var m = node.Parent; m is not null; m = m.Parent)
                if (m.VisibleIf is not null) cond = Expr.And(cond, m.VisibleIf);
        node.Prompt = NewProp(kind, null, cond, node, text);
    }

    void SetType(SymbolType t)
    {
        var s = currentEntry!.Symbol!;
        if (s.Type == t) return;
        if (s.Type == SymbolType.Unknown) { s.Type = t; return; }
        warn($"{stmtLoc}: warning: ignoring type redefinition of '{s.Name ?? "<choice>"}' from '{TypeName(s.Type)}' to '{TypeName(t)}'");
    }

    internal static string TypeName(SymbolType t) => t switch
    {
        SymbolType.Bool => "bool", SymbolType.Tristate => "tristate", SymbolType.String => "string",
        SymbolType.Int => "int", SymbolType.Hex => "hex", _ => "unknown",
    };

    // ---------------------------------------------------------------- statements

    void ParseStatements()
    {
        bool first = true;
        while (true)
        {
            var t = Next();
            if (t.Kind == Tok.Eof) return;
            if (t.Kind == Tok.Eol) continue;
            switch (t.Kind)
            {
                case Tok.MainMenu:
                    {
                        // conf's grammar has mainmenu only as the very first statement
                        if (!first) throw Error("invalid statement: 'mainmenu' must be the first statement of the Kconfig tree", stmtLoc);
                        var title = ExpectPrompt("a quoted title");
                        ExpectEol();
                        var save = currentEntry; currentEntry = Root;
                        AddPrompt(PropertyKind.Menu, title, null);
                        currentEntry = save;
                        break;
                    }
                case Tok.Config:
                case Tok.MenuConfig:
                    ParseConfig(t.Kind == Tok.MenuConfig, inChoice: InChoice());
                    break;
                case Tok.Choice: ParseChoiceStart(); break;
                case Tok.Comment:
                    {
                        var text = ExpectPrompt("a quoted comment text");
                        ExpectEol();
                        AddEntry(MenuNodeKind.Comment, null);
                        AddPrompt(PropertyKind.Comment, text, null);
                        while (Peek().Kind == Tok.Depends) { Next(); ParseDepends(); }
                        break;
                    }
                case Tok.Menu:
                    {
                        if (InChoice()) throw Error("invalid statement: 'menu' inside a choice", stmtLoc);
                        var text = ExpectPrompt("a quoted menu title");
                        ExpectEol();
                        AddEntry(MenuNodeKind.Menu, null);
                        AddPrompt(PropertyKind.Menu, text, null);
                        while (true)
                        {
                            var k = Peek().Kind;
                            if (k == Tok.Depends) { Next(); ParseDepends(); }
                            else if (k == Tok.Visible)
                            {
                                // conf: "visible" with its "if" left out adds no condition
                                Next();
                                var e = ParseIfExpr();
                                ExpectEol();
                                currentEntry!.VisibleIf = Expr.And(currentEntry.VisibleIf, e);
                            }
                            else break;
                        }
                        OpenBlock("menu");
                        break;
                    }
                case Tok.If:
                    {
                        var e = ParseExpr();
                        ExpectEol();
                        AddEntry(MenuNodeKind.If, null);
                        currentEntry!.Dependencies = Expr.And(currentEntry.Dependencies, e);
                        OpenBlock("if");
                        break;
                    }
                case Tok.EndMenu: ExpectEol(); CloseBlock("menu"); break;
                case Tok.EndIf: ExpectEol(); CloseBlock("if"); break;
                case Tok.EndChoice: ExpectEol(); CloseBlock("choice"); break;
                case Tok.Source:
                    ParseSource("source");
                    break;
                case Tok.Word when Peek().Kind is Tok.Equal or Tok.ColonEqual or Tok.PlusEqual:
                    {
                        var name = t.Text!;
                        var op = Next().Text!;
                        var v = Next();
                        string value = "";
                        if (v.Kind == Tok.AssignVal) { value = v.Text!; ExpectEol(); }
                        else if (v.Kind != Tok.Eol && v.Kind != Tok.Eof) throw Error("syntax error in assignment");
                        pp.ErrorLocation = new SourceLocation(cur.Name, t.Line, t.Column);
                        try { pp.Assign(name, value, op); }
                        finally { pp.ErrorLocation = null; }
                        break;
                    }
                case Tok.Word:
                    throw Error($"unknown statement \"{t.Text}\"", stmtLoc);
                case Tok.Help when t.Text == "---help---" && linux:
                    throw Error("unknown statement \"---help---\"", stmtLoc, "Linux 6.1 spells it 'help'");
                default:
                    throw Error("invalid statement" + Describe(t).Replace(", found", ":"), stmtLoc);
            }
            first = false;
        }
    }

    /// <summary>Whether the innermost block that is not an if is a choice.</summary>
    bool InChoice()
    {
        foreach (var b in blocks)
            if (b.Kind != "if") return b.Kind == "choice";
        return false;
    }

    bool linux => opt.Dialect == KconfigDialect.Linux61;

    /// <summary>Whether the next token is a prompt: a quoted string, or in Unikraft's grammar also a bare word.</summary>
    bool PeekPrompt() => Peek().Kind == Tok.Quoted || !linux && Peek().Kind == Tok.Word;

    /// <summary>The prompt (or title, or file name) that must come next.</summary>
    string ExpectPrompt(string what)
    {
        var t = Next();
        if (t.Kind == Tok.Quoted || !linux && t.Kind == Tok.Word) return t.Text!;
        throw Error($"syntax error: expected {what}" + Describe(t));
    }

    void ParseSource(string kind)
    {
        var at = stmtLoc;
        var path = ExpectPrompt("a quoted file name");
        // the end of line comes from the including file, before the new file is pushed
        var t = Next();
        if (t.Kind != Tok.Eol && t.Kind != Tok.Eof) throw Error("syntax error after source");
        // a source statement at the very end of a file (no new line) still ends a line for the sourced file
        prev = Tok.Eol;
        Source(kind, path, at);
    }

    void ParseDepends()
    {
        Expect(Tok.On, "'on' after 'depends'");
        var e = ParseExpr();
        ExpectEol();
        currentEntry!.Dependencies = Expr.And(currentEntry.Dependencies, e);
    }

    Expr? ParseIfExpr()
    {
        if (Peek().Kind != Tok.If) return null;
        Next();
        return ParseExpr();
    }

    void ParseConfig(bool menuconfig, bool inChoice)
    {
        var nt = Next();
        if (nt.Kind != Tok.Word) throw Error("syntax error: expected a symbol name" + Describe(nt));
        var sym = syms.Lookup(nt.Text!, SymFlags.None);
        ExpectEol();
        sym.Flags |= SymFlags.Optional;
        var node = AddEntry(menuconfig ? MenuNodeKind.MenuConfig : MenuNodeKind.Config, sym);
        ParseConfigOptions(choice: false);
        if (menuconfig)
        {
            if (node.Prompt is not null) node.Prompt.Kind = PropertyKind.Menu;
            else warn($"{node.Location}: warning: menuconfig statement without prompt");
        }
    }

    void ParseChoiceStart()
    {
        string? name = null;
        if (Peek().Kind == Tok.Word) name = Next().Text;
        ExpectEol();
        var sym = syms.Lookup(name, SymFlags.Choice);
        sym.Flags |= SymFlags.NoWrite;
        AddEntry(MenuNodeKind.Choice, sym);
        NewProp(PropertyKind.Choice, null, null, currentEntry!, null);
        ParseConfigOptions(choice: true);
        OpenBlock("choice");
    }

    void ParseConfigOptions(bool choice)
    {
        var node = currentEntry!;
        var sym = node.Symbol!;
        while (true)
        {
            var k = Peek().Kind;
            switch (k)
            {
                case Tok.Bool or Tok.Tristate or Tok.String or Tok.Int or Tok.Hex:
                    {
                        Next();
                        var t = k switch
                        {
                            Tok.Bool => SymbolType.Bool, Tok.Tristate => SymbolType.Tristate, Tok.String => SymbolType.String,
                            Tok.Int => SymbolType.Int, _ => SymbolType.Hex,
                        };
                        if (choice && t is not (SymbolType.Bool or SymbolType.Tristate))
                            throw Error("a choice can only be bool or tristate", stmtLoc);
                        if (PeekPrompt())
                        {
                            var text = Next().Text!;
                            var cond = ParseIfExpr();
                            AddPrompt(PropertyKind.Prompt, text, cond);
                        }
                        ExpectEol();
                        SetType(t);
                        break;
                    }
                case Tok.Prompt:
                    {
                        Next();
                        var text = ExpectPrompt("a quoted prompt");
                        var cond = ParseIfExpr();
                        ExpectEol();
                        AddPrompt(PropertyKind.Prompt, text, cond);
                        break;
                    }
                case Tok.Default or Tok.DefBool or Tok.DefTristate:
                    {
                        Next();
                        if (choice && k != Tok.Default) throw Error("syntax error: def_bool/def_tristate in a choice", stmtLoc);
                        Expr e;
                        if (choice)
                        {
                            var w = Next();
                            if (w.Kind != Tok.Word) throw Error("syntax error: expected a symbol name" + Describe(w));
                            e = Expr.Of(syms.Lookup(w.Text!, SymFlags.None));
                        }
                        else e = ParseExpr();
                        var cond = ParseIfExpr();
                        ExpectEol();
                        NewProp(PropertyKind.Default, e, cond, node, null);
                        if (k == Tok.DefBool) SetType(SymbolType.Bool);
                        else if (k == Tok.DefTristate) SetType(SymbolType.Tristate);
                        break;
                    }
                case Tok.Select or Tok.Imply when !choice:
                    {
                        Next();
                        var w = Next();
                        if (w.Kind != Tok.Word) throw Error("syntax error: expected a symbol name" + Describe(w));
                        var target = syms.Lookup(w.Text!, SymFlags.None);
                        var cond = ParseIfExpr();
                        ExpectEol();
                        NewProp(k == Tok.Select ? PropertyKind.Select : PropertyKind.Imply, Expr.Of(target), cond, node, null);
                        break;
                    }
                case Tok.Range when !choice:
                    {
                        Next();
                        var lo = ParseSymbol();
                        var hi = ParseSymbol();
                        var cond = ParseIfExpr();
                        ExpectEol();
                        var p = NewProp(PropertyKind.Range, null, cond, node, null);
                        p.Low = lo; p.High = hi;
                        break;
                    }
                case Tok.Modules when !choice:
                    Next();
                    // Linux 5.2's grammar (Unikraft's) knows only "option modules"
                    if (!linux) throw Error("syntax error: 'modules' alone is Linux 6.1's spelling", stmtLoc, "write 'option modules'");
                    ExpectEol();
                    SetModules(sym);
                    break;
                case Tok.Optional when choice:
                    Next(); ExpectEol();
                    sym.Flags |= SymFlags.Optional;
                    break;
                case Tok.Depends:
                    Next(); ParseDepends();
                    break;
                case Tok.Help when linux && Peek().Text == "---help---":
                    throw Error("unknown statement \"---help---\"", stmtLoc, "Linux 6.1 spells it 'help'");
                case Tok.Help:
                    {
                        Next();
                        ExpectEol();
                        var help = new HelpText(cur.Text, cur.Position);
                        cur.ReadHelp(build: false);
                        prevPrev = prev; prev = Tok.HelpText;
                        node.HelpSource = help;
                        sym.HelpSource = help;
                        break;
                    }
                case Tok.Word when Peek().Text == "option" && !linux:
                    {
                        // Linux 5.2's grammar (Unikraft's): "option" takes one of three words and nothing else
                        Next();
                        var w = Next();
                        if (w.Kind == Tok.Modules) { ExpectEol(); SetModules(sym); break; }
                        switch (w.Kind == Tok.Word ? w.Text : null)
                        {
                            case "defconfig_list": ExpectEol(); sym.Flags |= SymFlags.NoWrite; break;
                            case "allnoconfig_y": ExpectEol(); sym.Flags |= SymFlags.AllNoConfigY; break;
                            default:
                                throw Error("syntax error: unknown option" + Describe(w).Replace(", found", ""), stmtLoc,
                                    "Unikraft's Kconfig knows 'option modules', 'option defconfig_list' and 'option allnoconfig_y'; " +
                                    "an environment variable is read with $(NAME)");
                        }
                        break;
                    }
                default:
                    return;
            }
        }
    }

    void SetModules(Symbol sym)
    {
        if (ModulesSym is not null && ModulesSym != sym)
            throw Error($"symbol '{sym.Name}' redefines option 'modules' already defined by symbol '{ModulesSym.Name}'", stmtLoc);
        ModulesSym = sym;
    }

    // ---------------------------------------------------------------- expressions

    /// <summary>A symbol operand; with <paramref name="mayDefer"/> a deferred probe's word becomes its constant.</summary>
    Symbol ParseSymbol(bool mayDefer = false)
    {
        operandMode = mayDefer;
        Token t;
        try { t = Next(); }
        finally { operandMode = false; }
        if (mayDefer && t.Kind == Tok.Word && Deferred is { } d && d.IsSingleMarker(t.Text!)) return d.ConstantFor(t.Text!);
        return t.Kind switch
        {
            Tok.Word => syms.Lookup(t.Text!, SymFlags.None),
            Tok.Quoted => syms.Lookup(t.Text!, SymFlags.Const),
            _ => throw Error("syntax error: expected a symbol" + Describe(t)),
        };
    }

    Expr ParseExpr()
    {
        var e = ParseAnd();
        while (Peek().Kind == Tok.Or) { Next(); e = Expr.Or(e, ParseAnd())!; }
        return e;
    }

    Expr ParseAnd()
    {
        var e = ParseUnary();
        while (Peek().Kind == Tok.And) { Next(); e = Expr.And(e, ParseUnary())!; }
        return e;
    }

    int unaryDepth;

    Expr ParseUnary()
    {
        var k = Peek().Kind;
        if (k is Tok.Not or Tok.OpenParen)
        {
            // '!' and '(' recurse before any node is made: bounded here, as deep as a tree may be
            if (++unaryDepth > Expr.MaxDepth || StackRoom.Low)
                throw Error($"an expression nests more than {Expr.MaxDepth} levels of '!' and '(' deep", stmtLoc);
            try
            {
                Next();
                if (k == Tok.Not) return Expr.Not(ParseUnary());
                var e = ParseExpr();
                Expect(Tok.CloseParen, "')'");
                return e;
            }
            finally { unaryDepth--; }
        }
        var s = ParseSymbol(mayDefer: true);
        ExprKind? cmp = Peek().Kind switch
        {
            Tok.Equal => ExprKind.Equal, Tok.Unequal => ExprKind.Unequal, Tok.Less => ExprKind.Less,
            Tok.LessEqual => ExprKind.LessEqual, Tok.Greater => ExprKind.Greater, Tok.GreaterEqual => ExprKind.GreaterEqual,
            _ => null,
        };
        if (cmp is null) return Expr.Of(s);
        // a comparison reads its operands' names: a deferred probe is answered now
        if (s.Probes is not null) s = syms.Lookup(s.Answered().Name, SymFlags.None);
        Next();
        return Expr.Compare(cmp.Value, s, ParseSymbol());
    }
}

/// <summary>A small glob(3): '*', '?' and '[...]' in any path component, results sorted.</summary>
internal static class Glob
{
    public static List<string> Expand(string pattern, string cwd)
    {
        var results = new List<string>();
        bool rooted = Path.IsPathRooted(pattern);
        var parts = pattern.Split('/');
        Walk(rooted ? "/" : "", parts, rooted ? 1 : 0, cwd, results);
        results.Sort(StringComparer.Ordinal);
        return results;
    }

    static bool HasMagic(string s) => s.IndexOfAny(new[] { '*', '?', '[' }) >= 0;

    static void Walk(string prefix, string[] parts, int i, string cwd, List<string> results)
    {
        if (i == parts.Length)
        {
            var full = Path.GetFullPath(prefix, cwd);
            if (File.Exists(full) || Directory.Exists(full)) results.Add(prefix);
            return;
        }
        var part = parts[i];
        string Join(string name) => prefix.Length == 0 ? name : prefix.EndsWith('/') ? prefix + name : prefix + "/" + name;
        if (part.Length == 0) { Walk(prefix.Length == 0 ? "/" : prefix, parts, i + 1, cwd, results); return; }
        if (!HasMagic(part))
        {
            var next = Join(part);
            if (i < parts.Length - 1 && !Directory.Exists(Path.GetFullPath(next, cwd))) return;
            Walk(next, parts, i + 1, cwd, results);
            return;
        }
        var dir = Path.GetFullPath(prefix.Length == 0 ? "." : prefix, cwd);
        if (!Directory.Exists(dir)) return;
        var entries = new List<string>();
        foreach (var e in Directory.EnumerateFileSystemEntries(dir))
        {
            var name = Path.GetFileName(e);
            if (name.StartsWith('.') && !part.StartsWith('.')) continue;
            if (Match(part, 0, name, 0)) entries.Add(name);
        }
        entries.Sort(StringComparer.Ordinal);
        foreach (var name in entries)
        {
            if (i < parts.Length - 1 && !Directory.Exists(Path.Combine(dir, name))) continue;
            Walk(Join(name), parts, i + 1, cwd, results);
        }
    }

    /// <summary>
    /// fnmatch(3) without flags, in linear passes: on a mismatch the last '*' takes one more character (a
    /// recursive matcher is exponential in the number of stars of a pattern, which a Kconfig file can hold).
    /// </summary>
    static bool Match(string p, int pi, string s, int si)
    {
        int starP = -1, starS = 0;
        while (si < s.Length)
        {
            if (pi < p.Length && p[pi] == '*') { starP = ++pi; starS = si; continue; }
            if (pi < p.Length && MatchOne(p, pi, s[si]) is int next and >= 0) { pi = next; si++; continue; }
            if (starP < 0) return false;
            pi = starP; si = ++starS;
        }
        while (pi < p.Length && p[pi] == '*') pi++;
        return pi == p.Length;
    }

    /// <summary>Whether the pattern element at <paramref name="pi"/> ('?', a set, an escaped or plain character) matches <paramref name="c"/>: the position after it, or -1.</summary>
    static int MatchOne(string p, int pi, char c)
    {
        char pc = p[pi];
        if (pc == '?') return pi + 1;
        if (pc == '[')
        {
            int end = pi + 2 <= p.Length ? p.IndexOf(']', Math.Min(pi + 2, p.Length)) : -1;
            if (end < 0) return c == '[' ? pi + 1 : -1;
            var set = p.Substring(pi + 1, end - pi - 1);
            bool neg = set.StartsWith('!') || set.StartsWith('^');
            if (neg) set = set[1..];
            bool ok = false;
            for (int k = 0; k < set.Length; k++)
            {
                if (k + 2 < set.Length && set[k + 1] == '-') { if (c >= set[k] && c <= set[k + 2]) ok = true; k += 2; }
                else if (set[k] == c) ok = true;
            }
            return ok == neg ? -1 : end + 1;
        }
        if (pc == '\\' && pi + 1 < p.Length) { pi++; pc = p[pi]; }
        return c == pc ? pi + 1 : -1;
    }
}
