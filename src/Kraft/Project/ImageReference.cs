namespace Kraft.Project;

/// <summary>Splits an image reference into repository name and tag or digest.</summary>
public static class ImageReference
{
    /// <summary>
    /// "unikraft.org/base:latest" ⇒ ("unikraft.org/base", "latest");
    /// "localhost:5000/app" ⇒ ("localhost:5000/app", null) because a ':' before the last '/' is a port;
    /// "app@sha256:abc" ⇒ ("app", "sha256:abc").
    /// </summary>
    public static (string Name, string? Version) Split(string reference)
    {
        var at = reference.IndexOf('@');
        if (at >= 0) return (reference[..at], reference[(at + 1)..]);
        var colon = reference.LastIndexOf(':');
        if (colon > reference.LastIndexOf('/')) return (reference[..colon], reference[(colon + 1)..]);
        return (reference, null);
    }
}
