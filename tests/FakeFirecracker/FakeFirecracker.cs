using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kraft.Tests.Machines.Firecracker;

/// <summary>
/// A STAND-IN for Firecracker (which cannot be installed here): its HTTP API on a Unix socket,
/// checking every request against the published OpenAPI description
/// (firecracker-microvm/firecracker, src/firecracker/swagger/firecracker.yaml: MachineConfiguration,
/// BootSource, NetworkInterface, InstanceActionInfo, Vm, InstanceInfo) and refusing, with 400 and a
/// fault_message, what the real one refuses: unknown fields, missing required fields, wrong types,
/// values out of range or outside an enum, pre-boot resources after start, a start without a kernel.
/// It boots nothing: on InstanceStart it writes to <c>output</c> (the program's stdout, which
/// Firecracker gives the guest's serial console) that it is a stand-in, and what it would boot.
/// SendCtrlAltDel after start ends it, as a guest's reset ends the real one (<see cref="Ended"/>).
/// </summary>
public sealed class FakeFirecracker : IAsyncDisposable, IDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentQueue<string> _log = new();
    string _state = "Not started";
    bool _kernel;

    public string Socket { get; }
    /// <summary>"METHOD /path body" of every accepted request, in order.</summary>
    public IReadOnlyCollection<string> Accepted => _log;
    public string State => _state;

    readonly TextWriter? _output;
    readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    string _bootSource = "";

    /// <summary>Completes when SendCtrlAltDel has reset the (imagined) guest.</summary>
    public Task Ended => _ended.Task;

    public FakeFirecracker(string socket, TextWriter? output = null)
    {
        Socket = socket;
        _output = output;
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket));
        _app = b.Build();
        _app.Run(Handle);
        _app.StartAsync().GetAwaiter().GetResult();
    }

    sealed class Fault(string message) : Exception(message);

    static readonly Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)> MachineConfiguration = new()
    {
        ["vcpu_count"] = ("integer", true, 1, 32, null),
        ["mem_size_mib"] = ("integer", true, null, null, null),
        ["smt"] = ("boolean", false, null, null, null),
        ["track_dirty_pages"] = ("boolean", false, null, null, null),
        ["cpu_template"] = ("string", false, null, null, ["C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"]),
        ["huge_pages"] = ("string", false, null, null, ["None", "Transparent", "2M"]),
    };
    static readonly Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)> BootSource = new()
    {
        ["kernel_image_path"] = ("string", true, null, null, null),
        ["initrd_path"] = ("string", false, null, null, null),
        ["boot_args"] = ("string", false, null, null, null),
    };
    static readonly Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)> NetworkInterface = new()
    {
        ["iface_id"] = ("string", true, null, null, null),
        ["host_dev_name"] = ("string", true, null, null, null),
        ["guest_mac"] = ("string", false, null, null, null),
        ["mtu"] = ("integer", false, 68, 65535, null),
        ["rx_rate_limiter"] = ("object", false, null, null, null),
        ["tx_rate_limiter"] = ("object", false, null, null, null),
    };
    static readonly Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)> InstanceActionInfo = new()
    {
        ["action_type"] = ("string", true, null, null, ["FlushMetrics", "InstanceStart", "SendCtrlAltDel"]),
    };
    static readonly Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)> Vm = new()
    {
        ["state"] = ("string", true, null, null, ["Paused", "Resumed"]),
    };

    /// <summary>The request schemas the stand-in checks, by their OpenAPI definition names (compared with the published file by an opt-in test).</summary>
    public static IReadOnlyDictionary<string, Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)>> Schemas { get; } =
        new Dictionary<string, Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)>>
        {
            ["MachineConfiguration"] = MachineConfiguration, ["BootSource"] = BootSource, ["NetworkInterface"] = NetworkInterface,
            ["InstanceActionInfo"] = InstanceActionInfo, ["Vm"] = Vm,
        };

    static JsonElement Check(string body, string schema, Dictionary<string, (string Type, bool Required, long? Min, long? Max, string[]? Enum)> props)
    {
        JsonElement e;
        try { e = JsonDocument.Parse(body).RootElement.Clone(); }
        catch (JsonException ex) { throw new Fault($"An error occurred when deserializing the json body of a request: {ex.Message}"); }
        if (e.ValueKind != JsonValueKind.Object) throw new Fault($"{schema} must be an object");
        foreach (var p in e.EnumerateObject())
        {
            if (!props.TryGetValue(p.Name, out var d)) throw new Fault($"unknown field `{p.Name}` in {schema}");
            var ok = d.Type switch
            {
                "integer" => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out _),
                "boolean" => p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "string" => p.Value.ValueKind == JsonValueKind.String,
                _ => p.Value.ValueKind == JsonValueKind.Object,
            };
            if (!ok) throw new Fault($"invalid type for `{p.Name}` in {schema}: expected {d.Type}");
            if (d.Type == "integer")
            {
                var v = p.Value.GetInt64();
                if (v < (d.Min ?? 0) || (d.Max is { } max && v > max))
                    throw new Fault(p.Name == "vcpu_count"
                        ? "Machine config error: The number of vCPUs must be greater than 0, less than 32 and must be 1 or an even number if SMT is enabled."
                        : $"`{p.Name}` = {v} is out of range in {schema}");
            }
            if (d.Enum is { } en && !en.Contains(p.Value.GetString())) throw new Fault($"unknown variant `{p.Value.GetString()}` for `{p.Name}`");
        }
        foreach (var (name, d) in props)
            if (d.Required && !e.TryGetProperty(name, out _)) throw new Fault($"missing field `{name}` in {schema}");
        return e;
    }

    void PreBoot()
    {
        if (_state != "Not started") throw new Fault("The requested operation is not supported after starting the microVM.");
    }

    async Task Handle(HttpContext ctx)
    {
        var method = ctx.Request.Method;
        var path = ctx.Request.Path.Value ?? "/";
        var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        try
        {
            if (method != "GET" && !(ctx.Request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
                throw new Fault("Request must have Content-Type: application/json");
            switch (method, path)
            {
                case ("GET", "/"):
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string>
                    { ["app_name"] = "Firecracker", ["id"] = "anonymous-instance", ["state"] = _state, ["vmm_version"] = "1.10.0 (FakeFirecracker)" }, FakeJson.Default.DictionaryStringString));
                    return;
                case ("PUT", "/machine-config"):
                    PreBoot();
                    var mc = Check(body, "MachineConfiguration", MachineConfiguration);
                    // src/vmm/src/vmm_config/machine_config.rs: MachineConfigError, as "Machine config error: ..."
                    if (mc.GetProperty("mem_size_mib").GetInt64() == 0)
                        throw new Fault("Machine config error: The memory size (MiB) is either 0, or not a multiple of the configured page size.");
                    break;
                case ("PUT", "/boot-source"):
                    PreBoot();
                    var bs = Check(body, "BootSource", BootSource);
                    if (!File.Exists(bs.GetProperty("kernel_image_path").GetString())) throw new Fault("The kernel file cannot be opened: No such file or directory (os error 2)");
                    if (bs.TryGetProperty("initrd_path", out var ird) && !File.Exists(ird.GetString())) throw new Fault("The initrd file cannot be opened due to invalid path or invalid permissions. No such file or directory (os error 2)");
                    _kernel = true;
                    _bootSource = $"kernel_image_path={bs.GetProperty("kernel_image_path").GetString()}"
                                  + (bs.TryGetProperty("initrd_path", out var ir) ? $" initrd_path={ir.GetString()}" : "")
                                  + $"\nFakeFirecracker: boot_args={(bs.TryGetProperty("boot_args", out var ba) ? ba.GetString() : "")}";
                    break;
                case ("PUT", _) when path.StartsWith("/network-interfaces/", StringComparison.Ordinal):
                    PreBoot();
                    var ni = Check(body, "NetworkInterface", NetworkInterface);
                    if (ni.GetProperty("iface_id").GetString() != path["/network-interfaces/".Length..])
                        throw new Fault("The id from the path does not match the id from the body!");
                    break;
                case ("PUT", "/actions"):
                    var action = Check(body, "InstanceActionInfo", InstanceActionInfo).GetProperty("action_type").GetString();
                    if (action == "InstanceStart")
                    {
                        PreBoot();
                        if (!_kernel) throw new Fault("Cannot start microvm without kernel configuration.");
                        _state = "Running";
                        _output?.WriteLine("FakeFirecracker: a stand-in for Firecracker (tests only); it boots nothing");
                        _output?.WriteLine("FakeFirecracker: boot source " + _bootSource);
                        _output?.Flush();
                    }
                    else if (action == "SendCtrlAltDel" && _state == "Not started")
                        throw new Fault("The requested operation is not supported before starting the microVM.");
                    else if (action == "SendCtrlAltDel")
                    {
                        _output?.WriteLine("FakeFirecracker: SendCtrlAltDel: the guest resets, so Firecracker exits");
                        _output?.Flush();
                        _ended.TrySetResult();
                    }
                    break;
                case ("PATCH", "/vm"):
                    if (_state == "Not started") throw new Fault("The requested operation is not supported before starting the microVM.");
                    _state = Check(body, "Vm", Vm).GetProperty("state").GetString() == "Paused" ? "Paused" : "Running";
                    break;
                default:
                    throw new Fault("Invalid request method and/or path: " + method + " " + path);
            }
            _log.Enqueue($"{method} {path} {body}");
            ctx.Response.StatusCode = 204;
        }
        catch (Fault f)
        {
            ctx.Response.StatusCode = 400;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["fault_message"] = f.Message }, FakeJson.Default.DictionaryStringString));
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class FakeJson : System.Text.Json.Serialization.JsonSerializerContext;
