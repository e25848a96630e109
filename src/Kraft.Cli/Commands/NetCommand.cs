using System.CommandLine;
using Kraft.Machines;
using Kraft.Networks;

namespace Kraft.Cli;

/// <summary><c>kraft net</c>: bridge networks that machines join with --network.</summary>
public static class NetCommand
{
    public static Command Create()
    {
        var cmd = new Command("net", "Manage bridge networks for machines (--network)")
        {
            CreateSub(), List(), Inspect(), Remove(), Up(true), Up(false),
        };
        cmd.Aliases.Add("network");
        return cmd;
    }

    static NetworkStore Store(ParseResult r, MachineOptions o) => new(MachineStore.DefaultRoot(r.GetValue(o.RuntimeDir)));

    static IReadOnlyList<string> UsersOf(ParseResult r, MachineOptions o, NetworkRecord n) =>
        o.Store(r).List().Machines.Where(m => m.Spec.Networks.Any(a => a.Network == n.Name)).Select(m => m.Name).ToList();

    static Command CreateSub()
    {
        var o = new MachineOptions();
        var name = new Argument<string>("name") { Description = "The network's name (also its bridge's, when 15 characters or fewer)" };
        var cidr = new Option<string?>("--network", "-n") { Description = "Gateway address and prefix, e.g. 172.18.0.1/16 (default: the first free subnet of 172.17-31.0.0/16)" };
        var c = new Command("create", "Create a network: a Linux bridge holding the gateway address") { name, cidr };
        c.Aliases.Add("add");
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() => Console.Out.WriteLine(Store(r, o).Create(r.GetValue(name)!, r.GetValue(cidr)).Name)));
        return c;
    }

    static Command List()
    {
        var o = new MachineOptions();
        var c = new Command("ls", "List networks");
        c.Aliases.Add("list");
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() =>
        {
            var s = Store(r, o);
            var rows = new List<IReadOnlyList<string>> { new[] { "NAME", "NETWORK", "DRIVER", "STATUS" } };
            rows.AddRange(s.List().Select(n => new[] { n.Name, n.Gateway.ToString(), "bridge", s.State(n) }));
            Console.Out.Write(Rendering.TextTable.Render(rows));
        }));
        return c;
    }

    static Command Inspect()
    {
        var o = new MachineOptions();
        var name = new Argument<string>("name");
        var c = new Command("inspect", "Show a network as JSON") { name };
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() =>
        {
            var s = Store(r, o);
            var n = s.Get(r.GetValue(name)!);
            using var stdout = Console.OpenStandardOutput();
            using var j = new System.Text.Json.Utf8JsonWriter(stdout, new System.Text.Json.JsonWriterOptions { Indented = true });
            j.WriteStartObject();
            j.WriteString("name", n.Name);
            j.WriteString("driver", "bridge");
            j.WriteString("bridge", n.Bridge);
            j.WriteString("network", n.Gateway.Subnet.ToString());
            j.WriteString("gateway", Ipv4Cidr.Format(n.Gateway.Address));
            j.WriteString("status", s.State(n));
            j.WriteString("created", n.Created);
            j.WriteStartArray("interfaces");
            foreach (var l in n.Leases) l.WriteTo(j);
            j.WriteEndArray();
            j.WriteStartArray("machines");
            foreach (var m in UsersOf(r, o, n)) j.WriteStringValue(m);
            j.WriteEndArray();
            j.WriteEndObject();
            j.Flush();
            stdout.Write("\n"u8);
        }));
        return c;
    }

    static Command Remove()
    {
        var o = new MachineOptions();
        var names = new Argument<string[]>("name") { Arity = ArgumentArity.OneOrMore };
        var c = new Command("rm", "Remove networks and their bridges (refused while a machine uses one)") { names };
        c.Aliases.Add("remove");
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() =>
        {
            foreach (var n in r.GetValue(names)!)
            {
                Store(r, o).Remove(n, rec => UsersOf(r, o, rec));
                Console.Out.WriteLine(n);
            }
        }));
        return c;
    }

    static Command Up(bool up)
    {
        var o = new MachineOptions();
        var name = new Argument<string>("name");
        var c = new Command(up ? "up" : "down", up ? "Bring a network's bridge and taps up" : "Take a network's bridge and taps down") { name };
        o.AddTo(c);
        c.SetAction(r => Program.Guarded(() =>
        {
            Store(r, o).SetUp(r.GetValue(name)!, up);
            Console.Out.WriteLine(r.GetValue(name));
        }));
        return c;
    }
}
