using System.Text;

namespace Kraft.Kconfig;

internal enum Tok : byte
{
    Eof, Eol, Word, Quoted, AssignVal, HelpText,
    // keywords
    Bool, Choice, Comment, Config, DefBool, DefTristate, Default, Depends, EndChoice, EndIf, EndMenu, Help, Hex,
    If, Imply, Int, MainMenu, Menu, MenuConfig, Modules, On, Optional, Prompt, Range, Select, Source, String,
    Tristate, Visible,
    // operators
    Or, And, Equal, Unequal, Less, LessEqual, Greater, GreaterEqual, Not, OpenParen, CloseParen, ColonEqual, PlusEqual,
}

internal readonly record struct Token(Tok Kind, string? Text, int Line, int Column);

/// <summary>Tokenizes one Kconfig file the way conf's flex scanner does, expanding macros on the fly.</summary>
internal sealed class FileLexer
{
    static readonly Dictionary<string, Tok> Keywords = new(StringComparer.Ordinal)
    {
        ["bool"] = Tok.Bool, ["choice"] = Tok.Choice, ["comment"] = Tok.Comment, ["config"] = Tok.Config,
        ["def_bool"] = Tok.DefBool, ["def_tristate"] = Tok.DefTristate, ["default"] = Tok.Default,
        ["depends"] = Tok.Depends, ["endchoice"] = Tok.EndChoice, ["endif"] = Tok.EndIf, ["endmenu"] = Tok.EndMenu,
        ["help"] = Tok.Help, ["hex"] = Tok.Hex, ["if"] = Tok.If, ["imply"] = Tok.Imply, ["int"] = Tok.Int,
        ["mainmenu"] = Tok.MainMenu, ["menu"] = Tok.Menu, ["menuconfig"] = Tok.MenuConfig, ["modules"] = Tok.Modules,
        ["on"] = Tok.On, ["optional"] = Tok.Optional, ["prompt"] = Tok.Prompt, ["range"] = Tok.Range,
        ["select"] = Tok.Select, ["source"] = Tok.Source, ["string"] = Tok.String, ["tristate"] = Tok.Tristate,
        ["visible"] = Tok.Visible,
        // Linux 5.2 (Unikraft) spelling of help
        ["---help---"] = Tok.Help,
    };


    static readonly (Tok Kind, string Text)[] KeywordTable = BuildKeywordTable();
    static (Tok, string)[] BuildKeywordTable()
    {
        string[] order = ["bool", "choice", "comment", "config", "def_bool", "def_tristate", "default", "depends", "endchoice", "endif", "endmenu", "help", "hex", "if", "imply", "int", "mainmenu", "menu", "menuconfig", "modules", "on", "optional", "prompt", "range", "select", "source", "string", "tristate", "visible", "---help---"];
        var t = new (Tok, string)[order.Length];
        for (int i = 0; i < order.Length; i++) t[i] = (Keywords[order[i]], order[i]);
        return t;
    }

    /// <summary>The keyword spelled <paramref name="w"/>, if any (a switch on the span: no hashing).</summary>
    static (Tok Kind, string Text)? Keyword(ReadOnlySpan<char> w)
    {
        int i = w switch
        {
            "bool" => 0,
            "choice" => 1,
            "comment" => 2,
            "config" => 3,
            "def_bool" => 4,
            "def_tristate" => 5,
            "default" => 6,
            "depends" => 7,
            "endchoice" => 8,
            "endif" => 9,
            "endmenu" => 10,
            "help" => 11,
            "hex" => 12,
            "if" => 13,
            "imply" => 14,
            "int" => 15,
            "mainmenu" => 16,
            "menu" => 17,
            "menuconfig" => 18,
            "modules" => 19,
            "on" => 20,
            "optional" => 21,
            "prompt" => 22,
            "range" => 23,
            "select" => 24,
            "source" => 25,
            "string" => 26,
            "tristate" => 27,
            "visible" => 28,
            "---help---" => 29,
            _ => -1,
        };
        return i < 0 ? null : KeywordTable[i];
    }

