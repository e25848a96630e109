using System.Text;

namespace Kraft.Project;

/// <summary>
/// Splits a command line into words the way a POSIX shell would, without expansion:
/// whitespace separates words, '…' is literal, "…" honours \" \\ \$ \` and backslash-newline,
/// and a backslash outside quotes escapes the next character.
/// </summary>
public static class ShellWords
{
    /// <exception cref="FormatException">on an unterminated quote or a trailing backslash.</exception>
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false; // distinguishes "no word yet" from an empty quoted word ('')
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
                    break;
                case '\\':
                    if (++i >= line.Length) throw new FormatException("the command ends with a lone backslash");
                    if (line[i] != '\n') word.Append(line[i]);
                    inWord = true;
                    break;
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0) throw new FormatException("unterminated single quote");
                    word.Append(line, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    i = ReadDoubleQuoted(line, i + 1, word);
                    inWord = true;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>Appends a "…" body starting at <paramref name="i"/>; returns the closing quote's index.</summary>
    private static int ReadDoubleQuoted(string line, int i, StringBuilder word)
    {
        for (; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"') return i;
            if (c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`' or '\n')
            {
                i++;
                if (line[i] != '\n') word.Append(line[i]);
                continue;
            }
            word.Append(c);
        }
        throw new FormatException("unterminated double quote");
    }
}
