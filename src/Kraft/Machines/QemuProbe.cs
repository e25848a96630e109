using Kraft.Host;

namespace Kraft.Machines;

/// <summary>A QEMU binary and the leading arguments that KRAFTKIT_QEMU may carry ("qemu-system-x86_64 -L /x").</summary>
public sealed record QemuBinary(string Path, IReadOnlyList<string> LeadingArgs);

/// <summary>Finds the QEMU system emulator for a guest and asks it for its version.</summary>
public static class QemuProbe
{
    public const string OverrideVariable = "KRAFTKIT_QEMU";

    /// <summary>The emulator program name for <paramref name="arch"/>.</summary>
    public static string BinaryName(GuestArch arch) => arch switch
    {
        GuestArch.X86_64 => "qemu-system-x86_64",
        GuestArch.Arm64 => "qemu-system-aarch64",
        GuestArch.Arm => "qemu-system-arm",
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    /// <summary>
    /// Locates the emulator. KRAFTKIT_QEMU (a program, optionally followed by space-separated
    /// arguments) overrides the choice; otherwise a missing emulator gives the install hint.
    /// </summary>
    public static QemuBinary Locate(GuestArch arch, string? overrideValue = null)
    {
        overrideValue ??= Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overrideValue))
        {
            var parts = overrideValue.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var found = ToolLocator.Find(parts[0])
                ?? throw new KraftException($"{OverrideVariable}={overrideValue}: '{parts[0]}' was not found",
                    hint: $"point {OverrideVariable} at a QEMU system emulator, or unset it");
            return new QemuBinary(found, parts[1..]);
        }
        var name = BinaryName(arch);
        return new QemuBinary(ToolLocator.Require(name, $"to run {arch.Name()} unikernels"), []);
    }

    /// <summary>Runs "<c>qemu -version</c>" and parses its first line. Nothing is cached.</summary>
    public static Version ProbeVersion(QemuBinary qemu)
    {
        var result = ProcessRunner.Run(qemu.Path, [.. qemu.LeadingArgs, "-version"]);
        var first = result.StandardOutput.Split('\n', 2)[0].Trim();
        if (!result.Succeeded || ParseVersion(first) is not { } version)
            throw new KraftException($"could not read the version of {qemu.Path}",
                hint: (result.CombinedOutput.Length > 0 ? result.CombinedOutput + "\n  " : "") + "is it a QEMU system emulator?");
        return version;
    }

    /// <summary>Parses "QEMU emulator version 7.2.22 (Debian ...)" into 7.2.22; null if the line is not of that form.</summary>
    public static Version? ParseVersion(string firstLine)
    {
        const string prefix = "QEMU emulator version ";
        if (!firstLine.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = firstLine[prefix.Length..];
        var end = 0;
        while (end < rest.Length && (char.IsAsciiDigit(rest[end]) || rest[end] == '.')) end++;
        var parts = rest[..end].Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 4) return null;
        var nums = new int[3];
        for (var i = 0; i < Math.Min(parts.Length, 3); i++)
            if (!int.TryParse(parts[i], out nums[i])) return null;
        return new Version(nums[0], nums[1], nums[2]);
    }
}
