using Kraft.Project;

namespace Kraft.Cli;

/// <summary>Finds and loads the project a command works on, and shows the loader's warnings.</summary>
public static class ProjectLoading
{
    public static KraftProject Load(string? dir, string? kraftfile)
    {
        var workdir = Path.GetFullPath(dir ?? Environment.CurrentDirectory);
        if (dir is not null && !Directory.Exists(workdir))
            throw new KraftException(Path.Exists(workdir) ? $"{dir} is not a directory" : $"{dir} does not exist (no such directory, nor a machine of that name)",
                hint: "give the project's directory (the one with the Kraftfile), or a machine's name (kraft ps -a lists them)");
        var project = KraftfileLoader.LoadProject(workdir, kraftfile);
        foreach (var w in project.Warnings)
            Console.Error.WriteLine("warning: " + w);
        return project;
    }
}
