namespace Kraft.Tests.EndToEnd;

/// <summary>kraft run REF: a fixture kernel packaged, pushed to a real loopback registry, pulled on demand and booted under QEMU.</summary>
public class OciRunEndToEndTests
{
    [SkippableFact]
    public void Runs_an_image_from_the_registry_with_its_cmd_and_the_command_line_overriding_it()
    {
        Skip.IfNot(LocalRegistry.Available, "docker-registry is not installed (./install.sh installs it)");
        var kraftfile = $"spec: v0.6\nname: hello\nunikraft:\n  source: {TestPaths.FixtureCore}\n  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'\ntargets:\n  - qemu/x86_64\ncmd: [\"from\", \"image\"]\n";
        using var app = new FixtureApp("hello", kraftfile: kraftfile);
        var build = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(build.ExitCode == 0, build.ToString());
        using var registry = new LocalRegistry();
        using var store = new TempDir();
        var env = new Dictionary<string, string?> { ["KRAFT_OCI_DIR"] = store["a"] };
        CliResult K(string s, params string[] args) => KraftCli.Run(app.Dir, new Dictionary<string, string?>(env) { ["KRAFT_OCI_DIR"] = s }, TimeSpan.FromMinutes(3), args);
        var reference = $"{registry.Host}/hello:run";
        var pkg = K(store["a"], "pkg", "--name", reference, "-t", "qemu/x86_64");
        Assert.True(pkg.ExitCode == 0, pkg.ToString());
        Assert.True(K(store["a"], "pkg", "push", reference).ExitCode == 0);

        // A fresh store: run pulls the image, then boots its kernel with the image's cmd.
        var run = K(store["b"], "run", "-W", reference);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Powered by Kraft.NET fixture", run.Stdout);
        Assert.Contains("'from', 'image'])", run.Stdout);
        var again = K(store["b"], "run", "-W", reference, "--", "mine");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("'mine'])", again.Stdout);

        // The store is an OCI image layout other tools read: umoci lists the reference and unpacks
        // the very kernel kraft built (verifying every digest on the way); skopeo copies it into the
        // registry unchanged, and kraft pulls that copy back and boots it.
        if (LocalRegistry.Which("umoci") && LocalRegistry.Which("skopeo"))
        {
            Assert.Contains(reference, LocalRegistry.Run("umoci", "ls", "--layout", store["a"]));
            LocalRegistry.Run("umoci", "raw", "unpack", "--image", $"{store["a"]}:{reference}", store["unpacked"]);
            Assert.Equal(File.ReadAllBytes(app.Kernel()),
                File.ReadAllBytes(Path.Combine(store["unpacked"], "unikraft", "bin", "kernel")));
            var copied = $"{registry.Host}/copied/hello:run";
            LocalRegistry.Run("skopeo", "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", $"oci:{store["a"]}:{reference}", $"docker://{copied}");
            var fromCopy = K(store["c"], "run", "-W", copied);
            Assert.True(fromCopy.ExitCode == 0, fromCopy.ToString());
            Assert.Contains("Powered by Kraft.NET fixture", fromCopy.Stdout);
            Assert.Contains("'from', 'image'])", fromCopy.Stdout);
        }

        var none = K(store["b"], "run", "-W", $"{registry.Host}/hello:nope");
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("its tags are: run", none.Stderr);
    }
}
