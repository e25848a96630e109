using System.Runtime.InteropServices;

namespace Kraft.Host;

/// <summary>
/// Whole-file reads with three system calls (open, read, close). FileStream also takes and drops a shared
/// flock and stats the file twice, which is most of the cost for the ~1500 small files of a Linux Kconfig tree.
/// </summary>
internal static partial class PosixFile
{
    const string Libc = "libc";
    const int O_RDONLY = 0, O_CLOEXEC = 0x80000;
    const int ENOENT = 2, EINTR = 4, EACCES = 13, ENOTDIR = 20;

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>
    /// Reads the file into <paramref name="buffer"/> (grown as needed) and returns its length, or -1 when the
    /// file or a directory on its path does not exist. Other failures throw: IOException, or
    /// UnauthorizedAccessException for a permission error.
    /// </summary>
    public static unsafe int ReadAll(string path, ref byte[] buffer)
    {
        if (!OperatingSystem.IsLinux())
        {
            try { buffer = File.ReadAllBytes(path); return buffer.Length; }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return -1; }
        }
        int fd;
        do fd = Open(path, O_RDONLY | O_CLOEXEC);
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return -1;
            throw Failure(errno, path);
        }
        try
        {
            int n = 0;
            while (true)
            {
                if (n == buffer.Length) Array.Resize(ref buffer, Math.Max(4096, buffer.Length * 2));
                nint r;
                fixed (byte* p = &buffer[n]) r = Read(fd, p, (nuint)(buffer.Length - n));
                if (r == 0) return n;
                if (r < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    throw Failure(errno, path);
                }
                n += (int)r;
            }
        }
        finally { Close(fd); }
    }

    static Exception Failure(int errno, string path)
    {
        var message = $"{Marshal.GetPInvokeErrorMessage(errno)}: '{path}'";
        return errno == EACCES ? new UnauthorizedAccessException(message) : new IOException(message);
    }
}
