using Kraft.Build;
using Kraft.Project;

namespace Kraft.Oci;

/// <summary>What <c>kraft pkg</c> was asked on its command line, beside the project.</summary>
public sealed record PackageOptions
{
    public required ImageRef Reference { get; init; }
    /// <summary>--args: replaces the Kraftfile's cmd when given.</summary>
    public IReadOnlyList<string>? Args { get; init; }
    /// <summary>--env K=V (a bare K takes this process's value).</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string> Labels { get; init; } = [];
    public string? Rootfs { get; init; }
    public bool Debug { get; init; }
    public bool NoKconfig { get; init; }
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UnixEpoch;
}

/// <summary>Turns a built project (or a prebuilt kernel) and the command line into a <see cref="PackageRequest"/>.</summary>
public static class ProjectPackager
{
    public static PackageRequest ForProject(KraftProject project, IReadOnlyList<Target> targets, PackageOptions options, Func<string, string?>? hostEnv = null)
    {
        var list = new List<PackageTarget>();
        foreach (var t in targets)
        {
            var kernel = Path.Combine(project.OutDir, t.KernelName);
            if (!File.Exists(kernel))
                throw new KraftException($"{t.Name} ({t.PlatArch}) is not built yet: {kernel} does not exist", hint: $"build it with: kraft build -t {t.PlatArch}");
            var config = Path.Combine(project.Directory, ".config." + t.KernelName);
            list.Add(new PackageTarget(t.Platform, t.Architecture, kernel, options.Debug ? kernel + ".dbg" : null,
                options.NoKconfig ? null : ConfigValues.ReadFile(config)));
        }
        var env = project.Env.Select(kv => $"{kv.Key}={kv.Value}").ToList();
        return Request(options, list, project.Cmd, env, project.Labels.Select(kv => $"{kv.Key}={kv.Value}"),
            options.Rootfs ?? (project.Rootfs is { } r ? Path.GetFullPath(Path.Combine(project.Directory, r)) : null), hostEnv);
    }

    /// <summary>A runtime project's request (<see cref="RuntimeProject.ForPackage"/>): the runtime's kernels, the built initrd, cmd and env already merged.</summary>
    public static PackageRequest ForRuntime(KraftProject project, IReadOnlyList<PackageTarget> targets, IReadOnlyList<string> cmd, IReadOnlyList<string> env,
        string? initrd, PackageOptions options, Func<string, string?>? hostEnv = null) =>
        Request(options, targets.ToList(), cmd, env.ToList(), project.Labels.Select(kv => $"{kv.Key}={kv.Value}"), initrd, hostEnv);

    public static PackageRequest ForKernel(string kernel, string platform, string architecture, PackageOptions options, Func<string, string?>? hostEnv = null) =>
        Request(options, [new PackageTarget(platform, architecture, Path.GetFullPath(kernel))], [], [], [], options.Rootfs, hostEnv);

    static PackageRequest Request(PackageOptions o, List<PackageTarget> targets, IReadOnlyList<string> cmd, List<string> env,
        IEnumerable<string> labels, string? rootfs, Func<string, string?>? hostEnv)
    {
        hostEnv ??= Environment.GetEnvironmentVariable;
        foreach (var e in o.Env)
        {
            var kv = e.Contains('=') ? e : hostEnv(e) is { } v ? $"{e}={v}" : throw new KraftException($"--env {Names.Quote(e)}: {e} is not set here", hint: "write --env NAME=value, or set it first");
            var key = kv[..kv.IndexOf('=')];
            env.RemoveAll(x => x.StartsWith(key + "=", StringComparison.Ordinal));
            env.Add(kv);
        }
        var labelMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in labels.Concat(o.Labels))
        {
            var eq = l.IndexOf('=');
            if (eq <= 0) throw new KraftException($"label {Names.Quote(l)} is not k=v", hint: "write --label key=value");
            labelMap[l[..eq]] = l[(eq + 1)..];
        }
        // A directory or a Dockerfile becomes a cpio as for kraft run (reproducible, cached by content); a cpio goes in as is.
        if (rootfs is not null)
            rootfs = new Rootfs.RootfsBuilder(NullReporter.Instance, Rootfs.RootfsCache.DefaultDirectory()).Resolve(rootfs).CpioPath;
        return new PackageRequest
        {
            Reference = o.Reference,
            Targets = targets,
            InitrdPath = rootfs,
            Cmd = o.Args is { Count: > 0 } args ? args.Count == 1 ? ShellWords.Split(args[0]) : args : cmd,
            Env = env,
            Labels = labelMap,
            Created = o.Created,
        };
    }
}

/// <summary>POSIX-shell-like word splitting for a command line given as one string (quotes and backslashes; no expansion).</summary>
public static class ShellWords
{
    public static IReadOnlyList<string> Split(string text)
    {
        var words = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`') cur.Append(text[++i]);
                else cur.Append(c);
            }
            else if (c is '\'' or '"') { quote = c; inWord = true; }
            else if (c == '\\' && i + 1 < text.Length) { cur.Append(text[++i]); inWord = true; }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(cur.ToString()); cur.Clear(); inWord = false; }
            }
            else { cur.Append(c); inWord = true; }
        }
        if (quote != '\0') throw new KraftException($"unbalanced {quote} in {Names.Quote(text)}", hint: "close the quote");
        if (inWord) words.Add(cur.ToString());
        return words;
    }
}
