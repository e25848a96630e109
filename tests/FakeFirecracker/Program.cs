using System.Runtime.InteropServices;
using Kraft.Tests.Machines.Firecracker;

// FakeFirecracker --api-sock PATH [--id ID]: a STAND-IN for `firecracker`, for kraft's tests. It
// serves the API (FakeFirecracker.cs) on PATH and boots nothing; it runs until SIGTERM/SIGINT, or
// until SendCtrlAltDel "resets the guest". Its messages go to stderr, its "serial console" to stdout.
string? socket = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--api-sock" when i + 1 < args.Length:
            socket = args[++i];
            break;
        case "--id" when i + 1 < args.Length:
            var id = args[++i];
            // src/utils/src/validators.rs validate_instance_id
            if (id.Length is < 1 or > 64 || id.Any(c => !(c == '-' || char.IsLetterOrDigit(c))))
                return Fail($"Invalid instance ID: {id}");
            break;
        default:
            return Fail($"Found argument '{args[i]}' which wasn't expected, or isn't valid in this context (FakeFirecracker knows --api-sock and --id)");
    }
}
if (socket is null) return Fail("FakeFirecracker needs --api-sock PATH (the stand-in serves the API only)");
if (File.Exists(socket)) return Fail($"Failed to open the API socket at {socket}: Address in use (os error 98)");

Console.Error.WriteLine($"FakeFirecracker: a stand-in for Firecracker, serving its API on {socket}");
var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
await using (var fc = new FakeFirecracker(socket, stdout))
{
    await Task.WhenAny(stop.Task, fc.Ended);
    // Let the answer to SendCtrlAltDel reach the caller before the socket goes.
    await Task.Delay(50);
}
try { File.Delete(socket); }
catch (IOException) { }
Console.Error.WriteLine("FakeFirecracker: exiting");
return 0;

static int Fail(string message)
{
    Console.Error.WriteLine("FakeFirecracker: " + message);
    return 1;
}
