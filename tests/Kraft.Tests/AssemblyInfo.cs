// The library says it does not support Windows; so do its tests (they drive make, git and QEMU).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
