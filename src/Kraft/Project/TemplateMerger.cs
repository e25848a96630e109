namespace Kraft.Project;

/// <summary>
/// A project on top of its template (KraftKit's MergeTemplate): the template's Kraftfile is the
/// base and the project's values win. The core and each library take the project's source and
/// version when it gives either, with kconfig combined (the project's value wins per option);
/// libraries and targets are the union (a template target named after the template takes the
/// project's name); rootfs, cmd, env, volumes and labels are the project's when it has them.
/// Every value of the template that the project overrides with another is reported, so nothing
/// is dropped silently. Pure: two models in, one model and the conflicts out.
/// </summary>
public static class TemplateMerger
{
    public sealed record Result(KraftProject Project, IReadOnlyList<string> Conflicts);

    /// <param name="templateDir">The template's tree: make's A= for the merged project.</param>
    public static Result Merge(KraftProject project, KraftProject template, string templateDir)
    {
        var conflicts = new List<string>();
        var label = $"template {project.Template?.Name ?? template.Name}";
        void Said(string what, string theirs, string mine) =>
            conflicts.Add($"{label} sets {what} to {theirs}; the project's {mine} is used");

        var core = MergeComponent(project.Unikraft, template.Unikraft, "unikraft", Said);
        var libraries = new List<Component>();
        foreach (var lib in template.Libraries)
            libraries.Add(MergeComponent(project.Libraries.FirstOrDefault(l => l.Name == lib.Name), lib, $"libraries.{lib.Name}", Said)!);
        libraries.AddRange(project.Libraries.Where(l => !template.Libraries.Any(t => t.Name == l.Name)));

        var targets = project.Targets.ToList();
        foreach (var t in template.Targets)
        {
            var renamed = t.Name == template.Name ? t with { Name = project.Name } : t;
            if (targets.FirstOrDefault(m => m.Platform == t.Platform && m.Architecture == t.Architecture) is { } mine)
            {
                var i = targets.IndexOf(mine);
                targets[i] = mine with { Kconfig = MergeKconfig(mine.Kconfig, t.Kconfig, $"targets[{t.PlatArch}].kconfig", Said) };
            }
            else targets.Add(renamed);
        }

        T Pick<T>(T mine, T theirs, bool mineSet, bool theirsSet, string what, Func<T, string> show)
        {
            if (!mineSet) return theirs;
            if (theirsSet && show(mine) != show(theirs)) Said(what, show(theirs), show(mine));
            return mine;
        }
        static string List(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";
        static string Pairs(IEnumerable<KeyValuePair<string, string>> items) => List(items.Select(kv => $"{kv.Key}={kv.Value}"));

        var merged = project with
        {
            Unikraft = core,
            Libraries = libraries,
            Targets = targets,
            Rootfs = Pick(project.Rootfs, template.Rootfs, project.Rootfs is not null, template.Rootfs is not null, "rootfs", r => r ?? ""),
            Cmd = Pick(project.Cmd, template.Cmd, project.Cmd.Count > 0, template.Cmd.Count > 0, "cmd", List),
            Env = Pick(project.Env, template.Env, project.Env.Count > 0, template.Env.Count > 0, "env", Pairs),
            Volumes = Pick(project.Volumes, template.Volumes, project.Volumes.Count > 0, template.Volumes.Count > 0, "volumes",
                v => List(v.Select(x => $"{x.Source}:{x.Destination}"))),
            Labels = Pick(project.Labels, template.Labels, project.Labels.Count > 0, template.Labels.Count > 0, "labels", Pairs),
            Runtime = project.Runtime ?? template.Runtime,
            Kconfig = MergeKconfig(project.Kconfig, template.Kconfig, "kconfig", Said),
            AppDirectory = templateDir,
            Warnings = [.. project.Warnings, .. template.Warnings],
        };
        return new Result(merged, conflicts);
    }

    static Component? MergeComponent(Component? mine, Component? theirs, string what, Action<string, string, string> said)
    {
        if (mine is null) return theirs;
        if (theirs is null) return mine;
        var kconfig = MergeKconfig(mine.Kconfig, theirs.Kconfig, what + ".kconfig", said);
        if (mine.Source is null && mine.Version is null)
            return mine with { Source = theirs.Source, Version = theirs.Version, Kconfig = kconfig };
        static string Show(Component c) => (c.Source ?? "the index") + (c.Version is { } v ? "@" + v : "");
        if ((theirs.Source is not null || theirs.Version is not null) && (theirs.Source != mine.Source || theirs.Version != mine.Version))
            said(what, Show(theirs), Show(mine));
        return mine with { Kconfig = kconfig };
    }

    /// <summary>The template's options, each replaced by the project's of the same name, then the project's new ones.</summary>
    static IReadOnlyList<KconfigOption> MergeKconfig(IReadOnlyList<KconfigOption> mine, IReadOnlyList<KconfigOption> theirs, string what,
        Action<string, string, string> said)
    {
        var result = new List<KconfigOption>();
        foreach (var t in theirs)
        {
            if (mine.FirstOrDefault(m => m.Name == t.Name) is { } m)
            {
                if (m.Value != t.Value) said($"{what} {t.Name}", t.Value, m.Value);
                result.Add(m);
            }
            else result.Add(t);
        }
        result.AddRange(mine.Where(m => !theirs.Any(t => t.Name == m.Name)));
        return result;
    }
}
