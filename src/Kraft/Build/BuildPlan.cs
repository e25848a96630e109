using Kraft.Packages;
using Kraft.Project;

namespace Kraft.Build;

/// <summary>Everything a build will do, decided before anything runs; --dry-run prints it.</summary>
public sealed record BuildPlan(KraftProject Project, ResolvedComponent Core, IReadOnlyList<ResolvedComponent> Libraries,
    IReadOnlyList<TargetPlan> Targets);

/// <summary>One target's configuration request and make invocations.</summary>
public sealed record TargetPlan(Target Target, TargetLayout Layout, IReadOnlyList<RequestedOption> Requested,
    IReadOnlyList<KeyValuePair<string, string>> MakeVariables)
{
    /// <summary>The defconfig fragment written before configuring (in the object folder).</summary>
    public string FragmentPath => Path.Combine(Layout.ObjDir, ".kraft-defconfig");
    /// <summary>conf writes here first; kraft renames it over the .config once it is complete.</summary>
    public string PendingConfigPath => Layout.ConfigPath + ".pending";

    IEnumerable<string> Vars(string configPath) =>
        MakeVariables.Select(kv => kv.Key == "C" ? $"C={configPath}" : $"{kv.Key}={kv.Value}");

    public MakeCommand Configure => new("configure",
        ["-C", Layout.CoreDir, "--no-print-directory", "-s", .. Vars(PendingConfigPath), $"UK_DEFCONFIG={FragmentPath}", "defconfig"]);

    public MakeCommand Build(int jobs) => new("build",
        ["-C", Layout.CoreDir, "--no-print-directory", $"-j{jobs}", .. Vars(Layout.ConfigPath)]);

    public MakeCommand Clean => new("clean", ["-C", Layout.CoreDir, "--no-print-directory", .. Vars(Layout.ConfigPath), "clean"]);
    public MakeCommand ProperClean => new("properclean", ["-C", Layout.CoreDir, "--no-print-directory", .. Vars(Layout.ConfigPath), "properclean"]);
}

/// <summary>Turns a project, its fetched components and the chosen targets into a plan.</summary>
public static class BuildPlanner
{
    public static BuildPlan Plan(KraftProject project, ResolvedComponent core, IReadOnlyList<ResolvedComponent> libraries, IReadOnlyList<Target> targets,
        Action<string>? warn = null)
    {
        var symbols = LibrarySymbols.For(libraries.Select(l => (l.Component.Name, l.Path)), warn);
        var libDirs = TargetLayout.OrderLibraries(libraries.Select(l => (l.Component.Name, l.Path)), symbols);
        var plans = targets.Select(t =>
        {
            var layout = TargetLayout.For(project, t, core.Path, libDirs);
            var requested = RequestedOptions.For(project, t, symbols);
            var vars = new List<KeyValuePair<string, string>>
            {
                new("A", layout.AppDir),
                new("O", layout.ObjDir),
                new("C", layout.ConfigPath),
                new("L", string.Join(':', layout.LibraryDirs)),
                new("N", t.Name),
            };
            if (CrossCompilePrefix(t.Architecture) is { } prefix && !requested.Any(r => r.Name == "CONFIG_CROSS_COMPILE"))
                vars.Add(new("CROSS_COMPILE", prefix));
            return new TargetPlan(t, layout, requested, vars);
        }).ToList();
        return new BuildPlan(project, core, libraries, plans);
    }

    /// <summary>The GNU cross toolchain prefix when the target's architecture is not the host's.</summary>
    public static string? CrossCompilePrefix(string arch)
    {
        var host = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "x86_64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            _ => "unknown",
        };
        if (host == arch) return null;
        return arch switch
        {
            "arm64" => "aarch64-linux-gnu-",
            "arm" => "arm-linux-gnueabihf-",
            "x86_64" => "x86_64-linux-gnu-",
            _ => null,
        };
    }
}
