using System.CommandLine;
using Kraft.Build;

namespace Kraft.Cli;

/// <summary>--kconfig-backend native|make, shared by build and configure.</summary>
public static class KconfigBackendOption
{
    /// <summary>This kraft executable, for the conf stand-in; null when running under the dotnet host (tests).</summary>
    public static string? SelfPath =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "kraft" ? p : null;

    public static Option<KconfigBackend> Create() => new("--kconfig-backend")
    {
        Description = "Configure with kraft's own Kconfig engine (native, the default) or with Unikraft's make and conf (make)",
        DefaultValueFactory = _ => KconfigBackend.Native,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "native";
            switch (text.ToLowerInvariant())
            {
                case "native": return KconfigBackend.Native;
                case "make": return KconfigBackend.Make;
                default:
                    r.AddError($"--kconfig-backend must be native or make, not '{text}'");
                    return KconfigBackend.Native;
            }
        },
    };
}
