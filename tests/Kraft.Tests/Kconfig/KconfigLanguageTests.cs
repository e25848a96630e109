using Kraft.Kconfig;

namespace Kraft.Tests.Kconfig;

public class KconfigLanguageTests
{
    const string Head = "#\n# Automatically generated file; DO NOT EDIT.\n# Test\n#\n";

    static KconfigTree Load(TempDir dir, string text, Dictionary<string, string>? env = null, KconfigDialect dialect = KconfigDialect.Linux61, List<string>? info = null)
    {
        dir.Write("Kconfig", "mainmenu \"Test\"\n" + text);
        return KconfigTree.Load("Kconfig", env ?? new Dictionary<string, string>(), null,
            new KconfigLoadOptions { WorkingDirectory = dir.Path, Dialect = dialect, Info = s => info?.Add(s), Warning = _ => { } });
    }

    static string Defaults(string text, string? fragment = null)
    {
        using var dir = new TempDir();
        var t = Load(dir, text);
        if (fragment is null) t.SetAll(AllConfigMode.AllDef);
        else { dir.Write("frag", fragment); t.ApplyDefconfig(dir["frag"]); }
        return t.RenderConfig();
    }

    [Fact]
    public void BoolDefaultsAndNotSet()
    {
        Assert.Equal(Head + "CONFIG_A=y\n# CONFIG_B is not set\n",
            Defaults("config A\n\tbool \"a\"\n\tdefault y\nconfig B\n\tbool \"b\"\n"));
    }

    [Fact]
    public void InvisibleSymbolsWithoutDefaultAreNotWritten()
    {
        Assert.Equal(Head + "CONFIG_A=y\n", Defaults("config A\n\tdef_bool y\nconfig B\n\tbool\n"));
    }

    [Fact]
    public void MenusCommentsAndEndOf()
    {
        var cfg = Defaults("menu \"Outer\"\nconfig A\n\tbool \"a\"\ncomment \"note\"\nendmenu\nconfig B\n\tbool \"b\"\n");
        Assert.Equal(Head + "\n#\n# Outer\n#\n# CONFIG_A is not set\n\n#\n# note\n#\n# end of Outer\n\n# CONFIG_B is not set\n", cfg);
    }

    [Fact]
    public void DependsOnAndIfBlocks()
    {
        var cfg = Defaults("config A\n\tbool \"a\"\nif A\nconfig B\n\tbool \"b\"\n\tdefault y\nendif\nconfig C\n\tbool \"c\"\n\tdepends on !A\n\tdefault y\n");
        Assert.Equal(Head + "# CONFIG_A is not set\nCONFIG_C=y\n", cfg);
    }

    [Fact]
    public void SelectForcesAndImplySuggests()
    {
        var text = "config A\n\tbool \"a\"\n\tdefault y\n\tselect S\n\timply I\nconfig S\n\tbool \"s\"\nconfig I\n\tbool \"i\"\n";
        Assert.Equal(Head + "CONFIG_A=y\nCONFIG_S=y\nCONFIG_I=y\n", Defaults(text));
        // the user may turn an implied symbol off, not a selected one
        Assert.Equal(Head + "CONFIG_A=y\nCONFIG_S=y\n# CONFIG_I is not set\n", Defaults(text, "# CONFIG_S is not set\n# CONFIG_I is not set\n"));
    }

    [Fact]
    public void ChoiceDefaultsAndUserSelection()
    {
        var text = "choice\n\tprompt \"pick\"\n\tdefault Y2\nconfig Y1\n\tbool \"1\"\nconfig Y2\n\tbool \"2\"\nendchoice\n";
        Assert.Equal(Head + "# CONFIG_Y1 is not set\nCONFIG_Y2=y\n", Defaults(text));
        Assert.Equal(Head + "CONFIG_Y1=y\n# CONFIG_Y2 is not set\n", Defaults(text, "CONFIG_Y1=y\n"));
    }

