namespace MrdSimulator.Domain.Chaos;

/// <summary>
/// A plan (or admin request body) that cannot be used; the message names the file, line, field and reason.
/// A <see cref="FormatException"/> so that start-up reports it like other bad input, without a stack trace.
/// </summary>
public sealed class ChaosPlanException(string file, int line, string field, string reason)
    : FormatException($"{file}:{line}: {field}: {reason}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public string Field { get; } = field;

    public string Reason { get; } = reason;
}
