using System.Runtime.InteropServices;
using System.Text;

namespace Kraft.Host;

/// <summary>
/// The C library every P/Invoke of kraft binds to, by its file name: given the bare name "libc",
/// the runtime probes about a hundred paths (libc.so is a linker script, then liblibc.so in every
/// library directory) before it finds the library, at the first call in each process, and every
/// kraft command is a process (run -d starts two more). glibc's soname is the same on x86_64 and arm64.
/// </summary>
internal static partial class LibC
{
    public const string Name = "libc.so.6";

    /// <summary>
    /// One line straight to descriptor 2, for the helper processes (the guard, the VMM launcher)
    /// that must never open the console: that would change the terminal's modes under the guest.
    /// </summary>
    public static void WriteErrorLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        _ = Write(2, bytes, bytes.Length);
    }

    [LibraryImport(Name, EntryPoint = "getppid")]
    public static partial int GetPpid();

    [LibraryImport(Name, EntryPoint = "write")]
    private static partial nint Write(int fd, byte[] buffer, nint count);
}
