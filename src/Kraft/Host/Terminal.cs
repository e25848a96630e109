namespace Kraft.Host;

/// <summary>What kind of output we are writing to: a live terminal gets progress displays, anything else plain lines.</summary>
public static class Terminal
{
    public static bool IsInteractiveOutput =>
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb")
        && Environment.GetEnvironmentVariable("CI") is null;
}
