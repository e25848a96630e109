using Kraft.Build;

namespace Kraft.Tests.Build;

public class ConfigValuesTests
{
    [Fact]
    public void Parses_every_kind_of_line()
    {
        var v = ConfigValues.Parse("""
            #
            # Automatically generated file; DO NOT EDIT.
            #
            CONFIG_A=y
            # CONFIG_B is not set
            CONFIG_S="say \"hi\""
            CONFIG_N=42
            CONFIG_H=0x1000

            # a comment that merely mentions is not set
            """);
        Assert.Equal("y", v["CONFIG_A"]);
        Assert.Equal("n", v["CONFIG_B"]);
        Assert.Equal("say \"hi\"", v["CONFIG_S"]);
        Assert.Equal("42", v["CONFIG_N"]);
        Assert.Equal("0x1000", v["CONFIG_H"]);
        Assert.Equal(5, v.Count);
    }

    [Theory]
    [InlineData("CONFIG_X", "y", "CONFIG_X=y")]
    [InlineData("CONFIG_X", "n", "# CONFIG_X is not set")]
    [InlineData("CONFIG_X", "12", "CONFIG_X=12")]
    [InlineData("CONFIG_X", "-3", "CONFIG_X=-3")]
    [InlineData("CONFIG_X", "0x400000000", "CONFIG_X=0x400000000")]
    [InlineData("CONFIG_X", "hello", "CONFIG_X=\"hello\"")]
    [InlineData("CONFIG_X", "a\"b", "CONFIG_X=\"a\\\"b\"")]
    public void Formats_like_conf(string name, string value, string line) =>
        Assert.Equal(line, ConfigValues.FormatLine(name, value));

    [Fact]
    public void Round_trips()
    {
        var values = new[] { KeyValuePair.Create("CONFIG_A", "y"), KeyValuePair.Create("CONFIG_S", "x \\ \" y"), KeyValuePair.Create("CONFIG_B", "n") };
        var parsed = ConfigValues.Parse(ConfigValues.Format(values));
        Assert.Equal(values, parsed.ToArray());
    }

    [Theory]
    [InlineData("true", "y")]
    [InlineData("false", "n")]
    [InlineData("\"quoted\"", "quoted")]
    [InlineData(" y ", "y")]
    public void Normalises_kraftfile_values(string raw, string expected) => Assert.Equal(expected, ConfigValues.Normalise(raw));
}
