using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kraft.Host;

/// <summary>
/// The one way kraft starts a child process: the child inherits stdin, stdout and stderr and no
/// other descriptor. .NET leaves some of its own descriptors inheritable (the duplicates behind
/// Console's streams among them), and a long-lived child holding the write end of our caller's
/// pipe keeps that pipe open after kraft exits: <c>kraft run -d | cat</c> would never end.
/// </summary>
public static partial class ChildProcesses
{
    const int CloseRangeCloexec = 4; // CLOSE_RANGE_CLOEXEC (Linux 5.11)
    const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;

    /// <summary>Starts <paramref name="process"/> (as <see cref="Process.Start()"/>, same exceptions) after sealing our descriptors.</summary>
    public static void Start(Process process)
    {
        SealInherited();
        process.Start();
    }

    /// <summary>Marks every descriptor above stderr close-on-exec; this process keeps using them.</summary>
    public static void SealInherited()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (CloseRange(3, uint.MaxValue, CloseRangeCloexec) == 0) return;
        }
        catch (EntryPointNotFoundException) { } // a libc older than 2.34
        // Older kernels: one descriptor at a time.
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                if (!int.TryParse(Path.GetFileName(entry), out var fd) || fd < 3) continue;
                var flags = Fcntl(fd, F_GETFD, 0);
                if (flags >= 0 && (flags & FD_CLOEXEC) == 0) _ = Fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    [LibraryImport(LibC.Name, EntryPoint = "close_range", SetLastError = true)]
    private static partial int CloseRange(uint first, uint last, int flags);

    // fcntl is variadic in C; on x86_64 and arm64 an integer variadic argument travels like a fixed one.
    [LibraryImport(LibC.Name, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);
}
