using System.CommandLine;
namespace Kraft.Cli;
public static class InspectCommand { public static Command Create() => new("inspect", "Print the normalised project"); }
