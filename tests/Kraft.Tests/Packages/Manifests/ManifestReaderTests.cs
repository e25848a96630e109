using Kraft.Packages.Manifests;

namespace Kraft.Tests.Packages.Manifests;

public class ManifestReaderTests
{
    const string Sha = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

    [Fact]
    public void Reads_a_full_manifest_in_kraftkits_format()
    {
        var file = ManifestReader.ReadManifest($"""
            name: musl
            type: lib
            description: musl libc port
            origin: https://github.com/unikraft/lib-musl.git
            provider: github
            unknown_key: tolerated
            channels:
              - name: stable
                default: true
                latest: v0.17.0
                manifest: ./ignored.yaml
                resource: https://example.org/lib-musl/stable.tar.gz
                sha256: {Sha}
              - name: staging
                resource: https://example.org/lib-musl/staging.tar.gz
            versions:
              - version: v0.17.0
                type: semver
                resource: https://example.org/lib-musl/v0.17.0.tar.gz
              - version: 1a2b3c4
                type: gitsha
                unikraft: 0.17.0
                resource: https://example.org/lib-musl/1a2b3c4.tar.gz
            """, "musl.yaml");
        var m = file.Manifest;
        Assert.Null(file.Reference);
        Assert.Equal(("musl", ComponentType.Lib, "lib/musl"), (m.Name, m.Type, m.Id));
        Assert.Equal("musl libc port", m.Description);
        Assert.Equal("https://github.com/unikraft/lib-musl.git", m.Origin);
        Assert.Equal("github", m.Provider);
        Assert.Equal("musl.yaml", m.ListedFrom);
        Assert.Equal(["stable", "staging"], m.Channels.Select(c => c.Name));
        Assert.Equal("stable", m.DefaultChannel!.Name);
        Assert.Equal("v0.17.0", m.Channels[0].Latest);
        Assert.Equal(Sha.ToLowerInvariant(), m.Channels[0].Sha256);
        Assert.Null(m.Channels[1].Sha256);
        Assert.Equal(["v0.17.0", "1a2b3c4"], m.Versions.Select(v => v.Version));
        Assert.Equal("gitsha", m.Versions[1].Type);
        Assert.Equal("0.17.0", m.Versions[1].Unikraft);
    }

    [Theory]
    [InlineData("libs", ComponentType.Lib)]
    [InlineData("core", ComponentType.Core)]
    [InlineData("apps", ComponentType.App)]
    [InlineData("plat", ComponentType.Plat)]
    [InlineData("archs", ComponentType.Arch)]
    public void Accepts_the_type_aliases(string type, ComponentType expected) =>
        Assert.Equal(expected, ManifestReader.ReadManifest($"name: x\ntype: {type}\n", "m.yaml").Manifest.Type);

    [Fact]
    public void A_plain_number_version_keeps_its_spelling() =>
        Assert.Equal("0.10", ManifestReader.ReadManifest("name: x\ntype: lib\nversions:\n  - version: 0.10\n    resource: r\n", "m.yaml")
            .Manifest.Versions[0].Version);

    [Fact]
    public void Digits_only_values_are_kept_as_written()
    {
        var digits = new string('0', 63) + "7";
        var m = ManifestReader.ReadManifest($"name: x\ntype: lib\nversions:\n  - version: 010\n    resource: r\n    sha256: {digits}\n    commit: 0012345\n", "m.yaml").Manifest;
        Assert.Equal(("010", digits, "0012345"), (m.Versions[0].Version, m.Versions[0].Sha256, m.Versions[0].Commit));
    }

    [Fact]
    public void Reads_an_index_of_references_and_inline_manifests()
    {
        var index = ManifestReader.ReadIndex("""
            name: test index
            last_updated: 2024-10-21T10:00:00.123456789Z
            manifests:
              - name: lwip
                type: lib
                manifest: ./libs/lwip.yaml
              - name: unikraft
                type: core
                channels:
                  - name: stable
                    default: true
                    resource: https://example.org/unikraft.tar.gz
            """, "/srv/index.yaml");
        Assert.Equal("test index", index.Name);
        Assert.Equal(new DateTimeOffset(2024, 10, 21, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567), index.LastUpdated);
        Assert.Equal(2, index.Entries.Count);
        Assert.Equal("./libs/lwip.yaml", index.Entries[0].Reference);
        Assert.Equal(new SourceLocation("/srv/index.yaml", 6, 15), index.Entries[0].ReferenceAt);
        Assert.Null(index.Entries[1].Reference);
        Assert.Equal("stable", index.Entries[1].Manifest.DefaultChannel!.Name);
    }

    [Theory]
    [InlineData("2024-10-21T10:00:00Z", "2024-10-21T10:00:00.0000000+00:00")]
    [InlineData("2024-10-21T12:00:00.5+02:00", "2024-10-21T10:00:00.5000000+00:00")]
    [InlineData("2024-10-21 10:00:00.123456789 +0000 UTC", "2024-10-21T10:00:00.1234567+00:00")]
    [InlineData("2024-10-21", "2024-10-21T00:00:00.0000000+00:00")]
    public void Reads_timestamps_tolerantly(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Timestamps.TryParse(text)!.Value.ToUniversalTime());

    [Fact]
    public void An_unreadable_timestamp_is_unknown_not_an_error()
    {
        Assert.Null(Timestamps.TryParse("yesterday-ish"));
        Assert.Null(ManifestReader.ReadIndex("last_updated: soon\nmanifests: []\n", "i.yaml").LastUpdated);
    }

