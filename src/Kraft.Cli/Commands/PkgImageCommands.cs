using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kraft.Build;
using Kraft.Oci;
using Kraft.Oci.Registry;
using Kraft.Project;

namespace Kraft.Cli;

/// <summary>
/// The OCI side of <c>kraft pkg</c>: packaging (<c>kraft pkg [DIR] --name REF</c>), and the
/// local image store (<c>ls --oci</c>, <c>info REF</c>, <c>rm REF</c>, <c>prune</c>). An argument
/// is an image reference when it has a registry part or a tag (<see cref="ImageRef.LooksLikeReference"/>);
/// otherwise it is a component name, as before.
/// </summary>
public static class PkgImageCommands
{
    /// <summary>Adds DIR, --name and the packaging options to the <c>kraft pkg</c> group itself.</summary>
    public static void AddPackaging(Command pkg)
    {
        var dir = new Argument<string?>("dir") { Description = "The project directory to package (default: the current one)", Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string?>("--name", "-n") { Description = "The image reference to package as (e.g. unikraft.org/hello:1.0; default registry unikraft.org, tag latest)" };
        var kraftfile = new Option<string?>("--kraftfile", "-K") { Description = "Use this Kraftfile instead of searching the directory" };
        var targets = new Option<string[]>("--target", "-t") { Description = "Only these targets (name or plat/arch; repeatable)", AllowMultipleArgumentsPerToken = false };
        var plat = new Option<string?>("--plat", "-p") { Description = "Only targets of this platform (with --kernel: the kernel's platform)" };
        var arch = new Option<string?>("--arch", "-m") { Description = "Only targets of this architecture (with --kernel: the kernel's architecture)" };
        var kernel = new Option<string?>("--kernel", "-k") { Description = "Package this prebuilt kernel (needs --plat and --arch; no Kraftfile)" };
        var rootfs = new Option<string?>("--rootfs") { Description = "A CPIO archive to package as the initrd (default: the Kraftfile's rootfs)" };
        var args = new Option<string[]>("--args", "-a") { Description = "The application's command line (replaces the Kraftfile's cmd; one string is shell-split)", AllowMultipleArgumentsPerToken = false };
        var env = new Option<string[]>("--env", "-e") { Description = "Environment K=V (a bare K takes this shell's value; repeatable)", AllowMultipleArgumentsPerToken = false };
        var label = new Option<string[]>("--label", "-l") { Description = "A label k=v (repeatable)", AllowMultipleArgumentsPerToken = false };
        var dbg = new Option<bool>("--dbg") { Description = "Include the debug kernel (KERNEL.dbg) at /unikraft/bin/kernel.dbg" };
        var noKconfig = new Option<bool>("--no-kconfig") { Description = "Do not record the .config in the platform's os.features" };
        var push = new Option<bool>("--push", "-P") { Description = "Push the image to its registry afterwards" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be packaged (for a runtime Kraftfile: the runtime, rootfs and cmd) and stop" };
        var registry = new RegistryOptions();
        pkg.Arguments.Add(dir);
        foreach (var o in new Option[] { name, kraftfile, targets, plat, arch, kernel, rootfs, args, env, label, dbg, noKconfig, push, dryRun })
            pkg.Options.Add(o);
        registry.AddTo(pkg);
        pkg.SetAction((r, cancel) => r.GetValue(name) is null && !r.GetValue(dryRun) && r.GetValue(kernel) is null
            ? Task.FromResult(Program.Failure(NotACommand(pkg, r.GetValue(dir))))
            : r.GetValue(dryRun) ? Task.FromResult(Plan(r.GetValue(dir), r.GetValue(kraftfile))) : Task.FromResult(Package(r.GetValue(dir), r.GetValue(name), r.GetValue(kraftfile), r.GetValue(targets) ?? [],
            r.GetValue(plat), r.GetValue(arch), r.GetValue(kernel), r.GetValue(rootfs), r.GetValue(args), r.GetValue(env) ?? [],
            r.GetValue(label) ?? [], r.GetValue(dbg), r.GetValue(noKconfig), r.GetValue(push), registry.Read(r), cancel)));
    }

    /// <summary>
    /// `kraft pkg` alone, or `kraft pkg WORD` where WORD is no directory: the user meant a
    /// subcommand (packaging needs --name), so say that, with did-you-mean.
    /// </summary>
    static KraftException NotACommand(Command pkg, string? word)
    {
        var names = pkg.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        if (word is null || Directory.Exists(word))
            return new KraftException($"'kraft pkg' needs a command: {string.Join(", ", names)}",
                hint: "see 'kraft pkg --help' for what each does; to package an image: kraft pkg --name REF [DIR]");
        var near = Suggestions.SimilarNames(word, names);
        return new KraftException($"unknown command '{word}' for 'kraft pkg'",
            hint: near.Count > 0 ? $"did you mean {string.Join(" or ", near.Select(n => $"'{n}'"))}? (see 'kraft pkg --help')" : "see 'kraft pkg --help'");
    }

    static int Plan(string? dir, string? kraftfile)
    {
        try
        {
            var project = ProjectLoading.Load(dir, kraftfile);
            if (RuntimePlan.For(project) is { } plan) Console.Out.Write(plan.Describe(project.Directory));
            else Console.Out.Write(string.Concat(project.Targets.Select(t => $"target:  {t.PlatArch} {Path.Combine(project.OutDir, t.KernelName)}\n")));
            return 0;
        }
        catch (Exception e) { return Program.Failure(e); }
    }

    static int Package(string? dir, string? name, string? kraftfile, string[] targetNames, string? plat, string? arch, string? kernel,
        string? rootfs, string[]? args, string[] env, string[] labels, bool dbg, bool noKconfig, bool push, RegistrySettings registry, CancellationToken cancel)
    {
        try
        {
            if (name is null)
                throw new KraftException("kraft pkg needs --name REF to package an image, or a subcommand",
                    hint: "e.g. kraft pkg --name unikraft.org/hello:1.0 . ; kraft pkg --help lists the subcommands (ls, info, pull, push, rm, prune...)");
            var options = new PackageOptions
            {
                Reference = ImageRef.Parse(name),
                Args = args is { Length: > 0 } ? args : null,
                Env = env,
                Labels = labels,
                Rootfs = rootfs is null ? null : Path.GetFullPath(rootfs),
                Debug = dbg,
                NoKconfig = noKconfig,
                Created = Packager.CreationTime(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH")),
            };
            PackageRequest request;
            if (kernel is not null)
            {
                if (plat is null || arch is null)
                    throw new KraftException("--kernel needs --plat and --arch (which platform and architecture the kernel is for)", hint: "e.g. kraft pkg --kernel K --plat qemu --arch x86_64 --name REF");
                if (!File.Exists(kernel)) throw new KraftException($"kernel {kernel} does not exist");
                request = ProjectPackager.ForKernel(kernel, TargetSelector.NormalisePlatform(plat), TargetSelector.NormaliseArchitecture(arch), options);
            }
            else
            {
                var project = ProjectLoading.Load(dir, kraftfile);
                if (RuntimeProject.PlanFor(project) is { } runtime)
                    request = RuntimeProject.ForPackage(project, runtime, targetNames, plat, arch, options,
                        ImageSource.FromUserConfig(m => Console.Error.WriteLine("warning: " + m)), StderrReporter.Instance, cancel);
                else
                {
                    var chosen = new List<Target>();
                    foreach (var t in targetNames.Length == 0 ? [null] : targetNames.Cast<string?>())
                        foreach (var c in TargetSelector.Select(project, t, plat, arch))
                            if (!chosen.Contains(c)) chosen.Add(c);
                    request = ProjectPackager.ForProject(project, chosen, options);
                }
            }
            var store = OciStore.Open();
            var root = Packager.Package(store, request);
            Console.Out.WriteLine($"packaged {request.Reference} ({string.Join(", ", request.Targets.Select(t => $"{t.Platform}/{t.Architecture}"))}) {root.DigestText}");
            if (push)
                return PkgRegistryCommands.PushOne(store, request.Reference, registry, cancel);
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    /// <summary><c>kraft pkg ls --oci</c>: the images of kraft's store and KraftKit's.</summary>
    public static int List(string output)
    {
        var bad = new List<string>();
        var entries = ImageCatalog.Default().List(bad.Add).OrderBy(e => e.Reference.ToString(), StringComparer.Ordinal).ToList();
        if (output == "json")
        {
            var json = entries.Select(ToJson).ToList();
            Console.Out.WriteLine(JsonSerializer.Serialize(json, ImageJson.Default.ListImageJson));
        }
        else if (entries.Count == 0)
            Console.Error.WriteLine($"no images in {OciStore.DefaultRoot()} (or KraftKit's {KraftKitStore.DefaultRoot()}); kraft pkg --name REF or kraft pkg pull REF adds some");
        else
        {
            var rows = new List<string[]> { new[] { "REFERENCE", "DIGEST", "PLATFORMS", "SIZE", "STORE" } };
            foreach (var e in entries)
                rows.Add([e.Reference.ToString(), e.Root.Digest.Short,
                    e.Image is { } i ? string.Join(",", i.Platforms.Select(p => p.Present ? p.Platform.ToString() : p.Platform + "(index only)")) : "damaged: " + e.Error,
                    e.Image is { } j ? Size(j.Platforms.Sum(p => p.LayerBytes)) : "-", e.From]);
            Console.Out.Write(PkgView.Table(rows));
        }
        foreach (var b in bad) Console.Error.WriteLine("warning: " + b);
        foreach (var e in entries.Where(e => e.Error is not null)) Console.Error.WriteLine($"warning: {e.Reference}: {e.Error}");
        return 0;
    }

    /// <summary><c>kraft pkg info REF</c>: platforms, sizes, digests, cmd, env, kconfig.</summary>
    public static int Info(string reference, string output)
    {
        var r = ImageRef.Parse(reference);
        var e = ImageCatalog.Default().Find(r) ?? throw NotHere(r);
        if (e.Image is null) throw new KraftException($"{r}: {e.Error}", hint: $"remove it with kraft pkg rm {r} and pull or package it again");
        if (output == "json")
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(e), ImageJson.Default.ImageEntryJson));
            return 0;
        }
        var sb = new StringBuilder();
        sb.Append($"reference: {r}\ndigest:    {e.Root.DigestText} ({e.Root.MediaType}, {e.Root.Size} bytes)\nstore:     {e.From}\n");
        foreach (var p in e.Image.Platforms)
        {
            sb.Append($"\nplatform:  {p.Platform}{(p.Platform.OsVersion is { } v ? $" (Unikraft {v})" : "")}\n");
            sb.Append($"  manifest: {p.Descriptor.DigestText} ({p.Descriptor.Size} bytes){(p.Present ? "" : " - not pulled")}\n");
            if (p.Manifest is null) continue;
            foreach (var l in p.Manifest.Layers)
                sb.Append($"  layer:    {l.DigestText} {Size(l.Size)} {l.Annotation(Annotations.KernelLayer) ?? l.Annotation(Annotations.InitrdLayer) ?? l.MediaType}\n");
            if (p.Config?.Config is { } c)
            {
                if (c.Cmd is { Count: > 0 }) sb.Append($"  cmd:      {string.Join(' ', c.Cmd.Select(QuoteWord))}\n");
                if (c.Env is { Count: > 0 }) sb.Append($"  env:      {string.Join(' ', c.Env.Select(QuoteWord))}\n");
            }
            if (p.Platform.OsFeatures is { Count: > 0 } f) sb.Append($"  kconfig:  {f.Count} options\n").Append(string.Concat(f.Select(x => $"    {x}\n")));
        }
        Console.Out.Write(sb.ToString());
        return 0;
    }

    /// <summary><c>kraft pkg rm REF</c>: drops the reference (the blobs go with kraft pkg prune).</summary>
    public static void Remove(string reference)
    {
        var r = ImageRef.Parse(reference);
        var store = OciStore.OpenExisting();
        if (store is null || !store.RemoveReference(r))
        {
            if (KraftKitStore.OpenExisting()?.List().Any(e => e.Reference.ToString() == r.ToString()) == true)
                throw new KraftException($"{r} is in KraftKit's store ({KraftKitStore.DefaultRoot()}), which kraft only reads", hint: "remove it with KraftKit's kraft pkg rm");
            throw NotHere(r);
        }
        Console.Out.WriteLine($"removed {r} (kraft pkg prune frees its blobs)");
    }

    public static Command Prune()
    {
        var now = new Option<bool>("--now") { Description = "Also remove unreferenced blobs written in the last 10 minutes (only when no other kraft is packaging or pulling)" };
        var cmd = new Command("prune", "Delete the image store's blobs that no image references, and interrupted downloads") { now };
        cmd.SetAction(r =>
        {
            try
            {
                var store = OciStore.OpenExisting();
                if (store is null) { Console.Out.WriteLine("the image store is empty"); return 0; }
                var result = store.Prune(r.GetValue(now) ? TimeSpan.Zero : TimeSpan.FromMinutes(10));
                Console.Out.WriteLine($"removed {result.Removed} blobs ({Size(result.Bytes)}); {result.Kept} kept");
                return 0;
            }
            catch (Exception e) { return Program.Failure(e); }
        });
        return cmd;
    }

    static KraftException NotHere(ImageRef r)
    {
        var all = ImageCatalog.Default().List().Select(e => e.Reference.ToString()).ToList();
        var close = Suggestions.SimilarNames(r.ToString(), all);
        return new KraftException($"no image {r} in the local store",
            hint: close.Count > 0 ? "did you mean " + string.Join(" or ", close) + "?" : $"pull it with kraft pkg pull {r}; kraft pkg ls --oci lists the images here");
    }

    static string QuoteWord(string w) => w.Length > 0 && w.All(c => !char.IsWhiteSpace(c) && c is not ('\'' or '"' or '\\')) ? w : "'" + w.Replace("'", "'\\''") + "'";

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };

    static ImageEntryJson ToJson(CatalogEntry e) => new()
    {
        Reference = e.Reference.ToString(),
        Digest = e.Root.DigestText,
        MediaType = e.Root.MediaType,
        Store = e.From,
        Error = e.Error,
        Platforms = e.Image?.Platforms.Select(p => new ImagePlatformJson
        {
            Os = p.Platform.Os,
            Architecture = p.Platform.Architecture,
            OsVersion = p.Platform.OsVersion,
            Manifest = p.Descriptor.DigestText,
            Present = p.Present,
            Size = p.LayerBytes,
            Cmd = p.Config?.Config?.Cmd,
            Env = p.Config?.Config?.Env,
            Kconfig = p.Platform.OsFeatures,
        }).ToList(),
    };
}

public sealed record ImageEntryJson
{
    public required string Reference { get; init; }
    public required string Digest { get; init; }
    public string? MediaType { get; init; }
    public required string Store { get; init; }
    public List<ImagePlatformJson>? Platforms { get; init; }
    public string? Error { get; init; }
}

public sealed record ImagePlatformJson
{
    public required string Os { get; init; }
    public required string Architecture { get; init; }
    public string? OsVersion { get; init; }
    public required string Manifest { get; init; }
    public bool Present { get; init; }
    public long Size { get; init; }
    public List<string>? Cmd { get; init; }
    public List<string>? Env { get; init; }
    public List<string>? Kconfig { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(List<ImageEntryJson>), TypeInfoPropertyName = "ListImageJson")]
[JsonSerializable(typeof(ImageEntryJson))]
internal sealed partial class ImageJson : JsonSerializerContext;
