using Kraft.Apps;

namespace Kraft.Tests.Apps;

/// <summary>What kraft adds to app-elfloader's options per core, and how it reads the loader's exit report.</summary>
public sealed class ElfLoaderBuilderTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    string Core(string version, bool libparam, bool automount)
    {
        var core = _dir[$"core-{version}-{libparam}-{automount}"];
        var parts = version.Split('.');
        Directory.CreateDirectory(Path.Combine(core, "lib", "posix-environ"));
        Directory.CreateDirectory(Path.Combine(core, "lib", "vfscore"));
        File.WriteAllText(Path.Combine(core, "version.mk"), $"UK_VERSION = {parts[0]}\nUK_SUBVERSION = {parts[1]}\nUK_EXTRAVERSION = {parts[2]}\n");
        File.WriteAllText(Path.Combine(core, "Config.uk"), "config OPTIMIZE_LTO\n\tbool \"LTO\"\n");
        File.WriteAllText(Path.Combine(core, "lib", "posix-environ", "Config.uk"),
            libparam ? "menuconfig LIBPOSIX_ENVIRON\n\tbool \"x\"\n\tconfig LIBPOSIX_ENVIRON_LIBPARAM\n\tbool \"y\"\n" : "menuconfig LIBPOSIX_ENVIRON\n");
        File.WriteAllText(Path.Combine(core, "lib", "vfscore", "Config.uk"),
            automount ? "menuconfig LIBVFSCORE_AUTOMOUNT_CI\n\tbool \"ci\"\n\tconfig LIBVFSCORE_AUTOMOUNT_CI_INITRD\n\tbool \"i\"\n" : "config LIBVFSCORE\n");
        return core;
    }

    [Fact]
    public void A_0_16_core_gets_the_environment_the_initrd_automount_and_no_lto()
    {
        var added = LoaderKconfig.For(Core("0.16.3", true, true)).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        Assert.Equal(["CONFIG_LIBPOSIX_ENVIRON_LIBPARAM=y", "CONFIG_LIBVFSCORE_AUTOMOUNT_CI=y", "CONFIG_LIBVFSCORE_AUTOMOUNT_CI_INITRD=y", "CONFIG_OPTIMIZE_LTO=n"], added);
    }

    [Fact]
    public void Options_a_core_does_not_have_are_not_asked_for()
    {
        var added = LoaderKconfig.For(Core("0.17.0", false, true)).Select(kv => kv.Key).ToList();
        Assert.Equal(["CONFIG_OPTIMIZE_LTO"], added);
        Assert.Empty(LoaderKconfig.For(_dir["nothing"]));
    }

    [Theory]
    [InlineData("hello\r\nelfloader: exit status 3\r\nmain returned 0\r\nUnikraft halted\r\n", 3)]
    [InlineData("elfloader: exit status 1\nelfloader: exit status 0\n", 0)]
    [InlineData("program says elfloader: exit status 9\n", null)]
    [InlineData("elfloader: exit status 300\n", null)]
    [InlineData("Unikraft halted\n", null)]
    // Captured from a real RELEASE-0.16.3 app-elfloader built by kraft (with ExitStatusLibrary), kraft run ./hello-spie -- x42:
    [InlineData("Powered by Unikraft Telesto (0.16.3~e453b74a)\r\nhello from a Linux program: argc=2 [x42] HOME=/ GREETING=(unset)\r\nelfloader: exit status 42\r\n", 42)]
    public void The_exit_report_is_the_last_whole_line(string console, int? status) =>
        Assert.Equal(status, LoaderExitStatus.Find(console));

    [Fact]
    public void The_exit_status_library_wraps_exit_group_and_prints_the_report()
    {
        ExitStatusLibrary.WriteTo(_dir["lib"]);
        Assert.Contains("--wrap=uk_syscall_r_exit_group", File.ReadAllText(_dir["lib/Makefile.uk"]));
        Assert.True(LoaderKconfig.Defines(File.ReadAllText(_dir["lib/Config.uk"]), ExitStatusLibrary.Symbol));
        var c = File.ReadAllText(_dir["lib/exit_status.c"]);
        Assert.Contains("__wrap_uk_syscall_r_exit_group", c);
        Assert.Contains("\"" + ExitStatusLibrary.ReportPrefix + "%d\\n\"", c);
        Assert.Equal(42, LoaderExitStatus.Find(ExitStatusLibrary.ReportPrefix + "42\r\n"));
        var stamp = File.GetLastWriteTimeUtc(_dir["lib/exit_status.c"]);
        ExitStatusLibrary.WriteTo(_dir["lib"]); // unchanged files are not rewritten, so make rebuilds nothing
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(_dir["lib/exit_status.c"]));
    }

    [Theory]
    [InlineData(100, true)]
    [InlineData(65536 - 10, true)] // the prefix straddles two reads
    [InlineData(-1, false)]
    public void A_loader_image_reports_the_status_when_it_carries_the_line(int at, bool reports)
    {
        var image = new byte[200_000];
        if (at >= 0) System.Text.Encoding.ASCII.GetBytes(ExitStatusLibrary.ReportPrefix + "%d\n").CopyTo(image, at);
        File.WriteAllBytes(_dir["kernel"], image);
        Assert.Equal(reports, ExitStatusLibrary.IsIn(_dir["kernel"]));
        Assert.Equal(reports, new ElfLoaderImage(_dir["kernel"], "0.16.3").ReportsExitStatus);
    }
}
