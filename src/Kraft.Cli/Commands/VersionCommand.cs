using System.CommandLine;

namespace Kraft.Cli;

public static class VersionCommand
{
    public static string Text =>
        $"kraft {typeof(KraftException).Assembly.GetName().Version?.ToString(3)} (Kraft.NET, .NET {Environment.Version})";

    public static Command Create()
    {
        var cmd = new Command("version", "Print kraft's version");
        cmd.SetAction(_ => { Console.Out.WriteLine(Text); return 0; });
        return cmd;
    }
}
