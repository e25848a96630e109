using Kraft.Packages.Config;

namespace Kraft.Tests.Packages.Security;

/// <summary>Issue 12 item 3: no message ever quotes a value read from an auth section (config.yaml, .kraftrc).</summary>
public class AuthValuesTests
{
    const string Token = "ghp_NotForYourEyes0123456789";

    [Theory]
    [InlineData("auth:\n  github.com: " + Token + "\n", 2)]
    [InlineData("auth:\n  github.com:\n    token: [" + Token + "]\n", 3)]
    [InlineData("auth:\n  github.com:\n    user: {name: " + Token + "}\n", 3)]
    [InlineData("auth:\n  github.com:\n    verify_ssl: " + Token + "\n", 3)]
    [InlineData("auth: " + Token + "\n", 1)]
    [InlineData("auth:\n  - " + Token + "\n", 2)]
    public void A_wrong_shape_under_auth_is_located_without_showing_the_value(string yaml, int line)
    {
        var e = Assert.Throws<KraftException>(() => ConfigYamlReader.Parse(yaml, "/cfg/config.yaml"));
        Assert.DoesNotContain(Token, e.Describe());
        Assert.DoesNotContain("ghp_", e.Describe());
        Assert.Equal(line, e.Location!.Value.Line);
        Assert.Contains("auth", e.Message);
    }

    [Theory]
    [InlineData("[auth]\ngithub = " + Token + "\n")]
    [InlineData("[list]\norigins = [" + Token + "]\n")]
    public void A_kraftrc_error_is_located_without_showing_the_text(string toml)
    {
        var e = Assert.Throws<KraftException>(() => KraftrcReader.Parse(toml, "/home/u/.kraftrc"));
        Assert.DoesNotContain("ghp", e.Describe());
        Assert.Equal(2, e.Location!.Value.Line);
    }

    [Fact]
    public void Other_type_errors_still_show_the_value()
    {
        var e = Assert.Throws<KraftException>(() => ConfigYamlReader.Parse("unikraft:\n  manifests: oops\n", "/cfg/config.yaml"));
        Assert.Contains("'oops'", e.Message);
    }
}
