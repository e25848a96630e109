using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Kraft.Machines.Firecracker;

/// <summary>One call to Firecracker's HTTP API (src/firecracker/swagger/firecracker.yaml).</summary>
public sealed record ApiRequest(string Method, string Path, string? Body);

/// <summary>
/// What kraft asks Firecracker, as pure functions of the spec: network interfaces (the taps of
/// --network), machine config, boot source with the initrd and boot args, then InstanceStart.
/// Firecracker's loader passes no argv[0], so the boot args start with the kernel's name, and
/// always carry "--" (Unikraft's library parameters come before it).
/// </summary>
public static class FirecrackerApi
{
    public static string BootArgs(MachineSpec spec)
    {
        var parts = new List<string> { Path.GetFileName(spec.KernelPath) };
        var kernel = QemuCommandLine.Append(spec with { AppArgs = [] });
        if (kernel.EndsWith(" --", StringComparison.Ordinal)) kernel = kernel[..^3];
        if (kernel.Length > 0 && kernel != "--") parts.Add(kernel);
        parts.Add("--");
        parts.AddRange(spec.AppArgs.Select(QemuCommandLine.QuoteForGuest));
        return string.Join(' ', parts);
    }

    /// <summary>The configuration calls before start, in order.</summary>
    public static IReadOnlyList<ApiRequest> Configure(MachineSpec spec)
    {
        if (spec.Ports.Count > 0)
            throw new KraftException("Firecracker has no user-mode networking, so -p cannot publish ports", hint: "attach the machine to a network instead: kraft net create NAME, then --network NAME");
        if (spec.Volumes.Any(v => v.Driver != VolumeMount.Initrd))
            throw new KraftException("Firecracker has no 9pfs device, so -v volumes cannot be shared with it", hint: "put the files into the root filesystem (--rootfs) instead");
        var list = new List<ApiRequest>();
        for (var i = 0; i < spec.Networks.Count; i++)
        {
            var n = spec.Networks[i];
            var id = $"net{i}";
            list.Add(new("PUT", $"/network-interfaces/{id}", Json(j =>
            {
                j.WriteString("iface_id", id);
                j.WriteString("host_dev_name", n.Tap ?? throw new KraftException($"network {n.Network} has no tap yet"));
                if (n.Mac is not null) j.WriteString("guest_mac", n.Mac);
            })));
        }
        list.Add(new("PUT", "/machine-config", Json(j =>
        {
            j.WriteNumber("vcpu_count", spec.Cpus);
            j.WriteNumber("mem_size_mib", spec.MemoryMiB);
        })));
        list.Add(new("PUT", "/boot-source", Json(j =>
        {
            j.WriteString("kernel_image_path", spec.KernelPath);
            if (spec.InitrdPath is not null) j.WriteString("initrd_path", spec.InitrdPath);
            j.WriteString("boot_args", BootArgs(spec));
        })));
        return list;
    }

    public static ApiRequest Action(string type) => new("PUT", "/actions", Json(j => j.WriteString("action_type", type)));
    public static ApiRequest Start => Action("InstanceStart");
    public static ApiRequest CtrlAltDel => Action("SendCtrlAltDel");
    public static ApiRequest Pause => new("PATCH", "/vm", Json(j => j.WriteString("state", "Paused")));
    public static ApiRequest Resume => new("PATCH", "/vm", Json(j => j.WriteString("state", "Resumed")));
    public static ApiRequest Describe => new("GET", "/", null);

    /// <summary>InstanceInfo.state to a machine state.</summary>
    public static MachineState? StateOf(string? instanceState) => instanceState switch
    {
        "Not started" => MachineState.Created,
        "Running" => MachineState.Running,
        "Paused" => MachineState.Paused,
        _ => null,
    };

    /// <summary>The argv (after the program) that starts Firecracker for a machine.</summary>
    public static IReadOnlyList<string> Argv(string socketPath, string id) => ["--api-sock", socketPath, "--id", id];

    static string Json(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms))
        {
            j.WriteStartObject();
            body(j);
            j.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}

/// <summary>Sends <see cref="ApiRequest"/>s to Firecracker's API socket; a refusal becomes a KraftException with its fault_message.</summary>
public sealed class FirecrackerClient(string socketPath, TimeSpan timeout) : IDisposable
{
    public FirecrackerClient(string socketPath) : this(socketPath, TimeSpan.FromSeconds(5)) { }

    readonly HttpClient _http = new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancel) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel);
                return new NetworkStream(s, ownsSocket: true);
            }
            catch
            {
                s.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = new Uri("http://localhost"), Timeout = timeout };

    /// <summary>Sends the request; returns the response body (empty for 204).</summary>
    public string Send(ApiRequest r)
    {
        using var msg = new HttpRequestMessage(new HttpMethod(r.Method), r.Path);
        if (r.Body is not null)
        {
            msg.Content = new StringContent(r.Body, Encoding.UTF8);
            msg.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        msg.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage resp;
        try { resp = _http.Send(msg); }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException or IOException)
        {
            throw new KraftException($"Firecracker's API at {socketPath} did not answer {r.Method} {r.Path}: {e.Message}");
        }
        using (resp)
        {
            var text = resp.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (resp.IsSuccessStatusCode) return text;
            string fault = text;
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.TryGetProperty("fault_message", out var f)) fault = f.GetString() ?? text;
            }
            catch (JsonException) { }
            throw new KraftException($"Firecracker refused {r.Method} {r.Path} ({(int)resp.StatusCode}): {fault}");
        }
    }

    /// <summary>GET / → InstanceInfo.state.</summary>
    public string? InstanceState()
    {
        var text = Send(FirecrackerApi.Describe);
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString() : null;
        }
        catch (JsonException)
        {
            throw new KraftException($"Firecracker's API at {socketPath} answered GET / with something that is not JSON");
        }
    }

    public void Dispose() => _http.Dispose();
}
