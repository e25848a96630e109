using Kraft.Oci;
using Kraft.Project;

namespace Kraft.Tests.Oci;

public class RuntimePlanTests
{
    static RuntimePlan Plan(string kraftfile, string? dockerfile = "FROM scratch\n")
    {
        using var dir = new TempDir();
        var path = dir.Write("Kraftfile", kraftfile);
        if (dockerfile is not null) dir.Write("Dockerfile", dockerfile);
        Directory.CreateDirectory(dir["rootfs"]);
        return RuntimePlan.For(KraftfileLoader.Parse(path, kraftfile))!;
    }

    [Fact]
    public void A_bare_runtime_name_resolves_against_unikraft_org()
    {
        var p = Plan("spec: v0.6\nruntime: base:latest\nrootfs: ./Dockerfile\ncmd: [\"/usr/bin/python\", \"/src/server.py\"]\n");
        Assert.Equal("unikraft.org/base:latest", p.Runtime!.ToString());
        Assert.Equal(RootfsKind.Dockerfile, p.RootfsKind);
        Assert.Equal(["/usr/bin/python", "/src/server.py"], p.Cmd);
    }

    [Fact]
    public void A_full_reference_and_a_directory_rootfs()
    {
        var p = Plan("spec: v0.6\nruntime: localhost:5000/base:latest\nrootfs: ./rootfs\n");
        Assert.Equal("localhost:5000/base:latest", p.Runtime!.ToString());
        Assert.Equal(RootfsKind.Directory, p.RootfsKind);
        Assert.Equal("unikraft.org/python:latest", Plan("spec: v0.6\nruntime: python\n").Runtime!.ToString());
    }

    /// <summary>Every runtime Kraftfile of a unikraft/catalog checkout (KRAFT_TEST_CATALOG) plans: a runtime ref, a rootfs kind, a cmd.</summary>
    [SkippableFact]
    public void Every_catalog_runtime_kraftfile_plans()
    {
        var root = Environment.GetEnvironmentVariable("KRAFT_TEST_CATALOG");
        Skip.If(string.IsNullOrEmpty(root) || !Directory.Exists(root), "set KRAFT_TEST_CATALOG to a unikraft/catalog checkout to run this test");
        var planned = 0;
        var failures = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root!, "Kraftfile", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            if (!text.Split('\n').Any(l => l.StartsWith("runtime:", StringComparison.Ordinal))) continue;
            try
            {
                var plan = RuntimePlan.For(KraftfileLoader.Parse(file, text));
                if (plan?.Runtime is not { Registry: "unikraft.org" } || plan.RootfsKind == RootfsKind.None && text.Contains("rootfs:"))
                    failures.Add($"{file}: {plan?.Runtime} {plan?.RootfsKind}");
                else planned++;
            }
            catch (KraftException e) { failures.Add($"{file}: {e.Describe()}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(planned >= 100, $"only {planned} runtime Kraftfiles planned");
    }
}
