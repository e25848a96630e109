using Kraft.Project;

namespace Kraft.Tests.Project;

public sealed class KraftfileLocatorTests : IDisposable
{
    private readonly TempProject _p = new();

    public void Dispose() => _p.Dispose();

    [Theory]
    [InlineData("kraft.yaml")]
    [InlineData("kraft.yml")]
    [InlineData("Kraftfile.yml")]
    [InlineData("Kraftfile.yaml")]
    [InlineData("Kraftfile")]
    public void FindsEachSupportedName(string name)
    {
        var path = _p.Write(name, "spec: v0.6\n");
        Assert.Equal(path, KraftfileLocator.Locate(_p.Dir));
    }

    [Fact]
    public void SeveralInOneDirectoryIsAnErrorListingThem()
    {
        _p.Write("Kraftfile");
        _p.Write("kraft.yaml");
        var e = Assert.Throws<KraftException>(() => KraftfileLocator.Locate(_p.Dir));
        Assert.Equal($"found multiple Kraftfiles in {_p.Dir}: kraft.yaml, Kraftfile", e.Message);
        Assert.Contains("-K", e.Hint);
    }

    [Fact]
    public void OtherNamesAreNotKraftfiles()
    {
        _p.Write("Kraftfile");
        _p.Write("kraft.cloud.yaml");
        _p.Write("kraftfile");
        Assert.Equal(Path.Combine(_p.Dir, "Kraftfile"), KraftfileLocator.Locate(_p.Dir));
    }

    [Fact]
    public void WalksUpToTheNearestParentWithAKraftfile()
    {
        var path = _p.Write("Kraftfile");
        var deep = Path.Combine(_p.Dir, "src", "deep");
        Directory.CreateDirectory(deep);
        Assert.Equal(path, KraftfileLocator.Locate(deep));
        Assert.Null(KraftfileLocator.FindIn(deep));
    }

    [SkippableFact]
    public void NoneAnywhereIsAnErrorWithAHint()
    {
        // The temp directory tree has no Kraftfile, and neither (normally) do /tmp and /.
        Skip.If(KraftfileLocatorHasAncestorKraftfile(_p.Dir), "an ancestor of the temp directory has a Kraftfile");
        var e = Assert.Throws<KraftException>(() => KraftfileLocator.Locate(_p.Dir));
        Assert.Equal($"no Kraftfile found in {_p.Dir}", e.Message);
        Assert.Contains("-K FILE", e.Hint);
        Assert.Contains("create", e.Hint);
    }

    private static bool KraftfileLocatorHasAncestorKraftfile(string dir)
    {
        for (var d = Path.GetDirectoryName(dir); d is not null; d = Path.GetDirectoryName(d))
            if (KraftfileLocator.FileNames.Any(n => File.Exists(Path.Combine(d, n)))) return true;
        return false;
    }

    [Fact]
    public void OverrideIsUsedAsGiven()
    {
        _p.Write("Kraftfile");
        var other = _p.Write("kraft.cloud.yaml");
        Assert.Equal(other, KraftfileLocator.Locate(_p.Dir, other));
        Assert.Equal("-", KraftfileLocator.Locate(_p.Dir, "-"));
    }

    [Fact]
    public void OverrideThatDoesNotExistIsAnError()
    {
        var missing = Path.Combine(_p.Dir, "nope.yaml");
        var e = Assert.Throws<KraftException>(() => KraftfileLocator.Locate(_p.Dir, missing));
        Assert.Equal($"Kraftfile {missing} does not exist", e.Message);
    }

    [Fact]
    public void OverrideThatIsADirectoryIsAnError()
    {
        Assert.Contains("is a directory", Assert.Throws<KraftException>(() => KraftfileLocator.Locate(_p.Dir, _p.Dir)).Message);
    }

    [Fact]
    public void MissingDirectoryIsAnError()
    {
        Assert.Contains("does not exist", Assert.Throws<KraftException>(() => KraftfileLocator.Locate(Path.Combine(_p.Dir, "nope"))).Message);
    }

    [Fact]
    public void LoadProjectUsesTheKraftfilesDirectoryOrWorkdirWithOverride()
    {
        _p.Write("Kraftfile", "spec: v0.6\nname: main\n");
        var other = _p.Write("conf/kraft.cloud.yaml", "spec: v0.6\nname: cloud\n");
        var sub = Path.Combine(_p.Dir, "sub");
        Directory.CreateDirectory(sub);

        var found = KraftfileLoader.LoadProject(sub);
        Assert.Equal(("main", _p.Dir), (found.Name, found.Directory));

        var overridden = KraftfileLoader.LoadProject(sub, other);
        Assert.Equal(("cloud", sub, other), (overridden.Name, overridden.Directory, overridden.KraftfilePath));
    }
}
