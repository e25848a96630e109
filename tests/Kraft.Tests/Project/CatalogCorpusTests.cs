using Kraft.Project;
using Xunit.Abstractions;

namespace Kraft.Tests.Project;

/// <summary>
/// Every Kraftfile in a unikraft/catalog checkout (path in KRAFT_TEST_CATALOG) must load; empty
/// ones must give the "Kraftfile is empty" error rather than anything obscure.
/// </summary>
public sealed class CatalogCorpusTests(ITestOutputHelper output)
{
    private static readonly string[] Names = ["Kraftfile", "kraft.yaml", "kraft.yml", "Kraftfile.yml", "Kraftfile.yaml"];

    [SkippableFact]
    public void EveryCatalogKraftfileLoads()
    {
        var root = Environment.GetEnvironmentVariable("KRAFT_TEST_CATALOG");
        Skip.If(string.IsNullOrEmpty(root), "set KRAFT_TEST_CATALOG to a unikraft/catalog checkout to run this test");
        Skip.IfNot(Directory.Exists(root), $"KRAFT_TEST_CATALOG={root} does not exist");

        var files = Directory.EnumerateFiles(root!, "*", SearchOption.AllDirectories)
            .Where(f => Names.Contains(Path.GetFileName(f)) && !f.Contains($"{Path.DirectorySeparatorChar}.git{Path.DirectorySeparatorChar}"))
            .Order(StringComparer.Ordinal).ToList();
        int loaded = 0, empty = 0, targets = 0;
        var failures = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            try
            {
                var project = KraftfileLoader.Parse(file, text);
                loaded++;
                targets += project.Targets.Count;
                foreach (var w in project.Warnings) output.WriteLine($"warning: {w}");
            }
            catch (KraftException e) when (e.Message == "Kraftfile is empty" && string.IsNullOrWhiteSpace(StripComments(text)))
            {
                empty++;
            }
            catch (KraftException e)
            {
                failures.Add(e.Describe());
            }
        }
        output.WriteLine($"{files.Count} files: {loaded} loaded ({targets} targets), {empty} empty, {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(loaded > 0, "no Kraftfile found under " + root);
    }

    private static string StripComments(string text) =>
        string.Join("\n", text.Split('\n').Where(l => !l.TrimStart().StartsWith('#') && l.Trim() != "---"));

    [Fact]
    public void AppHelloworldKraftYaml()
    {
        // hw:kraft.yaml at the mirrored HEAD, written out here to keep the test hermetic.
        const string text = "---\nspecification: '0.5'\nname: helloworld\nunikraft:\n  version: stable\ntargets:\n" +
            "  - architecture: x86_64\n    platform: qemu\n  - architecture: arm64\n    platform: qemu\n" +
            "  - architecture: x86_64\n    platform: firecracker\n  - architecture: arm64\n    platform: firecracker\n";
        var p = KraftfileLoader.Parse("/src/app-helloworld/kraft.yaml", text);
        Assert.Equal(["helloworld_qemu-x86_64", "helloworld_qemu-arm64", "helloworld_fc-x86_64", "helloworld_fc-arm64"],
            p.Targets.Select(t => t.KernelName));
        Assert.Empty(p.Warnings);
    }
}
