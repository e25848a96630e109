using System.Text.Json;
using Kraft.Host;

namespace Kraft.Machines;

/// <summary>A machine folder that could not be read; listed by name, never fatal for the others.</summary>
public sealed record StoreProblem(string Name, string Dir, string Reason);

/// <summary>
/// The machines on this host: one folder per machine under <c>&lt;runtime&gt;/machines/&lt;name&gt;</c>
/// (KraftKit's runtime dir: --runtime-dir, KRAFTKIT_RUNTIME_DIR, $XDG_DATA_HOME/kraftkit/runtime,
/// ~/.local/share/kraftkit/runtime), holding machine.json (name, id, spec; written once),
/// status.json (rewritten atomically under the folder's lock), the console log, the VMM log, the
/// control socket and the pid file. A folder appears complete or not at all: it is written under a
/// temporary name and renamed into place, which is also what makes names unique.
/// </summary>
public sealed class MachineStore
{
    public const string RuntimeDirVariable = "KRAFTKIT_RUNTIME_DIR";
    const string TempPrefix = ".new-";
    /// <summary>Bound on what is read from one record (a spec is a few KB).</summary>
    const int MaxRecordBytes = 1 << 20;

    /// <summary>The runtime directory (networks and volumes keep their own folders beside machines/).</summary>
    public string Root { get; }
    /// <summary>Where the machine folders are.</summary>
    public string MachinesDir { get; }

    public MachineStore(string root)
    {
        Root = Path.GetFullPath(root);
        MachinesDir = Path.Combine(Root, "machines");
    }

    /// <summary>--runtime-dir, else KRAFTKIT_RUNTIME_DIR, else $XDG_DATA_HOME/kraftkit/runtime, else ~/.local/share/kraftkit/runtime.</summary>
    public static string DefaultRoot(string? flag = null)
    {
        if (!string.IsNullOrEmpty(flag)) return Path.GetFullPath(flag);
        if (Environment.GetEnvironmentVariable(RuntimeDirVariable) is { Length: > 0 } env) return Path.GetFullPath(env);
        var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(data, "kraftkit", "runtime");
    }

    public static MachineStore Open(string? runtimeDirFlag = null) => new(DefaultRoot(runtimeDirFlag));

    MachineFiles FilesOf(string name) => new(ContainedPath.Combine(MachinesDir, Names.Check(NameKind.Machine, name)));

