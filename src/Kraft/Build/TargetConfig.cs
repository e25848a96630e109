using Kraft.Host;
using Kraft.Kconfig;

namespace Kraft.Build;

/// <summary>One option whose value differs between two configurations of a target.</summary>
public sealed record ConfigDifference(string Name, string? Current, string? Other);

/// <summary>
/// A configured target's .config, read through its Kconfig tree, so that queries and edits use
/// the same rules as configuration: <c>kraft config get|why|set|diff</c>. Edits are checked (a
/// value that does not stick is refused with the reason) and written back with every file make
/// reads, so the .config stays valid.
/// </summary>
public sealed class TargetConfig
{
    readonly TargetPlan _target;
    public KconfigTree Tree { get; }
    string Prefix => Tree.Prefix;

    TargetConfig(TargetPlan target, KconfigTree tree) => (_target, Tree) = (target, tree);

    public static TargetConfig Open(BuildPlan plan, TargetPlan target)
    {
        var label = $"{target.Target.Name} ({target.Target.PlatArch})";
        if (plan.Core.Pending)
            throw new KraftException($"the Unikraft core of {label} is not fetched yet", hint: $"run: kraft configure -t {target.Target.PlatArch}");
        if (!File.Exists(target.Layout.ConfigPath))
            throw new KraftException($"{label} is not configured yet ({target.Layout.ConfigPath} does not exist)",
                hint: $"run: kraft configure -t {target.Target.PlatArch}");
        var env = UnikraftEnvironment.For(target, target.Layout.ConfigPath);
        var tree = NativeConfigurator.Load(target, env, new SubmenuShell());
        tree.LoadConfig(target.Layout.ConfigPath);
        return new TargetConfig(target, tree);
    }

    /// <summary>The symbol a user names, with or without the CONFIG_ prefix; unknown names get suggestions.</summary>
    public Symbol Resolve(string name)
    {
        var bare = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name;
        if (Tree.FindSymbol(bare) is { Type: not SymbolType.Unknown } s)
            return s;
        var close = MismatchAdvisor.Closest(bare, Tree.SymbolNames).Select(n => Prefix + n).ToList();
        throw new KraftException($"{Prefix}{bare} is not an option of {_target.Target.Name} ({_target.Target.PlatArch})",
            hint: close.Count > 0 ? $"did you mean {string.Join(" or ", close)}?" : "kraft config diff --defaults lists the options that are set");
    }

    public string Get(string name) => Tree.ValueOf(Resolve(name));

    /// <summary>The target this is (for the commands to name it).</summary>
    public TargetPlan Target => _target;

    /// <summary>
    /// The value and its reasons; a value the .config holds is traced to where it came from: <c>kraft config set</c>
    /// (its record), the Kraftfile (the request's file:line), or the default that configuring wrote.
    /// </summary>
    public Explanation Why(string name)
    {
        var record = ConfigSetRecord.Read(_target);
        return Tree.Explain(Resolve(name).Name!, (bare, user, dflt) =>
        {
            var full = Prefix + bare;
            var requested = _target.Requested.LastOrDefault(r => r.Name == full);
            if (record.TryGetValue(full, out var set) && ConfigSetRecord.Same(set, user))
                return $"set to {Shown(user)} with `kraft config set` (until the next configure, which gives " +
                    (requested is not null ? $"{Shown(requested.Value)} from the Kraftfile's {requested.Origin})" : $"the default, {Shown(dflt)})");
            if (requested is not null && ConfigSetRecord.Same(requested.Value, user))
                return $"set to {Shown(user)} by the Kraftfile's {requested.Origin}";
            if (user == dflt)
                return $"kept from .config, equal to the default ({Shown(dflt)})";
            return $"set to {Shown(user)} in .config by hand or by another tool (the default is {Shown(dflt)}; the next configure brings " +
                (requested is not null ? $"the Kraftfile's {Shown(requested.Value)} back)" : "the default back)");
        });
    }

    static string Shown(string v) => Kconfig.KconfigTree.Shown(v);

    readonly List<KeyValuePair<string, string>> _set = new();

    /// <summary>
    /// Sets a value and checks that it took; refuses (writing nothing) with the reason when it did not. Returns
    /// what to tell the user: how long the value holds (the next configure starts from the Kraftfile).
    /// </summary>
    public string Set(string name, string value)
    {
        var s = Resolve(name);
        var full = Prefix + s.Name;
        value = ConfigValues.Normalise(value);
        Tree.SetValue(s.Name!, value);
        var got = Tree.ValueOf(s);
        var mismatch = RequestedOptions.Verify([new RequestedOption(full, value, "kraft config set")],
            new Dictionary<string, string> { [full] = got });
        if (mismatch.Count > 0)
        {
            var why = MismatchAdvisor.Why(Tree, mismatch[0] with { Got = got });
            throw new KraftException($"{full} cannot be {value}: it stays {got}" + (why is null ? "" : $" ({why})"),
                hint: "change what prevents it first; kraft config why " + full + " shows the whole chain");
        }
        _set.Add(KeyValuePair.Create(full, value));
        return ConfigSetRecord.Note(_target, full, value, Tree.DefaultOf(s));
    }

    /// <summary>Writes the .config and make's generated files (only those whose content changed).</summary>
    public void Save(string? kraftExecutable)
    {
        NativeConfigurator.Install(Tree, _target, Tree.RenderConfig(), kraftExecutable);
        if (_set.Count > 0) ConfigSetRecord.Add(_target, _set);
        _set.Clear();
    }

    /// <summary>
    /// How the .config differs from what the Kraftfile alone gives (hand edits, kraft config set),
    /// or, with <paramref name="againstDefaults"/>, every option that is not at its default.
    /// </summary>
    public IReadOnlyList<ConfigDifference> Diff(bool againstDefaults)
    {
        var current = ConfigValues.Parse(Tree.RenderConfig());
        Dictionary<string, string> other;
        if (againstDefaults)
        {
            var minimal = ConfigValues.Parse(Tree.RenderMinimalConfig());
            return minimal.Select(kv => new ConfigDifference(kv.Key, kv.Value, null)).ToList();
        }
        var fragment = AtomicFile.TempPathBeside(_target.FragmentPath);
        try
        {
            File.WriteAllText(fragment, ConfigValues.Format(_target.Requested.Select(r => KeyValuePair.Create(r.Name, r.Value))));
            var (_, text, _) = NativeConfigurator.Configure(_target, fragment);
            other = ConfigValues.Parse(text);
        }
        finally
        {
            AtomicFile.TryDelete(fragment);
        }
        return current.Keys.Union(other.Keys)
            .Select(k => new ConfigDifference(k, current.GetValueOrDefault(k), other.GetValueOrDefault(k)))
            .Where(d => d.Current != d.Other && !(d.Current is null or "n" && d.Other is null or "n"))
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .ToList();
    }
}
