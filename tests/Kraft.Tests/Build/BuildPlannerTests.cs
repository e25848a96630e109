using Kraft.Build;

namespace Kraft.Tests.Build;

public class BuildPlannerTests
{
    [Fact]
    public void Libraries_are_ordered_as_the_link_needs()
    {
        var order = TargetLayout.OrderLibraries([
            ("lwip", "/l/lwip"), ("pthread-embedded", "/l/pte"), ("newlib", "/l/newlib"),
            ("libcxx", "/l/libcxx"), ("compiler-rt", "/l/crt"), ("libcxxabi", "/l/libcxxabi"), ("abc", "/l/abc"),
        ]);
        Assert.Equal(["/l/libcxxabi", "/l/libcxx", "/l/crt", "/l/newlib", "/l/pte", "/l/abc", "/l/lwip"], order);
    }

    [Fact]
    public void Cross_prefix_only_for_a_foreign_architecture()
    {
        var host = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64 ? "x86_64" : "arm64";
        Assert.Null(BuildPlanner.CrossCompilePrefix(host));
        Assert.NotNull(BuildPlanner.CrossCompilePrefix(host == "x86_64" ? "arm64" : "x86_64"));
    }
}
