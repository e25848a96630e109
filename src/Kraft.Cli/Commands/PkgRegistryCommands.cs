using System.CommandLine;
using Kraft.Build;
using Kraft.Oci;
using Kraft.Oci.Registry;
using Kraft.Packages.Config;

namespace Kraft.Cli;

/// <summary>--insecure and --ca-cert, for every command that talks to a registry.</summary>
public sealed class RegistryOptions
{
    public Option<bool> Insecure { get; } = new("--insecure") { Description = "Allow plain HTTP and unverified TLS for this registry (loopback registries may use plain HTTP without it)" };
    public Option<string?> CaCert { get; } = new("--ca-cert") { Description = "Trust the CA certificates in this PEM file for the registry's TLS (also KRAFT_OCI_CA_CERT)" };

    public void AddTo(Command c)
    {
        c.Options.Add(Insecure);
        c.Options.Add(CaCert);
    }

    public RegistrySettings Read(ParseResult r) => RegistrySettings.FromEnvironment(r.GetValue(Insecure), r.GetValue(CaCert));
}

/// <summary><c>kraft pkg push</c>, the OCI side of <c>kraft pkg pull</c>, <c>kraft login</c> and <c>kraft logout</c>.</summary>
public static class PkgRegistryCommands
{
    static CredentialResolver Credentials()
    {
        var config = UserConfigLoader.Load();
        return new CredentialResolver(config.Auth.ToDictionary(kv => kv.Key, kv => (kv.Value.User, kv.Value.Token)),
            warn: m => Console.Error.WriteLine("warning: " + m));
    }

    static ImageTransfer Transfer(OciStore store, RegistrySettings settings, List<RegistryClient> opened)
    {
        var creds = Credentials();
        return new ImageTransfer(store, registry =>
        {
            lock (opened)
            {
                var c = new RegistryClient(registry, settings, creds.Find(registry));
                opened.Add(c);
                return c;
            }
        });
    }

    public static Command Push()
    {
        var reference = new Argument<string>("ref") { Description = "The image to push (as stored: kraft pkg ls --oci)" };
        var to = new Option<string?>("--as") { Description = "Push it under another reference (e.g. another registry)" };
        var registry = new RegistryOptions();
        var cmd = new Command("push", "Push an image from the local store to its registry") { reference, to };
        registry.AddTo(cmd);
        cmd.SetAction((r, cancel) =>
        {
            try
            {
                var store = OciStore.OpenExisting() ?? throw new KraftException("the image store is empty", hint: "package an image first: kraft pkg --name REF");
                return Task.FromResult(PushOne(store, ImageRef.Parse(r.GetValue(reference)!), registry.Read(r), cancel, r.GetValue(to) is { } t ? ImageRef.Parse(t) : null));
            }
            catch (Exception e) { return Task.FromResult(Program.Failure(e)); }
        });
        return cmd;
    }

    public static int PushOne(OciStore store, ImageRef reference, RegistrySettings settings, CancellationToken cancel, ImageRef? target = null)
    {
        var opened = new List<RegistryClient>();
        try
        {
            var result = Transfer(store, settings, opened).PushAsync(reference, target ?? reference, null, cancel).GetAwaiter().GetResult();
            Console.Out.WriteLine($"pushed {result.Reference} ({string.Join(", ", result.Platforms)}) {result.Digest}: {result.Log.Count(l => l.Contains(" uploaded"))} blobs uploaded ({PkgImageCommands.Size(result.Bytes)}), " +
                $"{result.Log.Count(l => l.EndsWith(" exists", StringComparison.Ordinal))} already there, {result.Log.Count(l => l.Contains(" mounted"))} mounted");
            return 0;
        }
        finally { foreach (var c in opened) c.Dispose(); }
    }

