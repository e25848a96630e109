using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Kraft.Machines;

/// <summary>
/// A QEMU Machine Protocol connection: newline-delimited JSON on the machine's unix socket. On
/// connect it reads the greeting and negotiates capabilities; every command waits for its own
/// reply, skipping the asynchronous events QEMU may send in between. Every read is bounded in
/// time and size.
/// </summary>
public sealed class QmpClient : IDisposable
{
    const int MaxLine = 1 << 20;
    readonly Socket _socket;
    readonly byte[] _buffer = new byte[8192];
    int _start, _end;
    readonly TimeSpan _timeout;

    QmpClient(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _timeout = timeout;
    }

    /// <summary>Connects, reads the greeting and sends qmp_capabilities. Throws <see cref="QmpException"/> when QEMU does not answer.</summary>
    public static QmpClient Connect(string socketPath, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            socket.SendTimeout = (int)timeout.TotalMilliseconds;
            socket.Connect(UnixSocketPaths.EndPoint(socketPath));
            var client = new QmpClient(socket, timeout);
            using (var greeting = client.ReadMessage())
                if (!greeting.RootElement.TryGetProperty("QMP", out _))
                    throw new QmpException("QEMU did not greet with QMP");
            client.Execute("qmp_capabilities").Dispose();
            return client;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new QmpException($"cannot connect to {socketPath}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs one command and returns its reply document ("return"); an "error" reply throws.</summary>
    public JsonDocument Execute(string command)
    {
        var bytes = Encoding.UTF8.GetBytes($"{{\"execute\":\"{command}\"}}\n");
        try { _socket.Send(bytes); }
        catch (SocketException e) { throw new QmpException($"QMP {command}: {e.Message}", e); }
        while (true)
        {
            var doc = ReadMessage();
            var root = doc.RootElement;
            if (root.TryGetProperty("event", out _))
            {
                doc.Dispose();
                continue;
            }
            if (root.TryGetProperty("error", out var error))
            {
                var desc = error.TryGetProperty("desc", out var d) ? d.GetString() : error.ToString();
                doc.Dispose();
                throw new QmpException($"QMP {command}: {desc}");
            }
            if (root.TryGetProperty("return", out _)) return doc;
            doc.Dispose();
        }
    }

    /// <summary>query-status: QEMU's run state ("running", "paused", "internal-error", "shutdown", "prelaunch"...).</summary>
    public string QueryStatus()
    {
        using var doc = Execute("query-status");
        return doc.RootElement.GetProperty("return").TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";
    }

    /// <summary>Sends a command whose reply may never come because QEMU exits (quit): the connection closing counts as success.</summary>
    public void ExecuteFinal(string command)
    {
        try { Execute(command).Dispose(); }
        catch (QmpException) when (!_socket.Connected || IsClosed()) { }
    }

    bool IsClosed()
    {
        try { return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0; }
        catch (SocketException) { return true; }
    }

    JsonDocument ReadMessage()
    {
        var deadline = DateTime.UtcNow + _timeout;
        while (true)
        {
            var nl = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                var line = _buffer.AsMemory(_start, nl - _start);
                _start = nl + 1;
                if (line.Span.Trim((byte)'\r').IsEmpty) continue;
                try { return JsonDocument.Parse(line); }
                catch (JsonException e) { throw new QmpException($"QEMU sent malformed QMP: {e.Message}", e); }
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
                throw new QmpException($"QMP message longer than {_buffer.Length} bytes");
            if (DateTime.UtcNow > deadline) throw new QmpException("QEMU did not answer on QMP in time");
            int n;
            try { n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None); }
            catch (SocketException e) { throw new QmpException($"QMP: {e.Message}", e); }
            if (n == 0) throw new QmpException("QEMU closed the QMP connection");
            _end += n;
        }
    }

    public void Dispose() => _socket.Dispose();
}

public sealed class QmpException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Unix socket addresses are limited to 107 bytes; a machine folder deep in a home directory can
/// be longer. QEMU binds its socket by a relative name (it runs in the machine folder), and we
/// connect through /proc/self/fd/N/NAME, where N is the folder opened with O_PATH.
/// </summary>
public static class UnixSocketPaths
{
    const int MaxPath = 107;
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Folders = new();

    public static System.Net.Sockets.UnixDomainSocketEndPoint EndPoint(string path)
    {
        if (Encoding.UTF8.GetByteCount(path) <= MaxPath) return new(path);
        var dir = Path.GetDirectoryName(path)!;
        // One descriptor per folder, kept for the life of the process (a command touches a few).
        var fd = Folders.GetOrAdd(dir, d => Native.Open(d, Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC));
        if (fd < 0)
        {
            Folders.TryRemove(dir, out _);
            throw new SocketException(2);
        }
        return new($"/proc/self/fd/{fd}/{Path.GetFileName(path)}");
    }
}
