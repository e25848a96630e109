using Kraft.Packages;
using Kraft.Packages.Locking;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;

namespace Kraft.Tests.Packages.Locking;

public class LockFileTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Round_trips_every_kind_of_entry()
    {
        var path = _dir["Kraftfile.lock"];
        var entries = new List<LockEntry>
        {
            new(new ComponentRequest(ComponentType.Core, "unikraft", null, "stable"), new ResolvedSource
            {
                Kind = SourceKind.Git, Location = "https://github.com/unikraft/unikraft.git", Commit = new string('a', 40), Ref = "stable",
                Index = "https://manifests.kraftkit.sh/index.yaml", Manifest = "core/unikraft",
            }),
            new(new ComponentRequest(ComponentType.Lib, "musl", null, "0.17.0"), new ResolvedSource
            {
                Kind = SourceKind.Archive, Location = "https://x.test/musl.tar.gz?x=1: y", Sha256 = new string('0', 64), Ref = "0.17.0",
            }),
            new(new ComponentRequest(ComponentType.Lib, "greet", "../libs/greet", null), new ResolvedSource
            {
                Kind = SourceKind.LocalDirectory, Location = Path.GetFullPath(_dir["../libs/greet"]),
            }),
        };
        LockFile.Save(path, entries);
        var text = File.ReadAllText(path);
        Assert.Contains("version: 1", text);
        Assert.Contains("      version: \"0.17.0\"", text);
        Assert.Contains("      path: ../libs/greet", text);
        var back = LockFile.Load(path)!;
        Assert.Equal(entries, back.Entries);
        Assert.Null(LockFile.Load(_dir["missing.lock"]));
    }

    [Theory]
    [InlineData("version: 1\ncomponents:\n  - type: lib\n    name: x\n    resolved: {kind: git, url: u, commit: abc}\n", 5, "40-character")]
    [InlineData("version: 1\ncomponents:\n  - type: libz\n    name: x\n", 3, "unknown component type 'libz'")]
    [InlineData("version: 2\ncomponents: []\n", 1, "unsupported lock file version")]
    [InlineData("version: 1\ncomponents:\n  - type: lib\n    name: [x\n", 5, "malformed YAML")]
    [InlineData("version: 1\ncomponents:\n  - type: lib\n    name: x\n    resolved: {kind: svn, url: u}\n", 5, "unknown kind 'svn'")]
    public void Malformed_locks_name_the_line_and_how_to_fix_it(string text, int line, string message)
    {
        var path = _dir.Write("Kraftfile.lock", text);
        var e = Assert.Throws<KraftException>(() => LockFile.Load(path));
        Assert.Contains(message, e.Message);
        Assert.Equal(path, e.Location!.Value.File);
        Assert.Equal(line, e.Location!.Value.Line);
        Assert.Contains("delete the file", e.Hint);
    }
}
