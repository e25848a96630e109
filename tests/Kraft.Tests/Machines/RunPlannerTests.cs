using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class RunPlannerTests
{
    static KeyValuePair<string, string> KV(string k, string v) => new(k, v);

    /// <summary>The ELF header of an i386 kernel (Unikraft's x86_64 image is one): enough for the planner.</summary>
    static string Kernel(TempDir dir)
    {
        var b = new byte[64];
        b[0] = 0x7F; b[1] = (byte)'E'; b[2] = (byte)'L'; b[3] = (byte)'F'; b[4] = 1; b[5] = 1;
        b[18] = (byte)ElfInfo.EM_386;
        var path = dir["app_qemu-x86_64"];
        File.WriteAllBytes(path, b);
        return path;
    }

    [Fact]
    public void A_kernel_from_an_image_gets_the_image_env_and_the_env_flags_override_it()
    {
        using var dir = new TempDir();
        var kernel = Kernel(dir);
        var spec = RunPlanner.Plan(new RunRequest
        {
            What = kernel, Platform = "qemu", Arch = "x86_64", RuntimeDir = dir["runtime"],
            ImageEnv = [KV("A", "image"), KV("B", "image")],
            EnvAssignments = ["B=flag", "C=new"],
            Source = "registry.example/app:1 (qemu/x86_64)",
        }, () => throw new InvalidOperationException("a kernel file needs no project"));
        Assert.Equal([KV("A", "image"), KV("B", "flag"), KV("C", "new")], spec.Env);
        Assert.Equal("registry.example/app:1 (qemu/x86_64)", spec.Source);
    }

    [Fact]
    public void A_plain_kernel_file_has_no_env_but_the_flags()
    {
        using var dir = new TempDir();
        var kernel = Kernel(dir);
        var spec = RunPlanner.Plan(new RunRequest { What = kernel, Platform = "qemu", Arch = "x86_64", RuntimeDir = dir["runtime"], EnvAssignments = ["X=1"] },
            () => throw new InvalidOperationException("a kernel file needs no project"));
        Assert.Equal([KV("X", "1")], spec.Env);
        Assert.Equal(Path.GetFullPath(kernel), spec.Source);
    }

    [Fact]
    public void An_image_cmd_is_split_on_the_double_dash_and_the_command_line_wins()
    {
        using var dir = new TempDir();
        var kernel = Kernel(dir);
        var request = new RunRequest { What = kernel, Platform = "qemu", Arch = "x86_64", RuntimeDir = dir["runtime"], ImageCmd = ["netdev.ip=10.0.2.15/24", "--", "/server", "-p", "80"] };
        var spec = RunPlanner.Plan(request, () => throw new InvalidOperationException("a kernel file needs no project"));
        Assert.Equal(["netdev.ip=10.0.2.15/24"], spec.KernelArgs);
        Assert.Equal(["/server", "-p", "80"], spec.AppArgs);
        var own = RunPlanner.Plan(request with { AppArgs = ["mine"] }, () => throw new InvalidOperationException());
        Assert.Equal(["mine"], own.AppArgs);
        Assert.Empty(own.KernelArgs);
    }
}
