using Kraft.Rootfs;

namespace Kraft.Apps;

/// <summary>How to run a Linux program: the ELF loader kernel, the initrd holding the program and its rootfs, the command line.</summary>
public sealed record LinuxBinaryPlan(LinuxElf Program, string Kernel, string Initrd, string GuestPath,
    IReadOnlyList<string> AppArgs, IReadOnlyList<string> Notes);

/// <summary>
/// <c>kraft run ./a.out</c>: an unmodified Linux program run by Unikraft's ELF loader
/// (app-elfloader), as KraftKit's linuxu runner does. The program goes into a cpio initrd at
/// <c>/NAME</c> on top of the rootfs (a directory: a dynamic program needs its loader, PT_INTERP,
/// and its libraries there); the loader gets the program's guest path and arguments as its own.
/// Pure planning apart from writing the initrd into kraft's cache.
/// </summary>
public static class LinuxBinaryRunner
{
    /// <summary>True when <paramref name="path"/> is a Linux ELF program (not a Unikraft image).</summary>
    public static bool IsLinuxProgram(string path) =>
        File.Exists(path) && LinuxElf.TryRead(path) is { IsUnikraftImage: false } elf && !(elf.Machine == LinuxElf.EM_386 && elf.Interpreter is null && elf.Type == 2 && LooksMultiboot(path));

    /// <summary>A 32-bit i386 file with a multiboot header in its first 8 KiB is a kernel (Unikraft's x86_64 image is one).</summary>
    static bool LooksMultiboot(string path)
    {
        using var f = File.OpenRead(path);
        var buf = new byte[8192];
        var n = f.Read(buf);
        for (var i = 0; i + 4 <= n; i += 4)
            if (BitConverter.ToUInt32(buf, i) == 0x1BADB002) return true;
        return false;
    }

    /// <param name="loaderArch">The architecture the loader image runs (x86_64 for every loader kraft knows).</param>
    public static LinuxBinaryPlan Plan(string program, string? rootfs, ElfLoaderImage loader, IEnumerable<string> args, string cacheDir,
        IReporter? reporter = null, CancellationToken cancel = default)
    {
        var elf = LinuxElf.TryRead(program) ?? throw new KraftException($"{program} is not a Linux ELF program",
            hint: "kraft run takes a project, a Unikraft kernel or a Linux ELF executable");
        if (elf.Machine != LinuxElf.EM_X86_64 || !elf.Is64)
            throw new KraftException($"{program} is a Linux program for {elf.MachineName}, but the ELF loader runs x86_64 programs",
                hint: "build the program for x86_64 (gcc -static-pie, or dynamic with its libraries in --rootfs)");
        var name = Path.GetFileName(elf.Path);
        Names.Check(NameKind.Component, name);
        var entries = new List<CpioEntry>();
        string? rootDir = null;
        if (rootfs is not null)
        {
            rootDir = Path.GetFullPath(rootfs);
            entries.AddRange(DirectoryTree.Scan(rootDir, reporter, cancel));
        }
        if (elf.Interpreter is { } interp)
        {
            if (rootDir is null)
                throw new KraftException($"{program} is a dynamic program: it needs its loader {interp} and its libraries, and no --rootfs was given",
                    hint: $"pass --rootfs DIR with {interp} and the libraries 'ldd {program}' lists (at the same paths), or link it with -static-pie");
            if (!ExistsInside(rootDir, interp))
                throw new KraftException($"{program} is a dynamic program whose loader {interp} (PT_INTERP) is not in the rootfs {rootDir}",
                    hint: $"copy {interp} (and the libraries 'ldd {program}' lists) into {rootDir} at the same paths");
        }
        var guestPath = "/" + name;
        entries.RemoveAll(e => e.Path == name);
        entries.Add(CpioEntry.FileFrom(name, elf.Path, 0x1ED));
        Directory.CreateDirectory(cacheDir);
        var key = RootfsCache.KeyOf(entries, cancel);
        var initrd = Path.Combine(cacheDir, $"linux-{key[..16]}.cpio");
        if (!File.Exists(initrd)) CpioWriter.WriteFile(initrd, entries, cancel);
        var notes = new List<string>();
        if (!loader.ReportsExitStatus)
            notes.Add($"this ELF loader (Unikraft {loader.Version}) does not report the program's exit: app-elfloader's main sleeps forever once the program runs, "
                + "so the machine keeps running after the program exits and its status is lost; stop it with Ctrl-C "
                + "(a loader kraft builds itself, with no --loader and none kept, reports the status and halts)");
        return new LinuxBinaryPlan(elf, loader.Kernel, initrd, guestPath, [guestPath, .. args], notes);
    }

    /// <summary>Whether a guest path exists in the rootfs, following symbolic links inside it (bounded).</summary>
    static bool ExistsInside(string root, string guestPath)
    {
        var path = guestPath;
        for (var hops = 0; hops < 16; hops++)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var current = root;
            string? redirected = null;
            for (var i = 0; i < parts.Length; i++)
            {
                if (parts[i] == "..") { current = Path.GetDirectoryName(current) is { } up && up.Length >= root.Length ? up : root; continue; }
                var next = Path.Combine(current, parts[i]);
                var info = new FileInfo(next);
                if (info.LinkTarget is { } target)
                {
                    var rest = string.Join('/', parts.Skip(i + 1));
                    var guestDir = "/" + Path.GetRelativePath(root, current).Replace('\\', '/').TrimStart('.');
                    redirected = (target.StartsWith('/') ? target : guestDir.TrimEnd('/') + "/" + target) + (rest.Length > 0 ? "/" + rest : "");
                    break;
                }
                if (!info.Exists && !Directory.Exists(next)) return false;
                current = next;
            }
            if (redirected is null) return File.Exists(current);
            path = redirected;
        }
        return false;
    }
}

