using System.Diagnostics;
using System.Text;
using Kraft.Kconfig;
using Xunit.Abstractions;

namespace Kraft.Tests.Kconfig;

/// <summary>
/// A property of the Kconfig engine over generated input: a few hundred mutated Kconfig trees (the fixture
/// core's, and generated snippets), with a fixed seed, each loaded and evaluated on a small stack. Every one
/// ends within a time and memory bound in a result or in a KraftException that says where; no other exception.
/// </summary>
public class KconfigFuzzTests(ITestOutputHelper output)
{
    const int Seed = 20261201;
    static readonly TimeSpan PerInput = TimeSpan.FromSeconds(10);
    const long MaxAllocatedBytes = 512L << 20;

    /// <summary>Answers every $(shell,...) without running anything (the fixture's stitch script is answered natively).</summary>
    sealed class NoShell : IShellRunner
    {
        public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment) => "y\n";
    }

    enum Outcome { Result, LocatedError }

    /// <summary>Loads the tree at <paramref name="dir"/>/Kconfig and writes a configuration; fails the test on anything but a result or a located error.</summary>
    static Outcome LoadOne(string dir, KconfigDialect dialect, Dictionary<string, string> env, string what)
    {
        Outcome outcome = Outcome.Result;
        Exception? other = null;
        KraftException? unlocated = null;
        long allocated = 0;
        var t = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var tree = KconfigTree.Load("Kconfig", env, new SubmenuShell(new NoShell()),
                    new KconfigLoadOptions { WorkingDirectory = dir, Dialect = dialect, Info = _ => { }, Warning = _ => { } });
                tree.SetAll(AllConfigMode.AllDef);
                tree.RenderConfig();
                foreach (var s in tree.Symbols.Take(20)) tree.Explain(s.Name!);
            }
            catch (KraftException e)
            {
                outcome = Outcome.LocatedError;
                if (e.Location is null) unlocated = e;
            }
            catch (Exception e) { other = e; }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 1 << 20) { IsBackground = true };
        t.Start();
        Assert.True(t.Join(PerInput), $"{what}: did not end within {PerInput.TotalSeconds} s");
        Assert.True(other is null, $"{what}: not a KraftException: {other}");
        Assert.True(unlocated is null, $"{what}: an error without a location: {unlocated?.Describe()}");
        Assert.True(allocated < MaxAllocatedBytes, $"{what}: allocated {allocated >> 20} MB");
        return outcome;
    }

    // ---------------------------------------------------------------- mutations

    static readonly string[] Pieces =
    [
        "\"", "'", "$(", ")", "(", "\\\n", "\0", "\n", "\t", " ", "#", "=", ":=", "+=", "&&", "||", "!", "<=", "!=",
        "if ", "endif\n", "menu \"m\"\n", "endmenu\n", "choice\n", "endchoice\n", "config X\n", "menuconfig M\n",
        "source \"", "source \"Kconfig\"\n", "source \"/dev/zero\"\n", "source \"nothere/*.uk\"\n", "depends on ", "select ", "imply ",
        "default ", "def_bool ", "range 1 ", "bool ", "tristate \"t\"\n", "string ", "int ", "hex ", "prompt ", "visible if ",
        "help\n", "---help---\n", "option modules\n", "option env=\"X\"\n", "modules\n", "optional\n", "mainmenu \"m\"\n",
        "$(shell,echo x)", "$(error-if,y,boom)", "$(warning-if,y,w)", "$(info,i)", "$(filename)", "$(lineno)",
        "f = $(f,$(1)$(1))\n$(f,x)", "v = $(v)\n$(v)", "$(1)", "UK_BASE", "y", "m", "n", "\"\\", "0x", "-1", "99999999999999999999",
    ];

    static byte[] Mutate(byte[] text, Random rng)
    {
        var b = new List<byte>(text);
        int n = 1 + rng.Next(3);
        for (int k = 0; k < n; k++)
        {
            var lines = LineStarts(b);
            switch (rng.Next(9))
            {
                case 0 when lines.Count > 1: // delete a line
                    {
                        int i = rng.Next(lines.Count - 1);
                        b.RemoveRange(lines[i], lines[i + 1] - lines[i]);
                        break;
                    }
                case 1 when lines.Count > 1: // duplicate a line, up to a thousand times
                    {
                        int i = rng.Next(lines.Count - 1);
                        var line = b.GetRange(lines[i], lines[i + 1] - lines[i]);
                        int times = rng.Next(4) == 0 ? 1000 : 1;
                        for (int r = 0; r < times; r++) b.InsertRange(lines[i], line);
                        break;
                    }
                case 2 when lines.Count > 2: // swap two lines
                    {
                        int i = rng.Next(lines.Count - 1), j = rng.Next(lines.Count - 1);
                        if (i > j) (i, j) = (j, i);
                        if (i == j) break;
                        var li = b.GetRange(lines[i], lines[i + 1] - lines[i]);
                        var lj = b.GetRange(lines[j], lines[j + 1] - lines[j]);
                        b.RemoveRange(lines[j], lj.Count); b.InsertRange(lines[j], li);
                        b.RemoveRange(lines[i], li.Count); b.InsertRange(lines[i], lj);
                        break;
                    }
                case 3: // truncate
                    if (b.Count > 0) { int at = rng.Next(b.Count); b.RemoveRange(at, b.Count - at); }
                    break;
                case 4 when b.Count > 0: // a random byte (invalid UTF-8 included)
                    b[rng.Next(b.Count)] = (byte)rng.Next(256);
                    break;
                case 5 when b.Count > 0: // delete a span
                    {
                        int at = rng.Next(b.Count);
                        b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(40)));
                        break;
                    }
                case 6: // a long word
                    b.InsertRange(rng.Next(b.Count + 1), Encoding.ASCII.GetBytes(new string('A', 1 + rng.Next(20000))));
                    break;
                default: // a piece of Kconfig
                    b.InsertRange(rng.Next(b.Count + 1), Encoding.UTF8.GetBytes(Pieces[rng.Next(Pieces.Length)]));
                    break;
            }
        }
        return b.ToArray();
    }

    /// <summary>Where each line starts, and the end (so line i is [starts[i], starts[i+1])).</summary>
    static List<int> LineStarts(List<byte> b)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < b.Count; i++) if (b[i] == '\n') starts.Add(i + 1);
        if (starts[^1] != b.Count) starts.Add(b.Count);
        return starts;
    }

    // ---------------------------------------------------------------- generated snippets

    /// <summary>A random, mostly well-formed Kconfig file: entries of every type, menus, ifs, choices, macros.</summary>
    static string Generate(Random rng)
    {
        var sb = new StringBuilder();
        int symbols = 3 + rng.Next(25);
        // dependencies and defaults name earlier symbols, selects and implies later ones: mostly no loops
        int current = 0;
        string Sym() => current == 0 ? "y" : "S" + rng.Next(current);
        string Later() => "S" + (current + 1 + rng.Next(symbols - current));
        string Expr(int depth)
        {
            if (depth > 3 || rng.Next(3) == 0)
                return rng.Next(6) switch { 0 => "y", 1 => "m", 2 => $"{Sym()}={Sym()}", 3 => $"{Sym()} != \"x\"", _ => Sym() };
            return rng.Next(4) switch
            {
                0 => $"{Expr(depth + 1)} && {Expr(depth + 1)}",
                1 => $"{Expr(depth + 1)} || {Expr(depth + 1)}",
                2 => $"!{Expr(depth + 1)}",
                _ => $"({Expr(depth + 1)})",
            };
        }
        if (rng.Next(2) == 0) sb.Append("mainmenu \"Generated $(ARCH)\"\n");
        sb.Append("ARCH := x86\nwrap = [$(1)]\n");
        var open = new Stack<string>();
        for (int i = 0; i < symbols; i++)
        {
            current = i;
            switch (rng.Next(10))
            {
                case 0: sb.Append($"menu \"M{i}\"\n"); if (rng.Next(2) == 0) sb.Append($"\tdepends on {Expr(0)}\n"); open.Push("endmenu"); break;
                case 1: sb.Append($"if {Expr(0)}\n"); open.Push("endif"); break;
                case 2 when open.Count > 0: sb.Append(open.Pop()).Append('\n'); break;
                case 3: sb.Append($"comment \"c$(wrap,{i})\"\n"); break;
            }
            var type = rng.Next(5) switch { 0 => "bool", 1 => "tristate", 2 => "string", 3 => "int", _ => "hex" };
            sb.Append(rng.Next(5) == 0 ? "menuconfig" : "config").Append($" S{i}\n\t{type}");
            if (rng.Next(3) > 0) sb.Append($" \"S{i} prompt\"");
            if (rng.Next(4) == 0) sb.Append($" if {Expr(0)}");
            sb.Append('\n');
            for (int p = rng.Next(5); p > 0; p--)
                sb.Append(rng.Next(7) switch
                {
                    0 => $"\tdepends on {Expr(0)}\n",
                    1 => $"\tselect {Later()}" + (rng.Next(2) == 0 ? $" if {Expr(0)}\n" : "\n"),
                    2 => $"\timply {Later()}\n",
                    3 => type is "int" or "hex" ? $"\trange {rng.Next(10)} {Sym()}\n" : $"\tdefault {Expr(0)}\n",
                    4 => type is "string" ? $"\tdefault \"$(wrap,{i})\"\n" : $"\tdefault {rng.Next(3)}\n",
                    5 => "\thelp\n\t  Some help.\n\n\t  More.\n",
                    _ => $"\tdefault {Sym()} if {Expr(0)}\n",
                });
        }
        current = 1;
        if (rng.Next(3) == 0)
            sb.Append("choice\n\tprompt \"pick\"\n\tdefault CA\nconfig CA\n\tbool \"a\"\nconfig CB\n\tbool \"b\"\n\tdepends on S0\nendchoice\n");
        while (open.Count > 0) sb.Append(open.Pop()).Append('\n');
        return sb.ToString();
    }

    // ---------------------------------------------------------------- the runs

    [Fact]
    public void MutatedFixtureCoreTrees()
    {
        var rng = new Random(Seed);
        using var dir = new TempDir();
        var core = TestPaths.FixtureCore;
        var files = Directory.GetFiles(core, "Config.uk", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(core, f)).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var originals = files.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(core, f)));
        Directory.CreateDirectory(dir["support/build"]);
        File.Copy(Path.Combine(core, "support/build/config-submenu.sh"), dir["support/build/config-submenu.sh"]);
        Directory.CreateDirectory(dir["kconfig"]);
        dir.Write("app/Config.uk", File.ReadAllText(Path.Combine(TestPaths.Fixtures, "apps/hello/Config.uk")));
        var env = new Dictionary<string, string>
        {
            ["UK_BASE"] = dir.Path, ["UK_APP"] = dir["app"], ["UK_NAME"] = "fuzz", ["UK_FULLVERSION"] = "0.0.0", ["UK_CODENAME"] = "Fuzz",
            ["HOST_ARCH"] = "x86_64", ["KCONFIG_DIR"] = dir["kconfig"], ["KCONFIG_LIB_BASE"] = dir["lib"], ["KCONFIG_EAPP_DIR"] = dir["app"],
            ["KCONFIG_ELIB_DIRS"] = "", ["KCONFIG_EXCLUDEDIRS"] = "",
        };
        var counts = new Dictionary<Outcome, int>();
        var sw = Stopwatch.StartNew();
        const int runs = 250;
        for (int i = 0; i < runs; i++)
        {
            foreach (var (f, text) in originals) { Directory.CreateDirectory(Path.GetDirectoryName(dir[f])!); File.WriteAllBytes(dir[f], text); }
            if (File.Exists(dir["Kconfig"])) File.Delete(dir["Kconfig"]);
            var victim = files[rng.Next(files.Length)];
            var mutated = Mutate(originals[victim], rng);
            File.WriteAllBytes(dir[victim], mutated);
            File.Copy(dir["Config.uk"], dir["Kconfig"]);
            var what = $"seed {Seed}, run {i}, {victim} mutated to:\n{Shown(mutated)}";
            var o = LoadOne(dir.Path, KconfigDialect.Unikraft, env, what);
            counts[o] = counts.GetValueOrDefault(o) + 1;
        }
        output.WriteLine($"{runs} mutated fixture trees in {sw.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")));
        Assert.True(counts.GetValueOrDefault(Outcome.Result) > 10, "nearly every mutant was rejected: the mutations are too coarse");
    }

    [Fact]
    public void GeneratedAndMutatedSnippets()
    {
        var rng = new Random(Seed + 1);
        using var dir = new TempDir();
        var counts = new Dictionary<Outcome, int>();
        var sw = Stopwatch.StartNew();
        const int runs = 250;
        for (int i = 0; i < runs; i++)
        {
            var text = Encoding.UTF8.GetBytes(Generate(rng));
            if (i % 5 != 0) text = Mutate(text, rng);   // every fifth as generated
            var dialect = i % 2 == 0 ? KconfigDialect.Linux61 : KconfigDialect.Unikraft;
            File.WriteAllBytes(dir["Kconfig"], text);
            var o = LoadOne(dir.Path, dialect, new Dictionary<string, string>(), $"seed {Seed + 1}, run {i} ({dialect}):\n{Shown(text)}");
            counts[o] = counts.GetValueOrDefault(o) + 1;
        }
        output.WriteLine($"{runs} generated snippets in {sw.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")));
        Assert.True(counts.GetValueOrDefault(Outcome.Result) > 10, "nearly every snippet was rejected: the generator is off");
    }

    static string Shown(byte[] text)
    {
        var s = Encoding.UTF8.GetString(text);
        return s.Length > 3000 ? s[..3000] + $"... ({s.Length} characters)" : s;
    }
}
