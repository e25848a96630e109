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

    const string RepeatThree = "kconfig:\n  CONFIG_FIXTURE_REPEAT: 3";

    static FixtureApp ConfiguredWith(string extra)
    {
        var app = new FixtureApp(extraKraftfile: extra);
        var r = app.Kraft("configure", "-t", "qemu/x86_64");
        Assert.True(r.ExitCode == 0, r.ToString());
        return app;
    }

    [Fact]
    public void Why_traces_a_value_to_the_Kraftfile_config_set_the_default_or_a_hand_edit()
    {
        using var app = ConfiguredWith(RepeatThree);
        string Why(string option)
        {
            var r = app.Kraft("config", "why", option, "-t", "qemu/x86_64");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.DoesNotContain("set by the user", r.Stdout);
            return r.Stdout;
        }
        var fromKraftfile = Why("CONFIG_FIXTURE_REPEAT");
        Assert.Matches(@"set to 3 by the Kraftfile's kconfig \(.*Kraftfile:\d+:\d+\)", fromKraftfile);
        Assert.Contains("kept from .config, equal to the default (Hello)", Why("CONFIG_FIXTURE_GREETING"));

        var set = app.Kraft("config", "set", "CONFIG_FIXTURE_GREETING=Howdy", "-t", "qemu/x86_64");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("set to Howdy with `kraft config set` (until the next configure, which gives the default, Hello)", Why("CONFIG_FIXTURE_GREETING"));

        var config = app[".config.hello_qemu-x86_64"];
        File.WriteAllText(config, File.ReadAllText(config).Replace("# CONFIG_FIXTURE_CRASH is not set", "CONFIG_FIXTURE_CRASH=y"));
        Assert.Contains("set to y in .config by hand or by another tool (the default is n", Why("CONFIG_FIXTURE_CRASH"));
    }

    [Fact]
    public void Set_says_how_long_a_value_holds_and_the_next_configure_says_what_it_replaced()
    {
        using var app = ConfiguredWith(RepeatThree);
        var set = app.Kraft("config", "set", "CONFIG_FIXTURE_REPEAT=2", "CONFIG_FIXTURE_GREETING=Howdy", "-t", "qemu/x86_64");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("CONFIG_FIXTURE_REPEAT=2 holds until this target is configured again", set.Stderr);
        Assert.Contains("which gives CONFIG_FIXTURE_REPEAT=3 (kconfig (", set.Stderr);
        Assert.Contains("put CONFIG_FIXTURE_REPEAT: 2 in the Kraftfile's kconfig to keep it", set.Stderr);
        Assert.Contains("which does not set it, so it goes back to its default (Hello)", set.Stderr);

        var configure = app.Kraft("configure", "-t", "qemu/x86_64");
        Assert.True(configure.ExitCode == 0, configure.ToString());
        Assert.Contains("CONFIG_FIXTURE_REPEAT=2 from `kraft config set` is replaced by CONFIG_FIXTURE_REPEAT=3 (the Kraftfile's kconfig (", configure.Stderr);
        Assert.Contains("put CONFIG_FIXTURE_REPEAT: 2 in the Kraftfile's kconfig to keep it", configure.Stderr);
        Assert.Contains("CONFIG_FIXTURE_GREETING=\"Howdy\" from `kraft config set` is replaced by CONFIG_FIXTURE_GREETING=\"Hello\" (its default", configure.Stderr);
        Assert.Contains("CONFIG_FIXTURE_REPEAT=3", File.ReadAllText(app[".config.hello_qemu-x86_64"]));
        // said once: the values are the Kraftfile's again
        var again = app.Kraft("configure", "-t", "qemu/x86_64");
        Assert.DoesNotContain("config set", again.Stderr);

        // a build that reconfigures (the Kraftfile changed) says it too
        set = app.Kraft("config", "set", "CONFIG_FIXTURE_REPEAT=4", "-t", "qemu/x86_64");
        Assert.True(set.ExitCode == 0, set.ToString());
        File.AppendAllText(app["Kraftfile"], "  CONFIG_FIXTURE_GREETING: Hi\n");
        var build = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("CONFIG_FIXTURE_REPEAT=4 from `kraft config set` is replaced by CONFIG_FIXTURE_REPEAT=3", build.Stderr);
    }

    [Fact]
    public void The_config_commands_name_the_target_they_use_when_several_exist()
    {
        using var app = Configured();
        var r = app.Kraft("config", "get", "CONFIG_UK_NAME");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello", r.Stdout.Trim());
        Assert.Contains("using target hello (qemu/x86_64), one of 2; choose with -t PLAT/ARCH", r.Stderr);
        var named = app.Kraft("config", "get", "CONFIG_UK_NAME", "-t", "qemu/x86_64");
        Assert.DoesNotContain("using target", named.Stderr);
    }
}
