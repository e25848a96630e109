using System.CommandLine;
using Kraft.Cli.Rendering;
using Kraft.Packages.Config;
using Kraft.Packages.Fetching;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;
using Kraft.Project;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft pkg rm NAME... [-w DIR]</c>: removes a component's git mirrors and archives from the
/// sources cache, saying what went and how much space that freed. With -w, the project's tree for
/// it (DIR/.unikraft/…) goes too, if kraft put it there; Kraftfile.lock is kept (see CacheCleaner).
/// </summary>
public static class PkgRemoveCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "Components: NAME, TYPE/NAME or TYPE-NAME", Arity = ArgumentArity.OneOrMore };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Also remove the component's tree from this project's .unikraft folder" };
        var cmd = new Command("rm", "Remove components from the source cache (and, with -w, from a project), or images (REGISTRY/NAME:TAG) from the image store") { names, workdir };
        cmd.Aliases.Add("remove");
        cmd.SetAction((r, cancel) => Task.FromResult(Run(r.GetValue(names) ?? [], r.GetValue(workdir), cancel)));
        return cmd;
    }

    static int Run(string[] names, string? workdir, CancellationToken cancel)
    {
        try
        {
            var config = UserConfigLoader.Load();
            using var reporter = new ConsoleReporter();
            long total = 0;
            foreach (var text in names)
            {
                if (Kraft.Oci.ImageRef.HasRegistryPart(text))
                {
                    PkgImageCommands.Remove(text);
                    continue;
                }
                var bare = text.Split('@')[0];
                if (!ComponentName.TryParse(bare, out var typeText, out var name, out _) || name.Length == 0)
                    throw new KraftException($"'{text}' is not a component name", hint: "write NAME, TYPE/NAME or TYPE-NAME, e.g. lib/musl");
                Names.Check(NameKind.Component, name);
                ComponentType? type = null;
                if (typeText is not null)
                    type = ComponentTypes.TryParse(typeText, out var t) ? t : throw new KraftException($"unknown component type '{typeText}'", hint: $"use {ComponentTypes.Allowed}");
                var removed = CacheCleaner.Remove(type, name, config, workdir, reporter, cancel);
                if (removed.Count == 0)
                {
                    var snapshot = new IndexStore(config.ManifestsDir).Load();
                    var known = snapshot is not null && new ComponentIndex(snapshot).FindByName(name).Any();
                    if (!known && snapshot is not null && Suggestions.SimilarNames(name, new ComponentIndex(snapshot).All.Select(e => e.Manifest.Name)) is { Count: > 0 } close)
                        throw new KraftException($"nothing cached for '{text}', and the index has no such component; did you mean {string.Join(" or ", close)}?",
                            hint: "'kraft pkg ls' lists the components");
                    reporter.Done($"{text}: nothing cached ({config.SourcesDir})");
                    continue;
                }
                foreach (var item in removed)
                    reporter.Done($"removed {item.What} ({Size(item.Bytes)}): {item.Path}");
                total += removed.Sum(i => i.Bytes);
            }
            if (total > 0) reporter.Done($"freed {Size(total)}");
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    static string Size(long bytes) => bytes switch
    {
        >= 1 << 30 => $"{bytes / 1073741824.0:F1} GiB",
        >= 1 << 20 => $"{bytes / 1048576.0:F1} MiB",
        >= 1 << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}
