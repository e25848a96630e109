using System.Runtime.InteropServices;

namespace Kraft.Machines;

/// <summary>The few libc calls the machine code needs (Linux; x86_64 and arm64 share these constants).</summary>
internal static partial class Native
{
    const string Libc = Kraft.Host.LibC.Name;

    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
    public const int O_DIRECTORY = 0x10000;
    public const int SIGKILL = 9;
    public const int SIGCONT = 18;
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int ENOTTY = 25;
    public const int SIGTERM = 15;
    public const int AT_FDCWD = -100;
    public const uint STATX_TYPE = 1;
    public const ushort S_IFMT = 0xF000;
    public const ushort S_IFCHR = 0x2000;

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    public const int O_WRONLY = 1, O_CREAT = 0x40, O_APPEND = 0x400;

    /// <summary>
    /// A log file opened with O_APPEND, so that several writers (QEMU's pumps, the supervisor's
    /// stderr) never overwrite each other (Linux appends even for pwrite on such a descriptor).
    /// </summary>
    public static FileStream OpenAppend(string path)
    {
        if (!OperatingSystem.IsLinux()) return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var fd = Open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0x1A4 /* 0644 */);
        if (fd < 0) throw new IOException($"cannot open {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1);
    }

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    // ioctl is variadic in C; on x86_64 and arm64 Linux a variadic integer argument travels
    // exactly like a fixed one, so a fixed three-argument signature is safe.
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nint arg);

    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Libc, EntryPoint = "setsid", SetLastError = true)]
    public static partial int SetSid();

    [LibraryImport(Libc, EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int oldFd, int newFd);

    [LibraryImport(Libc, EntryPoint = "isatty")]
    public static partial int IsATty(int fd);

    // struct termios is treated as an opaque buffer (60 bytes in glibc; 256 leaves room).
    [LibraryImport(Libc, EntryPoint = "tcgetattr", SetLastError = true)]
    public static unsafe partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport(Libc, EntryPoint = "tcsetattr", SetLastError = true)]
    public static unsafe partial int TcSetAttr(int fd, int optionalActions, byte* termios);

    // struct statx has the same layout on every architecture; stx_mode is a u16 at offset 0x1C.
    [LibraryImport(Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buf);

    /// <summary>The file-type bits of <paramref name="path"/>'s mode, or null with errno when it cannot be stat'ed.</summary>
    public static unsafe ushort? FileType(string path, out int errno)
    {
        var buf = stackalloc byte[256];
        if (Statx(AT_FDCWD, path, 0, STATX_TYPE, buf) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return (ushort)(*(ushort*)(buf + 0x1C) & S_IFMT);
    }

    /// <summary>Saves the terminal settings of stdin so they can be put back after a child that changes them.</summary>
    public sealed unsafe class TerminalState
    {
        readonly byte[] _saved = new byte[256];

        TerminalState() { }

        public static TerminalState? Capture()
        {
            try
            {
                if (!OperatingSystem.IsLinux() || IsATty(0) != 1) return null;
                var s = new TerminalState();
                fixed (byte* p = s._saved)
                    return TcGetAttr(0, p) == 0 ? s : null;
            }
            catch (DllNotFoundException) { return null; }
            catch (EntryPointNotFoundException) { return null; }
        }

        public void Restore()
        {
            fixed (byte* p = _saved)
                _ = TcSetAttr(0, 0 /* TCSANOW */, p);
        }
    }
}
