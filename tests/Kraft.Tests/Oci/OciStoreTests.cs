using System.Text;
using Kraft.Oci;

namespace Kraft.Tests.Oci;

public class OciStoreTests
{
    internal static string FakeKernel(TempDir dir, string name, int size = 4096, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = dir[name];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    internal static PackageRequest Request(TempDir dir, string reference = "localhost:5000/hello:1")
    {
        var k1 = FakeKernel(dir, "k/hello_qemu-x86_64", seed: 1);
        var k2 = FakeKernel(dir, "k/hello_qemu-arm64", seed: 2);
        var kconfig = new Dictionary<string, string> { ["CONFIG_LIBUKDEBUG"] = "y", ["CONFIG_UK_APP"] = "/x", ["CONFIG_UK_FULLVERSION"] = "0.17.0~abc", ["CONFIG_A"] = "n" };
        return new PackageRequest
        {
            Reference = ImageRef.Parse(reference),
            Targets = [new PackageTarget("qemu", "x86_64", k1, Kconfig: kconfig), new PackageTarget("qemu", "arm64", k2)],
            Cmd = ["-v", "hello"],
            Env = ["A=1"],
        };
    }

    [Fact]
    public void Packaging_twice_gives_the_same_digests()
    {
        using var dir = new TempDir();
        var a = Packager.Package(OciStore.Open(dir["s1"]), Request(dir));
        var b = Packager.Package(OciStore.Open(dir["s2"]), Request(dir));
        Assert.Equal(a.DigestText, b.DigestText);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir["s1"], "index.json")), File.ReadAllBytes(Path.Combine(dir["s2"], "index.json")));
    }

    [Fact]
    public void An_image_reads_back_with_its_platforms_config_and_layers()
    {
        using var dir = new TempDir();
        var store = OciStore.Open(dir["s"]);
        var req = Request(dir);
        Packager.Package(store, req);
        var entry = Assert.Single(store.List());
        Assert.Equal("localhost:5000/hello:1", entry.Reference.ToString());
        var image = StoredImage.Read(store, entry.Reference, entry.Descriptor, "kraft");
        Assert.Equal(["qemu/arm64", "qemu/x86_64"], image.Platforms.Select(p => p.Platform.ToString()));
        var x86 = image.Select("qemu", "x86_64");
        Assert.Equal(["-v", "hello"], x86.Config!.Config!.Cmd);
        Assert.Equal(["CONFIG_LIBUKDEBUG=y", "CONFIG_UK_FULLVERSION=0.17.0~abc"], x86.Platform.OsFeatures);
        Assert.Equal("0.17.0~abc", x86.Platform.OsVersion);
        var layer = x86.Layer(WellKnownPaths.Kernel)!;
        var found = LayerTar.Extract(store.BlobPath(layer.Digest), layer.Digest, dir["out"]);
        Assert.Equal(WellKnownPaths.Kernel, found);
        Assert.Equal(File.ReadAllBytes(req.Targets[0].KernelPath), File.ReadAllBytes(dir["out/unikraft/bin/kernel"]));
        var e = Assert.Throws<KraftException>(() => image.Select("fc", "x86_64"));
        Assert.Contains("qemu/arm64, qemu/x86_64", e.Message);
    }

    [Fact]
    public void Manifests_are_canonical_json_with_kraftkit_annotations()
    {
        using var dir = new TempDir();
        var store = OciStore.Open(dir["s"]);
        var root = Packager.Package(store, Request(dir));
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(store.BlobPath(root.Digest)));
        Assert.StartsWith("{\"annotations\":{\"io.containerd.image.name\":\"localhost:5000/hello:1\",\"org.opencontainers.image.ref.name\":\"localhost:5000/hello\",\"sh.kraftkit.version\":", text);
        Assert.DoesNotContain(" ", text);
        Assert.Contains("\"platform\":{\"architecture\":\"x86_64\",\"os\":\"qemu\"", text);
    }

    [Fact]
    public void Prune_removes_only_unreferenced_blobs()
    {
        using var dir = new TempDir();
        var store = OciStore.Open(dir["s"]);
        Packager.Package(store, Request(dir, "localhost:5000/a:1"));
        var before = Directory.GetFiles(Path.Combine(dir["s"], "blobs", "sha256")).Length;
        Assert.Equal(0, store.Prune(TimeSpan.Zero).Removed);
        Assert.True(store.RemoveReference(ImageRef.Parse("localhost:5000/a:1")));
        Assert.Equal(before, store.Prune(TimeSpan.Zero).Removed);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir["s"], "blobs", "sha256")));
    }

    [Fact]
    public void Concurrent_writers_keep_every_reference()
    {
        using var dir = new TempDir();
        var root = dir["s"];
        OciStore.Open(root);
        var blob = OciStore.Open(root).WriteBlob("{}"u8, MediaTypes.Manifest);
        Parallel.For(0, 40, i => OciStore.Open(root).SetReference(ImageRef.Parse($"localhost:5000/r{i}:t"), blob));
        Assert.Equal(40, OciStore.Open(root).List().Count);
    }

    [Fact]
    public void A_damaged_blob_is_named()
    {
        using var dir = new TempDir();
        var store = OciStore.Open(dir["s"]);
        var root = Packager.Package(store, Request(dir));
        File.WriteAllText(store.BlobPath(root.Digest), "{\"manifests\":[]}");
        var e = Assert.Throws<KraftException>(() => StoredImage.Read(store, ImageRef.Parse("localhost:5000/hello:1"), root, "kraft"));
        Assert.Contains(root.DigestText, e.Message);
        Assert.Contains("damaged", e.Message);
    }

    [Fact]
    public void A_layer_with_another_path_is_refused()
    {
        using var dir = new TempDir();
        var store = OciStore.Open(dir["s"]);
        var evil = dir.Write("evil", "x");
        var d = LayerTar.Write(store, evil, "/etc/passwd", null);
        var e = Assert.Throws<KraftException>(() => LayerTar.Extract(store.BlobPath(d.Digest), d.Digest, dir["out"]));
        Assert.Contains("etc/passwd", e.Message);
        Assert.False(File.Exists(dir["out/etc/passwd"]));
    }

    [Fact]
    public void KraftKits_directory_store_is_listed_with_ports_put_back()
    {
        using var dir = new TempDir();
        var kk = dir["kk"];
        var store = OciStore.Open(dir["s"]);
        var root = Packager.Package(store, Request(dir));
        Directory.CreateDirectory(Path.Combine(kk, "digests", "sha256"));
        foreach (var f in Directory.GetFiles(Path.Combine(dir["s"], "blobs", "sha256")))
            File.Copy(f, Path.Combine(kk, "digests", "sha256", Path.GetFileName(f)));
        var link = Path.Combine(kk, "indexes", "localhost", "5000", "hello", "1");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, Path.Combine(kk, "digests", "sha256", root.Digest.Hex));
        var kks = KraftKitStore.OpenExisting(kk)!;
        var entry = Assert.Single(kks.List());
        Assert.Equal("localhost:5000/hello:1", entry.Reference.ToString());
        var image = StoredImage.Read(kks, entry.Reference, entry.Descriptor, "kraftkit");
        Assert.Equal(2, image.Platforms.Count(p => p.Present));
    }
}
