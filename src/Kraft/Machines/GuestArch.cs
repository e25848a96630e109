using System.Runtime.InteropServices;

namespace Kraft.Machines;

/// <summary>The CPU architectures a Unikraft guest can be built for.</summary>
public enum GuestArch
{
    X86_64,
    Arm64,
    Arm,
}

public static class GuestArchNames
{
    /// <summary>The Unikraft spelling: x86_64, arm64, arm.</summary>
    public static string Name(this GuestArch arch) => arch switch
    {
        GuestArch.X86_64 => "x86_64",
        GuestArch.Arm64 => "arm64",
        GuestArch.Arm => "arm",
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    /// <summary>Parses a user's -m value; accepts the Go and GNU aliases (amd64, aarch64, arm32).</summary>
    public static GuestArch Parse(string value) =>
        TryParse(value, out var arch)
            ? arch
            : throw new KraftException($"unknown architecture '{value}'", hint: "use one of: x86_64, arm64, arm");

    public static bool TryParse(string? value, out GuestArch arch)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "x86_64" or "amd64" or "x86-64" or "x64":
                arch = GuestArch.X86_64; return true;
            case "arm64" or "aarch64":
                arch = GuestArch.Arm64; return true;
            case "arm" or "arm32" or "armhf":
                arch = GuestArch.Arm; return true;
            default:
                arch = default; return false;
        }
    }

    /// <summary>The architecture of the machine we run on, or null when Unikraft has no equivalent.</summary>
    public static GuestArch? Host => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => GuestArch.X86_64,
        Architecture.Arm64 => GuestArch.Arm64,
        Architecture.Arm => GuestArch.Arm,
        _ => null,
    };
}
