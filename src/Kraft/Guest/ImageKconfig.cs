namespace Kraft.Guest;

/// <summary>
/// The Kconfig a kernel image was built with, read from the .config kraft (or KraftKit, or make)
/// left beside it, so kraft can tell before boot whether the image can mount what it is given.
/// </summary>
public sealed class ImageKconfig
{
    readonly Dictionary<string, string> _values;

    ImageKconfig(string path, Dictionary<string, string> values)
    {
        Path = path;
        _values = values;
    }

    /// <summary>The file the values came from.</summary>
    public string Path { get; }

    public string? this[string name] => _values.GetValueOrDefault(name);
    public bool IsEnabled(string name) => _values.GetValueOrDefault(name) is "y" or "m";

    /// <summary>
    /// The .config of <paramref name="kernelPath"/>: kraft's per-target object folder
    /// (.unikraft/build/targets/&lt;kernel&gt;/config), KraftKit's shared one (.unikraft/build/config),
    /// the project's .config.&lt;kernel&gt; (two levels above .unikraft/build), or &lt;kernel&gt;.config.
    /// Null when none exists (a kernel from elsewhere).
    /// </summary>
    public static ImageKconfig? ForKernel(string kernelPath)
    {
        var full = System.IO.Path.GetFullPath(kernelPath);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        var name = System.IO.Path.GetFileName(full);
        if (name.EndsWith(".dbg", StringComparison.Ordinal)) name = name[..^4];
        string?[] candidates =
        [
            System.IO.Path.Combine(dir, "targets", name, "config"),
            System.IO.Path.Combine(dir, "targets", name, ".config"),
            System.IO.Path.GetFileName(dir) == "build" && System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(dir)) == ".unikraft"
                ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(dir))!, ".config." + name)
                : null,
            System.IO.Path.Combine(dir, "config"),
            System.IO.Path.Combine(dir, name + ".config"),
        ];
        foreach (var c in candidates)
            if (c is not null && File.Exists(c))
                return Load(c);
        return null;
    }

    /// <summary>Reads KEY=value lines ("# KEY is not set" is n; other comments are skipped); bounded to 16 MiB.</summary>
    public static ImageKconfig Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > 16 << 20)
            throw new KraftException($"{path} is too large to be a Kconfig file ({info.Length} bytes)");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith("# CONFIG_", StringComparison.Ordinal) && line.EndsWith(" is not set", StringComparison.Ordinal))
            {
                values[line[2..^11]] = "n";
                continue;
            }
            if (line.Length == 0 || line[0] == '#') continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var value = line[(eq + 1)..];
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1].Replace("\\\"", "\"").Replace("\\\\", "\\");
            values[line[..eq]] = value;
        }
        return new ImageKconfig(path, values);
    }

    /// <summary>For tests and callers that already have the values.</summary>
    public static ImageKconfig FromValues(string path, IEnumerable<KeyValuePair<string, string>> values) =>
        new(path, new Dictionary<string, string>(values, StringComparer.Ordinal));

    /// <summary>The image mounts what vfs.fstab= lists (KraftKit also takes the older CONFIG_LIBVFSCORE_FSTAB).</summary>
    public bool MountsFromCommandLine => IsEnabled("CONFIG_LIBVFSCORE_AUTOMOUNT_UP") || IsEnabled("CONFIG_LIBVFSCORE_FSTAB");

    /// <summary>The image can mount 9pfs shares (virtio-9p).</summary>
    public bool Has9pfs => IsEnabled("CONFIG_LIB9PFS") && (IsEnabled("CONFIG_LIBUK9P") || !_values.ContainsKey("CONFIG_LIBUK9P"));

    /// <summary>The image can extract a cpio initrd (ukcpio).</summary>
    public bool HasCpio => IsEnabled("CONFIG_LIBUKCPIO");
}
