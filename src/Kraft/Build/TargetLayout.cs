using Kraft.Project;

namespace Kraft.Build;

/// <summary>
/// Where one target's files live. Each target gets its own object folder, so switching between
/// targets does not throw the other's objects away (KraftKit shares one and rebuilds everything);
/// the finished images are copied to the usual .unikraft/build/&lt;name&gt;_&lt;plat&gt;-&lt;arch&gt;.
/// </summary>
public sealed record TargetLayout(
    string AppDir, string CoreDir, IReadOnlyList<string> LibraryDirs,
    string ObjDir, string ConfigPath, string KernelPath)
{
    public string DebugKernelPath => KernelPath + ".dbg";
    public string BuiltKernelPath(Target t) => Path.Combine(ObjDir, t.KernelName);

    public static TargetLayout For(KraftProject project, Target target, string coreDir, IReadOnlyList<string> libraryDirs, string? appDir = null) =>
        new(
            AppDir: appDir ?? project.AppDirectory ?? project.Directory,
            CoreDir: coreDir,
            LibraryDirs: libraryDirs,
            // Kernel names come from the target's name (checked where it entered) and are proven to stay in their folders.
            ObjDir: Host.ContainedPath.Combine(project.OutDir, "targets", target.KernelName),
            ConfigPath: Host.ContainedPath.Combine(project.Directory, ".config." + target.KernelName),
            KernelPath: Host.ContainedPath.Combine(project.OutDir, target.KernelName));

    /// <summary>
    /// The order libraries go into L=, as Unikraft's link needs it: the C++ runtime first, then
    /// the libc (musl, or newlib with pthread-embedded), then everything else by path.
    /// </summary>
    /// <param name="symbols">Each library's enabling symbol (LibrarySymbols), which identifies it better than its name.</param>
    public static IReadOnlyList<string> OrderLibraries(IEnumerable<(string Name, string Path)> libs, IReadOnlyDictionary<string, string>? symbols = null)
    {
        string[] first = ["libcxxabi", "libcxx", "libunwind", "compiler-rt", "libgo"];
        string[] libc = ["musl", "newlib", "pthread-embedded"];
        string[] firstSymbols = ["CONFIG_LIBCXXABI", "CONFIG_LIBCXX", "CONFIG_LIBUNWIND", "CONFIG_LIBCOMPILER_RT", "CONFIG_LIBGO"];
        string[] libcSymbols = ["CONFIG_LIBMUSL", "CONFIG_LIBNEWLIBC", "CONFIG_LIBPTHREAD_EMBEDDED"];
        static string Bare(string n) => n.StartsWith("lib", StringComparison.Ordinal) && n is not ("libcxxabi" or "libcxx" or "libunwind" or "libgo") ? n[3..] : n;
        int Rank(string name)
        {
            if (symbols?.GetValueOrDefault(name) is { } sym)
            {
                var s = Array.IndexOf(firstSymbols, sym);
                if (s >= 0) return s;
                s = Array.IndexOf(libcSymbols, sym);
                if (s >= 0) return 10 + s;
            }
            var i = Array.IndexOf(first, name);
            if (i < 0) i = Array.IndexOf(first, "lib" + name);
            if (i >= 0) return i;
            var j = Array.IndexOf(libc, Bare(name));
            return j >= 0 ? 10 + j : 100;
        }
        return libs.OrderBy(l => Rank(l.Name)).ThenBy(l => l.Path, StringComparer.Ordinal).Select(l => l.Path).ToList();
    }
}
