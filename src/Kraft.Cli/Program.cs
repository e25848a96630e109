using Kraft;

namespace Kraft.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--version"] or ["version"])
        {
            Console.WriteLine($"kraft {typeof(KraftException).Assembly.GetName().Version?.ToString(3)} (Kraft.NET)");
            return 0;
        }
        Console.Error.WriteLine("kraft: not wired yet");
        return 1;
    }
}
