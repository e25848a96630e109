using System.Text;

namespace Kraft.Machines;

/// <summary>
/// An xl domain config for a Unikraft Xen image (PV). kraft writes it but cannot boot it here:
/// `xl create` needs a Xen host (dom0).
/// </summary>
public static class XenConfig
{
    public static string Render(MachineSpec spec, string name)
    {
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var sb = new StringBuilder();
        sb.Append("name = ").Append(Q(name)).Append('\n');
        sb.Append("type = \"pv\"\n");
        sb.Append("kernel = ").Append(Q(spec.KernelPath)).Append('\n');
        if (spec.InitrdPath is not null) sb.Append("ramdisk = ").Append(Q(spec.InitrdPath)).Append('\n');
        sb.Append("memory = ").Append(spec.MemoryMiB).Append('\n');
        sb.Append("vcpus = ").Append(spec.Cpus).Append('\n');
        sb.Append("cmdline = ").Append(Q(QemuCommandLine.Append(spec))).Append('\n');
        if (spec.Networks.Count > 0)
            sb.Append("vif = [ ").Append(string.Join(", ", spec.Networks.Select(n => Q($"bridge={n.Bridge}" + (n.Mac is null ? "" : $",mac={n.Mac}"))))).Append(" ]\n");
        sb.Append("on_poweroff = \"destroy\"\non_reboot = \"destroy\"\non_crash = \"destroy\"\n");
        return sb.ToString();
    }

    /// <summary>Writes the config beside the machine's other files and says what to do with it.</summary>
    public static KraftException WrittenButNotRunnable(string path) =>
        new($"wrote the Xen domain config {path}; booting it needs a Xen host",
            hint: $"on a Xen dom0 run: xl create {path}   (this host has no Xen hypervisor, so kraft cannot start it)");
}
