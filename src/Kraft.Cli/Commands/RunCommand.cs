using System.CommandLine;
namespace Kraft.Cli;
public static class RunCommand { public static Command Create() => new("run", "Boot a unikernel"); }
