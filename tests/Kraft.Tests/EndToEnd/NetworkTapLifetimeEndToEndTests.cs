using System.Diagnostics;
using System.Text.Json;
using Kraft.Host;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// A machine's taps live as long as its VMM (issue 9: "taps are removed when their machine is
/// removed or dies"), in a network namespace of the test's own, under real QEMU: the supervisor
/// deletes them when QEMU is killed, the next kraft that finds supervisor and QEMU both killed
/// deletes them, kraft start makes them again for the address still leased, kraft rm frees it.
/// </summary>
public sealed class NetworkTapLifetimeEndToEndTests(StayAliveApp fixture) : IClassFixture<StayAliveApp>
{
    static ProcessResult Sh(string cmd) => ProcessRunner.Run("/bin/sh", ["-c", cmd]);

    static bool Eventually(Func<bool> check, int ms = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < ms)
        {
            if (check()) return true;
            Thread.Sleep(100);
        }
        return check();
    }

    [SkippableFact]
    public void Taps_go_when_the_vmm_dies_or_its_supervisor_and_vmm_are_killed_and_come_back_on_start()
    {
        Skip.If(!Environment.IsPrivilegedProcess, "network namespaces and taps need root");
        var ns = $"kraft-tap-{Environment.ProcessId}-{Random.Shared.Next(100000)}";
        Skip.If(!Sh($"ip netns add {ns}").Succeeded, "ip netns add failed here");
        using var dir = new TempDir();
        try
        {
            var env = $"KRAFTKIT_RUNTIME_DIR={dir["runtime"]} KRAFTKIT_CONFIG_DIR={dir["config"]} CI=true";
            string X(string args)
            {
                var p = Sh($"cd {fixture.App.Dir} && {env} ip netns exec {ns} {TestPaths.KraftBinary} {args} 2>&1");
                return $"{p.ExitCode}|{p.CombinedOutput}";
            }
            bool TapExists(string tap) => Sh($"ip netns exec {ns} ip link show dev {tap}").Succeeded;
            JsonElement Status() => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["runtime"], "machines", "m", "status.json"))).RootElement;
            int Pid(string who) => Status().GetProperty(who).GetProperty("pid").GetInt32();

            Assert.Equal("0|t-taps", X("net create t-taps -n 172.31.9.1/24"));
            var run = X("run -d -W --network t-taps --name m -- served");
            Assert.True(run.StartsWith("0|", StringComparison.Ordinal), run);
            var tap = JsonDocument.Parse(X("net inspect t-taps")[2..]).RootElement.GetProperty("interfaces")[0].GetProperty("tap").GetString()!;
            Assert.True(TapExists(tap), $"tap {tap} missing after run -d");

            // QEMU killed: its supervisor records the exit and deletes the tap; the address stays leased.
            Process.GetProcessById(Pid("vmm")).Kill();
            Assert.True(Eventually(() => X("ps -a").Contains("exited (signal 9)")), X("ps -a"));
            Assert.True(Eventually(() => !TapExists(tap)), $"tap {tap} still there after QEMU was killed");
            Assert.Contains("172.31.9.2/24", X("net inspect t-taps"));

            // kraft start -d makes it again, for the same address.
            var start = X("start -d m");
            Assert.True(start.StartsWith("0|", StringComparison.Ordinal), start);
            Assert.True(TapExists(tap), $"tap {tap} not made again by kraft start -d");
            Assert.Contains("running", X("ps"));

            // Supervisor and QEMU both killed: nobody recorded anything; the next kraft ps deletes the tap.
            var supervisor = Pid("supervisor");
            var vmm = Pid("vmm");
            Process.GetProcessById(supervisor).Kill();
            Assert.True(Eventually(() => !Directory.Exists($"/proc/{supervisor}")));
            Process.GetProcessById(vmm).Kill();
            Assert.True(Eventually(() => !Directory.Exists($"/proc/{vmm}")));
            Assert.True(TapExists(tap), "the tap went before any kraft saw the machine dead");
            var ps = X("ps -a");
            Assert.Contains("exited", ps);
            Assert.False(TapExists(tap), $"kraft ps left the tap {tap} of a dead machine:\n{ps}");
            Assert.Equal("exited", Status().GetProperty("state").GetString()!.ToLowerInvariant());

            // kraft rm gives the address back; then the network can go.
            Assert.Equal("0|m", X("rm m"));
            Assert.DoesNotContain("172.31.9.2", X("net inspect t-taps"));
            Assert.Equal("0|t-taps", X("net rm t-taps"));
        }
        finally
        {
            Sh($"ip netns pids {ns} | xargs -r kill -9");
            Sh($"ip netns del {ns}");
        }
    }
}