    [Fact]
    public void ChoiceDefaultSkipsInvisibleValues()
    {
        var text = "config X\n\tbool\nchoice\n\tprompt \"pick\"\n\tdefault Y1\nconfig Y1\n\tbool \"1\"\n\tdepends on X\nconfig Y2\n\tbool \"2\"\nendchoice\n";
        Assert.Equal(Head + "CONFIG_Y2=y\n", Defaults(text));
    }

    [Fact]
    public void IntHexStringRangesAndEscapes()
    {
        var text = "config N\n\tint \"n\"\n\trange 1 10\n\tdefault 20\nconfig H\n\thex \"h\"\n\tdefault 0x10\nconfig S\n\tstring \"s\"\n\tdefault \"a\\\"b\"\n";
        Assert.Equal(Head + "CONFIG_N=10\nCONFIG_H=0x10\nCONFIG_S=\"a\\\"b\"\n", Defaults(text));
        Assert.Equal(Head + "CONFIG_N=10\nCONFIG_H=0x10\nCONFIG_S=\"x\"\n", Defaults(text, "CONFIG_N=42\nCONFIG_S=\"x\"\n"));
    }

    [Fact]
    public void TristateWithModules()
    {
        var text = "config MODULES\n\tbool \"m\"\n\tdefault y\n\tmodules\nconfig T\n\ttristate \"t\"\n\tdefault m\nconfig U\n\ttristate \"u\"\n\tdepends on m\n\tdefault y\n";
        Assert.Equal(Head + "CONFIG_MODULES=y\nCONFIG_T=m\nCONFIG_U=m\n", Defaults(text));
        Assert.Equal(Head + "# CONFIG_MODULES is not set\nCONFIG_T=y\n", Defaults(text, "# CONFIG_MODULES is not set\n"));
    }

    [Fact]
    public void MacrosVariablesFunctionsAndEnvironment()
    {
        using var dir = new TempDir();
        var info = new List<string>();
        var t = Load(dir,
            "greet = hello-$(1)\nX := $(greet,world)\nX += more\n$(info,$(X))\n" +
            "config A\n\tstring \"a\"\n\tdefault \"$(NAME)-$(shell,echo hi)\"\n" +
            "config B\n\tbool \"b\"\n\tdefault $(shell,echo y)\n",
            new Dictionary<string, string> { ["NAME"] = "app" }, info: info);
        t.SetAll(AllConfigMode.AllDef);
        Assert.Equal(new[] { "hello-world more" }, info);
        Assert.Equal(Head + "CONFIG_A=\"app-hi\"\nCONFIG_B=y\n", t.RenderConfig());
    }

    [Fact]
    public void ErrorIfFiresWithLocation()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<KraftException>(() => Load(dir, "config A\n\tbool\n$(error-if,y,boom)\n"));
        Assert.Equal("boom", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }

    [Fact]
    public void UnterminatedBlockPointsToItsStart()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<KraftException>(() => Load(dir, "config A\n\tbool\nmenu \"M\"\nconfig B\n\tbool \"b\"\n"));
        Assert.Contains("menu", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }

