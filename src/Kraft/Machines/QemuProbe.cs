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

    /// <summary>
    /// QEMU's version, read from the banner string compiled into the binary when it is there (a
    /// memory-mapped search, ~3 ms) and otherwise from "<c>qemu -version</c>" (~35 ms, most of a
    /// TCG run's start-up overhead). Nothing is cached on disk.
    /// </summary>
    public static Version GetVersion(QemuBinary qemu) => ReadEmbeddedVersion(qemu.Path) ?? ProbeVersion(qemu);

    /// <summary>Finds "QEMU emulator version X.Y.Z" inside the executable itself; null when absent or unreadable.</summary>
    public static unsafe Version? ReadEmbeddedVersion(string path)
    {
        try
        {
            var length = new FileInfo(path).Length;
            if (length is 0 or > int.MaxValue) return null;
            using var map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(
                path, FileMode.Open, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
            using var view = map.CreateViewAccessor(0, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            try
            {
                var bytes = new ReadOnlySpan<byte>(ptr + view.PointerOffset, (int)length);
                var at = bytes.IndexOf("QEMU emulator version "u8);
                if (at < 0) return null;
                var end = Math.Min(bytes.Length, at + 80);
                var line = System.Text.Encoding.ASCII.GetString(bytes[at..end]);
                return ParseVersion(line.Split('\n', '\0')[0]);
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
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
