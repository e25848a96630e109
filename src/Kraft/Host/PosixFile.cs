using System.Runtime.InteropServices;

namespace Kraft.Host;

/// <summary>
/// Whole-file reads with three system calls (open, read, close). FileStream also takes and drops a shared
/// flock and stats the file twice, which is most of the cost for the ~1500 small files of a Linux Kconfig tree.
/// </summary>
internal static partial class PosixFile
{
    const string Libc = LibC.Name;
    const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    const int AT_EMPTY_PATH = 0x1000, STATX_TYPE = 0x1, STATX_SIZE = 0x200, S_IFMT = 0xF000, S_IFREG = 0x8000;
    const int ENOENT = 2, EINTR = 4, EACCES = 13, ENOTDIR = 20;

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    // struct statx has the same layout on every architecture (unlike struct stat): 256 bytes, stx_mode (u16)
    // at offset 28, stx_size (u64) at 40
    [LibraryImport(Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Libc, EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>
    /// Reads the file into <paramref name="buffer"/> (grown as needed) and returns its length, or -1 when the
    /// file or a directory on its path does not exist. Other failures throw: IOException, or
    /// UnauthorizedAccessException for a permission error.
    /// </summary>
    public static unsafe int ReadAll(string path, ref byte[] buffer) => ReadAll(path, ref buffer, -1);

    /// <summary>
    /// As <see cref="ReadAll(string, ref byte[])"/>; with <paramref name="maxBytes"/> of 0 or more, only a regular
    /// file of at most that many bytes is read (a device, a FIFO or a larger file is refused with an IOException
    /// saying which): nothing else is opened in a way that could wait, and no more than the limit is read.
    /// </summary>
    public static unsafe int ReadAll(string path, ref byte[] buffer, long maxBytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                if (maxBytes >= 0 && new FileInfo(path) is { Exists: true } fi && fi.Length > maxBytes)
                    throw new IOException($"the file is larger than {maxBytes} bytes: '{path}'");
                buffer = File.ReadAllBytes(path); return buffer.Length;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return -1; }
        }
        int fd;
        // O_NONBLOCK: opening a FIFO does not wait for a writer (it changes nothing for a regular file)
        do fd = Open(path, O_RDONLY | O_CLOEXEC | (maxBytes >= 0 ? O_NONBLOCK : 0));
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return -1;
            throw Failure(errno, path);
        }
        try
        {
            if (maxBytes >= 0)
            {
                byte* st = stackalloc byte[256];
                if (Statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, st) != 0) throw Failure(Marshal.GetLastPInvokeError(), path);
                int mode = *(ushort*)(st + 28) & S_IFMT;
                if (mode != S_IFREG)
                    throw new IOException($"not a regular file (a {mode switch { 0x2000 => "character device", 0x6000 => "block device", 0x1000 => "FIFO", 0xC000 => "socket", 0x4000 => "directory", _ => "special file" }}): '{path}'");
                if (*(ulong*)(st + 40) > (ulong)maxBytes) throw new IOException($"the file is larger than {maxBytes} bytes: '{path}'");
            }
            int n = 0;
            while (true)
            {
                // a file that grows while it is read still stops at the limit
                if (maxBytes >= 0 && n > maxBytes) throw new IOException($"the file is larger than {maxBytes} bytes: '{path}'");
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
