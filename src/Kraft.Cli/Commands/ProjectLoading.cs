using Kraft.Project;

namespace Kraft.Cli;

/// <summary>Finds and loads the project a command works on.</summary>
public static class ProjectLoading
{
    public static KraftProject Load(string? dir, string? kraftfile) =>
        throw new KraftException("not wired yet");
}
