namespace Kraft.Host;

/// <summary>
/// The C library every P/Invoke of kraft binds to, by its file name: given the bare name "libc",
/// the runtime probes about a hundred paths (libc.so is a linker script, then liblibc.so in every
/// library directory) before it finds the library, at the first call in each process, and every
/// kraft command is a process (run -d starts two more). glibc's soname is the same on x86_64 and arm64.
/// </summary>
internal static class LibC
{
    public const string Name = "libc.so.6";
}
