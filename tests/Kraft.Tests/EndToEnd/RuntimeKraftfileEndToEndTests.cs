using System.Text.Json;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// Runtime Kraftfiles (runtime: + rootfs: + cmd:) end to end: a runtime image packaged here from the
/// fixture core's kernel (with the fixture's vfscore automount), pushed to a real loopback
/// registry, then built, run (foreground and detached), packaged with the new rootfs and pushed,
/// and the new image run from the registry. The fixture guest prints the vfs.fstab it got and the
/// files of the initrd it extracted, so the tests see the rootfs reach the guest.
/// </summary>
public class RuntimeKraftfileEndToEndTests
{
    const string Greeting = "hello from the rootfs";

    static string RuntimeKernelKraftfile =>
        $"spec: v0.6\nname: hello\nunikraft:\n  source: {TestPaths.FixtureCore}\n  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'\n"
        + "    CONFIG_LIBVFSCORE: 'y'\n    CONFIG_LIBVFSCORE_AUTOMOUNT_UP: 'y'\ntargets:\n  - qemu/x86_64\n  - fc/x86_64\ncmd: [\"from\", \"runtime\"]\n";

    [Fact]
    public void Configure_on_a_runtime_kraftfile_says_there_is_nothing_to_configure()
    {
        // 142 of unikraft/catalog's Kraftfiles are like this one; "declares no targets" was all kraft said.
        using var project = new TempDir();
        File.WriteAllText(project["Kraftfile"], "spec: v0.6\nname: hw\nruntime: base:latest\nrootfs: ./Dockerfile\ncmd: [\"/helloworld\"]\n");
        var r = KraftCli.Run(project.Path, "configure");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("a runtime project has nothing to configure: its kernel comes built in the runtime unikraft.org/base:latest", r.Stderr);
        Assert.Contains("Kraftfile:3", r.Stderr);
        Assert.Contains("'kraft build' pulls the runtime", r.Stderr);
        Assert.False(Directory.Exists(project[".unikraft"]));
    }

