using Kraft.Host;

namespace Kraft.Apps;

/// <summary>
/// A small Unikraft library kraft adds to the ELF loader it builds, so that the loader ends when
/// the program ends and says with which status. app-elfloader (RELEASE-0.16.3, main.c:385) waits
/// in <c>for (;;) sleep(10);</c> after starting the program, and posix-process's exit_group
/// (lib/posix-process/process.c:565 in 0.16.3, :567 in 0.17.0) kills the program's threads and
/// drops the status, printing nothing: the guest idles forever. This library wraps that system
/// call at link time (<c>--wrap=uk_syscall_r_exit_group</c>: the syscall table in syscall_shim
/// reaches the wrapper, posix-process's own callers do not), prints the line
/// <see cref="LoaderExitStatus"/> reads and powers the machine off.
/// </summary>
public static class ExitStatusLibrary
{
    /// <summary>The library's name in the loader's Kraftfile (and its directory beside it).</summary>
    public const string Name = "kraft-exit-status";

    /// <summary>The Kconfig symbol that enables it.</summary>
    public const string Symbol = "LIBKRAFTEXITSTATUS";

    /// <summary>The console line's prefix; a loader image that contains it reports the status.</summary>
    public const string ReportPrefix = "elfloader: exit status ";

    const string ConfigUk = """
        # Written by kraft: reports a Linux program's exit status when the ELF loader runs it.
        config LIBKRAFTEXITSTATUS
        	bool "Report the program's exit status and power off when it exits"
        	default y

        """;

    const string MakefileUk = """
        # Written by kraft: see exit_status.c.
        $(eval $(call addlib_s,libkraftexitstatus,$(CONFIG_LIBKRAFTEXITSTATUS)))
        LIBKRAFTEXITSTATUS_SRCS-y += $(LIBKRAFTEXITSTATUS_BASE)/exit_status.c
        # The final link sends syscall_shim's calls of exit_group here.
        LDFLAGS-$(CONFIG_LIBKRAFTEXITSTATUS) += -Wl,--wrap=uk_syscall_r_exit_group

        """;

    const string ExitStatusC = """
        /* Written by kraft.  The ELF loader's program ends with exit_group(2);
         * Unikraft's posix-process drops the status and the loader's main thread
         * sleeps on, so the machine never stops.  This wrapper of the system call
         * (linked with --wrap=uk_syscall_r_exit_group) prints the status on the
         * console, where kraft reads it, and powers the machine off. */
        #include <stdio.h>
        #include <uk/plat/bootstrap.h>
        #include <uk/plat/console.h>

        long __wrap_uk_syscall_r_exit_group(long status);

        long __wrap_uk_syscall_r_exit_group(long status)
        {
        	char line[48];
        	int len;

        	len = snprintf(line, sizeof(line), "elfloader: exit status %d\n",
        		       (int)(status & 0xff));
        	if (len > 0)
        		ukplat_coutk(line, (unsigned int)len);
        	ukplat_terminate(UKPLAT_HALT);
        }

        """;

    /// <summary>Writes the library into <paramref name="dir"/> (only files that changed, so make rebuilds nothing otherwise).</summary>
    public static void WriteTo(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var (file, text) in new[] { ("Config.uk", ConfigUk), ("Makefile.uk", MakefileUk), ("exit_status.c", ExitStatusC) })
        {
            var path = Path.Combine(dir, file);
            if (!File.Exists(path) || File.ReadAllText(path) != text) AtomicFile.WriteAllText(path, text);
        }
    }

    /// <summary>Whether a loader kernel carries the report (built by kraft with this library, or a loader that prints the same line).</summary>
    public static bool IsIn(string kernel)
    {
        var needle = System.Text.Encoding.ASCII.GetBytes(ReportPrefix);
        using var f = new FileStream(kernel, FileMode.Open, FileAccess.Read, FileShare.Read);
        var buf = new byte[1 << 16];
        var carry = 0;
        int n;
        while ((n = f.Read(buf, carry, buf.Length - carry)) > 0)
        {
            var filled = carry + n;
            if (buf.AsSpan(0, filled).IndexOf(needle) >= 0) return true;
            carry = Math.Min(needle.Length - 1, filled);
            Array.Copy(buf, filled - carry, buf, 0, carry);
        }
        return false;
    }
}
