using Kraft.Build;
using Kraft.Kconfig;

namespace Kraft.Tests.Build;

public class NativeConfigureTests
{
    [Fact]
    public void Closest_names_are_the_likely_typos()
    {
        string[] names = ["FIXTURE_GREETING", "FIXTURE_REPEAT", "LIBUKDEBUG", "LIBUKBOOT"];
        Assert.Equal(["FIXTURE_GREETING"], MismatchAdvisor.Closest("FIXTURE_GREETNG", names));
        Assert.Equal(["LIBUKDEBUG"], MismatchAdvisor.Closest("LIBUKDEBGU", names));
        Assert.Empty(MismatchAdvisor.Closest("SOMETHING_ELSE", names));
        Assert.Equal(3, Suggestions.Distance("kitten", "sitting"));
    }

    [Theory]
    [InlineData("menuconfig LIBLWIP\n\tbool \"lwip\"\nif LIBLWIP\nconfig LWIP_X\n\tbool\nendif\n", "CONFIG_LIBLWIP")]
    [InlineData("# hidden\nmenuconfig LIBNEWLIBC\n  bool \"newlib\"\n", "CONFIG_LIBNEWLIBC")]
    [InlineData("config APPX_OPT\n\tbool\nconfig LIBFOO\n\tbool\n", "CONFIG_LIBFOO")]
    [InlineData("menu \"x\"\nconfig LIBINNER\n\tbool\nendmenu\nconfig OUTER\n\tbool\n", "CONFIG_OUTER")]
    [InlineData("# nothing here\n", null)]
    public void A_librarys_symbol_comes_from_its_config_uk(string configUk, string? symbol)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["Config.uk"], configUk);
        Assert.Equal(symbol, LibrarySymbols.FromConfigUk(dir.Path));
    }

    [Fact]
    public void Library_symbols_fall_back_to_the_guess_with_a_warning()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["newlib"]);
        File.WriteAllText(dir["newlib/Config.uk"], "menuconfig LIBNEWLIBC\n\tbool\n");
        Directory.CreateDirectory(dir["odd"]);
        File.WriteAllText(dir["odd/Config.uk"], "# empty\n");
        var warnings = new List<string>();
        var map = LibrarySymbols.For([("newlib", dir["newlib"]), ("odd", dir["odd"]), ("absent", dir["absent"])], warnings.Add);
        Assert.Equal("CONFIG_LIBNEWLIBC", map["newlib"]);
        Assert.Equal("CONFIG_LIBODD", map["odd"]);
        Assert.Equal("CONFIG_LIBABSENT", map["absent"]);
        Assert.Single(warnings);
        Assert.Contains("odd", warnings[0]);
        // newlib's real symbol puts it in the libc slot even under another name
        var order = TargetLayout.OrderLibraries([("zzz", "/z"), ("my-libc", "/c")], new Dictionary<string, string> { ["my-libc"] = "CONFIG_LIBNEWLIBC", ["zzz"] = "CONFIG_LIBZZZ" });
        Assert.Equal(["/c", "/z"], order);
    }

    [Fact]
    public void Version_comes_from_version_mk()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["version.mk"], "UK_VERSION = 0\nUK_SUBVERSION = 17\nUK_EXTRAVERSION = 0\nUK_CODENAME = Calypso\n# comment\n");
        Assert.Equal(("0.17.0", "Calypso"), UnikraftEnvironment.Version(dir.Path));
        // No support/scripts/gitsha1: nothing appended (make's $(shell) of a missing script prints nothing).
        Assert.Equal("", UnikraftEnvironment.GitSha1(dir.Path));
    }
}
