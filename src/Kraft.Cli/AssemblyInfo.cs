// kraft drives POSIX tools (make, git, QEMU) and uses the Kraft library, which is not supported on Windows;
// declared once here rather than warned about at every call.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
