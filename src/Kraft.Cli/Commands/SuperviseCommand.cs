using System.CommandLine;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary>The hidden <c>kraft __supervise</c>: the parent of a detached machine's VMM, recording how it ends.</summary>
public static class SuperviseCommand
{
    public static Command Create()
    {
        var options = new MachineOptions();
        var name = new Argument<string>("name");
        var cmd = new Command(MachineController.SupervisorCommand, "Supervise a detached machine (started by kraft run -d / kraft start)") { name };
        cmd.Hidden = true;
        options.AddTo(cmd);
        cmd.SetAction((r, cancel) =>
        {
            var store = options.Store(r);
            var machine = store.Get(r.GetValue(name)!);
            return Task.FromResult(MachineSupervisor.Run(store, machine, w => new Rendering.RedactingWriter(w), cancel));
        });
        return cmd;
    }
}
