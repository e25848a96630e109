using System.Text;

namespace Kraft.Machines;

/// <summary>
/// An xl domain config (xl.cfg(5)) for a Unikraft Xen image, a PV guest: name, kernel, ramdisk
/// (the initrd), memory, vcpus, the command line as for QEMU (Unikraft's Xen platform supplies
/// argv[0] itself), a vif per --network bridge, and no restart on poweroff, reboot or crash.
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

    /// <summary>The one line kraft prints when the config is written on a host that cannot boot it.</summary>
    public static string NeedsXenHost(string path) =>
        $"xl create {path} needs a Xen host (dom0); this host has no Xen hypervisor, so the machine stays created";
}