/// <summary>
/// The ELF loader kernel kraft runs Linux programs with: a kernel file, or the built qemu/x86_64
/// image of an app-elfloader project (kept per Unikraft version in kraft's data folder, so later
/// runs need no --loader).
/// </summary>
public sealed record ElfLoaderImage(string Kernel, string Version)
{
    /// <summary>
    /// Whether the loader prints the program's exit status and halts (kraft's ExitStatusLibrary is in
    /// it, or it prints the same line); app-elfloader alone never halts after the program exits.
    /// </summary>
    public bool ReportsExitStatus => _reports ??= ExitStatusLibrary.IsIn(Kernel);
    bool? _reports;

    /// <summary>The newest loader kept under <paramref name="cacheRoot"/> (&lt;version&gt;/kernel), or null.</summary>
    public static ElfLoaderImage? Newest(string cacheRoot)
    {
        if (!Directory.Exists(cacheRoot)) return null;
        var cached = Directory.GetDirectories(cacheRoot).Where(d => File.Exists(Path.Combine(d, "kernel")))
            .OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal).FirstOrDefault();
        return cached is null ? null : new ElfLoaderImage(Path.Combine(cached, "kernel"), Path.GetFileName(cached));
    }

    /// <summary>From --loader (a kernel or a project directory) or the newest cached one (<see cref="ElfLoaderBuilder.Obtain"/> also builds one).</summary>
    public static ElfLoaderImage Resolve(string? loader, string cacheRoot)
    {
        if (loader is null)
            return Newest(cacheRoot) ?? throw new KraftException("kraft has no ELF loader image yet",
                hint: "build an app-elfloader project once (kraft build -t qemu/x86_64 in it) and pass it with --loader DIR, or pass its kernel with --loader FILE; kraft keeps it per Unikraft version for later runs");
        if (File.Exists(loader)) return Keep(Path.GetFullPath(loader), cacheRoot);
        if (!Directory.Exists(loader))
            throw new KraftException($"--loader {loader} is neither a kernel file nor a project directory");
        var project = Project.KraftfileLoader.LoadProject(Path.GetFullPath(loader));
        var target = project.Targets.FirstOrDefault(t => t.Platform == "qemu" && t.Architecture == "x86_64")
            ?? throw new KraftException($"the ELF loader project {loader} has no qemu/x86_64 target", new SourceLocation(project.KraftfilePath));
        var kernel = Path.Combine(project.OutDir, target.KernelName);
        if (!File.Exists(kernel))
            throw new KraftException($"the ELF loader project {loader} is not built yet ({kernel} does not exist)",
                hint: $"build it once: (cd {loader} && kraft build -t qemu/x86_64)");
        return Keep(kernel, cacheRoot);
    }

    /// <summary>The loader image, kept in the cache under its Unikraft version (an image without a banner version is used in place).</summary>
    static ElfLoaderImage Keep(string kernel, string cacheRoot)
    {
        if (VersionOfImage(kernel) is not { } version) return new ElfLoaderImage(kernel, "unknown");
        var dir = Host.ContainedPath.Combine(cacheRoot, Names.Check(NameKind.Component, version));
        Directory.CreateDirectory(dir);
        var cachedKernel = Path.Combine(dir, "kernel");
        var tmp = Host.AtomicFile.TempPathBeside(cachedKernel);
        File.Copy(kernel, tmp, overwrite: true);
        Host.AtomicFile.Replace(tmp, cachedKernel);
        return new ElfLoaderImage(cachedKernel, version);
    }

    /// <summary>The Unikraft version in the image's banner ("Telesto 0.16.3"), when it has one.</summary>
    static string? VersionOfImage(string kernel)
    {
        var bytes = File.ReadAllBytes(kernel);
        var text = System.Text.Encoding.Latin1.GetString(bytes);
        var m = System.Text.RegularExpressions.Regex.Match(text, @"(?<![0-9.])(0\.[0-9]{1,2}\.[0-9]{1,2})(?:~[0-9a-f]+)?\0");
        return m.Success ? m.Groups[1].Value : null;
    }
}

/// <summary>
/// The Linux program's exit status, when the loader reports it: its last console line
/// <c>elfloader: exit status N</c> before a normal halt (the fixture loader does;
/// app-elfloader up to 0.17 only halts, or never halts on 0.16.x, so kraft's status is then the
/// halt's, 0).
/// </summary>
public static partial class LoaderExitStatus
{
    /// <summary>How much of the end of the console is read: the report is the last line.</summary>
    public const int TailBytes = 4096;

    [System.Text.RegularExpressions.GeneratedRegex(@"^elfloader: exit status ([0-9]{1,3})\r?$", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex Report();

    /// <summary>The status reported in the console text, or null (the last report wins; only 0..255).</summary>
    public static int? Find(string console)
    {
        int? status = null;
        foreach (System.Text.RegularExpressions.Match m in Report().Matches(console))
            if (int.TryParse(m.Groups[1].ValueSpan, out var n) && n <= 255) status = n;
        return status;
    }

    /// <summary>The status reported at the end of a console log file, or null.</summary>
    public static int? FromLog(string consoleLog)
    {
        try
        {
            using var f = new FileStream(consoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var start = Math.Max(0, f.Length - TailBytes);
            f.Seek(start, SeekOrigin.Begin);
            var buf = new byte[f.Length - start];
            f.ReadExactly(buf);
            return Find(System.Text.Encoding.UTF8.GetString(buf));
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
