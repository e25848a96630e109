using Kraft.Project;
using static Kraft.Tests.Project.Yaml;

namespace Kraft.Tests.Project;

public sealed class GuestFieldsTests : IDisposable
{
    private readonly TempProject _p = new();

    public void Dispose() => _p.Dispose();

    private KraftProject Load(params string[] lines) => _p.Load(Lines(["spec: v0.6", .. lines]));

    [Theory]
    [InlineData("rootfs: ./Dockerfile", "./Dockerfile")]
    [InlineData("rootfs: [./rootfs]", "./rootfs")]
    [InlineData("rootfs: []", null)]
    [InlineData("rootfs:", null)]
    public void RootfsForms(string line, string? rootfs) => Assert.Equal(rootfs, Load(line).Rootfs);

    [Fact]
    public void RootfsWithSeveralEntriesIsAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "rootfs: [a, b]"));
        Assert.Equal("'rootfs' lists more than one root filesystem", e.Message);
        Assert.Equal((2, 9), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Theory]
    [InlineData("cmd: /usr/bin/app -c \"/etc/a b.conf\" 'x y' z\\ w", new[] { "/usr/bin/app", "-c", "/etc/a b.conf", "x y", "z w" })]
    [InlineData("cmd: [\"/bin/sh\", \"-c\", \"echo hi\"]", new[] { "/bin/sh", "-c", "echo hi" })]
    [InlineData("cmd: [a, 1, true]", new[] { "a", "1", "true" })]
    [InlineData("cmd: ''", new string[0])]
    [InlineData("cmd:", new string[0])]
    [InlineData("cmd: netdev.ip=10.0.0.2 -- /app", new[] { "netdev.ip=10.0.0.2", "--", "/app" })]
    public void CmdForms(string line, string[] args) => Assert.Equal(args, Load(line).Cmd);

    [Fact]
    public void CmdWithUnterminatedQuoteIsAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "cmd: echo 'oops"));
        Assert.Equal("cannot split 'cmd' into arguments: unterminated single quote", e.Message);
        Assert.Equal((2, 6), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void CmdWithNullItemIsAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "cmd:", "  - a", "  -"));
        Assert.Equal("'cmd' items must be strings, not null", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }

    [Fact]
    public void EnvListAndMapForms()
    {
        Assert.Equal(["A=1", "B=", "C=x=y"], Load("env: [A=1, B, C=x=y]").Env.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Equal(["A=1", "B=", "C=true", "D=text"], Load("env: {A: 1, B: ~, C: true, D: text}").Env.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Empty(Load("env:").Env);
    }

    [Fact]
    public void EnvErrors()
    {
        Assert.Equal("'env' item '=x' has no variable name", _p.Fail(Lines("spec: v0.6", "env: [=x]")).Message);
        var e = _p.Fail(Lines("spec: v0.6", "env:", "  A: [1]"));
        Assert.Equal("'env.A' must be a string, not a list", e.Message);
        Assert.Equal((3, 6), (e.Location!.Value.Line, e.Location.Value.Column));
        Assert.Equal("'env' must be a list or a map, not a string", _p.Fail(Lines("spec: v0.6", "env: A=1")).Message);
    }

    [Fact]
    public void Labels()
    {
        Assert.Equal(["a.b=c", "n=1", "e="], Load("labels: {a.b: c, n: 1, e: }").Labels.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Equal("'labels' must be a map, not a list", _p.Fail(Lines("spec: v0.6", "labels: [a]")).Message);
    }

    [Fact]
    public void VolumeForms()
    {
        Assert.Equal([new Volume("./data", "/data")], Load("volumes: ./data:/data").Volumes);
        Assert.Equal([new Volume("./data", "/")], Load("volumes: [./data]").Volumes);
        Assert.Equal(
            [new Volume("./a", "/a", "9pfs", true), new Volume("./b", "/b", null, true), new Volume("./c", "/", null, false), new Volume("x", "/x")],
            Load("volumes:",
                "  - {driver: 9pfs, source: ./a, destination: /a, readonly: true}",
                "  - {source: ./b, destination: /b, readOnly: true}",
                "  - source: ./c",
                "  - x:/x").Volumes);
    }

    [Theory]
    [InlineData("volumes: a:b:c", "invalid volume 'a:b:c': too many ':'", 2, 10)]
    [InlineData("volumes: ':/x'", "invalid volume ':/x': no source", 2, 10)]
    [InlineData("volumes: a:rel", "volume destination 'rel' must be an absolute path in the guest", 2, 10)]
    [InlineData("volumes: [{destination: /x}]", "a volume needs a 'source'", 2, 11)]
    [InlineData("volumes: [{source: a, readonly: maybe}]", "'readonly' must be true or false, not a string", 2, 33)]
    [InlineData("volumes: [5]", "a volume must be a string or a map, not a number", 2, 11)]
    public void VolumeErrors(string line, string message, int lineNo, int col)
    {
        var e = _p.Fail(Lines("spec: v0.6", line));
        Assert.Equal(message, e.Message);
        Assert.Equal((lineNo, col), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void VolumeModeWarns()
    {
        Assert.Contains("volume key 'mode' is not supported", Load("volumes: [{source: a, destination: /a, mode: rw}]").Warnings.Single());
    }

    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("'' x", new[] { "", "x" })]
    [InlineData("\"a\\\"b\" 'c\\d'", new[] { "a\"b", "c\\d" })]
    [InlineData("a\"b c\"d", new[] { "ab cd" })]
    [InlineData("  ", new string[0])]
    [InlineData("\"$HOME\"", new[] { "$HOME" })]
    public void ShellSplitting(string line, string[] words) => Assert.Equal(words, ShellWords.Split(line));

    [Theory]
    [InlineData("'a")]
    [InlineData("\"a")]
    [InlineData("a\\")]
    public void ShellSplittingErrors(string line) => Assert.Throws<FormatException>(() => ShellWords.Split(line));
}
