using System.Formats.Tar;
using System.IO.Compression;

namespace Kraft.Tests.Packages.Fetching;

/// <summary>Builds real archives for tests, including malicious ones.</summary>
public static class Archives
{
    public sealed record Entry(string Name, string? Content = null, string? Link = null, TarEntryType Type = TarEntryType.RegularFile);

    public static Entry File(string name, string content) => new(name, content);
    public static Entry Dir(string name) => new(name, Type: TarEntryType.Directory);
    public static Entry Symlink(string name, string target) => new(name, Link: target, Type: TarEntryType.SymbolicLink);
    public static Entry Hardlink(string name, string target) => new(name, Link: target, Type: TarEntryType.HardLink);
    public static Entry Device(string name) => new(name, Type: TarEntryType.CharacterDevice);

    public static byte[] TarGz(params Entry[] entries)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var e in entries)
            {
                var entry = new PaxTarEntry(e.Type, e.Name);
                if (e.Link is not null) entry.LinkName = e.Link;
                if (e.Content is not null) entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(e.Content));
                if (e.Type == TarEntryType.CharacterDevice) { entry.DeviceMajor = 1; entry.DeviceMinor = 3; }
                tar.WriteEntry(entry);
            }
        return ms.ToArray();
    }

    public static byte[] Zip(params (string Name, string Content)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content) in entries)
            {
                using var w = new StreamWriter(zip.CreateEntry(name).Open());
                w.Write(content);
            }
        return ms.ToArray();
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));

    /// <summary>A small Unikraft library tree (Config.uk, Makefile.uk, a source) under a GitHub-style top folder.</summary>
    public static byte[] Library(string name, string top, string greeting = "hello") => TarGz(
        Dir(top + "/"),
        File($"{top}/Config.uk", $"config LIB{name.ToUpperInvariant()}\n\tbool \"{name}\"\n"),
        File($"{top}/Makefile.uk", $"$(eval $(call addlib_s,lib{name},$(CONFIG_LIB{name.ToUpperInvariant()})))\n"),
        File($"{top}/{name}.c", $"const char *{name}_greeting = \"{greeting}\";\n"));
}
