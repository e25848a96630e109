using System.Text;
using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>Reads the text of a manifest or index from a local file or an http(s) URL (one GET, no HEAD).</summary>
internal static class ManifestText
{
    public static async Task<string> ReadAsync(string location, SourceContext context, CancellationToken cancel)
    {
        byte[] bytes;
        if (ManifestReferences.IsUrl(location))
        {
            if (context.Config.Offline)
                throw new KraftException($"cannot fetch {location}: kraft is offline (--offline or KRAFTKIT_OFFLINE)",
                    hint: "run without --offline (and KRAFTKIT_OFFLINE unset) to update the index");
            bytes = (await context.Http.GetAsync(location, cancel).ConfigureAwait(false)).Body;
        }
        else
        {
            if (!File.Exists(location) && !Directory.Exists(location))
                throw new KraftException($"{location} does not exist", hint: "check the path in the list of sources (kraft pkg source / config.yaml)");
            var text = Kraft.Host.TextInput.ReadFile(location, "the manifest", Kraft.Yaml.YamlLimits.Manifest.MaxBytes).Value;
            if (text.Length == 0)
                throw new KraftException($"{location} is empty", hint: "a manifest needs 'name:' and 'type:'; an index a 'manifests:' list");
            return text;
        }
        if (bytes.Length == 0)
            throw new KraftException($"{location} is empty", hint: "a manifest needs 'name:' and 'type:'; an index a 'manifests:' list");
        // Strict UTF-8: a byte that is not is refused at its line:column, never replaced by U+FFFD.
        return Kraft.Host.TextInput.Decode(bytes, location, "the manifest").Value;
    }

    /// <summary>A source string as a local path or URL: ~ expanded, file:// turned into a path, relative paths made absolute.</summary>
    public static string Normalise(string location)
    {
        if (ManifestReferences.IsUrl(location)) return location;
        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            return new Uri(location).LocalPath;
        if (location == "~" || location.StartsWith("~/", StringComparison.Ordinal))
            location = Path.Combine(Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h
                : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), location.Length > 1 ? location[2..] : "");
        return Path.GetFullPath(location);
    }
}
