namespace Kraft.Rootfs;

/// <summary>What an archive member is; the newc mode's file-type bits.</summary>
public enum CpioEntryKind
{
    Directory,
    File,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

/// <summary>
/// One member of a root filesystem archive. Paths are relative to the guest's root, '/'-separated,
/// without a leading "/" or "./" ("etc/app.conf"). A file's content comes from
/// <see cref="Content"/> or, read when the archive is written, from <see cref="SourcePath"/>.
/// </summary>
public sealed record CpioEntry
{
    public required string Path { get; init; }
    public required CpioEntryKind Kind { get; init; }
    /// <summary>Permission bits, 0 to 0o7777 (setuid, setgid and sticky included).</summary>
    public uint Permissions { get; init; }
    /// <summary>A regular file's content, when it is not read from <see cref="SourcePath"/>.</summary>
    public ReadOnlyMemory<byte>? Content { get; init; }
    /// <summary>A host file whose bytes become the member's content.</summary>
    public string? SourcePath { get; init; }
    /// <summary>A symbolic link's target, stored as its content.</summary>
    public string? LinkTarget { get; init; }
    /// <summary>
    /// For a regular file: the <see cref="Path"/> of another member it is a hard link of. Both get
    /// the same inode number in the archive, so readers that know links (cpio, bsdtar, Linux)
    /// recreate one file with two names.
    /// </summary>
    public string? HardLinkOf { get; init; }
    /// <summary>The device a character or block device member stands for.</summary>
    public uint RdevMajor { get; init; }
    public uint RdevMinor { get; init; }

    public static CpioEntry Directory(string path, uint permissions = 0x1ED /* 0755 */) =>
        new() { Path = path, Kind = CpioEntryKind.Directory, Permissions = permissions };

    public static CpioEntry File(string path, ReadOnlyMemory<byte> content, uint permissions = 0x1A4 /* 0644 */) =>
        new() { Path = path, Kind = CpioEntryKind.File, Content = content, Permissions = permissions };

    public static CpioEntry FileFrom(string path, string sourcePath, uint permissions = 0x1A4 /* 0644 */) =>
        new() { Path = path, Kind = CpioEntryKind.File, SourcePath = sourcePath, Permissions = permissions };

    public static CpioEntry Symlink(string path, string target) =>
        new() { Path = path, Kind = CpioEntryKind.Symlink, LinkTarget = target, Permissions = 0x1FF /* 0777 */ };
}
