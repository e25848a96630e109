using System.Diagnostics;
using System.Text;
using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Fetching;
using Kraft.Packages.Locking;
using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Tests.Fuzz;

/// <summary>
/// A property per parser: for a bounded number of inputs mutated from real-looking ones (seeded,
/// so a failure repeats), the parser gives a result or a located KraftException, within a time and
/// an allocation bound, and never any other exception.
/// </summary>
public class ParserFuzzTests : IDisposable
{
    const int Inputs = 300;
    /// <summary>Archives touch the disk: fewer of them, to keep the whole class at a few seconds.</summary>
    const int ArchiveInputs = 120;
    static readonly TimeSpan PerInput = TimeSpan.FromSeconds(5); // a busy CI machine; a blow-up takes minutes
    const long MaxAllocated = 512 * Sizes.MiB;

    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    /// <summary>Pieces that break YAML and TOML in interesting ways, and bytes that are not text.</summary>
    static readonly string[] Tokens =
    [
        ":", ": ", "- ", "-", "&a ", "*a", "&b [*a, *a, *a]", "[", "]", "{", "}", ",", "\t", "\n", "\n  ", "\n\t", "  ", "#", "'", "\"",
        "\"\\0\"", "\\u0000", "!!binary ", "!!int ", "? ", "|\n  ", ">-\n", "---\n", "...\n", "~", "null", "0x", "1e9", "%YAML 1.1\n",
        "<<: *a\n", "\u00e9", "\U0001F600", "=", "[[", "]]", "\"\"\"", "'''", "CONFIG_", "..", "/", "../../", "\r\n",
    ];