    // words repeat a lot (symbol names); one string each per thread
    [ThreadStatic] static HashSet<string>? words;
    static string Intern(ReadOnlySpan<char> w)
    {
        var set = words ??= new HashSet<string>(StringComparer.Ordinal);
        var lookup = set.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(w, out var s)) return s;
        s = w.ToString();
        set.Add(s);
        return s;
    }

    public readonly string Name;      // as given (used in messages)
    public readonly string FullPath;
    readonly string text;
    readonly Preprocessor pp;
    readonly Action<string> warn;
    int pos, line = 1, lineStart;
    bool assignVal;

    public FileLexer(string name, string fullPath, string text, Preprocessor pp, Action<string> warn)
    {
        Name = name; FullPath = fullPath; this.text = text; this.pp = pp; this.warn = warn;
    }

    public int Line => line;
    public int Position => pos;
    public string Text => text;

    /// <summary>The help text that starts at <paramref name="start"/> of <paramref name="text"/>.</summary>
    internal static string HelpAt(string text, int start) =>
        new FileLexer("", "", text, null!, _ => { }) { pos = start }.ReadHelp();
    public int Column => pos - lineStart + 1;

    public void EnterAssignValue() => assignVal = true;

    // name characters (letters, digits, '_', '-') and '$' (a macro inside a word), by ASCII code
    static ReadOnlySpan<byte> WordChar => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];

    static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-';

    void NewLine() { line++; lineStart = pos; }

    public Token Next()
    {
        if (assignVal) return NextAssignValue();
        while (true)
        {
            if (pos >= text.Length) return new Token(Tok.Eof, null, line, Column);
            char c = text[pos];
            int col = Column;
            switch (c)
            {
                case '#':
                    {
                        int nl = text.AsSpan(pos).IndexOf('\n');
                        pos = nl < 0 ? text.Length : pos + nl;
                        continue;
                    }
                case ' ': case '\t':
                    pos++;
                    while (pos < text.Length && text[pos] is ' ' or '\t') pos++;
                    continue;
                case '\\' when pos + 1 < text.Length && text[pos + 1] == '\n':
                    pos += 2; NewLine(); continue;
                case '\n':
                    { int l = line; pos++; NewLine(); return new Token(Tok.Eol, null, l, col); }
                case '"': case '\'':
                    return ReadString(c, col);
            }
            if (IsNameChar(c) || c == '$')
            {
                int start = pos; bool dollar = false;
                var word = WordChar;
                while (pos < text.Length)
                {
                    char ch = text[pos];
                    if (ch >= 128 || word[ch] == 0) break;
                    dollar |= ch == '$';
                    pos++;
                }
                var span = text.AsSpan(start, pos - start);
                if (!dollar)
                {
                    // keywords are lower case (or "---help---"); symbol names mostly upper case
                    if (c is (>= 'a' and <= 'z') or '-' && Keyword(span) is { } kw)
                        return new Token(kw.Kind, kw.Text, line, col);
                    return new Token(Tok.Word, Intern(span), line, col);
                }
                pos = start;
                var lineEnd = text.IndexOf('\n', pos);
                if (lineEnd < 0) lineEnd = text.Length;
                var rest = text.Substring(pos, lineEnd - pos);
                int i = 0;
                var expanded = pp.ExpandToken(rest, ref i);
                pos += i;
                // a word that is one probe marker stays one: the parser decides (see DeferredProbes)
                if (pp.Markers is { } m && ProbeMarker.In(expanded) && !m.IsSingleMarker(expanded))
                    expanded = m.Consume(expanded);
                if (expanded.Length > 0) return new Token(Tok.Word, expanded, line, col);
                continue;
            }
            char n = pos + 1 < text.Length ? text[pos + 1] : '\0';
            (Tok, string)? op2 = (c, n) switch
            {
                ('|', '|') => (Tok.Or, "||"), ('&', '&') => (Tok.And, "&&"), ('!', '=') => (Tok.Unequal, "!="),
                ('<', '=') => (Tok.LessEqual, "<="), ('>', '=') => (Tok.GreaterEqual, ">="),
                (':', '=') => (Tok.ColonEqual, ":="), ('+', '=') => (Tok.PlusEqual, "+="), _ => null,
            };
            if (op2 is { } t2) { pos += 2; return new Token(t2.Item1, t2.Item2, line, col); }
            (Tok, string)? op1 = c switch
            {
                '=' => (Tok.Equal, "="), '<' => (Tok.Less, "<"), '>' => (Tok.Greater, ">"), '!' => (Tok.Not, "!"),
                '(' => (Tok.OpenParen, "("), ')' => (Tok.CloseParen, ")"), _ => null,
            };
            pos++;
            if (op1 is { } t1) return new Token(t1.Item1, t1.Item2, line, col);
            if (c != '\r')
                warn($"{Name}:{line}:warning: ignoring unsupported character '{c}'");
        }
    }

    Token NextAssignValue()
    {
        while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t')) pos++;
        int col = Column;
        if (pos >= text.Length) { assignVal = false; return new Token(Tok.Eof, null, line, col); }
        if (text[pos] == '\n')
        {
            assignVal = false;
            int l = line; pos++; NewLine();
            return new Token(Tok.Eol, null, l, col);
        }
        int end = text.IndexOf('\n', pos);
        if (end < 0) end = text.Length;
        var v = text.Substring(pos, end - pos);
        pos = end;
        return new Token(Tok.AssignVal, v, line, col);
    }

    Token ReadString(char quote, int col)
    {
        int l = line;
        pos++;
        // the common case: no escapes, no macros, closed on the same line
        for (int q = pos; q < text.Length; q++)
        {
            char ch = text[q];
            if (ch == quote) { var str = text.Substring(pos, q - pos); pos = q + 1; return new Token(Tok.Quoted, str, l, col); }
            if (ch is '$' or '\\' or '\n') break;
        }
        var sb = new StringBuilder();
        Token Quoted() => new(Tok.Quoted, pp?.Markers is { } m ? m.Consume(sb.ToString()) : sb.ToString(), l, col);
        while (true)
        {
            if (pos >= text.Length) return Quoted();
            char c = text[pos];
            if (c == '$')
            {
                pos++;
                var lineEnd = text.IndexOf('\n', pos);
                if (lineEnd < 0) lineEnd = text.Length;
                var rest = text.Substring(pos, lineEnd - pos);
                int i = 0;
                sb.Append(pp.ExpandDollar(rest, ref i, Array.Empty<string>()));
                pos += i;
                continue;
            }
            if (c == '\\')
            {
                pos++;
                if (pos < text.Length && text[pos] != '\n') sb.Append(text[pos++]);
                continue;
            }
            if (c == '\n')
            {
                warn($"{Name}:{line}:warning: multi-line strings not supported");
                return Quoted();
            }
            pos++;
            if (c == quote) return Quoted();
            sb.Append(c);
        }
    }

    /// <summary>Reads help text after "help" and its end of line, with conf's indentation rules.</summary>
    [ThreadStatic] static StringBuilder? helpBuilder;

    /// <summary>Reads help text; without <paramref name="build"/> only skips it (the text is made when asked for, see <see cref="HelpText"/>).</summary>
    public string ReadHelp(bool build = true)
    {
        StringBuilder? sb = null;
        if (build) { sb = helpBuilder ??= new StringBuilder(4096); sb.Clear(); }
        int firstTs = 0, lastTs = 0;
        while (pos < text.Length)
        {
            // a line holding only blanks
            int p = pos;
            while (p < text.Length && (text[p] == ' ' || text[p] == '\t')) p++;
            if (p < text.Length && text[p] == '\n')
            {
                pos = p + 1; NewLine();
                if (pos < text.Length && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n') break;
                sb?.Append('\n');
                continue;
            }
            if (p >= text.Length) { pos = p; break; }
            if (p > pos)
            {
                int ts = 0;
                for (int k = pos; k < p; k++) ts = text[k] == '\t' ? (ts & ~7) + 8 : ts + 1;
                lastTs = ts;
                pos = p;
                if (firstTs != 0)
                {
                    if (ts < firstTs) break;
                    sb?.Append(' ', ts - firstTs);
                }
            }
            int end = text.IndexOf('\n', pos);
            if (end < 0) end = text.Length;
            int e = end;
            while (e > pos && (text[e - 1] == ' ' || text[e - 1] == '\t')) e--;
            sb?.Append(text, pos, e - pos);
            if (firstTs == 0) firstTs = lastTs;
            pos = end;
            if (pos >= text.Length) break;
            pos++; NewLine();
            if (pos < text.Length && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n') break;
            sb?.Append('\n');
        }
        return sb?.ToString() ?? "";
    }
}
