using Kraft.Project;
using static Kraft.Tests.Project.Yaml;

namespace Kraft.Tests.Project;

public sealed class ComponentParsingTests : IDisposable
{
    private readonly TempProject _p = new();

    public void Dispose() => _p.Dispose();

    private Component Core(string value) => _p.Load($"spec: v0.6\nunikraft: {value}\n").Unikraft!;

    [Theory]
    [InlineData("stable", "stable")]
    [InlineData("v0.14.0", "v0.14.0")]
    [InlineData("70bc0af", "70bc0af")]
    [InlineData("'0.10'", "0.10")]
    [InlineData("0.17", "0.17")]
    public void CoreShorthandVersion(string value, string version)
    {
        var c = Core(value);
        Assert.Equal(("unikraft", ComponentKind.Core, version, (string?)null), (c.Name, c.Kind, c.Version, c.Source));
    }

    [Fact]
    public void CoreShorthandExistingDirectoryIsAbsoluteSource()
    {
        Directory.CreateDirectory(Path.Combine(_p.Dir, "uk"));
        var c = Core("uk");
        Assert.Equal(Path.Combine(_p.Dir, "uk"), c.Source);
        Assert.Null(c.Version);
    }

    [Fact]
    public void CoreShorthandPathThatDoesNotExistYetIsStillASource()
    {
        Assert.Equal(Path.GetFullPath(Path.Combine(_p.Dir, "../unikraft")), Core("../unikraft").Source);
    }

    [Theory]
    [InlineData("https://github.com/unikraft/unikraft.git", "https://github.com/unikraft/unikraft.git", null)]
    [InlineData("https://github.com/unikraft/unikraft.git?branch=staging", "https://github.com/unikraft/unikraft.git", "staging")]
    [InlineData("https://github.com/unikraft/unikraft.git?tag=RELEASE-0.17.0", "https://github.com/unikraft/unikraft.git", "RELEASE-0.17.0")]
    [InlineData("https://github.com/unikraft/unikraft.git?version=v1&depth=1", "https://github.com/unikraft/unikraft.git?depth=1", "v1")]
    [InlineData("https://github.com/unikraft/unikraft.git@staging", "https://github.com/unikraft/unikraft.git", "staging")]
    [InlineData("https://user@example.com/unikraft.git", "https://example.com/unikraft.git", null)]
    [InlineData("git@github.com:unikraft/unikraft.git", "git@github.com:unikraft/unikraft.git", null)]
    public void CoreShorthandUrl(string value, string source, string? version)
    {
        var c = Core(value);
        Assert.Equal((source, version), (c.Source, c.Version));
        Assert.Equal("unikraft", c.Name);
    }

    [Fact]
    public void CoreMapForm()
    {
        var c = _p.Load(Lines("spec: v0.6", "unikraft:",
            "  source: https://github.com/unikraft/unikraft.git?branch=dev",
            "  version: staging",
            "  kconfig:",
            "    - CONFIG_X=1")).Unikraft!;
        Assert.Equal(("https://github.com/unikraft/unikraft.git", "staging"), (c.Source, c.Version));
        Assert.Equal("CONFIG_X", c.Kconfig.Single().Name);
        Assert.Equal(3, c.Location!.Value.Line);
    }

    [Fact]
    public void MapSourceThatIsNotAUrlIsALocalPath()
    {
        var c = _p.Load("spec: v0.6\nunikraft:\n  source: ../uk\n  version: 42\n").Unikraft!;
        Assert.Equal(Path.GetFullPath(Path.Combine(_p.Dir, "../uk")), c.Source);
        Assert.Equal("42", c.Version);
    }

    [Fact]
    public void MapSourceQueryVersionYieldsToExplicitVersion()
    {
        var c = _p.Load("spec: v0.6\nunikraft:\n  source: https://h/u.git?branch=a\n").Unikraft!;
        Assert.Equal("a", c.Version);
    }

    [Fact]
    public void CoreNullMeansDefault()
    {
        var c = _p.Load("spec: v0.6\nunikraft:\n").Unikraft!;
        Assert.Equal(("unikraft", (string?)null, (string?)null), (c.Name, c.Source, c.Version));
    }

