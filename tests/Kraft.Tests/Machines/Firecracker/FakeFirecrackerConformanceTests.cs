using YamlDotNet.RepresentationModel;

namespace Kraft.Tests.Machines.Firecracker;

/// <summary>
/// Opt-in: the stand-in's request schemas against Firecracker's published OpenAPI description
/// (src/firecracker/swagger/firecracker.yaml of firecracker-microvm/firecracker), read from the
/// path in KRAFT_TEST_FIRECRACKER_OPENAPI. Every property, its type, requiredness, range and enum.
/// </summary>
public class FakeFirecrackerConformanceTests
{
    [SkippableFact]
    public void The_stand_in_checks_the_shapes_of_the_published_openapi_description()
    {
        var path = Environment.GetEnvironmentVariable("KRAFT_TEST_FIRECRACKER_OPENAPI");
        Skip.If(string.IsNullOrEmpty(path), "set KRAFT_TEST_FIRECRACKER_OPENAPI to firecracker.yaml (src/firecracker/swagger/ in firecracker-microvm/firecracker)");
        var yaml = new YamlStream();
        using (var reader = File.OpenText(path!)) yaml.Load(reader);
        var definitions = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["definitions"];
        YamlMappingNode Def(string name) => (YamlMappingNode)definitions[name];
        static string? Scalar(YamlMappingNode n, string key) =>
            n.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

        foreach (var (schema, ours) in FakeFirecracker.Schemas)
        {
            var def = Def(schema);
            var props = (YamlMappingNode)def["properties"];
            var required = def.Children.TryGetValue(new YamlScalarNode("required"), out var r)
                ? ((YamlSequenceNode)r).Select(x => ((YamlScalarNode)x).Value!).ToHashSet() : [];
            Assert.Equal(props.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(), ours.Keys.Order());
            foreach (var (keyNode, valueNode) in props.Children)
            {
                var name = ((YamlScalarNode)keyNode).Value!;
                var p = (YamlMappingNode)valueNode;
                var d = ours[name];
                // A $ref is another definition: an object, or a string enum such as CpuTemplate.
                if (Scalar(p, "$ref") is { } reference) p = Def(reference.Split('/')[^1]);
                Assert.True((Scalar(p, "type") ?? "object") == d.Type, $"{schema}.{name}: {Scalar(p, "type")} vs {d.Type}");
                Assert.True(required.Contains(name) == d.Required, $"{schema}.{name} required");
                if (Scalar(p, "minimum") is { } min) Assert.Equal(long.Parse(min), d.Min);
                if (Scalar(p, "maximum") is { } max) Assert.Equal(long.Parse(max), d.Max);
                if (p.Children.TryGetValue(new YamlScalarNode("enum"), out var e))
                    Assert.Equal(((YamlSequenceNode)e).Select(x => ((YamlScalarNode)x).Value!).Order(), (d.Enum ?? []).Order());
            }
        }
    }
}
