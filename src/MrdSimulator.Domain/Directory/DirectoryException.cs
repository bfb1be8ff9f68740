namespace MrdSimulator.Domain.Directory;

/// <summary>A directory file that cannot be used; the message names the file, line and field at fault.</summary>
public sealed class DirectoryException(string file, int line, string field, string reason)
    : Exception($"{file}:{line}: {field}: {reason}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public string Field { get; } = field;

    public string Reason { get; } = reason;
}
