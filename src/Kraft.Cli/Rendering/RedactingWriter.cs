using System.Text;
using Kraft.Host;

namespace Kraft.Cli.Rendering;

/// <summary>
/// Wraps stdout and stderr so that nothing kraft prints (messages, listings, tools' output it
/// echoes) can show a secret: every string written goes through <see cref="Secrets.Redact"/>.
/// Secrets are also kept out of the data itself where they enter; this is the net under that.
/// </summary>
public sealed class RedactingWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;
    public override IFormatProvider FormatProvider => inner.FormatProvider;
#pragma warning disable CS8765 // TextWriter's own signature
    public override string NewLine { get => inner.NewLine; set => inner.NewLine = value; }
#pragma warning restore CS8765

    public static void Install()
    {
        Console.SetOut(new RedactingWriter(Console.Out));
        Console.SetError(new RedactingWriter(Console.Error));
    }

    public override void Write(char value) => inner.Write(value);
    public override void Write(string? value) => inner.Write(Secrets.Redact(value));
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));
    public override void WriteLine() => inner.WriteLine();
    public override void WriteLine(string? value) => inner.WriteLine(Secrets.Redact(value));
    public override void Flush() => inner.Flush();
}
