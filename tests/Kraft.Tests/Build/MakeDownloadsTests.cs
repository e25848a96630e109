using Kraft.Build;

namespace Kraft.Tests.Build;

public class MakeDownloadsTests
{
    const string Quiet = """
          WGET    libmusl: https://www.musl-libc.org/releases/musl-1.2.3.tar.gz
        wget: unable to resolve host address 'www.musl-libc.org'
          WGET    liblwip: https://example.org/lwip.zip
          UNZIP   liblwip: lwip.zip
        unzip:  cannot find or open /app/.unikraft/build/liblwip/lwip.zip
        make: *** [Makefile:1106: sub-make] Error 2
        """;

    [Fact]
    public void Names_each_library_whose_download_failed_and_its_url()
    {
        var hint = MakeDownloads.Explain(Quiet, lib => false);
        Assert.NotNull(hint);
        Assert.Contains("libmusl needed https://www.musl-libc.org/releases/musl-1.2.3.tar.gz", hint);
        Assert.Contains("liblwip needed https://example.org/lwip.zip", hint);
        Assert.Contains("may be offline", hint);
    }

    [Fact]
    public void A_library_whose_sources_arrived_is_not_blamed()
    {
        var hint = MakeDownloads.Explain(Quiet, lib => lib == "libmusl");
        Assert.DoesNotContain("libmusl", hint);
        Assert.Contains("liblwip", hint);
    }

    [Fact]
    public void Reads_make_s_verbose_wget_command_too()
    {
        const string verbose = "wget --progress=dot:giga -O /p/.unikraft/build/targets/k/libnewlibc/newlib-2.5.tar.gz https://sourceware.org/pub/newlib/newlib-2.5.tar.gz || rm -f x\n"
            + "tar: /p/.unikraft/build/targets/k/libnewlibc/newlib-2.5.tar.gz: Cannot open: No such file or directory\n";
        Assert.Contains("libnewlibc needed https://sourceware.org/pub/newlib/newlib-2.5.tar.gz", MakeDownloads.Explain(verbose, _ => false));
    }

    [Fact]
    public void A_compile_error_is_not_a_download_failure()
    {
        Assert.Null(MakeDownloads.Explain("  CC      apphello: main.o\nmain.c:3:1: error: expected ';'\n", _ => false));
        Assert.Null(MakeDownloads.Explain("  WGET    libmusl: https://x/y.tar.gz\n  CC libmusl: a.o\nmain.c:3: error: x\n", _ => true));
    }
}
