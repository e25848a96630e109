using System.Text;
using Kraft.Host;

namespace Kraft.Machines;

/// <summary>
/// Remembers, per host, whether KVM really runs Unikraft guests, so that a host whose /dev/kvm
/// answers but cannot run them (PVM: "KVM internal error") is tried once, not on every run. A
/// verdict is keyed by the host kernel release, the QEMU version and the CPU model: any of those
/// changing tries KVM again. One small text file, "key<TAB>kvm|tcg<TAB>reason" per line.
/// </summary>
public sealed class AccelVerdicts(string path)
{
    const int MaxLines = 64;
    public string Path { get; } = path;

    /// <summary>The file beside the machine folders in the runtime directory.</summary>
    public static AccelVerdicts In(MachineStore store) => new(System.IO.Path.Combine(store.Root, "accel-verdicts"));

    /// <summary>This host's key: kernel release, QEMU version, CPU model.</summary>
    public static string HostKey(Version? qemuVersion) =>
        $"{Read("/proc/sys/kernel/osrelease")}|qemu-{qemuVersion?.ToString() ?? "?"}|{CpuModel()}";

    /// <summary>The remembered verdict for <paramref name="key"/>: (false, why) when KVM failed here before; null when unknown.</summary>
    public (bool KvmWorks, string Reason)? Get(string key)
    {
        foreach (var line in Lines())
        {
            var parts = line.Split('\t');
            if (parts.Length >= 3 && parts[0] == key) return (parts[1] == "kvm", parts[2]);
        }
        return null;
    }

    public void Set(string key, bool kvmWorks, string reason)
    {
        var clean = reason.Replace('\t', ' ').Replace('\n', ' ');
        var lines = Lines().Where(l => !l.StartsWith(key + "\t", StringComparison.Ordinal)).TakeLast(MaxLines - 1).ToList();
        lines.Add($"{key}\t{(kvmWorks ? "kvm" : "tcg")}\t{clean}");
        try { AtomicFile.WriteAllText(Path, string.Join('\n', lines) + "\n", durable: false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    IEnumerable<string> Lines()
    {
        try
        {
            if (!File.Exists(Path) || new FileInfo(Path).Length > 64 * 1024) return [];
            return File.ReadAllLines(Path).Where(l => l.Length > 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    static string Read(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "?"; }
    }

    static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var c and > 0)
                    return line[(c + 1)..].Trim().Replace('|', '/');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return "?";
    }
}
