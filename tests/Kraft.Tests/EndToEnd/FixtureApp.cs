using System.Text.RegularExpressions;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// A copy of one of the fixture apps in a temporary directory, its Kraftfile pointing at the
/// fixture core (and libraries) by absolute path, ready for kraft to build.
/// </summary>
public sealed class FixtureApp : IDisposable
{
    readonly TempDir _dir = new();
    public string Dir { get; }
    public string Name { get; }

    public FixtureApp(string app = "hello", string? extraKraftfile = null, string? kraftfile = null)
    {
        Name = app;
        Dir = Path.Combine(_dir.Path, app);
        CopyTree(Path.Combine(TestPaths.Fixtures, "apps", app), Dir);
        var text = kraftfile ?? File.ReadAllText(Path.Combine(Dir, "Kraftfile"));
        // Relative sources ("../../unikraft-core", "../../libs/x") would point nowhere from the copy.
        text = Regex.Replace(text, @"\.\./\.\./", TestPaths.Fixtures + "/");
        File.WriteAllText(Path.Combine(Dir, "Kraftfile"), text + (extraKraftfile is null ? "" : "\n" + extraKraftfile + "\n"));
    }

    public string this[string relative] => Path.Combine(Dir, relative);
    public string Kernel(string arch = "x86_64", string plat = "qemu") => this[$".unikraft/build/{Name}_{plat}-{arch}"];

    public CliResult Kraft(params string[] args) => KraftCli.Run(Dir, args);

    /// <summary>Copies a tree, leaving out the top level's build outputs (.unikraft, build; not e.g. support/build).</summary>
    public static void CopyTree(string from, string to, bool top = true)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from))
            if (!top || Path.GetFileName(d) is not (".unikraft" or "build"))
                CopyTree(d, Path.Combine(to, Path.GetFileName(d)), top: false);
    }

    public void Dispose() => _dir.Dispose();
}
