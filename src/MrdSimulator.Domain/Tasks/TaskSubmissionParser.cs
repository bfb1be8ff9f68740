using System.Collections.Immutable;
using System.Text;
using System.Xml;
using MrdSimulator.Domain.Errors;

namespace MrdSimulator.Domain.Tasks;

/// <summary>
/// CCP's checks on a task request (reference ccp §2, §3, §11): name (required, ≤ 100 characters, no
/// newline), title (required), scriptSelector (required, ≤ 32), at most 20 tags, at most 100 variables
/// and 1 MB of them; and no text XML 1.0 cannot carry (the values travel in Dialog XML to agents).
/// Errors are CCP's lower-camel <c>apiErrors</c> with <c>errorData</c> naming the field.
/// </summary>
public static class TaskSubmissionParser
{
    public const int MaxNameLength = 100;
    public const int MaxScriptSelectorLength = 32;
    public const int MaxTags = 20;
    public const int MaxVariables = 100;
    public const int MaxVariableBytes = 1024 * 1024;

    /// <summary>Large enough for 100 variables of realistic size; the 1 MB extension-field cap is checked too.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private static readonly XmlReaderSettings Settings = Xml.RequestXml.SafeSettings(MaxBodyBytes);

    public static (TaskSubmission? Task, ApiError? Error) ParseXml(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, Invalid("Task", "The request body is empty"));
        }

        string? name = null, title = null, description = null, scriptSelector = null, requeue = null;
        var tags = ImmutableArray.CreateBuilder<string>();
        var variables = ImmutableArray.CreateBuilder<TaskVariable>();
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), Settings);
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "Task")
            {
                return (null, Invalid("Task", $"Expected a Task element but found {reader.Name}"));
            }

            if (!reader.IsEmptyElement)
            {
                reader.Read();
                while (reader.NodeType == XmlNodeType.Element)
                {
                    switch (reader.LocalName)
                    {
                        case "name":
                            name = reader.ReadElementContentAsString();
                            break;
                        case "title":
                            title = reader.ReadElementContentAsString();
                            break;
                        case "description":
                            description = reader.ReadElementContentAsString();
                            break;
                        case "scriptSelector":
                            scriptSelector = reader.ReadElementContentAsString().Trim();
                            break;
                        case "requeueOnRecovery":
                            requeue = reader.ReadElementContentAsString().Trim();
                            break;
                        case "tags":
                            if (ReadList(reader, "tag", r => tags.Add(r.ReadElementContentAsString().Trim())) is { } tagError)
                            {
                                return (null, tagError);
                            }

                            break;
                        case "variables":
                            if (ReadList(reader, "variable", r => ReadVariable(r, variables)) is { } variableError)
                            {
                                return (null, variableError);
                            }

                            break;
                        default:
                            // Unknown children (customerUID, newer fields) are accepted and ignored (ccp §12.2).
                            reader.Skip();
                            break;
                    }
                }
            }

            while (reader.Read())
            {
            }
        }
        catch (XmlException ex)
        {
            return (null, Invalid("Task", $"The request body is not well-formed XML: {ex.Message}"));
        }
        catch (FormatException ex)
        {
            return (null, Invalid("variable", ex.Message));
        }

        return Build(name, title, description, scriptSelector, requeue, tags.ToImmutable(), variables.ToImmutable());
    }

    /// <summary>The GET-to-create form: <c>name</c>, <c>title</c>, <c>description</c>, <c>scriptSelector</c>,
    /// <c>requeueOnRecovery</c>, comma-separated <c>tags</c>, and <c>variable_&lt;name&gt;=value</c>.</summary>
    public static (TaskSubmission? Task, ApiError? Error) ParseQuery(IEnumerable<KeyValuePair<string, string?>> query)
    {
        string? name = null, title = null, description = null, scriptSelector = null, requeue = null;
        var tags = ImmutableArray.CreateBuilder<string>();
        var variables = ImmutableArray.CreateBuilder<TaskVariable>();
        foreach (var (key, value) in query)
        {
            switch (key)
            {
                case "name":
                    name = value;
                    break;
                case "title":
                    title = value;
                    break;
                case "description":
                    description = value;
                    break;
                case "scriptSelector":
                    scriptSelector = value?.Trim();
                    break;
                case "requeueOnRecovery":
                    requeue = value?.Trim();
                    break;
                case "tags":
                    foreach (var tag in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        tags.Add(tag);
                    }

                    break;
                default:
                    if (key.StartsWith("variable_", StringComparison.Ordinal) && key.Length > "variable_".Length)
                    {
                        variables.Add(new TaskVariable(key["variable_".Length..], value ?? string.Empty));
                    }

                    // Other parameters (nocache, cache busters) are ignored.
                    break;
            }
        }

        return Build(name, title, description, scriptSelector, requeue, tags.ToImmutable(), variables.ToImmutable());
    }

    /// <summary>CCP's error body (lower-camel, like the CCE config API's).</summary>
    public static ApiError Invalid(string field, string message) => new(400, "invalidInput", message, field);

    public static ApiError Missing(string field) => new(400, "missingParameter", $"The {field} parameter is required", field);

    private static (TaskSubmission?, ApiError?) Build(
        string? name, string? title, string? description, string? scriptSelector, string? requeue,
        ImmutableArray<string> tags, ImmutableArray<TaskVariable> variables)
    {
        // The query form can carry any character; the XML form reaches here only with what XML 1.0 allows.
        var unsafeText = Unsafe("name", name) ?? Unsafe("title", title) ?? Unsafe("description", description) ?? Unsafe("scriptSelector", scriptSelector)
            ?? tags.Select(t => Unsafe("tags", t)).FirstOrDefault(e => e is not null)
            ?? variables.Select(v => Unsafe("variables", v.Name) ?? Unsafe("variables", v.Value)).FirstOrDefault(e => e is not null);
        if (unsafeText is not null)
        {
            return (null, unsafeText);
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            return (null, Missing("name"));
        }

        if (name.Length > MaxNameLength)
        {
            return (null, Invalid("name", $"name is longer than {MaxNameLength} characters"));
        }

        if (name.Contains('\n', StringComparison.Ordinal))
        {
            return (null, Invalid("name", "name must not contain a newline"));
        }

        if (string.IsNullOrWhiteSpace(title))
        {
            return (null, Missing("title"));
        }

        if (string.IsNullOrEmpty(scriptSelector))
        {
            return (null, Missing("scriptSelector"));
        }

        if (scriptSelector.Length > MaxScriptSelectorLength)
        {
            return (null, Invalid("scriptSelector", $"scriptSelector is longer than {MaxScriptSelectorLength} characters"));
        }

        var requeueOnRecovery = false;
        if (!string.IsNullOrEmpty(requeue))
        {
            if (requeue is not ("true" or "false"))
            {
                return (null, Invalid("requeueOnRecovery", $"requeueOnRecovery must be true or false, not '{requeue}'"));
            }

            requeueOnRecovery = requeue == "true";
        }

        if (tags.Length > MaxTags)
        {
            return (null, Invalid("tags", $"A task may carry at most {MaxTags} tags; {tags.Length} were given"));
        }

        if (tags.Any(t => t.Length == 0))
        {
            return (null, Invalid("tags", "A tag must not be empty"));
        }

        if (variables.Length > MaxVariables)
        {
            return (null, Invalid("variables", $"A task may carry at most {MaxVariables} variables; {variables.Length} were given"));
        }

        var bytes = 0L;
        foreach (var variable in variables)
        {
            bytes += Encoding.UTF8.GetByteCount(variable.Name) + Encoding.UTF8.GetByteCount(variable.Value);
        }

        if (bytes > MaxVariableBytes)
        {
            return (null, Invalid("variables", "The variables exceed 1 MB in total"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            if (!names.Add(variable.Name))
            {
                return (null, Invalid("variables", $"Variable '{variable.Name}' appears more than once"));
            }
        }

        return (new TaskSubmission(name, title, string.IsNullOrEmpty(description) ? null : description, scriptSelector, requeueOnRecovery, tags, variables), null);
    }

    private static ApiError? Unsafe(string field, string? text) =>
        text is not null && Xml.XmlChars.IndexOfInvalid(text) is var at and >= 0
            ? Invalid(field, $"{field} holds {Xml.XmlChars.Describe(text, at)}, a character XML 1.0 cannot carry")
            : null;

    private static ApiError? ReadList(XmlReader reader, string item, Action<XmlReader> readItem)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return null;
        }

        var container = reader.LocalName;
        reader.Read();
        while (reader.NodeType == XmlNodeType.Element)
        {
            if (reader.LocalName != item)
            {
                return Invalid(container, $"Unexpected element {reader.LocalName} in {container}; expected {item}");
            }

            readItem(reader);
        }

        if (reader.NodeType != XmlNodeType.EndElement)
        {
            return Invalid(container, $"Unexpected text in {container}");
        }

        reader.Read();
        return null;
    }

    private static void ReadVariable(XmlReader reader, ImmutableArray<TaskVariable>.Builder variables)
    {
        string? name = null, value = null;
        if (!reader.IsEmptyElement)
        {
            reader.Read();
            while (reader.NodeType == XmlNodeType.Element)
            {
                switch (reader.LocalName)
                {
                    case "name":
                        name = reader.ReadElementContentAsString().Trim();
                        break;
                    case "value":
                        value = reader.ReadElementContentAsString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.NodeType != XmlNodeType.EndElement)
            {
                throw new FormatException("Unexpected text in variable");
            }
        }

        reader.Read();
        if (string.IsNullOrEmpty(name))
        {
            throw new FormatException("Every variable needs a name");
        }

        variables.Add(new TaskVariable(name, value ?? string.Empty));
    }
}
