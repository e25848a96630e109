namespace Kraft.Packages.Manifests;

/// <summary>The kinds of Unikraft component an index lists (KraftKit's unikraft/type.go).</summary>
public enum ComponentType { Core, Arch, Plat, Lib, App }

public static class ComponentTypes
{
    /// <summary>The name written in manifests: core, arch, plat, lib, app.</summary>
    public static string Name(this ComponentType t) => t switch
    {
        ComponentType.Core => "core",
        ComponentType.Arch => "arch",
        ComponentType.Plat => "plat",
        ComponentType.Lib => "lib",
        _ => "app",
    };

    /// <summary>The folder name used in caches and projects: archs, plats, libs, apps (core has none).</summary>
    public static string Plural(this ComponentType t) => t == ComponentType.Core ? "core" : t.Name() + "s";

    /// <summary>Reads a type as manifests write it; the plural forms are accepted too (KraftKit does).</summary>
    public static bool TryParse(string? text, out ComponentType type)
    {
        switch (text)
        {
            case "core": type = ComponentType.Core; return true;
            case "arch" or "archs": type = ComponentType.Arch; return true;
            case "plat" or "plats": type = ComponentType.Plat; return true;
            case "lib" or "libs": type = ComponentType.Lib; return true;
            case "app" or "apps": type = ComponentType.App; return true;
            default: type = default; return false;
        }
    }

    public const string Allowed = "core, lib, app, plat or arch";

    /// <summary>The index type of a Kraftfile component kind.</summary>
    public static ComponentType From(Kraft.Project.ComponentKind kind) => kind switch
    {
        Kraft.Project.ComponentKind.Core => ComponentType.Core,
        Kraft.Project.ComponentKind.Library => ComponentType.Lib,
        _ => ComponentType.App,
    };
}
