using System.Diagnostics;
using Kraft.Tests.Host;

namespace Kraft.Tests.EndToEnd;

/// <summary>make, gcc and git die with kraft, even when kraft is killed with SIGKILL.</summary>
public class ChildLifetimeEndToEndTests
{
    [Fact]
    public async Task Kill_9_of_kraft_build_ends_make_and_its_children_within_a_second()
    {
        using var app = new FixtureApp();
        using var tools = new TempDir();
        var pids = tools["pids"];
        // A stand-in make (the real one would finish too soon to be killed in the middle): it
        // starts a background child, as make starts gcc, and records both pids.
        var make = tools.Write("bin/make", $"#!/bin/sh\nsleep 300 & echo $! >> {pids}\nsleep 301 & echo $! >> {pids}\necho $$ >> {pids}\nwait\n");
        File.SetUnixFileMode(make, (UnixFileMode)0b111_101_101);
        await KillBuildOnceStarted(app, tools, pids, 3, "make", tools["bin"] + ":" + Environment.GetEnvironmentVariable("PATH"));
    }

    [Fact]
    public async Task Kill_9_of_kraft_during_a_kconfig_shell_command_ends_the_command_and_its_children()
    {
        using var app = new FixtureApp();
        using var tools = new TempDir();
        var pids = tools["pids"];
        // A $(shell,...) that starts a child of its own and waits: a probe that never ends by itself.
        var probe = tools.Write("probe.sh", $"#!/bin/sh\nsleep 300 & echo $! >> {pids}\necho $$ >> {pids}\nwait\necho y\n");
        File.AppendAllText(app["Config.uk"], $"\nconfig APPHELLO_PROBED\n\tdef_bool $(shell,sh {probe})\n");
        await KillBuildOnceStarted(app, tools, pids, 2, "the $(shell,...) command", path: null);
    }

    /// <summary>
    /// Runs kraft build in <paramref name="app"/>, waits until <paramref name="count"/> pids are in
    /// <paramref name="pids"/>, SIGKILLs kraft alone and asserts every recorded process is gone within a second.
    /// </summary>
    static async Task KillBuildOnceStarted(FixtureApp app, TempDir tools, string pids, int count, string what, string? path)
    {
        var psi = new ProcessStartInfo(TestPaths.KraftBinary, ["build", "-t", "qemu/x86_64"])
        {
            WorkingDirectory = app.Dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (path is not null) psi.Environment["PATH"] = path;
        psi.Environment["CI"] = "true";
        psi.Environment["KRAFTKIT_CONFIG_DIR"] = tools["config"];
        psi.Environment["KRAFTKIT_PATHS_SOURCES"] = tools["sources"];
        psi.Environment["KRAFTKIT_PATHS_MANIFESTS"] = tools["manifests"];
        using var kraft = Process.Start(psi)!;
        kraft.StandardInput.Close();
        var output = kraft.StandardOutput.ReadToEndAsync();
        var errors = kraft.StandardError.ReadToEndAsync();
        int[] children;
        try { children = ChildGuardTests.WaitForPids(pids, count, TimeSpan.FromSeconds(90)); }
        catch (TimeoutException)
        {
            kraft.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} never started: {await output}{await errors}");
        }

        kraft.Kill(entireProcessTree: false); // SIGKILL to kraft alone
        kraft.WaitForExit();
        ChildGuardTests.AssertAllGone(children, TimeSpan.FromSeconds(1));
    }
}
