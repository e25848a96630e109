using Kraft.Project;

namespace Kraft.Oci;

public enum RootfsKind { None, Dockerfile, Directory, Cpio }

/// <summary>
/// What a runtime Kraftfile (<c>runtime: NAME[:TAG]</c> with <c>rootfs:</c> and <c>cmd:</c>)
/// means, decided before anything is pulled or built: the runtime image (a bare name resolved
/// against unikraft.org as KraftKit does, tag latest; or a full reference; or a local kernel
/// through kernel://), the rootfs and what kind it is, and the command line.
/// </summary>
public sealed record RuntimePlan(ImageRef? Runtime, string? RuntimeKernel, string? Rootfs, RootfsKind RootfsKind, IReadOnlyList<string> Cmd)
{
    public static RuntimePlan? For(KraftProject project)
    {
        if (project.Runtime is not { } rt) return null;
        ImageRef? image = null;
        string? kernel = null;
        if (rt.Source is { } src && src.StartsWith("kernel://", StringComparison.Ordinal)) kernel = src["kernel://".Length..];
        else
        {
            var text = rt.Source is { } s && s.StartsWith("oci://", StringComparison.Ordinal) ? s["oci://".Length..]
                : rt.Version is { } v ? (Digest.TryParse(v, out _) ? $"{rt.Name}@{v}" : $"{rt.Name}:{v}") : rt.Name;
            image = ImageRef.Parse(text, rt.Location);
        }
        string? rootfs = null;
        var kind = RootfsKind.None;
        if (project.Rootfs is { } r)
        {
            rootfs = Path.GetFullPath(Path.Combine(project.Directory, r));
            kind = Directory.Exists(rootfs) ? RootfsKind.Directory
                : Path.GetFileName(rootfs).Contains("Dockerfile", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(rootfs).EndsWith(".dockerfile", StringComparison.OrdinalIgnoreCase) ? RootfsKind.Dockerfile
                : RootfsKind.Cpio;
        }
        return new RuntimePlan(image, kernel, rootfs, kind, project.Cmd);
    }

    public string Describe(string projectDir) =>
        $"runtime: {(Runtime?.ToString() ?? "kernel " + RuntimeKernel)}\n" +
        $"rootfs:  {(Rootfs is null ? "(none)" : $"{Path.GetRelativePath(projectDir, Rootfs)} ({RootfsKind.ToString().ToLowerInvariant()})")}\n" +
        $"cmd:     {(Cmd.Count == 0 ? "(the runtime's)" : string.Join(' ', Cmd.Select(c => c.Contains(' ') ? $"'{c}'" : c)))}\n";
}
