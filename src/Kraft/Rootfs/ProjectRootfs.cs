using Kraft.Project;

namespace Kraft.Rootfs;

/// <summary>A project's root filesystem: the Kraftfile's <c>rootfs:</c> (or --rootfs) built beside its kernels.</summary>
public static class ProjectRootfs
{
    /// <summary>Where a project's archives are cached by content, as KraftKit's .unikraft/rootfs-cache.</summary>
    public static string CacheDirectory(KraftProject project) => Path.Combine(project.Directory, ".unikraft", "rootfs-cache");

    /// <summary>.unikraft/build/initramfs-&lt;arch&gt;.cpio.</summary>
    public static string OutputPath(KraftProject project, string arch) => Path.Combine(project.OutDir, RootfsBuilder.InitramfsFileName(arch));

    /// <summary>
    /// Builds the rootfs for <paramref name="arch"/> into <see cref="OutputPath"/>, or returns null
    /// when the project has none. <paramref name="overrideSource"/> (--rootfs, relative to the
    /// current directory) wins over the Kraftfile's (relative to the project).
    /// </summary>
    public static RootfsResult? Build(KraftProject project, string arch, string? overrideSource, IReporter reporter, CancellationToken cancel = default)
    {
        string source;
        SourceLocation? where = null;
        if (!string.IsNullOrEmpty(overrideSource)) source = Path.GetFullPath(overrideSource);
        else if (!string.IsNullOrEmpty(project.Rootfs))
        {
            source = Path.GetFullPath(Path.Combine(project.Directory, project.Rootfs));
            where = project.RootfsLocation ?? new SourceLocation(project.KraftfilePath);
        }
        else return null;
        return new RootfsBuilder(reporter, CacheDirectory(project)).BuildInto(source, OutputPath(project, arch), where, cancel);
    }
}
