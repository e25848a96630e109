using System.CommandLine;
using Kraft.Cli.Rendering;
using Kraft.Packages;
using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;
using Kraft.Project;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft pkg pull NAME[@VERSION|:VERSION]... [-w DIR]</c>: resolves components through the index
/// and puts them where KraftKit places them in DIR (.unikraft/unikraft, .unikraft/libs/NAME, …),
/// through the caches. Without NAME, every component of the project in DIR, writing Kraftfile.lock.
/// </summary>
public static class PkgPullCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name")
        {
            Description = "Components to pull: NAME, TYPE/NAME or TYPE-NAME, optionally with @VERSION or :VERSION (none: the project's components)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "The project directory to pull into (default: the current one)" };
        var kraftfile = new Option<string?>("--kraftfile", "-K") { Description = "Use this Kraftfile (when pulling the project's components)" };
        var fetching = new FetchFlags();
        var plat = new Option<string?>("--plat", "-p") { Description = "For an image: the platform to pull (default qemu)" };
        var arch = new Option<string?>("--arch", "-m") { Description = "For an image: the architecture to pull (default this machine's)" };
        var all = new Option<bool>("--all-platforms") { Description = "For an image: pull every platform" };
        var registry = new RegistryOptions();
        var cmd = new Command("pull", "Fetch components into a project's .unikraft folder (through the source cache), or images (REGISTRY/NAME:TAG) into the image store")
            { names, workdir, kraftfile, plat, arch, all };
        fetching.AddTo(cmd);
        registry.AddTo(cmd);
        cmd.SetAction((r, cancel) =>
        {
            var given = r.GetValue(names) ?? [];
            if (given.Length > 0 && given.All(Kraft.Oci.ImageRef.HasRegistryPart))
            {
                try
                {
                    foreach (var n in given)
                        if (PkgRegistryCommands.Pull(n, r.GetValue(plat), r.GetValue(arch), r.GetValue(all), registry.Read(r), cancel) is var code and not 0) return Task.FromResult(code);
                    return Task.FromResult(0);
                }
                catch (Exception e) { return Task.FromResult(Program.Failure(e)); }
            }
            return Task.FromResult(Run(given, r.GetValue(workdir), r.GetValue(kraftfile), r, fetching, cancel));
        });
        return cmd;
    }

    static int Run(string[] names, string? workdir, string? kraftfile, ParseResult r, FetchFlags fetching, CancellationToken cancel)
    {
        try
        {
            var dir = Path.GetFullPath(workdir ?? Environment.CurrentDirectory);
            var (options, config) = fetching.Read(r, fetch: true);
            using var reporter = new ConsoleReporter();
            using var fetcher = new SourceFetcher(reporter, config);
            if (names.Length == 0)
            {
                // The template first: it brings its own libraries and options, and its tree is the app configured below.
                var project = fetcher.WithTemplate(ProjectLoading.Load(dir, kraftfile), options, cancel);
                if (project.Template is { } template && project.AppDirectory is { } app)
                    reporter.Done($"{ComponentRequest.For(template, project.Directory).Id}: template  {Rel(app)}");
                var sources = fetcher.Prepare(project, options, cancel);
                foreach (var c in sources.Libraries.Prepend(sources.Core).OfType<ResolvedComponent>())
                    reporter.Done($"{ComponentRequest.For(c.Component, project.Directory).Id}: {c.Describe()}  {Rel(c.Path)}");
                if (sources.LockWritten) reporter.Done($"wrote {Rel(sources.LockPath)}");
                // The libraries' own downloads (library origins): each target is configured and make says what it fetches.
                if (sources.Core is not null && project.Targets.Count > 0)
                {
                    var builder = new Kraft.Build.ProjectBuilder(reporter);
                    var plan = Kraft.Build.BuildPlanner.Plan(project, sources.Core, sources.Libraries, project.Targets, reporter.Warn);
                    var buildOptions = new Kraft.Build.BuildOptions
                    {
                        KraftExecutable = KconfigBackendOption.SelfPath,
                        Origins = new Packages.Origins.OriginOptions(config, options.Offline, options.Locked),
                    };
                    foreach (var t in plan.Targets)
                        foreach (var s in builder.PrefetchOrigins(plan, t, buildOptions, cancel))
                            reporter.Done($"{t.Target.Name} ({t.Target.PlatArch}): {s.Origin.Library} {s.Origin.File}: {s.State.ToString().ToLowerInvariant()} sha256:{s.Sha256![..12]}");
                }
                return 0;
            }
            foreach (var text in names)
            {
                var (type, name, version) = Parse(text, fetcher, config, cancel);
                var (source, path) = fetcher.Pull(type, name, version, dir, cancel);
                reporter.Done($"{type.Name()}/{name}: {source.Describe()}  {Rel(path)}");
            }
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    /// <summary>NAME[@VERSION|:VERSION] with an optional type (lib/musl, lib-musl, unikraft); the type comes from the index when not given.</summary>
    static (ComponentType, string, string?) Parse(string text, SourceFetcher fetcher, UserConfig config, CancellationToken cancel)
    {
        string? version = null;
        var at = text.LastIndexOf('@');
        if (at > 0) { version = text[(at + 1)..]; text = text[..at]; }
        if (!ComponentName.TryParse(text, out var typeText, out var name, out var colonVersion) || name.Length == 0)
            throw new KraftException($"'{text}' is not a component name", hint: "write NAME, TYPE/NAME or TYPE-NAME, e.g. lib/musl:stable or unikraft@0.17.0");
        version ??= colonVersion;
        Names.Check(NameKind.Component, name);
        if (typeText is not null)
        {
            if (!ComponentTypes.TryParse(typeText, out var t))
                throw new KraftException($"unknown component type '{typeText}'", hint: $"use {ComponentTypes.Allowed}");
            return (t, name, version);
        }
        var index = fetcher.Resolver.Index(config.Offline ? ResolveMode.CacheOnly : ResolveMode.Network, cancel);
        var found = index?.FindByName(name).ToList() ?? [];
        if (found.Count > 1)
            throw new KraftException($"'{name}' is the name of {string.Join(" and ", found.Select(e => e.Manifest.Id))}",
                hint: $"say which, e.g. {found[0].Manifest.Id}");
        return (found.Count == 1 ? found[0].Manifest.Type : ComponentType.Lib, name, version);
    }

    static string Rel(string path) => Path.GetRelativePath(Environment.CurrentDirectory, path);
}
