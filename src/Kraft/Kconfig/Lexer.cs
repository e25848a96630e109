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

    // words repeat a lot (symbol names): one string each per thread
    [ThreadStatic] static WordTable? words;
    static string Intern(ReadOnlySpan<byte> w, uint hash) => (words ??= new WordTable()).Get(w, hash);

    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public readonly string Name;      // as given (used in messages)
    public readonly string FullPath;
    // the file as read (UTF-8): lexed as bytes like conf's scanner does; only the strings kept are decoded
    readonly byte[] text;
    readonly Preprocessor pp;
    readonly Action<string> warn;
    int pos, line = 1, lineStart;
    bool assignVal;

    public FileLexer(string name, string fullPath, byte[] text, Preprocessor pp, Action<string> warn)
    {
        Name = name; FullPath = fullPath; this.text = text; this.pp = pp; this.warn = warn;
    }

    public int Line => line;
    public int Position => pos;
    public byte[] Text => text;

    /// <summary>The help text that starts at <paramref name="start"/> of <paramref name="text"/>.</summary>
    internal static string HelpAt(byte[] text, int start) =>
        new FileLexer("", "", text, null!, _ => { }) { pos = start }.ReadHelp();
    /// <summary>The column, counted in bytes as conf's scanner does.</summary>
    public int Column => pos - lineStart + 1;

    public void EnterAssignValue() => assignVal = true;

    /// <summary>
    /// For the speculative scan of a file without macros: only its source statements and assignments can
    /// matter there, so every other line is skipped unread (help texts as the parser skips them). The scan
    /// only starts probes early; the parse reads the file whole.
    /// </summary>
    public bool OnlySourcesAndAssignments { get; init; }
    bool atLineStart = true;

    /// <summary>Moves to the next line that is a source statement or an assignment (or to the end).</summary>
    void SkipToSourceOrAssignment()
    {
        while (pos < text.Length)
        {
            int p = pos;
            while (p < text.Length && text[p] is (byte)' ' or (byte)'\t') p++;
            int w = p;
            while (p < text.Length && text[p] < 128 && WordChar[text[p]] != 0) p++;
            var word = text.AsSpan(w, p - w);
            int after = p;
            while (after < text.Length && text[after] is (byte)' ' or (byte)'\t') after++;
            if (after > p && (word.SequenceEqual("source"u8) || word.SequenceEqual("rsource"u8)
                || word.SequenceEqual("osource"u8) || word.SequenceEqual("orsource"u8)))
                return;
            if (p > w && after < text.Length && (text[after] == '=' ||
                after + 1 < text.Length && text[after + 1] == '=' && text[after] is (byte)':' or (byte)'+'))
                return;
            bool help = word.SequenceEqual("help"u8) || word.SequenceEqual("---help---"u8);
            // to the next line, over continued lines
            int end = LineEnd(p);
            while (end < text.Length && end > 0 && text[end - 1] == '\\') { pos = end + 1; NewLine(); end = LineEnd(pos); }
            if (end >= text.Length) { pos = end; return; }
            bool helpStarts = help && (after == end || text[after] == '#');
            pos = end + 1; NewLine();
            if (helpStarts) ReadHelp(build: false);
        }
    }

    // name characters (letters, digits, '_', '-') and '$' (a macro inside a word), by ASCII code
    static ReadOnlySpan<byte> WordChar => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];

    static bool IsNameChar(int c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-';

    void NewLine() { line++; lineStart = pos; }

    /// <summary>The end of the line that <paramref name="from"/> is on (the position of its newline, or the end).</summary>
    int LineEnd(int from)
    {
        int nl = text.AsSpan(from).IndexOf((byte)'\n');
        return nl < 0 ? text.Length : from + nl;
    }

    /// <summary>
    /// Expands the macro text that starts at pos (up to the end of the line) with <paramref name="expand"/>,
    /// which works on a string and says how many characters it used; pos moves past the bytes they were.
    /// </summary>
    string ExpandHere(ExpandFrom expand)
    {
        var rest = Utf8.GetString(text, pos, LineEnd(pos) - pos);
        int used = 0;
        var expanded = expand(rest, ref used);
        pos += Utf8.GetByteCount(rest.AsSpan(0, used));
        return expanded;
    }

    delegate string ExpandFrom(string s, ref int i);

    public Token Next()
    {
        if (assignVal) return NextAssignValue();
        if (atLineStart && OnlySourcesAndAssignments) SkipToSourceOrAssignment();
        atLineStart = false;
        while (true)
        {
            if (pos >= text.Length) return new Token(Tok.Eof, null, line, Column);
            int c = text[pos];
            int col = Column;
            switch (c)
            {
                case '#':
                    pos = LineEnd(pos);
                    continue;
                case ' ': case '\t':
                    pos++;
                    while (pos < text.Length && text[pos] is (byte)' ' or (byte)'\t') pos++;
                    continue;
                case '\\' when pos + 1 < text.Length && text[pos + 1] == '\n':
                    pos += 2; NewLine(); continue;
                case '\n':
                    { int l = line; pos++; NewLine(); atLineStart = true; return new Token(Tok.Eol, null, l, col); }
                case '"': case '\'':
                    return ReadString((byte)c, col);
            }
            if (IsNameChar(c) || c == '$')
            {
                int start = pos; bool dollar = false;
                var word = WordChar;
                uint hash = WordTable.Seed;
                while (pos < text.Length)
                {
                    byte ch = text[pos];
                    if (ch >= 128 || word[ch] == 0) break;
                    dollar |= ch == '$';
                    hash = WordTable.Step(hash, ch);
                    pos++;
                }
                var span = text.AsSpan(start, pos - start);
                if (!dollar)
                {
                    // keywords are lower case (or "---help---"); symbol names mostly upper case
                    if (c is (>= 'a' and <= 'z') or '-' && Keyword(span) is { } kw)
                        return new Token(kw.Kind, kw.Text, line, col);
                    return new Token(Tok.Word, Intern(span, hash), line, col);
                }
                pos = start;
                var expanded = ExpandHere(pp.ExpandToken);
                // a word that is one probe marker stays one: the parser decides (see DeferredProbes)
                if (pp.Markers is { } m && ProbeMarker.In(expanded) && !m.IsSingleMarker(expanded))
                    expanded = m.Consume(expanded);
                if (expanded.Length > 0) return new Token(Tok.Word, expanded, line, col);
                continue;
            }
            int n = pos + 1 < text.Length ? text[pos + 1] : 0;
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
            if (op1 is { } t1) { pos++; return new Token(t1.Item1, t1.Item2, line, col); }
            if (c == '\r') { pos++; continue; }
            // one warning per character (conf's scanner gives one per byte of it)
            int len = c < 0x80 ? 1 : Math.Max(1, Math.Min(text.Length - pos, c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1));
            var what = Utf8.GetString(text, pos, len);
            pos += len;
            warn($"{Name}:{line}:warning: ignoring unsupported character '{what}'");
        }
    }

    /// <summary>The keyword spelled by the ASCII bytes <paramref name="w"/>, if any.</summary>
    static (Tok Kind, string Text)? Keyword(ReadOnlySpan<byte> w)
    {
        if (w.Length > 12) return null; // the longest is "def_tristate"
        Span<char> chars = stackalloc char[12];
        for (int i = 0; i < w.Length; i++) chars[i] = (char)w[i];
        return Keyword((ReadOnlySpan<char>)chars[..w.Length]);
    }

    Token NextAssignValue()
    {
        while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t')) pos++;
        int col = Column;
        if (pos >= text.Length) { assignVal = false; return new Token(Tok.Eof, null, line, col); }
        if (text[pos] == '\n')
        {
            assignVal = false;
            int l = line; pos++; NewLine(); atLineStart = true;
            return new Token(Tok.Eol, null, l, col);
        }
        int end = LineEnd(pos);
        var v = Utf8.GetString(text, pos, end - pos);
        pos = end;
        return new Token(Tok.AssignVal, v, line, col);
    }

    [ThreadStatic] static List<byte>? stringBytes;

    Token ReadString(byte quote, int col)
    {
        int l = line;
        pos++;
        // the common case: no escapes, no macros, closed on the same line
        for (int q = pos; q < text.Length; q++)
        {
            byte ch = text[q];
            if (ch == quote) { var str = Utf8.GetString(text, pos, q - pos); pos = q + 1; return new Token(Tok.Quoted, str, l, col); }
            if (ch is (byte)'$' or (byte)'\\' or (byte)'\n') break;
        }
        // bytes as read, escapes resolved, macros expanded (and encoded back): decoded once at the end
        var sb = stringBytes ??= new List<byte>(256);
        sb.Clear();
        Token Quoted()
        {
            var str = Utf8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sb));
            return new(Tok.Quoted, pp?.Markers is { } m ? m.Consume(str) : str, l, col);
        }
        while (true)
        {
            if (pos >= text.Length) return Quoted();
            byte c = text[pos];
            if (c == '$')
            {
                pos++;
                var expanded = ExpandHere((string s, ref int i) => pp.ExpandDollar(s, ref i, Array.Empty<string>()));
                sb.AddRange(Utf8.GetBytes(expanded));
                continue;
            }
            if (c == '\\')
            {
                pos++;
                if (pos < text.Length && text[pos] != '\n') sb.Add(text[pos++]);
                continue;
            }
            if (c == '\n')
            {
                warn($"{Name}:{line}:warning: multi-line strings not supported");
                return Quoted();
            }
            pos++;
            if (c == quote) return Quoted();
            sb.Add(c);
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
            int end = LineEnd(pos);
            int e = end;
            while (e > pos && (text[e - 1] == ' ' || text[e - 1] == '\t')) e--;
            sb?.Append(Utf8.GetString(text, pos, e - pos));
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

/// <summary>
/// The words of Kconfig files, one string each: an open-addressing table keyed by a hash the lexer computes
/// while it scans the word, so a word already seen costs one probe and a compare, and no allocation.
/// </summary>
internal sealed class WordTable
{
    public const uint Seed = 2166136261;
    public static uint Step(uint h, byte c) => (h ^ c) * 16777619;

    string?[] slots = new string?[1 << 14];
    uint[] hashes = new uint[1 << 14];
    int count;

    /// <summary>The string of the ASCII word <paramref name="w"/> whose hash (<see cref="Step"/> from <see cref="Seed"/>) is <paramref name="hash"/>.</summary>
    public string Get(ReadOnlySpan<byte> w, uint hash)
    {
        int mask = slots.Length - 1;
        for (int i = (int)(hash & (uint)mask); ; i = (i + 1) & mask)
        {
            var s = slots[i];
            if (s is null)
            {
                s = Encoding.ASCII.GetString(w);
                slots[i] = s; hashes[i] = hash;
                if (++count * 2 > slots.Length) Grow();
                return s;
            }
            if (hashes[i] == hash && Ascii.Equals(w, s)) return s;
        }
    }

    void Grow()
    {
        var (oldSlots, oldHashes) = (slots, hashes);
        slots = new string?[oldSlots.Length * 2];
        hashes = new uint[oldSlots.Length * 2];
        int mask = slots.Length - 1;
        for (int j = 0; j < oldSlots.Length; j++)
        {
            if (oldSlots[j] is not { } s) continue;
            int i = (int)(oldHashes[j] & (uint)mask);
            while (slots[i] is not null) i = (i + 1) & mask;
            slots[i] = s; hashes[i] = oldHashes[j];
        }
    }
}
