using System.Runtime.InteropServices;

namespace Kraft.Host;

/// <summary>The file types lstat reports.</summary>
public enum FileKind { Regular, Directory, Symlink, CharDevice, BlockDevice, Fifo, Socket, Unknown }

/// <summary>
/// What lstat(2) says about a path, for the few callers that need more than .NET offers (inode,
/// device, link count, device numbers): the root filesystem archiver, to find hard links.
/// </summary>
public readonly record struct FileStatus(
    FileKind Kind, uint Mode, ulong Inode, uint DeviceMajor, uint DeviceMinor, uint LinkCount,
    long Size, uint RdevMajor, uint RdevMinor, long MtimeSeconds, uint MtimeNanoseconds)
{
    /// <summary>The permission bits (including setuid, setgid and sticky).</summary>
    public uint Permissions => Mode & 0xFFF;

    /// <summary>lstat of <paramref name="path"/> (a symbolic link is described, not followed).</summary>
    public static FileStatus Of(string path) => LstatCall.Lstat(path);
}

internal static partial class LstatCall
{
    const string Libc = LibC.Name;
    const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    const uint STATX_BASIC_STATS = 0x7FF;
    const int ENOENT = 2, EACCES = 13, ENOTDIR = 20;

    [LibraryImport(Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buf);

    // struct statx has one layout on every Linux architecture (include/uapi/linux/stat.h).
    public static unsafe FileStatus Lstat(string path)
    {
        var buf = stackalloc byte[256];
        if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"{Marshal.GetPInvokeErrorMessage(errno)}: '{path}'";
            throw errno switch
            {
                ENOENT or ENOTDIR => new FileNotFoundException(message, path),
                EACCES => new UnauthorizedAccessException(message),
                _ => new IOException(message),
            };
        }
        uint mode = *(ushort*)(buf + 0x1C);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            0x2000 => FileKind.CharDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        };
        return new FileStatus(kind, mode,
            Inode: *(ulong*)(buf + 0x20),
            DeviceMajor: *(uint*)(buf + 0x88), DeviceMinor: *(uint*)(buf + 0x8C),
            LinkCount: *(uint*)(buf + 0x10),
            Size: (long)*(ulong*)(buf + 0x28),
            RdevMajor: *(uint*)(buf + 0x80), RdevMinor: *(uint*)(buf + 0x84),
            MtimeSeconds: *(long*)(buf + 0x70), MtimeNanoseconds: *(uint*)(buf + 0x78));
    }
}
