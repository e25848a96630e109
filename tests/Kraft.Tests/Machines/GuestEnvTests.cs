using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class GuestEnvTests
{
    static KeyValuePair<string, string> KV(string k, string v) => new(k, v);

    [Fact]
    public void Assignments_override_the_base_in_order_and_a_bare_name_takes_the_shell_value()
    {
        var env = GuestEnv.Apply([KV("A", "base"), KV("B", "keep")], ["A=1", "C=x=y", "HOMEISH", "A=2"],
            k => k == "HOMEISH" ? "/home/u" : null);
        Assert.Equal([KV("B", "keep"), KV("C", "x=y"), KV("HOMEISH", "/home/u"), KV("A", "2")], env);
    }

    [Fact]
    public void An_empty_value_is_kept()
    {
        Assert.Equal([KV("EMPTY", "")], GuestEnv.Apply([], ["EMPTY="]));
    }

    [Theory]
    [InlineData("=v", "not a variable name")]
    [InlineData("A B=v", "not a variable name")]
    [InlineData("KRAFT_SURELY_UNSET_VAR_X", "is not set here")]
    public void Bad_assignments_are_clear_errors(string assignment, string message)
    {
        var e = Assert.Throws<KraftException>(() => GuestEnv.Apply([], [assignment], _ => null));
        Assert.Contains(message, e.Message);
        Assert.NotNull(e.Hint);
    }
}
