using System.Text.Json.Nodes;
using NJsonSchema;
using NJsonSchema.Validation;

namespace OamOrleans.McpShared;

/// <summary>
/// Checks a tool call's arguments against an input schema before anything is called, with one readable line per problem
/// (<c>'text' is required</c>). Linked into both MCP bridges: mesh agents as MCP tools, and MCP tools as mesh agents.
/// </summary>
internal sealed class ArgumentCheck
{
    private readonly JsonSchema _schema;

    private ArgumentCheck(JsonSchema schema) => _schema = schema;

    public static async Task<ArgumentCheck> CreateAsync(JsonObject schema) =>
        new(await JsonSchema.FromJsonAsync(schema.ToJsonString()).ConfigureAwait(false));

    /// <summary>Null when <paramref name="arguments"/> fit; otherwise one line naming every problem.</summary>
    public string? Problems(JsonObject arguments)
    {
        var errors = _schema.Validate(arguments.ToJsonString());
        if (errors.Count == 0)
        {
            return null;
        }

        return string.Join("; ", Flatten(errors).Select(Describe).Distinct());
    }

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                foreach (var inner in Flatten(child.Errors.SelectMany(e => e.Value)))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return error;
            }
        }
    }

    private static string Describe(ValidationError error)
    {
        var at = string.IsNullOrEmpty(error.Path) || error.Path == "#" ? "arguments" : error.Path.TrimStart('#', '/').Replace('/', '.');
        return error.Kind switch
        {
            ValidationErrorKind.PropertyRequired => $"'{error.Property}' is required",
            ValidationErrorKind.NoAdditionalPropertiesAllowed => $"'{error.Property}' is not allowed",
            _ => $"{at}: {Words(error.Kind)}",
        };
    }

    /// <summary><c>StringExpected</c> → <c>string expected</c>.</summary>
    private static string Words(ValidationErrorKind kind)
    {
        var name = kind.ToString();
        var text = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