    /// <summary>
    /// Records a new machine in state Created. <paramref name="name"/> null picks a random
    /// adjective_noun that no machine has; a given name that is taken is refused ("already in use").
    /// </summary>
    public Machine Create(string? name, MachineSpec spec, bool foreground = false)
    {
        if (name is not null) Names.Check(NameKind.Machine, name);
        Directory.CreateDirectory(MachinesDir);
        var id = Guid.NewGuid().ToString("N");
        var temp = Path.Combine(MachinesDir, TempPrefix + id);
        Directory.CreateDirectory(temp);
        var status = new MachineStatus { State = MachineState.Created, CreatedAt = DateTimeOffset.UtcNow, Foreground = foreground };
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var candidate = name ?? (attempt < 64 ? MachineNames.Random() : $"{MachineNames.Random()}_{attempt}");
                var files = FilesOf(candidate);
                if (Directory.Exists(files.Dir))
                {
                    if (name is not null) throw InUse(name);
                    continue;
                }
                var record = new MachineRecord(candidate, id, spec);
                WriteJson(Path.Combine(temp, "machine.json"), JsonSerializer.SerializeToUtf8Bytes(record, MachineJson.Default.MachineRecord));
                WriteJson(Path.Combine(temp, "status.json"), JsonSerializer.SerializeToUtf8Bytes(status, MachineJson.Default.MachineStatus));
                try
                {
                    // rename(2) onto an existing (non-empty) folder fails: two creators never share a name.
                    Directory.Move(temp, files.Dir);
                }
                catch (IOException) when (Directory.Exists(files.Dir))
                {
                    if (name is not null) throw InUse(name);
                    continue;
                }
                return new Machine(candidate, id, spec, status, files);
            }
        }
        finally
        {
            if (Directory.Exists(temp)) TryDeleteTree(temp);
        }
    }

    static KraftException InUse(string name) =>
        new($"machine name '{name}' is already in use", hint: $"choose another --name, or remove the old machine: kraft rm {name}");

    /// <summary>Every readable machine, sorted by creation time; unreadable folders come back as problems.</summary>
    public (IReadOnlyList<Machine> Machines, IReadOnlyList<StoreProblem> Problems) List()
    {
        var machines = new List<Machine>();
        var problems = new List<StoreProblem>();
        if (!Directory.Exists(MachinesDir)) return (machines, problems);
        foreach (var dir in Directory.EnumerateDirectories(MachinesDir))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('.'))
            {
                SweepAbandoned(dir);
                continue;
            }
            if (Read(name, out var problem) is { } m) machines.Add(m);
            else if (problem is not null) problems.Add(problem);
        }
        machines.Sort((a, b) => a.Status.CreatedAt != b.Status.CreatedAt
            ? a.Status.CreatedAt.CompareTo(b.Status.CreatedAt)
            : string.CompareOrdinal(a.Name, b.Name));
        return (machines, problems);
    }

    /// <summary>The machine called <paramref name="name"/>; a missing one is an error with near names, a corrupt one names its file.</summary>
    public Machine Get(string name)
    {
        Names.Check(NameKind.Machine, name);
        if (Read(name, out var problem) is { } m) return m;
        if (problem is not null)
            throw new KraftException($"machine '{name}' cannot be read: {problem.Reason}",
                hint: $"remove it with: kraft rm -f {name}");
        var near = Suggestions.SimilarNames(name, Names0());
        throw new KraftException($"no machine named '{name}'",
            hint: near.Count > 0 ? $"did you mean {string.Join(", ", near.Select(n => $"'{n}'"))}?" : "list them with: kraft ps -a");
    }

    public Machine? TryGet(string name) => Names.IsValid(name) ? Read(name, out _) : null;

    /// <summary>Whether a folder (readable or not) exists for <paramref name="name"/>.</summary>
    public bool Exists(string name) => Names.IsValid(name) && Directory.Exists(FilesOf(name).Dir);

    IEnumerable<string> Names0() =>
        Directory.Exists(MachinesDir)
            ? Directory.EnumerateDirectories(MachinesDir).Select(Path.GetFileName).Where(n => n is not null && !n.StartsWith('.'))!
            : [];

    Machine? Read(string name, out StoreProblem? problem)
    {
        problem = null;
        var files = FilesOf(name);
        if (!Directory.Exists(files.Dir)) return null;
        try
        {
            var record = JsonSerializer.Deserialize(ReadBounded(files.SpecFile), MachineJson.Default.MachineRecord);
            if (record is null || record.Name != name || record.Spec is null || string.IsNullOrEmpty(record.Spec.KernelPath))
                throw new JsonException("machine.json does not describe this machine");
            var status = ReadStatus(files) ?? throw new JsonException("status.json is empty");
            return new Machine(name, record.Id, record.Spec, status, files);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException)
        {
            if (!Directory.Exists(files.Dir)) return null; // removed while we read it
            problem = new StoreProblem(name, files.Dir, e is FileNotFoundException ? $"{Path.GetFileName(((FileNotFoundException)e).FileName)} is missing" : e.Message);
            return null;
        }
    }

    static MachineStatus? ReadStatus(MachineFiles files) =>
        JsonSerializer.Deserialize(ReadBounded(files.StatusFile), MachineJson.Default.MachineStatus);

    static byte[] ReadBounded(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        if (fs.Length > MaxRecordBytes) throw new IOException($"{Path.GetFileName(path)} is larger than {MaxRecordBytes} bytes");
        var buf = new byte[fs.Length];
        fs.ReadExactly(buf);
        return buf;
    }

    /// <summary>The machine as stored now (its status re-read); null when it was removed.</summary>
    public Machine? Refresh(Machine m)
    {
        try { return ReadStatus(m.Files) is { } s ? m with { Status = s } : null; }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return Directory.Exists(m.Files.Dir) ? m : null; }
    }

    /// <summary>
    /// Changes the status under the machine's lock (read, change, atomic write), so concurrent
    /// writers (supervisor, stop, pause) never lose each other's updates. Returns null and writes
    /// nothing when the machine was removed meanwhile.
    /// </summary>
    public Machine? Update(Machine m, Func<MachineStatus, MachineStatus> change)
    {
        using var held = Lock(m, TimeSpan.FromSeconds(10));
        if (held is null) return null;
        var current = ReadStatusOrNull(m.Files) ?? m.Status;
        var next = change(current);
        WriteJson(m.Files.StatusFile, JsonSerializer.SerializeToUtf8Bytes(next, MachineJson.Default.MachineStatus));
        return m with { Status = next };
    }

    static MachineStatus? ReadStatusOrNull(MachineFiles files)
    {
        try { return ReadStatus(files); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Takes the machine's writer lock (flock, released by the kernel if we die); null when the
    /// machine's folder is gone. Never creates the folder.
    /// </summary>
    public IDisposable? Lock(Machine m, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            FileStream fs;
            try { fs = new FileStream(m.Files.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (DirectoryNotFoundException) { return null; }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
                continue;
            }
            catch (IOException)
            {
                throw new KraftException($"machine '{m.Name}' is locked by another kraft",
                    hint: $"wait for it to finish (lock {m.Files.LockFile})");
            }
            // The folder may have been removed between our open and the lock: then nothing to guard.
            if (!File.Exists(m.Files.SpecFile))
            {
                fs.Dispose();
                return null;
            }
            return fs;
        }
    }

    /// <summary>Removes the machine's folder (the caller has made sure nothing runs any more).</summary>
    public void Delete(Machine m)
    {
        IDisposable? held = null;
        try { held = Lock(m, TimeSpan.FromSeconds(10)); }
        catch (KraftException) { }
        using (held)
        {
            // Rename first so no reader sees a half-deleted machine, then delete at leisure.
            var gone = Path.Combine(MachinesDir, TempPrefix + "rm-" + Guid.NewGuid().ToString("N"));
            try { Directory.Move(m.Files.Dir, gone); }
            catch (DirectoryNotFoundException) { return; }
            TryDeleteTree(gone);
        }
    }

    /// <summary>Removes a folder whose record cannot be read (a <see cref="StoreProblem"/>).</summary>
    public void DeleteUnreadable(StoreProblem problem)
    {
        var gone = Path.Combine(MachinesDir, TempPrefix + "rm-" + Guid.NewGuid().ToString("N"));
        try { Directory.Move(problem.Dir, gone); }
        catch (DirectoryNotFoundException) { return; }
        TryDeleteTree(gone);
    }

    /// <summary>A temporary folder left by a kraft killed while creating or removing a machine.</summary>
    static void SweepAbandoned(string dir)
    {
        try
        {
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > TimeSpan.FromMinutes(1)) TryDeleteTree(dir);
        }
        catch (IOException) { }
    }

    static void WriteJson(string path, byte[] bytes) => AtomicFile.WriteAllBytes(path, bytes, durable: false);

    static void TryDeleteTree(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