    [Fact]
    public void Tells_an_index_from_a_manifest_by_its_manifests_key()
    {
        Assert.NotNull(ManifestReader.ReadAny("manifests: []\n", "x.yaml").Index);
        Assert.NotNull(ManifestReader.ReadAny("name: a\ntype: app\n", "x.yaml").Manifest);
    }

    // ---- bad input: every error names the file, line and column, and gives a hint ----

    static KraftException Fails(Action read)
    {
        var e = Assert.ThrowsAny<KraftException>(read);
        Assert.NotNull(e.Hint);
        Assert.NotNull(e.Location);
        return e;
    }

    [Fact]
    public void Malformed_yaml_is_located()
    {
        var e = Fails(() => ManifestReader.ReadManifest("name: x\ntype: lib\nchannels: [\n  - a\n", "https://h/m.yaml"));
        Assert.Equal("https://h/m.yaml", e.Location!.Value.File);
        Assert.True(e.Location!.Value.Line >= 3);
        Assert.Contains("invalid YAML", e.Message);
    }

    [Fact]
    public void Empty_file_and_non_map_are_refused()
    {
        Assert.Contains("empty", Fails(() => ManifestReader.ReadManifest("", "m.yaml")).Message);
        Assert.Contains("a list", Fails(() => ManifestReader.ReadManifest("- a\n- b\n", "m.yaml")).Message);
    }

    [Fact]
    public void Missing_name_is_refused()
    {
        var e = Fails(() => ManifestReader.ReadManifest("type: lib\n", "m.yaml"));
        Assert.Contains("has no name", e.Message);
        Assert.Equal(new SourceLocation("m.yaml", 1, 1), e.Location);
    }

    [Fact]
    public void Missing_type_is_refused() =>
        Assert.Contains("'x' has no type", Fails(() => ManifestReader.ReadManifest("name: x\n", "m.yaml")).Message);

    [Fact]
    public void Unknown_type_lists_the_allowed_ones()
    {
        var e = Fails(() => ManifestReader.ReadManifest("name: x\ntype: library\n", "m.yaml"));
        Assert.Contains("unknown component type 'library'", e.Message);
        Assert.Contains("core, lib, app, plat or arch", e.Hint);
        Assert.Equal(new SourceLocation("m.yaml", 2, 7), e.Location);
    }

    [Fact]
    public void A_name_that_could_escape_a_directory_is_refused() =>
        Assert.Contains("not a valid component name", Fails(() => ManifestReader.ReadManifest("name: ../x\ntype: lib\n", "m.yaml")).Message);

    [Theory]
    [InlineData("channels:\n  - resource: r\n", "channel has no name")]
    [InlineData("channels:\n  - name: stable\n", "channel 'stable' has no resource")]
    [InlineData("versions:\n  - resource: r\n", "version has no 'version'")]
    [InlineData("versions:\n  - version: v1\n", "version 'v1' has no resource")]
    [InlineData("channels: stable\n", "'channels' must be a list")]
    [InlineData("versions:\n  - v1\n", "must be a map")]
    [InlineData("channels:\n  - name: a\n    resource: r\n    default: yes please\n", "must be true or false")]
    [InlineData("channels:\n  - {name: a, resource: r, default: true}\n  - {name: b, resource: r, default: true}\n", "2 channels as default")]
    public void Channel_and_version_entries_need_their_fields(string yaml, string message)
    {
        var e = Fails(() => ManifestReader.ReadManifest("name: x\ntype: lib\n" + yaml, "m.yaml"));
        Assert.Contains(message, e.Message);
        Assert.True(e.Location!.Value.Line >= 3, e.Describe());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0")]   // 63
    [InlineData("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08a")] // 65
    [InlineData("zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    public void Sha256_must_be_64_hex_characters(string sha)
    {
        var e = Fails(() => ManifestReader.ReadManifest($"name: x\ntype: lib\nversions:\n  - version: v1\n    resource: r\n    sha256: {sha}\n", "m.yaml"));
        Assert.Contains("not a SHA-256 digest", e.Message);
        Assert.Equal(new SourceLocation("m.yaml", 6, 13), e.Location);
    }

    [Fact]
    public void An_index_without_manifests_is_refused()
    {
        Assert.Contains("no 'manifests:'", Fails(() => ManifestReader.ReadIndex("name: idx\n", "i.yaml")).Message);
        Assert.Contains("no 'manifests:'", Fails(() => ManifestReader.ReadIndex("manifests:\n", "i.yaml")).Message);
        Assert.Contains("must be a list", Fails(() => ManifestReader.ReadIndex("manifests: {a: b}\n", "i.yaml")).Message);
    }

    [Fact]
    public void Two_components_of_one_type_and_name_in_an_index_are_named_both_places()
    {
        var e = Fails(() => ManifestReader.ReadIndex("""
            manifests:
              - name: lwip
                type: lib
                manifest: ./a.yaml
              - name: lwip
                type: app
                manifest: ./b.yaml
              - name: lwip
                type: libs
                manifest: ./c.yaml
            """, "i.yaml"));
        Assert.Contains("lists lib/lwip twice", e.Message);
        Assert.Contains("i.yaml:2:5", e.Message);
        Assert.Equal(new SourceLocation("i.yaml", 8, 5), e.Location);
    }

    [Fact]
    public void An_index_entry_with_an_unknown_type_is_located() =>
        Assert.Equal(new SourceLocation("i.yaml", 3, 11),
            Fails(() => ManifestReader.ReadIndex("manifests:\n  - name: a\n    type: widget\n", "i.yaml")).Location);
}