    static void AssertBootedWithRootfs(CliResult run, string cmdTail)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Powered by Kraft.NET fixture", run.Stdout);
        Assert.Contains("vfscore: fstab: initrd0:/:extract::ramfs=2:", run.Stdout);
        Assert.Contains($"vfscore: file /greeting.txt ({Greeting.Length + 1} bytes): {Greeting}", run.Stdout);
        Assert.Contains(cmdTail, run.Stdout);
    }

    static string KernelLayerDigest(HttpClient http, string registry, string repo, string tag)
    {
        var index = JsonDocument.Parse(Get(http, $"http://{registry}/v2/{repo}/manifests/{tag}", "application/vnd.oci.image.index.v1+json"));
        var manifestDigest = index.RootElement.GetProperty("manifests").EnumerateArray()
            .First(m => m.GetProperty("platform").GetProperty("os").GetString() == "qemu").GetProperty("digest").GetString();
        var manifest = JsonDocument.Parse(Get(http, $"http://{registry}/v2/{repo}/manifests/{manifestDigest}", "application/vnd.oci.image.manifest.v1+json"));
        return manifest.RootElement.GetProperty("layers").EnumerateArray()
            .First(l => l.TryGetProperty("annotations", out var a) && a.TryGetProperty("org.unikraft.kernel.image", out _))
            .GetProperty("digest").GetString()!;
    }

    static string Get(HttpClient http, string url, string accept)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        req.Headers.TryAddWithoutValidation("Accept", accept);
        using var resp = http.Send(req);
        Assert.True(resp.IsSuccessStatusCode, $"{url}: {(int)resp.StatusCode}");
        return resp.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    [SkippableFact]
    public void A_runtime_kraftfile_builds_runs_detaches_and_packages_against_a_runtime_in_a_registry()
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        Skip.IfNot(LocalRegistry.Which("qemu-system-x86_64"), "qemu-system-x86_64 is not installed");
        using var kernelApp = new FixtureApp("hello", kraftfile: RuntimeKernelKraftfile);
        var build = kernelApp.Kraft("build");
        Assert.True(build.ExitCode == 0, build.ToString());
        using var registry = new LocalRegistry();
        using var dirs = new TempDir();
        var runtimeRef = $"{registry.Host}/base:latest";
        CliResult K(string workDir, string store, params string[] args) => KraftCli.Run(workDir,
            new Dictionary<string, string?> { ["KRAFT_OCI_DIR"] = dirs[store], ["KRAFTKIT_RUNTIME_DIR"] = dirs["machines"] }, TimeSpan.FromMinutes(3), args);

        // The runtime: the fixture kernels (qemu and fc) with their kconfig (automount on) as an image in the registry.
        var pkg = K(kernelApp.Dir, "publisher", "pkg", "--name", runtimeRef, "--push");
        Assert.True(pkg.ExitCode == 0, pkg.ToString());

        // The runtime project: a directory rootfs with one file, and a cmd.
        var project = Path.Combine(dirs.Path, "app");
        dirs.Write("app/Kraftfile", $"spec: v0.6\nname: app\nruntime: {runtimeRef}\nrootfs: ./rootfs\ncmd: [\"from\", \"project\"]\n");
        dirs.Write("app/rootfs/greeting.txt", Greeting + "\n");

        var plan = K(project, "user", "build", "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains($"runtime: {runtimeRef}", plan.Stdout);
        Assert.Contains("rootfs:  rootfs (directory)", plan.Stdout);
        Assert.Contains("cmd:     from project", plan.Stdout);

        // kraft build: pulls the runtime into a fresh store and writes the initrd; nothing is compiled.
        var built = K(project, "user", "build");
        Assert.True(built.ExitCode == 0, built.ToString());
        Assert.Contains($"{runtimeRef} pulled", built.Output);
        var initrd = Path.Combine(project, ".unikraft", "build", "initramfs-x86_64.cpio");
        Assert.True(File.Exists(initrd), built.ToString());
        Assert.Contains("greeting.txt", File.ReadAllText(initrd));

        // kraft run: the runtime's kernel with that initrd mounted as / and the project's cmd; -- overrides it.
        AssertBootedWithRootfs(K(project, "user", "run", "-W"), "'from', 'project'])");
        AssertBootedWithRootfs(K(project, "user", "run", "-W", "--", "mine"), "'mine'])");

        // kraft run -d, then kraft logs.
        var detached = K(project, "user", "run", "-d", "-W", "--name", "rtk");
        Assert.True(detached.ExitCode == 0, detached.ToString());
        CliResult? logs = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (logs = K(project, "user", "logs", "rtk")).Stdout.Contains("Unikraft halted") is false) Thread.Sleep(300);
        AssertBootedWithRootfs(logs!, "'from', 'project'])");

        // kraft pkg: the runtime's kernel layer as it is, the new initrd, the project's cmd; pushed and run from the registry.
        var appRef = $"{registry.Host}/app:1";
        var packaged = K(project, "user", "pkg", "--name", appRef, "--push");
        Assert.True(packaged.ExitCode == 0, packaged.ToString());
        Assert.Contains("(fc/x86_64, qemu/x86_64)", packaged.Stdout); // every platform of the runtime
        using var http = new HttpClient();
        Assert.Equal(KernelLayerDigest(http, registry.Host, "base", "latest"), KernelLayerDigest(http, registry.Host, "app", "1"));
        AssertBootedWithRootfs(K(dirs.Path, "other", "run", "-W", appRef), "'from', 'project'])");
    }

    /// <summary>The fixture kernel built for qemu/x86_64 and pushed as REGISTRY/base:latest, with kraft pointed at the test's own OCI store and machines.</summary>
    sealed class QemuRuntimeInRegistry : IDisposable
    {
        public FixtureApp KernelApp { get; } = new("hello", kraftfile: RuntimeKernelKraftfile);
        public LocalRegistry Registry { get; }
        public TempDir Dirs { get; } = new();
        public string RuntimeRef => $"{Registry.Host}/base:latest";

        public QemuRuntimeInRegistry()
        {
            Assert.Equal(0, KernelApp.Kraft("build", "-t", "qemu/x86_64").ExitCode);
            Registry = new LocalRegistry();
            Assert.Equal(0, K(KernelApp.Dir, "pkg", "--name", RuntimeRef, "-t", "qemu/x86_64", "--push").ExitCode);
        }

        public CliResult K(string workDir, params string[] args) => KraftCli.Run(workDir,
            new Dictionary<string, string?> { ["KRAFT_OCI_DIR"] = Dirs["store"], ["KRAFTKIT_RUNTIME_DIR"] = Dirs["machines"] }, TimeSpan.FromMinutes(3), args);

        public void Dispose()
        {
            Registry.Dispose();
            Dirs.Dispose();
            KernelApp.Dispose();
        }
    }

    [SkippableFact]
    public void A_wrong_runtime_tag_platform_or_rootfs_is_named_with_its_kraftfile_line()
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        using var fixture = new QemuRuntimeInRegistry();
        var (registry, dirs) = (fixture.Registry, fixture.Dirs);
        CliResult K(string workDir, params string[] args) => fixture.K(workDir, args);
        dirs.Write("app/rootfs/greeting.txt", Greeting + "\n");
        var project = dirs["app"];
        var kraftfile = Path.Combine(project, "Kraftfile");

        File.WriteAllText(kraftfile, $"spec: v0.6\nruntime: {registry.Host}/base:nope\nrootfs: ./rootfs\n");
        var tag = K(project, "build");
        Assert.NotEqual(0, tag.ExitCode);
        Assert.Contains($"{kraftfile}:2:10: runtime {registry.Host}/base:nope does not exist", tag.Stderr);
        Assert.Contains("its tags are: latest", tag.Stderr);

        File.WriteAllText(kraftfile, $"spec: v0.6\nruntime: {registry.Host}/base:latest\nrootfs: ./rootfs\n");
        var arch = K(project, "build", "-m", "arm64");
        Assert.NotEqual(0, arch.ExitCode);
        Assert.Contains($"{kraftfile}:2:10: runtime {registry.Host}/base:latest has no image for qemu/arm64; it has: qemu/x86_64", arch.Stderr);

        File.WriteAllText(kraftfile, $"spec: v0.6\nruntime: {registry.Host}/base:latest\nrootfs: ./missing\n");
        var rootfs = K(project, "build");
        Assert.NotEqual(0, rootfs.ExitCode);
        Assert.Contains($"{kraftfile}:3:9: rootfs {Path.Combine(project, "missing")} does not exist", rootfs.Stderr);

        File.WriteAllText(kraftfile, "spec: v0.6\nruntime: 'Bad Name:x'\nrootfs: ./rootfs\n");
        var bad = K(project, "build");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains($"{kraftfile}:2:10:", bad.Stderr);
        Assert.DoesNotContain("   at ", bad.Stderr);
    }

    [SkippableFact]
    public void A_volume_on_a_prebuilt_runtime_without_9pfs_says_the_runtime_lacks_it_and_suggests_rootfs_not_a_rebuild()
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        using var fixture = new QemuRuntimeInRegistry();
        var (kernelApp, dirs, runtimeRef) = (fixture.KernelApp, fixture.Dirs, fixture.RuntimeRef);
        CliResult K(string workDir, params string[] args) => fixture.K(workDir, args);
        dirs.Write("app/Kraftfile", $"spec: v0.6\nname: app\nruntime: {runtimeRef}\nrootfs: ./rootfs\n");
        dirs.Write("app/rootfs/greeting.txt", Greeting + "\n");
        dirs.Write("share/file.txt", "x\n");
        var volume = dirs["share"] + ":/data";

        // The user's own build gets the rebuild hint (as before); the runtime and the image do not.
        var own = K(kernelApp.Dir, "run", "-W", "-v", volume);
        Assert.Equal(1, own.ExitCode);
        Assert.Contains("was built without 9pfs", own.Stderr);
        Assert.Contains("CONFIG_LIB9PFS=y; then kraft build", own.Stderr);

        var runtime = K(dirs["app"], "run", "-W", "-v", volume);
        Assert.Equal(1, runtime.ExitCode);
        Assert.Contains($"the runtime {runtimeRef} has no 9pfs, so its kernel cannot mount the volume {volume}", runtime.Stderr);
        Assert.Contains("--rootfs DIR", runtime.Stderr);
        Assert.Contains("or use a runtime that has 9pfs", runtime.Stderr);

        var image = K(dirs.Path, "run", "-W", "-v", volume, runtimeRef);
        Assert.Equal(1, image.ExitCode);
        Assert.Contains($"the image {runtimeRef} has no 9pfs", image.Stderr);
        Assert.Contains("--rootfs DIR", image.Stderr);
        foreach (var r in new[] { runtime, image })
        {
            Assert.DoesNotContain("kraft build", r.Stderr);
            Assert.DoesNotContain("CONFIG_LIB9PFS=y", r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr);
        }
        Assert.False(Directory.Exists(Path.Combine(dirs["machines"], "machines")) && Directory.EnumerateDirectories(Path.Combine(dirs["machines"], "machines")).Any());
    }
}