    [Fact]
    public void DependencyLoopIsReported()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<KraftException>(() => Load(dir, "config A\n\tbool \"a\"\n\tdepends on B\nconfig B\n\tbool \"b\"\n\tdepends on A\n"));
        Assert.Contains("A -> B -> A", e.Message.Replace("B -> A -> B", "A -> B -> A"));
    }

    [Fact]
    public void SourceGlobsAndMissingFiles()
    {
        using var dir = new TempDir();
        dir.Write("sub/a/Config.uk", "config SA\n\tdef_bool y\n");
        dir.Write("sub/b/Config.uk", "config SB\n\tdef_bool y\n");
        var t = Load(dir, "source \"sub/*/Config.uk\"\n");
        t.SetAll(AllConfigMode.AllDef);
        Assert.Equal(Head + "CONFIG_SA=y\nCONFIG_SB=y\n", t.RenderConfig());
        using var dir2 = new TempDir();
        var e = Assert.Throws<KraftException>(() => Load(dir2, "source \"nothere\"\n"));
        Assert.Contains("nothere", e.Message);
        // Unikraft's conf skips a missing file silently
        Load(dir2, "source \"nothere\"\n", dialect: KconfigDialect.Unikraft);
    }

    [Fact]
    public void ReadingAheadGivesTheSameTreeAsReadingInTurn()
    {
        // nested sources, relative ones, one file sourced from two places, a glob: the read-ahead thread
        // follows literal paths depth first; what the parser reads, and in which order, must not change
        using var dir = new TempDir();
        dir.Write("a/Kconfig", "config A1\n\tdef_bool y\nsource \"a/inner/Kconfig\"\nconfig A2\n\tbool \"a2\"\n\tdepends on B1\n");
        dir.Write("a/inner/Kconfig", "config AI\n\ttristate \"ai\"\n\tdefault m\nsource \"common/Kconfig\"\n");
        dir.Write("b/Kconfig", "config B1\n\tdef_bool A1\n\thelp\n\t  source \"not/a/source\"\nsource \"common/Kconfig\"\n");
        dir.Write("common/Kconfig", "config COMMON\n\tdef_bool y\n");
        dir.Write("g/x/Kconfig", "config GX\n\tdef_bool B1\n");
        dir.Write("Kconfig", "mainmenu \"T\"\nconfig MODULES\n\tdef_bool y\n\tmodules\nsource \"a/Kconfig\"\nsource \"b/Kconfig\"\nsource \"g/*/Kconfig\"\n");
        string Render(bool readAhead)
        {
            var t = KconfigTree.Load("Kconfig", new Dictionary<string, string>(), null,
                new KconfigLoadOptions { WorkingDirectory = dir.Path, ReadAhead = readAhead, Warning = _ => { } });
            t.SetAll(AllConfigMode.AllDef);
            return string.Join(",", t.Files) + "\n" + t.RenderConfig();
        }
        var inTurn = Render(readAhead: false);
        Assert.Contains("common/Kconfig", inTurn);
        Assert.Contains("CONFIG_GX=y", inTurn);
        for (int i = 0; i < 20; i++) Assert.Equal(inTurn, Render(readAhead: true));
    }

    [Fact]
    public void ASourcedDirectoryIsAnErrorAtTheSourceStatement()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["sub"]);
        foreach (var readAhead in new[] { false, true })
        {
            dir.Write("Kconfig", "config A\n\tdef_bool y\nsource \"sub\"\n");
            var e = Assert.Throws<KraftException>(() => KconfigTree.Load("Kconfig", new Dictionary<string, string>(), null,
                new KconfigLoadOptions { WorkingDirectory = dir.Path, ReadAhead = readAhead, Warning = _ => { } }));
            Assert.Contains("can't open file \"sub\"", e.Message);
            Assert.Contains("Kconfig:3", e.Describe());
            Assert.Contains("directory", e.Describe());
        }
    }

    [Fact]
    public void WordsAreOneStringEachAcrossTableGrowth()
    {
        var table = new WordTable();
        static (byte[], uint) Word(int i)
        {
            var w = System.Text.Encoding.ASCII.GetBytes("SYM_" + i);
            uint h = WordTable.Seed;
            foreach (var c in w) h = WordTable.Step(h, c);
            return (w, h);
        }
        var first = new List<string>();
        for (int i = 0; i < 50000; i++) { var (w, h) = Word(i); first.Add(table.Get(w, h)); }
        for (int i = 0; i < 50000; i++)
        {
            var (w, h) = Word(i);
            var s = table.Get(w, h);
            Assert.Same(first[i], s);
            Assert.Equal("SYM_" + i, s);
        }
    }

    [Fact]
    public void HelpTextIndentation()
    {
        using var dir = new TempDir();
        var t = Load(dir, "config A\n\tbool \"a\"\n\thelp\n\t  First line.\n\t    Indented.\n\n\t  After blank.\nconfig B\n\tbool\n");
        Assert.Equal("First line.\n  Indented.\n\nAfter blank.", t.FindSymbol("A")!.Help);
        Assert.NotNull(t.FindSymbol("B"));
    }

    [Fact]
    public void TextOutsideAsciiSurvivesTheByteScanner()
    {
        // files are scanned as UTF-8 bytes: prompts, strings with escapes and macros, help texts and
        // assignments keep their characters; a stray character outside a string is one warning naming it
        using var dir = new TempDir();
        dir.Write("Kconfig", "mainmenu \"Größe\"\n# Kommentar: äöü\nNAME := Zürich\n" +
            "config S\n\tstring \"Straße ✓\"\n\tdefault \"$(NAME) \\\"ß\\\" 😀\"\n\thelp\n\t  Hilfe: naïve café.\n\t    — eingerückt\n" +
            "config T\n\tbool \"t\" § \n");
        var warnings = new List<string>();
        var t = KconfigTree.Load("Kconfig", new Dictionary<string, string>(), null,
            new KconfigLoadOptions { WorkingDirectory = dir.Path, Warning = warnings.Add });
        var s = t.FindSymbol("S")!;
        Assert.Equal("Straße ✓", s.Prompts.Single().Text);
        Assert.Equal("Hilfe: naïve café.\n  — eingerückt", s.Help);
        t.SetAll(AllConfigMode.AllDef);
        Assert.Contains("CONFIG_S=\"Zürich \\\"ß\\\" 😀\"\n", t.RenderConfig());
        Assert.Equal("Größe", t.MainMenuTitle);
        Assert.Equal(["Kconfig:11:warning: ignoring unsupported character '§'"], warnings);
    }

    [Fact]
    public void AutoConfAndHeader()
    {
        using var dir = new TempDir();
        var t = Load(dir, "config A\n\tdef_bool y\nconfig H\n\thex\n\tdefault 10\nconfig S\n\tstring\n\tdefault \"q\\\"\"\nconfig N\n\tbool \"n\"\n");
        t.SetAll(AllConfigMode.AllDef);
        var auto = t.RenderAutoConf();
        Assert.StartsWith(Head, auto);
        Assert.Contains("CONFIG_A=y\n", auto);
        Assert.Contains("CONFIG_S=q\"\n", auto);
        Assert.DoesNotContain("CONFIG_N", auto);
        var h = t.RenderAutoHeader();
        Assert.StartsWith("/*\n * Automatically generated file; DO NOT EDIT.\n * Test\n */\n", h);
        Assert.Contains("#define CONFIG_H 0x10\n", h);
        Assert.Contains("#define CONFIG_S \"q\\\"\"\n", h);
    }

    [Fact]
    public void SavedefconfigKeepsOnlyNonDefaults()
    {
        using var dir = new TempDir();
        var t = Load(dir, "config A\n\tbool \"a\"\n\tdefault y\nconfig B\n\tbool \"b\"\n");
        dir.Write("frag", "CONFIG_B=y\n");
        t.ApplyDefconfig(dir["frag"]);
        Assert.Equal("CONFIG_B=y\n", t.RenderMinimalConfig());
    }

    [Fact]
    public void OwnRandconfigIsAFixedPoint()
    {
        using var dir = new TempDir();
        var text = "config A\n\tbool \"a\"\n\tselect C\nconfig B\n\tbool \"b\"\n\tdepends on A\nconfig C\n\tbool \"c\"\nchoice\n\tprompt \"p\"\nconfig X\n\tbool \"x\"\nconfig Y\n\tbool \"y\"\nendchoice\n";
        for (int seed = 0; seed < 10; seed++)
        {
            var t = Load(dir, text);
            t.SetAll(AllConfigMode.Random, seed);
            var cfg = t.RenderConfig();
            dir.Write("r.config", cfg);
            var t2 = Load(dir, text);
            t2.OldDefconfig(dir["r.config"]);
            Assert.Equal(cfg, t2.RenderConfig());
        }
    }

    [Fact]
    public void ExplainListsReasons()
    {
        using var dir = new TempDir();
        var t = Load(dir, "config A\n\tbool \"a\"\n\tdefault y\n\tselect S\nconfig S\n\tbool \"s\"\n");
        t.SetAll(AllConfigMode.AllDef);
        var x = t.Explain("S");
        Assert.Equal("y", x.Value);
        Assert.Contains(x.Reasons, r => r.StartsWith("selected by A", StringComparison.Ordinal));
    }
}
