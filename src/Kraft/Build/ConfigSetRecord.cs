using Kraft.Host;

namespace Kraft.Build;

/// <summary>
/// What <c>kraft config set</c> changed in a target's .config, kept beside the target's objects
/// (<see cref="PathFor"/>, .config syntax, written atomically), so that <c>kraft config why</c> can say a value
/// came from there, and the next configure, which starts again from the Kraftfile, can say which of them it
/// replaced. Configuring clears it: from then on the values are the Kraftfile's and the defaults again.
/// </summary>
public static class ConfigSetRecord
{
    public static string PathFor(TargetPlan target) => Path.Combine(target.Layout.ObjDir, "config-set.record");

    /// <summary>The values set with <c>kraft config set</c> since the target was last configured (CONFIG_ name → value).</summary>
    public static Dictionary<string, string> Read(TargetPlan target) => ConfigValues.ReadFile(PathFor(target));

    /// <summary>Adds (or replaces) the values, keeping the earlier ones.</summary>
    public static void Add(TargetPlan target, IEnumerable<KeyValuePair<string, string>> values)
    {
        var record = Read(target);
        foreach (var (name, value) in values) record[name] = value;
        Directory.CreateDirectory(target.Layout.ObjDir);
        AtomicFile.WriteAllText(PathFor(target),
            "# kraft config set: values set by hand since the last configure (the next configure starts from the Kraftfile)\n" +
            ConfigValues.Format(record));
    }

    /// <summary>
    /// After a configure: the recorded values it did not keep (each as the message to show), then the record is
    /// removed. <paramref name="configured"/> is the new .config's values.
    /// </summary>
    public static IReadOnlyList<string> TakeReplaced(TargetPlan target, IReadOnlyDictionary<string, string> configured)
    {
        var path = PathFor(target);
        if (!File.Exists(path)) return [];
        var replaced = new List<string>();
        foreach (var (name, value) in Read(target))
        {
            var now = configured.GetValueOrDefault(name);
            if (Same(value, now)) continue;
            var requested = target.Requested.LastOrDefault(r => r.Name == name);
            var by = requested is not null ? $"the Kraftfile's {requested.Origin}" : "its default (the Kraftfile does not set it)";
            replaced.Add($"{ConfigValues.FormatLine(name, value)} from `kraft config set` is replaced by {ConfigValues.FormatLine(name, now ?? "n")} " +
                $"({by}); put {name}: {value} in the Kraftfile's kconfig to keep it");
        }
        AtomicFile.TryDelete(path);
        return replaced;
    }

    /// <summary>What <c>kraft config set</c> says about a value it set: how long it holds, and how to keep it.</summary>
    public static string Note(TargetPlan target, string name, string value, string? defaultValue)
    {
        var requested = target.Requested.LastOrDefault(r => r.Name == name);
        if (requested is not null && Same(requested.Value, value))
            return $"{ConfigValues.FormatLine(name, value)} is what the Kraftfile asks for as well ({requested.Origin})";
        var then = requested is not null
            ? $"which gives {ConfigValues.FormatLine(name, requested.Value)} ({requested.Origin})"
            : $"which does not set it, so it goes back to its default{(defaultValue is null ? "" : $" ({defaultValue})")}";
        return $"{ConfigValues.FormatLine(name, value)} holds until this target is configured again (kraft configure, or a build after the Kraftfile or the sources change): " +
            $"configuring starts from the Kraftfile, {then}; put {name}: {value} in the Kraftfile's kconfig to keep it";
    }

    /// <summary>Two .config values mean the same (an unset bool is n; numbers compare by value).</summary>
    public static bool Same(string? a, string? b) =>
        a == b || (a ?? "n") == (b ?? "n")
        || (a is not null && b is not null && RequestedOptions.Verify([new RequestedOption("X", a, "")], new Dictionary<string, string> { ["X"] = b }).Count == 0);
}
