namespace Kraft.Project;

/// <summary>
/// A loaded, normalised Kraftfile: every spec version and every short or long form of a field
/// ends up in this one shape, which the rest of kraft works from.
/// </summary>
public sealed record KraftProject
{
    /// <summary>Absolute path of the project (working) directory.</summary>
    public required string Directory { get; init; }
    /// <summary>Absolute path of the Kraftfile that was loaded.</summary>
    public required string KraftfilePath { get; init; }
    /// <summary>The spec version as written ("v0.6", "0.5"), without normalisation.</summary>
    public required string Spec { get; init; }
    /// <summary>The application name (raw, as written, or the directory's base name).</summary>
    public required string Name { get; init; }
    /// <summary>Output directory for build results; defaults to &lt;dir&gt;/.unikraft/build.</summary>
    public required string OutDir { get; init; }
    public Component? Unikraft { get; init; }
    public IReadOnlyList<Component> Libraries { get; init; } = [];
    public IReadOnlyList<Target> Targets { get; init; } = [];
    public Component? Runtime { get; init; }
    public Component? Template { get; init; }
    /// <summary>The application tree make builds (A=): the template's, once merged (TemplateMerger); null: <see cref="Directory"/>.</summary>
    public string? AppDirectory { get; init; }
    public string? Rootfs { get; init; }
    /// <summary>Where the Kraftfile says rootfs:, for errors about it (null when it came from elsewhere).</summary>
    public SourceLocation? RootfsLocation { get; init; }
    public IReadOnlyList<string> Cmd { get; init; } = [];
    /// <summary>Environment for the guest, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];
    public IReadOnlyList<Volume> Volumes { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];
    /// <summary>Top-level kconfig (a Kraft.NET extension to the v0.6 schema; KraftKit ignores it).</summary>
    public IReadOnlyList<KconfigOption> Kconfig { get; init; } = [];
    /// <summary>
    /// Things the loader noticed but did not refuse (unknown keys, ignored legacy fields), each
    /// already prefixed with file:line:column so the CLI can print them as they are.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public enum ComponentKind { Core, Library, Application, Runtime }

/// <summary>A source component (the core, a library, a template app, a runtime).</summary>
public sealed record Component
{
    public required string Name { get; init; }
    public required ComponentKind Kind { get; init; }
    /// <summary>
    /// Where it comes from: an absolute local directory, a git URL, or null to use the index.
    /// For a runtime: null (look Name up in the registry), "oci://&lt;ref&gt;" or "kernel://&lt;absolute path&gt;".
    /// </summary>
    public string? Source { get; init; }
    /// <summary>Tag, branch, commit, channel or release; null when not given.</summary>
    public string? Version { get; init; }
    public IReadOnlyList<KconfigOption> Kconfig { get; init; } = [];
    /// <summary>Where the component was declared, for error messages.</summary>
    public SourceLocation? Location { get; init; }
}

/// <summary>A build target: one platform and one architecture.</summary>
public sealed record Target
{
    public required string Name { get; init; }
    /// <summary>Normalised platform: qemu, fc, xen, or passed through (linuxu, kraftcloud...).</summary>
    public required string Platform { get; init; }
    /// <summary>x86_64, arm64 or arm.</summary>
    public required string Architecture { get; init; }
    public IReadOnlyList<KconfigOption> Kconfig { get; init; } = [];
    public SourceLocation? Location { get; init; }

    /// <summary>The kernel image's file name: &lt;name&gt;_&lt;plat&gt;-&lt;arch&gt;.</summary>
    public string KernelName => $"{Name}_{Platform}-{Architecture}";
    /// <summary>"plat/arch", as users write targets.</summary>
    public string PlatArch => $"{Platform}/{Architecture}";
}

/// <summary>One Kconfig assignment from a Kraftfile, with the place it was written.</summary>
public sealed record KconfigOption(string Name, string Value, SourceLocation? Location = null);

/// <summary>A volume to mount in the guest.</summary>
public sealed record Volume(string Source, string Destination, string? Driver = null, bool ReadOnly = false);