    static byte[] Mutate(Random random, byte[] seed)
    {
        var data = new List<byte>(seed);
        var rounds = random.Next(1, 6);
        for (var r = 0; r < rounds; r++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count + 1);
            switch (random.Next(7))
            {
                case 0 when data.Count > 0: // flip a byte
                    data[Math.Min(at, data.Count - 1)] = (byte)random.Next(256);
                    break;
                case 1 when data.Count > 0: // cut
                    data.RemoveRange(at, Math.Min(random.Next(1, 16), data.Count - at));
                    break;
                case 2: // truncate
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 3 when data.Count > 0: // repeat a slice many times
                    var start = random.Next(data.Count);
                    var slice = data.GetRange(start, Math.Min(random.Next(1, 40), data.Count - start));
                    var times = random.Next(2, 200);
                    for (var t = 0; t < times; t++) data.InsertRange(at, slice);
                    break;
                case 4: // invalid UTF-8 or a NUL
                    data.Insert(at, (byte)(random.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => 0xC3 }));
                    break;
                default: // a token
                    data.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)]));
                    break;
            }
        }
        return [.. data];
    }

    /// <summary>Runs <paramref name="parse"/> on mutations of the seeds; returns how many gave a result.</summary>
    static int Check(int seed, string[] seeds, Action<byte[]> parse, bool located = true)
    {
        var random = new Random(seed);
        var results = 0;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < Inputs; i++)
        {
            var input = Mutate(random, Encoding.UTF8.GetBytes(seeds[random.Next(seeds.Length)]));
            var clock = Stopwatch.StartNew();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse(input);
                results++;
            }
            catch (KraftException e)
            {
                if (located)
                    Assert.True(e.Location is not null, $"input {i} (seed {seed}): no location in '{e.Message}'\n{Convert.ToBase64String(input)}");
                Assert.DoesNotContain("internal", e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"input {i} (seed {seed}) gave {e.GetType().Name}: {e.Message}\ninput (base64): {Convert.ToBase64String(input)}\n{e}");
            }
            Assert.True(clock.Elapsed < PerInput, $"input {i} (seed {seed}) took {clock.Elapsed}\n{Convert.ToBase64String(input)}");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < MaxAllocated, $"input {i} (seed {seed}) allocated too much");
        }
        Assert.True(total.Elapsed < TimeSpan.FromSeconds(60), $"{Inputs} inputs took {total.Elapsed}");
        return results;
    }

    static string Text(byte[] input, string file) => TextInput.Decode(input, file, file).Value;

    static readonly string[] Kraftfiles =
    [
        "spec: v0.6\nname: helloworld\nunikraft:\n  source: https://github.com/unikraft/unikraft.git\n  version: stable\n  kconfig:\n    CONFIG_LIBUKDEBUG: 'y'\nlibraries:\n  musl: stable\n  lwip:\n    version: stable\n    kconfig:\n      - CONFIG_LWIP_TCP=y\ntargets:\n  - qemu/x86_64\n  - platform: fc\n    architecture: arm64\ncmd: [\"-c\", \"/etc/app.conf\"]\nenv:\n  A: b\nvolumes:\n  - ./fs:/fs\n",
        "specification: '0.5'\nname: app\nunikraft: stable\ntargets:\n  - plat: qemu\n    arch: x86_64\nkconfig:\n  - CONFIG_A=y\n  - CONFIG_B=\"text\"\nrootfs: ./rootfs\n",
        "spec: v0.4\nunikraft: stable\narchitectures:\n  x86_64: true\nplatforms:\n  kvm: true\n",
    ];

    [Fact]
    public void Kraftfile() =>
        Check(1, Kraftfiles, input => KraftfileLoader.Parse("Kraftfile", Text(input, "Kraftfile"), _dir.Path));

    static readonly string[] Configs =
    [
        "# my settings\nno_prompt: true\npaths:\n  sources: /tmp/sources\n  manifests: ~/.local/share/kraftkit/manifests\nunikraft:\n  manifests:\n    - https://manifests.kraftkit.sh/index.yaml\n    - ./local/index.yaml\n  mirrors: []\nauth:\n  github.com:\n    user: me\n    token: t\n    verify_ssl: true\nlog:\n  level: info\n",
        "unikraft: {manifests: [a, b]}\naliases: {}\n",
        "",
    ];

    [Fact]
    public void ConfigYaml() =>
        Check(2, Configs, input => ConfigYamlReader.Parse(Text(input, "config.yaml"), "config.yaml"));

    [Fact]
    public void ConfigYaml_editing_path() =>
        Check(3, Configs, input => SourceListEditor.Rewrite(Text(input, "config.yaml"), "config.yaml", ["https://a.example/index.yaml", "/x"]));

    static readonly string[] Kraftrcs =
    [
        "[list]\norigins = [\n  \"https://github.com/unikraft/lib-*\",\n  \"https://github.com/unikraft/app-*\",\n]\n[fetch]\nmirrors = [\"https://mirror.example\"]\n[configure]\nplatform = \"kvm\"\narchitecture = \"x86_64\"\n",
        "list.origins = ['a', 'b']\nconfigure = { platform = \"qemu\", architecture = \"arm64\" }\n# comment\n",
    ];

    [Fact]
    public void Kraftrc() =>
        Check(4, Kraftrcs, input => KraftrcReader.Parse(Text(input, ".kraftrc"), ".kraftrc"));

    static readonly string[] Locks =
    [
        LockFile.Format("/p/Kraftfile.lock", [
            new LockEntry(new Kraft.Packages.Resolution.ComponentRequest(ComponentType.Core, "unikraft", "https://github.com/unikraft/unikraft.git", "stable"),
                new Kraft.Packages.Resolution.ResolvedSource { Kind = Kraft.Packages.SourceKind.Git, Location = "https://github.com/unikraft/unikraft.git",
                    Commit = new string('a', 40), Ref = "stable" }),
            new LockEntry(new Kraft.Packages.Resolution.ComponentRequest(ComponentType.Lib, "musl", null, null),
                new Kraft.Packages.Resolution.ResolvedSource { Kind = Kraft.Packages.SourceKind.Archive, Location = "https://x/musl.tgz",
                    Sha256 = new string('b', 64), Index = "https://manifests.kraftkit.sh/index.yaml" }),
            new LockEntry(new Kraft.Packages.Resolution.ComponentRequest(ComponentType.Lib, "mine", "./libs/mine", null),
                new Kraft.Packages.Resolution.ResolvedSource { Kind = Kraft.Packages.SourceKind.LocalDirectory, Location = "/p/libs/mine" }),
        ]),
    ];

    [Fact]
    public void Lock() =>
        Check(5, Locks, input => LockFile.Parse(_dir["Kraftfile.lock"], Text(input, _dir["Kraftfile.lock"])));

    static readonly string[] Manifests =
    [
        "name: musl\ntype: lib\ndescription: a libc\norigin: https://github.com/unikraft/lib-musl.git\nchannels:\n  - name: stable\n    default: true\n    resource: https://github.com/unikraft/lib-musl/archive/refs/heads/stable.tar.gz\n    sha256: " + new string('c', 64) + "\nversions:\n  - version: v0.17.0\n    resource: https://x/v0.17.0.tar.gz\n    unikraft: v0.17.0\n    commit: abcdef1\n",
        "name: index\nlast_updated: 2024-01-01T00:00:00Z\nmanifests:\n  - name: musl\n    type: lib\n    manifest: ./libs/musl.yaml\n  - name: unikraft\n    type: core\n    channels:\n      - name: stable\n        resource: https://github.com/unikraft/unikraft.git\n",
    ];

    [Fact]
    public void Manifest_and_index() =>
        Check(6, Manifests, input => ManifestReader.ReadAny(Text(input, "index.yaml"), "index.yaml"));

    [Theory]
    [InlineData("tar.gz")]
    [InlineData("tar")]
    [InlineData("zip")]
    public void Archive(string kind)
    {
        var seed = kind switch
        {
            "zip" => Packages.Fetching.Archives.Zip(("top/Config.uk", "config X\n"), ("top/src/a.c", "int a;\n"), ("top/b/", "")),
            _ => Packages.Fetching.Archives.TarGz(Packages.Fetching.Archives.Dir("top/"), Packages.Fetching.Archives.File("top/Config.uk", "config X\n"),
                Packages.Fetching.Archives.Symlink("top/inc", "src"), Packages.Fetching.Archives.File("top/src/a.c", "int a;\n"),
                Packages.Fetching.Archives.Hardlink("top/b.c", "top/src/a.c")),
        };
        if (kind == "tar")
        {
            using var gz = new System.IO.Compression.GZipStream(new MemoryStream(seed), System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gz.CopyTo(plain);
            seed = plain.ToArray();
        }
        var random = new Random(kind.Length);
        var limits = new ArchiveLimits(256 * Sizes.KiB, 1 * Sizes.MiB, 1_000);
        var libs = _dir["project/.unikraft/libs"];
        for (var i = 0; i < ArchiveInputs; i++)
        {
            var data = MutateBinary(random, seed);
            var archive = _dir[$"in.{kind}"];
            File.WriteAllBytes(archive, data);
            var dest = Path.Combine(libs, "foo");
            var clock = Stopwatch.StartNew();
            try
            {
                ArchiveExtractor.Extract(archive, dest, "m", limits: limits);
                ArchiveExtractor.DeleteTree(dest);
            }
            catch (KraftException e)
            {
                Assert.DoesNotContain("internal", e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"input {i} ({kind}) gave {e.GetType().Name}: {e.Message}\nfirst bytes (base64): {Convert.ToBase64String(data[..Math.Min(data.Length, 256)])}\n{e}");
            }
            Assert.True(clock.Elapsed < PerInput, $"input {i} ({kind}) took {clock.Elapsed}");
            Assert.True(!Directory.Exists(libs) || Directory.GetFileSystemEntries(libs).Length == 0,
                $"input {i} ({kind}) left {string.Join(", ", Directory.GetFileSystemEntries(libs))}");
        }
    }

    static byte[] MutateBinary(Random random, byte[] seed)
    {
        var data = (byte[])seed.Clone();
        var rounds = random.Next(1, 8);
        for (var r = 0; r < rounds; r++)
        {
            var at = random.Next(data.Length);
            switch (random.Next(4))
            {
                case 0: data[at] = (byte)random.Next(256); break;
                case 1: data[at] ^= (byte)(1 << random.Next(8)); break;
                case 2: data[at] = random.Next(2) == 0 ? (byte)0 : (byte)0xFF; break;
                default: data = data[..Math.Max(1, at)]; break;
            }
        }
        return data;
    }
}
