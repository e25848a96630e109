using Kraft.Host;
using Kraft.Packages.Index.Sources;
using Kraft.Packages.Manifests;
using static Kraft.Tests.Packages.Index.IndexFixtures;

namespace Kraft.Tests.Packages.Index;

public class DirectorySourceTests
{
    [Fact]
    public async Task Every_component_checkout_in_the_directory_becomes_a_component()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        Directory.CreateDirectory(dir["src/unikraft/lib"]);
        Directory.CreateDirectory(dir["src/lib-lwip"]);
        Directory.CreateDirectory(dir["src/app-helloworld"]);
        Directory.CreateDirectory(dir["src/plat-kvm"]);
        Directory.CreateDirectory(dir["src/arch-riscv"]);
        dir.Write("src/myapp/Kraftfile", "spec: v0.6\nname: myapp\n");
        dir.Write("src/mylib/Config.uk", "config LIBMYLIB\n\tbool \"mylib\"\n");
        dir.Write("src/notes/README", "not a component");
        dir.Write("src/emptylib/Config.uk", "");
        Directory.CreateDirectory(dir["src/.hidden-lib"]);
        dir.Write("src/lib-file-not-dir", "x");

        var manifests = await new DirectorySource(dir["src"], Context(dir, http)).ListAsync(default);

        Assert.Equal(["app/helloworld", "arch/riscv", "lib/lwip", "app/myapp", "lib/mylib", "plat/kvm", "core/unikraft"],
            manifests.Select(m => m.Id));
        var lwip = manifests.Single(m => m.Name == "lwip");
        var channel = Assert.Single(lwip.Channels);
        Assert.Equal(("default", true, dir["src/lib-lwip"]), (channel.Name, channel.Default, channel.Resource));
        Assert.Equal(dir["src/lib-lwip"], lwip.Origin);
        Assert.Equal("dir", lwip.Provider);
        Assert.Empty(lwip.Versions);
    }

    [Fact]
    public async Task A_directory_that_is_itself_a_component_is_the_only_one_listed()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        dir.Write("unikraft/lib/ukalloc/Config.uk", "config LIBUKALLOC\n");
        dir.Write("unikraft/Config.uk", "mainmenu \"Unikraft\"\n");
        var manifests = await new DirectorySource(dir["unikraft"] + "/", Context(dir, http)).ListAsync(default);
        Assert.Equal("core/unikraft", Assert.Single(manifests).Id);
    }

    [Fact]
    public async Task A_missing_directory_is_an_error()
    {
        using var dir = new TempDir();
        using var http = new HttpFetcher();
        var e = await Assert.ThrowsAsync<KraftException>(() => new DirectorySource(dir["gone"], Context(dir, http)).ListAsync(default));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Name_guessing_follows_kraftkit()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["libs-musl"]);
        Directory.CreateDirectory(dir["libelf"]);
        Assert.Equal("lib/musl", DirectorySource.AsComponent(dir["libs-musl"])!.Id);
        Assert.Null(DirectorySource.AsComponent(dir["libelf"]));
    }
}
