namespace Kraft.Tests.EndToEnd;

/// <summary><c>kraft config get|why|set|diff</c> on a configured fixture target.</summary>
public class ConfigCommandEndToEndTests
{
    static FixtureApp Configured()
    {
        var app = new FixtureApp();
        var r = app.Kraft("configure", "-t", "qemu/x86_64");
        Assert.True(r.ExitCode == 0, r.ToString());
        return app;
    }

    [Fact]
    public void Get_and_why_read_the_target_config()
    {
        using var app = Configured();
        var get = app.Kraft("config", "get", "CONFIG_UK_NAME", "-t", "qemu/x86_64");
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("hello", get.Stdout.Trim());

        var why = app.Kraft("config", "why", "LIBUKDEBUG", "-t", "qemu/x86_64");
        Assert.Equal(0, why.ExitCode);
        Assert.Contains("LIBUKDEBUG = y", why.Stdout);
        Assert.Contains("selected by", why.Stdout);
        Assert.Contains("Config.uk:", why.Stdout);
    }

    [Fact]
    public void An_unknown_option_gets_did_you_mean()
    {
        using var app = Configured();
        var r = app.Kraft("config", "get", "CONFIG_FIXTURE_GRETING", "-t", "qemu/x86_64");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("did you mean CONFIG_FIXTURE_GREETING", r.Stderr);
    }

    [Fact]
    public void Set_changes_the_config_diff_shows_it_and_a_value_that_cannot_stick_is_refused()
    {
        using var app = Configured();
        var set = app.Kraft("config", "set", "CONFIG_FIXTURE_GREETING=Howdy", "-t", "qemu/x86_64");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("CONFIG_FIXTURE_GREETING=\"Howdy\"", File.ReadAllText(app[".config.hello_qemu-x86_64"]));

        var diff = app.Kraft("config", "diff", "-t", "qemu/x86_64");
        Assert.Contains("CONFIG_FIXTURE_GREETING: Howdy (Kraftfile gives Hello", diff.Stdout);

        var before = File.ReadAllText(app[".config.hello_qemu-x86_64"]);
        var refused = app.Kraft("config", "set", "CONFIG_FIXTURE_NEEDS_XEN=y", "-t", "qemu/x86_64");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("depends on", refused.Stderr);
        Assert.Equal(before, File.ReadAllText(app[".config.hello_qemu-x86_64"]));

        // The edit survives an ordinary build (the Kraftfile did not change) and reaches the image.
        var build = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("CONFIG_FIXTURE_GREETING=\"Howdy\"", File.ReadAllText(app[".config.hello_qemu-x86_64"]));
    }

    [Fact]
    public void An_unconfigured_target_says_how_to_configure_it()
    {
        using var app = new FixtureApp();
        var r = app.Kraft("config", "get", "CONFIG_UK_NAME", "-t", "qemu/x86_64");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("kraft configure", r.Stderr);
    }
}
