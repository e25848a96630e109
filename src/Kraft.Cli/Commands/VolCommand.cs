using System.CommandLine;
using Kraft.Guest;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary><c>kraft vol</c>: named volumes, folders under the runtime directory shared over 9pfs.</summary>
public static class VolCommand
{
    public static Command Create()
    {
        var cmd = new Command("vol", "Manage named volumes (directories shared with machines over 9pfs)")
        {
            CreateSub(), List(), Remove(), Inspect(),
        };
        cmd.Aliases.Add("volume");
        return cmd;
    }

    static VolumeStore Store(ParseResult r, MachineOptions o) => new(MachineStore.DefaultRoot(r.GetValue(o.RuntimeDir)));

    /// <summary>The machines whose spec mounts the named volume.</summary>
    static IReadOnlyList<string> UsersOf(ParseResult r, MachineOptions o, string name) =>
        o.Store(r).List().Machines.Where(m => m.Spec.Volumes.Any(v => v.VolumeName == name)).Select(m => m.Name).ToList();

    static Command CreateSub()
    {
        var o = new MachineOptions();
        var name = new Argument<string>("name") { Description = "The volume's name" };
        var c = new Command("create", "Create a named volume") { name };
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() => Console.Out.WriteLine(Store(r, o).Create(r.GetValue(name)!).Name)));
        return c;
    }

    static Command List()
    {
        var o = new MachineOptions();
        var c = new Command("ls", "List named volumes");
        c.Aliases.Add("list");
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() =>
        {
            var vols = Store(r, o).List();
            var machines = o.Store(r).List().Machines;
            var rows = new List<IReadOnlyList<string>> { new[] { "NAME", "DRIVER", "STATUS", "SOURCE" } };
            rows.AddRange(vols.Select(v => new[] { v.Name, "9pfs", machines.Any(m => m.Spec.Volumes.Any(x => x.VolumeName == v.Name)) ? "bound" : "pending", v.Path }));
            Console.Out.Write(Rendering.TextTable.Render(rows));
        }));
        return c;
    }

    static Command Remove()
    {
        var o = new MachineOptions();
        var names = new Argument<string[]>("name") { Description = "Volumes to remove", Arity = ArgumentArity.OneOrMore };
        var c = new Command("rm", "Remove named volumes and their content (refused while a machine uses one)") { names };
        c.Aliases.Add("remove");
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() =>
        {
            foreach (var n in r.GetValue(names)!)
            {
                Store(r, o).Remove(n, UsersOf(r, o, n));
                Console.Out.WriteLine(n);
            }
        }));
        return c;
    }

    static Command Inspect()
    {
        var o = new MachineOptions();
        var name = new Argument<string>("name");
        var c = new Command("inspect", "Show a named volume as JSON") { name };
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() =>
        {
            var store = Store(r, o);
            var n = r.GetValue(name)!;
            var v = store.Get(n) ?? throw store.NotFound(n);
            using var s = Console.OpenStandardOutput();
            using var j = new System.Text.Json.Utf8JsonWriter(s, new System.Text.Json.JsonWriterOptions { Indented = true });
            j.WriteStartObject();
            j.WriteString("name", v.Name);
            j.WriteString("driver", "9pfs");
            j.WriteString("source", v.Path);
            j.WriteString("created", v.Created);
            j.WriteStartArray("machines");
            foreach (var m in UsersOf(r, o, n)) j.WriteStringValue(m);
            j.WriteEndArray();
            j.WriteEndObject();
            j.Flush();
            s.Write("\n"u8);
        }));
        return c;
    }
}