    /// <summary>kraft pkg pull REF [--plat P --arch A | --all-platforms].</summary>
    public static int Pull(string text, string? plat, string? arch, bool all, RegistrySettings settings, CancellationToken cancel)
    {
        var reference = ImageRef.Parse(text);
        var filter = all ? new PlatformFilter(null, null, true)
            : new PlatformFilter(plat is null ? "qemu" : TargetSelector.NormalisePlatform(plat),
                arch is null ? (Kraft.Machines.GuestArchNames.Host is { } h ? Kraft.Machines.GuestArchNames.Name(h) : "x86_64") : TargetSelector.NormaliseArchitecture(arch), false);
        var opened = new List<RegistryClient>();
        try
        {
            var store = OciStore.Open();
            var result = Transfer(store, settings, opened).PullAsync(reference, filter, null, cancel).GetAwaiter().GetResult();
            Console.Out.WriteLine($"pulled {result.Reference} ({string.Join(", ", result.Platforms)}) {result.Digest}");
            return 0;
        }
        finally { foreach (var c in opened) c.Dispose(); }
    }

    public static Command Login()
    {
        var registry = new Argument<string>("registry") { Description = "The registry (host[:port])" };
        var user = new Option<string?>("--username", "-u") { Description = "The user name" };
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password (or token) from standard input" };
        var options = new RegistryOptions();
        var cmd = new Command("login", "Store credentials for a registry (in ~/.config/kraftkit/auth.json, mode 0600), after checking them") { registry, user, stdin };
        options.AddTo(cmd);
        cmd.SetAction((r, cancel) =>
        {
            try
            {
                var host = CredentialResolver.Normalise(r.GetValue(registry)!);
                if (!ImageRef.TryParse(host + "/x", out var parsed, out _) || parsed!.Registry != host)
                    throw new KraftException($"{Names.Quote(host)} is not a registry host name", hint: "write host[:port], e.g. localhost:5000 or ghcr.io");
                var name = r.GetValue(user) ?? throw new KraftException("kraft login needs the user name (-u USER)", hint: $"e.g. echo \"$TOKEN\" | kraft login {host} -u USER --password-stdin");
                if (!r.GetValue(stdin))
                    throw new KraftException("kraft login reads the password from standard input only (never from the command line)", hint: $"printf %s \"$PASSWORD\" | kraft login {host} -u {name} --password-stdin");
                var secret = ReadSecret();
                using var client = new RegistryClient(host, options.Read(r), new RegistryCredential(name, secret, "kraft login"));
                client.CheckAsync(cancel).GetAwaiter().GetResult();
                var creds = Credentials();
                creds.Store(host, name, secret);
                Console.Out.WriteLine($"logged in to {host} as {name} (saved in {creds.LoginFile})");
                return Task.FromResult(0);
            }
            catch (Exception e) { return Task.FromResult(Program.Failure(e)); }
        });
        return cmd;
    }

    static string ReadSecret()
    {
        var buffer = new char[8192];
        var n = 0;
        int read;
        while (n < buffer.Length && (read = Console.In.Read(buffer, n, buffer.Length - n)) > 0) n += read;
        if (n == buffer.Length) throw new KraftException("the password on standard input is longer than 8 KiB");
        var secret = new string(buffer, 0, n).TrimEnd('\r', '\n');
        if (secret.Length == 0) throw new KraftException("no password on standard input", hint: "printf %s \"$PASSWORD\" | kraft login REGISTRY -u USER --password-stdin");
        return secret;
    }

    public static Command Logout()
    {
        var registry = new Argument<string>("registry") { Description = "The registry (host[:port])" };
        var cmd = new Command("logout", "Forget the credentials kraft login stored for a registry") { registry };
        cmd.SetAction(r =>
        {
            try
            {
                var host = CredentialResolver.Normalise(r.GetValue(registry)!);
                var creds = Credentials();
                Console.Out.WriteLine(creds.Remove(host) ? $"logged out of {host}" : $"kraft had no login for {host} (in {creds.LoginFile})");
                return 0;
            }
            catch (Exception e) { return Program.Failure(e); }
        });
        return cmd;
    }
}
