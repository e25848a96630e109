using Kraft.Packages;
using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;

namespace Kraft.Tests.Packages.Security;

/// <summary>
/// Issue 12 item 20: kraft pkg source refuses a bare repository that pkg update could not list,
/// with a hint that says #unikraft for the core; the "last updated" time of a hint is the last
/// listing that worked, not a failed attempt.
/// </summary>
public sealed class PkgSourceNamingTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    string Bare(string name, params string[] files)
    {
        using var work = new GitRepoFixture();
        foreach (var f in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(work.Path, f))!);
            File.WriteAllText(Path.Combine(work.Path, f), "x\n");
        }
        work.Git("add", "-A");
        work.Git("commit", "-q", "-m", "tree");
        var bare = _dir[name];
        Assert.True(Kraft.Host.ProcessRunner.Run("git", ["clone", "-q", "--bare", work.Path, bare], null).Succeeded);
        return bare;
    }

    [Fact]
    public void A_bare_core_named_repo_is_refused_with_a_hint_for_unikraft()
    {
        var bare = Bare("repo.git", "Makefile", "Config.uk", "arch/x86/Makefile.uk", "plat/kvm/Config.uk", "lib/ukboot/boot.c");
        var e = Assert.Throws<KraftException>(() => SourceString.Check(bare, _dir.Path));
        Assert.Contains("says no component type", e.Message);
        Assert.Contains("not added", e.Message);
        Assert.EndsWith($"{bare}#unikraft", e.Hint);
        Assert.Equal(bare + "#unikraft", SourceString.Check(bare + "#unikraft", _dir.Path));
    }

    [Fact]
    public void A_bare_library_named_repo_gets_a_lib_hint_and_a_typed_name_is_accepted()
    {
        var bare = Bare("mirror.git", "Config.uk", "Makefile.uk");
        var e = Assert.Throws<KraftException>(() => SourceString.Check(bare, _dir.Path));
        Assert.EndsWith($"{bare}#lib-mirror", e.Hint);
        var named = Bare("lib-foo.git", "Config.uk");
        Assert.Equal(named, SourceString.Check(named, _dir.Path));
    }

    [Fact]
    public void The_last_updated_time_is_the_last_listing_that_worked()
    {
        var listed = new DateTimeOffset(2026, 3, 4, 5, 6, 0, TimeSpan.Zero);
        var failed = listed.AddDays(30);
        var manifests = _dir["manifests"];
        new IndexStore(manifests).Save(new IndexSnapshot
        {
            UpdatedAt = failed,
            Sources = [new SourceListing
            {
                Location = "https://index.test/index.yaml", Kind = "index", ListedAt = listed, Error = "HTTP 500", FailedAt = failed,
                Manifests = [new Manifest { Name = "musl", Type = ComponentType.Lib }],
            }],
        });
        var config = new UserConfig { ConfigFile = _dir["config.yaml"], ManifestsDir = manifests, SourcesDir = _dir["sources"] };
        using var fetcher = new SourceFetcher(NullReporter.Instance, config);
        var e = Assert.Throws<KraftException>(() => fetcher.Resolver.Resolve(ComponentType.Lib, "nope", null, null, null, ResolveMode.CacheOnly));
        Assert.Contains($"last updated {listed.LocalDateTime:yyyy-MM-dd HH:mm}", e.Hint);
        Assert.Contains("the last attempt failed for 1 source", e.Hint);
        Assert.DoesNotContain(failed.LocalDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), e.Hint);
    }
}
