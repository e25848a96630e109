using Kraft.Build;

namespace Kraft.Tests.Build;

public class MakeProgressTests
{
    [Fact]
    public void Follows_unikraft_quiet_output()
    {
        var p = new MakeProgress();
        Assert.False(p.Observe("make[1]: Entering directory '/x'"));
        Assert.True(p.Observe("  CC      libukdebug: /uk/lib/ukdebug/print.c"));
        Assert.True(p.Observe("  CC      libnolibc: /uk/lib/nolibc/string.c"));
        Assert.Equal("compiling", p.Step);
        Assert.Equal(2, p.StartedLibraries);
        p.Observe("  LD      libukdebug.ld.o");
        p.Observe("  OBJCOPY libukdebug.o");
        Assert.Equal(1, p.FinishedLibraries);
        p.Observe("  LD      helloworld_qemu-x86_64.dbg");
        Assert.Equal("linking", p.Step);
        p.Observe("  SCSTRIP helloworld_qemu-x86_64");
        Assert.Equal("finishing image", p.Step);
        Assert.Equal("SCSTRIP helloworld_qemu-x86_64", p.Detail);
    }
}