    [Fact]
    public void CoreBooleanIsAnError()
    {
        var e = _p.Fail("spec: v0.6\nunikraft: true\n");
        Assert.Equal("'unikraft' must be a version, a source or a map, not a boolean", e.Message);
        Assert.Equal((2, 11), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void UnknownComponentKeyWarns()
    {
        var p = _p.Load("spec: v0.6\nunikraft:\n  version: stable\n  colour: red\n");
        Assert.Equal($"{_p.KraftfilePath}:4:3: unknown key 'colour' in 'unikraft' ignored", p.Warnings.Single());
    }

    [Fact]
    public void LibrariesStringAndMapForms()
    {
        Directory.CreateDirectory(Path.Combine(_p.Dir, "libs", "lwip"));
        var libs = _p.Load(Lines("spec: v0.6", "libraries:",
            "  musl: stable",
            "  lwip: libs/lwip",
            "  nginx:",
            "    source: https://github.com/unikraft/lib-nginx.git",
            "    version: staging",
            "    kconfig:",
            "      CONFIG_LIBNGINX_HTTP: 'y'",
            "  compiler-rt: https://github.com/unikraft/lib-compiler-rt.git?branch=stable")).Libraries;
        Assert.Equal(["musl", "lwip", "nginx", "compiler-rt"], libs.Select(l => l.Name));
        Assert.All(libs, l => Assert.Equal(ComponentKind.Library, l.Kind));
        Assert.Equal("stable", libs[0].Version);
        Assert.Equal(Path.Combine(_p.Dir, "libs", "lwip"), libs[1].Source);
        Assert.Equal(("https://github.com/unikraft/lib-nginx.git", "staging"), (libs[2].Source, libs[2].Version));
        Assert.Equal(new KconfigOption("CONFIG_LIBNGINX_HTTP", "y"), libs[2].Kconfig.Single() with { Location = null });
        Assert.Equal("stable", libs[3].Version);
        Assert.Equal(3, libs[0].Location!.Value.Line);
    }

    [Theory]
    [InlineData("musl:", 3, 3, "null")]
    [InlineData("musl: 1.2", 3, 9, "a number")]
    [InlineData("musl: [a]", 3, 9, "a list")]
    public void LibraryWithInvalidValueIsAnError(string line, int lineNo, int col, string what)
    {
        var e = _p.Fail(Lines("spec: v0.6", "libraries:", "  " + line));
        Assert.Equal($"library 'musl' has an invalid value: {what}", e.Message);
        Assert.Equal((lineNo, col), (e.Location!.Value.Line, e.Location.Value.Column));
        Assert.Contains("musl: stable", e.Hint);
    }

    [Fact]
    public void LibrariesAsListIsAnError()
    {
        var e = _p.Fail("spec: v0.6\nlibraries:\n  - musl\n");
        Assert.Equal("'libraries' must be a map of library names, not a list", e.Message);
        Assert.Equal(3, e.Location!.Value.Line);
    }

    [Theory]
    [InlineData("app/elfloader:stable", "elfloader", "stable")]
    [InlineData("app-elfloader", "elfloader", null)]
    [InlineData("elfloader:staging", "elfloader", "staging")]
    [InlineData("elfloader", "elfloader", null)]
    [InlineData("apps/elfloader", "elfloader", null)]
    public void TemplateTypeNameVersionString(string value, string name, string? version)
    {
        var t = _p.Load($"spec: v0.6\ntemplate: {value}\n").Template!;
        Assert.Equal((name, version, ComponentKind.Application, (string?)null), (t.Name, t.Version, t.Kind, t.Source));
    }

    [Fact]
    public void TemplateUrlStringDerivesTheName()
    {
        var t = _p.Load("spec: v0.6\ntemplate: https://github.com/unikraft/app-elfloader.git?branch=staging\n").Template!;
        Assert.Equal(("elfloader", "https://github.com/unikraft/app-elfloader.git", "staging"), (t.Name, t.Source, t.Version));
    }

    [Fact]
    public void TemplateDirectoryString()
    {
        Directory.CreateDirectory(Path.Combine(_p.Dir, "app-base"));
        var t = _p.Load("spec: v0.6\ntemplate: ./app-base\n").Template!;
        Assert.Equal(("base", Path.Combine(_p.Dir, "app-base")), (t.Name, t.Source));
    }

    [Fact]
    public void TemplateMapKeepsItsName()
    {
        var t = _p.Load("spec: v0.6\ntemplate:\n  name: elfloader\n  version: stable\n  kconfig: [CONFIG_A=y]\n").Template!;
        Assert.Equal(("elfloader", "stable", 1), (t.Name, t.Version, t.Kconfig.Count));
    }

    [Fact]
    public void TemplateMapWithSourceFromTheCatalog()
    {
        var t = _p.Load("spec: v0.6\ntemplate:\n  source: https://github.com/unikraft/app-elfloader.git\n  version: staging\n").Template!;
        Assert.Equal(("elfloader", "staging"), (t.Name, t.Version));
    }

    [Fact]
    public void TemplateOfAnotherTypeIsAnError()
    {
        var e = _p.Fail("spec: v0.6\ntemplate: lib/musl:stable\n");
        Assert.Equal("'lib/musl:stable' is not an application template", e.Message);
        Assert.Equal((2, 11), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void TemplateMapWithoutNameOrSourceIsAnError()
    {
        var e = _p.Fail("spec: v0.6\ntemplate:\n  version: stable\n");
        Assert.Equal("'template' needs a name or a source", e.Message);
        Assert.Equal(3, e.Location!.Value.Line);
    }

    [Theory]
    [InlineData("base:latest", "base", "latest", null)]
    [InlineData("base", "base", null, null)]
    [InlineData("unikraft.org/python3:3.12", "unikraft.org/python3", "3.12", null)]
    [InlineData("localhost:5000/app", "localhost:5000/app", null, null)]
    [InlineData("localhost:5000/app:1.0", "localhost:5000/app", "1.0", null)]
    [InlineData("app@sha256:abc", "app", "sha256:abc", null)]
    [InlineData("oci://unikraft.org/nginx:1.25", "unikraft.org/nginx", "1.25", "oci://unikraft.org/nginx:1.25")]
    public void RuntimeStrings(string value, string name, string? version, string? source)
    {
        var r = _p.Load($"spec: v0.6\nruntime: {value}\n").Runtime!;
        Assert.Equal((name, version, source, ComponentKind.Runtime), (r.Name, r.Version, r.Source, r.Kind));
    }

    [Fact]
    public void RuntimeKernelPathIsResolved()
    {
        var r = _p.Load("spec: v0.6\nruntime: kernel://build/app_qemu-x86_64\n").Runtime!;
        Assert.Equal("kernel://" + Path.Combine(_p.Dir, "build", "app_qemu-x86_64"), r.Source);
        Assert.Equal("app_qemu-x86_64", r.Name);
    }

    [Fact]
    public void RuntimeMapKeepsItsName()
    {
        var r = _p.Load("spec: v0.6\nruntime:\n  name: unikraft.org/base\n  version: latest\n  kconfig: {A: 1}\n").Runtime!;
        Assert.Equal(("unikraft.org/base", "latest"), (r.Name, r.Version));
        Assert.Equal(new KconfigOption("CONFIG_A", "1"), r.Kconfig.Single() with { Location = null });
    }

    [Fact]
    public void RuntimeMapWithSourceDerivesNameAndVersion()
    {
        var r = _p.Load("spec: v0.6\nruntime:\n  source: oci://unikraft.org/base:1.0\n").Runtime!;
        Assert.Equal(("unikraft.org/base", "1.0", "oci://unikraft.org/base:1.0"), (r.Name, r.Version, r.Source));
    }

    [Fact]
    public void RuntimeMapWithoutNameIsAnError()
    {
        var e = _p.Fail("spec: v0.6\nruntime:\n  version: latest\n");
        Assert.Equal("'runtime' needs a name or a source", e.Message);
        Assert.Equal(3, e.Location!.Value.Line);
    }

    [Theory]
    [InlineData("':latest'")]
    [InlineData("'base:'")]
    [InlineData("'a b'")]
    public void InvalidRuntimeReferenceIsAnError(string value)
    {
        var e = _p.Fail($"spec: v0.6\nruntime: {value}\n");
        Assert.EndsWith("is not a valid runtime reference", e.Message);
        Assert.Equal((2, 10), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void RuntimeNumberIsAnError()
    {
        Assert.Equal("'runtime' must be a string or a map, not a number", _p.Fail("spec: v0.6\nruntime: 3\n").Message);
    }

    [Theory]
    [InlineData("lib-musl", "lib", "musl", null)]
    [InlineData("lib/musl:stable", "lib", "musl", "stable")]
    [InlineData("unikraft:stable", "core", "unikraft", "stable")]
    [InlineData("libelf", null, "libelf", null)]
    public void ComponentNameParsing(string text, string? type, string name, string? version)
    {
        Assert.True(ComponentName.TryParse(text, out var t, out var n, out var v));
        Assert.Equal((type, name, version), (t, n, v));
    }
}
