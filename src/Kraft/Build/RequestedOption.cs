namespace Kraft.Build;

/// <summary>A Kconfig value kraft asks for, and why (the Kraftfile line or the rule that adds it).</summary>
public sealed record RequestedOption(string Name, string Value, string Origin);

/// <summary>A requested option that configuration did not honour.</summary>
public sealed record ConfigMismatch(string Name, string Asked, string? Got, string Origin)
{
    /// <summary>Why it did not stick (an unmet dependency, a select, a range, a likely typo), when known.</summary>
    public string? Why { get; init; }

    public string GotText => Got ?? "(not set: unknown symbol or unmet dependency)";
}
