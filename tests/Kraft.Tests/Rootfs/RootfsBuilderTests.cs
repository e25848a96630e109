using Kraft.Host;
using Kraft.Rootfs;

namespace Kraft.Tests.Rootfs;

public class RootfsBuilderTests
{
    static RootfsBuilder Builder(TempDir dir) => new(NullReporter.Instance, dir["cache"]);

    [Fact]
    public void A_directory_is_archived_once_and_found_again_by_content()
    {
        using var dir = new TempDir();
        dir.Write("fs/etc/hello.txt", "hello\n");
        var b = Builder(dir);
        var first = b.Resolve(dir["fs"]);
        Assert.Equal(RootfsSourceKind.Directory, first.Kind);
        Assert.False(first.Cached);
        Assert.StartsWith(dir["cache"], first.CpioPath);
        var again = b.Resolve(dir["fs"]);
        Assert.True(again.Cached);
        Assert.Equal(first.CpioPath, again.CpioPath);

        File.WriteAllText(dir["fs/etc/hello.txt"], "changed\n");
        var changed = b.Resolve(dir["fs"]);
        Assert.False(changed.Cached);
        Assert.NotEqual(first.CpioPath, changed.CpioPath);
        // A mode change alone is a different archive too.
        File.SetUnixFileMode(dir["fs/etc/hello.txt"], UnixFileMode.UserRead);
        Assert.NotEqual(changed.CpioPath, b.Resolve(dir["fs"]).CpioPath);
    }

    [Fact]
    public void A_cpio_archive_is_used_as_it_is()
    {
        using var dir = new TempDir();
        var cpio = dir["given.img"];
        CpioWriter.WriteFile(cpio, [CpioEntry.File("x", "1"u8.ToArray())]);
        var r = Builder(dir).Resolve(cpio);
        Assert.Equal(RootfsSourceKind.Cpio, r.Kind);
        Assert.Equal(cpio, r.CpioPath);
        Assert.False(Directory.Exists(dir["cache"]));
    }

    [Fact]
    public void Build_into_places_the_archive_and_leaves_an_identical_one_alone()
    {
        using var dir = new TempDir();
        dir.Write("fs/a", "a");
        var b = Builder(dir);
        var output = dir["proj/.unikraft/build/initramfs-x86_64.cpio"];
        var r = b.BuildInto(dir["fs"], output);
        Assert.Equal(output, r.CpioPath);
        Assert.True(File.Exists(output));
        var stamp = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(output, stamp);
        var again = b.BuildInto(dir["fs"], output);
        Assert.True(again.Cached);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(output)); // untouched: make-style consumers see no change
        Assert.Equal("initramfs-arm64.cpio", RootfsBuilder.InitramfsFileName("arm64"));
    }

    [Fact]
    public void Something_else_is_refused_with_what_a_rootfs_can_be()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<KraftException>(() => Builder(dir).Resolve(dir.Write("notes.txt", "just text\n")));
        Assert.Contains("neither a cpio (newc) archive nor a Dockerfile", e.Message);
        Assert.Contains("directory", e.Hint);
        var missing = Assert.Throws<KraftException>(() => Builder(dir).Resolve(dir["nothere"]));
        Assert.Contains("does not exist", missing.Message);
    }

    [Fact]
    public void Dockerfiles_are_known_by_name_or_first_instruction()
    {
        using var dir = new TempDir();
        Assert.True(RootfsBuilder.IsDockerfile(dir.Write("Dockerfile", "")));
        Assert.True(RootfsBuilder.IsDockerfile(dir.Write("app.Dockerfile", "")));
        Assert.True(RootfsBuilder.IsDockerfile(dir.Write("Containerfile", "")));
        Assert.True(RootfsBuilder.IsDockerfile(dir.Write("build.txt", "# syntax\n\nARG X=1\nFROM scratch\n")));
        Assert.False(RootfsBuilder.IsDockerfile(dir.Write("other.txt", "COPY a b\n")));
    }

    [Fact]
    public void The_container_build_uses_kraft_storage_no_network_and_runc()
    {
        var args = ContainerBuild.Arguments("/usr/bin/buildah", "/p/Dockerfile", "/out", "/cache/containers", "/usr/sbin/runc");
        Assert.Equal(
            ["--root", "/cache/containers/root", "--runroot", "/cache/containers/run", "--storage-driver", "overlay",
             "bud", "--network", "none", "--runtime", "/usr/sbin/runc", "--output", "type=local,dest=/out", "-f", "/p/Dockerfile", "/p"],
            args);
        Assert.Equal("build", ContainerBuild.Arguments("/usr/bin/podman", "/p/Dockerfile", "/out", "/s", null)[6]);
    }

    [SkippableFact]
    public void A_dockerfile_from_scratch_is_built_with_buildah_and_archived()
    {
        Skip.If(ToolLocator.Find("buildah") is null, "buildah is not installed");
        Skip.If(!Environment.IsPrivilegedProcess, "buildah builds here need root (user namespaces are not set up for other users)");
        using var dir = new TempDir();
        dir.Write("ctx/hello.txt", "from a Dockerfile\n");
        Directory.CreateDirectory(dir["ctx/data/empty"]);
        dir.Write("ctx/Dockerfile", "FROM scratch\nCOPY hello.txt /etc/hello.txt\nCOPY data /data\n");
        var r = Builder(dir).Resolve(dir["ctx/Dockerfile"]);
        Assert.Equal(RootfsSourceKind.Dockerfile, r.Kind);
        var list = ProcessRunner.Run("bsdtar", ["-tf", r.CpioPath]);
        Assert.True(list.Succeeded, list.CombinedOutput);
        var names = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("etc/hello.txt", names);
        Assert.Contains("data/empty", names);
        // The exported tree is gone; the build is reproducible (same archive the second time).
        Assert.False(Directory.Exists(dir["cache/build"]) && Directory.EnumerateFileSystemEntries(dir["cache/build"]).Any());
        Assert.Equal(r.CpioPath, Builder(dir).Resolve(dir["ctx/Dockerfile"]).CpioPath);
    }

    [SkippableFact]
    public void A_failing_dockerfile_build_says_what_the_tool_said()
    {
        Skip.If(ToolLocator.Find("buildah") is null, "buildah is not installed");
        Skip.If(!Environment.IsPrivilegedProcess, "buildah builds here need root");
        using var dir = new TempDir();
        dir.Write("ctx/Dockerfile", "FROM scratch\nCOPY missing.txt /x\n");
        var e = Assert.Throws<KraftException>(() => Builder(dir).Resolve(dir["ctx/Dockerfile"]));
        Assert.Contains("could not build", e.Message);
        Assert.Contains("missing.txt", e.Message);
    }
}
