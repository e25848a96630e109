using System.Runtime.InteropServices;

namespace Kraft.Machines;

/// <summary>Whether hardware acceleration can be used, and if not, why (and what to do about it).</summary>
public sealed record KvmStatus(bool Usable, string? Reason = null, string? Hint = null)
{
    public static readonly KvmStatus Available = new(true);
}

/// <summary>Checks /dev/kvm the way a hypervisor would use it: open it read-write and ask for the API version.</summary>
public static class KvmProbe
{
    public const nuint KVM_GET_API_VERSION = 0xAE00;
    public const int ExpectedApiVersion = 12;

    /// <summary>
    /// Can a <paramref name="guest"/> kernel run under KVM on this host? Only when the host has the
    /// same architecture and /dev/kvm works. <paramref name="devKvm"/> and <paramref name="sysModule"/>
    /// are parameters for tests; HOST_DEV relocates /dev as in KraftKit.
    /// </summary>
    public static KvmStatus Probe(GuestArch guest, string? devKvm = null, string sysModule = "/sys/module")
    {
        if (!OperatingSystem.IsLinux())
            return new KvmStatus(false, "KVM exists only on Linux");
        var host = GuestArchNames.Host;
        if (host != guest)
            return new KvmStatus(false, $"the guest is {guest.Name()} but this host is {host?.Name() ?? RuntimeInformation.OSArchitecture.ToString()}");
        devKvm ??= Path.Combine(Environment.GetEnvironmentVariable("HOST_DEV") ?? "/dev", "kvm");
        return ProbeDevice(devKvm, sysModule);
    }

    /// <summary>Probes the KVM device file itself, without the host/guest architecture check.</summary>
    /// <param name="detectPvm">
    /// false: do not guess from the kvm_pvm module; the caller finds out by running the guest (and
    /// remembers the verdict, <see cref="AccelVerdicts"/>).
    /// </param>
    public static KvmStatus ProbeDevice(string devKvm, string sysModule = "/sys/module", bool detectPvm = true)
    {
        try
        {
            var type = Native.FileType(devKvm, out var errno);
            if (type is null)
                return errno == Native.ENOENT
                    ? new KvmStatus(false, $"{devKvm} does not exist",
                        "enable virtualization (VT-x/AMD-V) in the firmware, load the kvm_intel or kvm_amd module, or allow nested virtualization for this VM")
                    : new KvmStatus(false, $"cannot stat {devKvm}: {Marshal.GetPInvokeErrorMessage(errno)}");
            if (type != Native.S_IFCHR)
                return new KvmStatus(false, $"{devKvm} exists but is not a character device");

            var fd = Native.Open(devKvm, Native.O_RDWR | Native.O_CLOEXEC);
            if (fd < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return errno is Native.EACCES or Native.EPERM
                    ? new KvmStatus(false, $"permission denied opening {devKvm}",
                        "add yourself to the kvm group: sudo usermod -aG kvm $USER, then log in again")
                    : new KvmStatus(false, $"cannot open {devKvm}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            try
            {
                var version = Native.Ioctl(fd, KVM_GET_API_VERSION, 0);
                if (version < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    return new KvmStatus(false, $"{devKvm} did not answer KVM_GET_API_VERSION: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
                if (version != ExpectedApiVersion)
                    return new KvmStatus(false, $"{devKvm} reports KVM API version {version}, expected {ExpectedApiVersion}");
            }
            finally
            {
                Native.Close(fd);
            }

            // PVM ("pagetable-based virtual machine", module kvm_pvm) serves /dev/kvm inside some
            // container VMs but only runs guests built for it: Unikraft hangs or QEMU aborts there.
            if (detectPvm && IsPvm(sysModule))
                return new KvmStatus(false, "the host's KVM is PVM (kvm_pvm), which cannot run Unikraft guests");
            return KvmStatus.Available;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return new KvmStatus(false, $"cannot probe {devKvm}: {e.Message}");
        }
    }

    /// <summary>Whether this host's KVM is PVM (kvm_pvm loaded, no kvm_intel/kvm_amd).</summary>
    public static bool IsPvm(string sysModule = "/sys/module") =>
        Directory.Exists(Path.Combine(sysModule, "kvm_pvm")) && !HasHardwareKvm(sysModule);

    static bool HasHardwareKvm(string sysModule) =>
        Directory.Exists(Path.Combine(sysModule, "kvm_intel")) || Directory.Exists(Path.Combine(sysModule, "kvm_amd"));
}
