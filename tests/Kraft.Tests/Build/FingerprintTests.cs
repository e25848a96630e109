using Kraft.Build;

namespace Kraft.Tests.Build;

public class FingerprintTests
{
    static string Of(string dir) => new Fingerprint().AddTree(dir, []).Finish();

    [Fact]
    public void Same_tree_same_digest_and_any_change_differs()
    {
        using var t = new TempDir();
        t.Write("a.c", "int a;");
        t.Write("sub/b.c", "int b;");
        var first = Of(t.Path);
        Assert.Equal(first, Of(t.Path));

        File.WriteAllText(t["sub/b.c"], "int bb;");
        var second = Of(t.Path);
        Assert.NotEqual(first, second);

        t.Write("sub/new.h", "");
        Assert.NotEqual(second, Of(t.Path));
    }

    [Fact]
    public void Touching_a_file_changes_the_digest()
    {
        using var t = new TempDir();
        var f = t.Write("a.c", "x");
        var before = Of(t.Path);
        File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddMinutes(1));
        Assert.NotEqual(before, Of(t.Path));
    }

    [Fact]
    public void Git_folders_skipped_dirs_and_target_configs_do_not_count()
    {
        using var t = new TempDir();
        t.Write("a.c", "x");
        var before = Of(t.Path);
        t.Write(".git/HEAD", "ref");
        t.Write(".config.app_qemu-x86_64", "CONFIG_A=y");
        Assert.Equal(before, Of(t.Path));
        t.Write("out/obj.o", "");
        Assert.NotEqual(before, Of(t.Path));
        Assert.Equal(before, new Fingerprint().AddTree(t.Path, [t["out"]]).Finish());
    }

    [Fact]
    public void Only_named_files_count_when_asked()
    {
        using var t = new TempDir();
        t.Write("Config.uk", "config A");
        t.Write("a.c", "x");
        var before = new Fingerprint().AddTree(t.Path, [], "Config.uk").Finish();
        File.WriteAllText(t["a.c"], "changed");
        Assert.Equal(before, new Fingerprint().AddTree(t.Path, [], "Config.uk").Finish());
    }
}
