// kraft drives make, git and QEMU through POSIX process and file-mode APIs; Windows is not a host
// it supports (users there run it under WSL), so say so once instead of guarding each call.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
