namespace Kraft.Machines;

/// <summary>
/// <c>kraft run -e K=V</c>: the guest's environment. Reaches the guest as <c>env.vars=[...]</c>
/// (Unikraft's posix-environ library parameter, with CONFIG_LIBPOSIX_ENVIRON_LIBPARAM), which is
/// also the <c>environ</c> app-elfloader hands the Linux program it starts.
/// </summary>
public static class GuestEnv
{
    /// <summary>The base environment (project or image) with each -e applied in order: K=V sets K, a bare K takes this shell's value.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Apply(IEnumerable<KeyValuePair<string, string>> baseEnv, IEnumerable<string> assignments,
        Func<string, string?>? hostEnv = null)
    {
        hostEnv ??= Environment.GetEnvironmentVariable;
        var env = baseEnv.ToList();
        foreach (var a in assignments)
        {
            var eq = a.IndexOf('=');
            var key = eq < 0 ? a : a[..eq];
            if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw new KraftException($"--env {Names.Quote(a)}: {Names.Quote(key)} is not a variable name", hint: "write --env NAME=value");
            var value = eq >= 0 ? a[(eq + 1)..]
                : hostEnv(key) ?? throw new KraftException($"--env {Names.Quote(a)}: {key} is not set here", hint: "write --env NAME=value, or set it first");
            env.RemoveAll(kv => kv.Key == key);
            env.Add(new(key, value));
        }
        return env;
    }
}
