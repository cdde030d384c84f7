using System.Text;
using System.Text.Json;

namespace OamOrleans.Pipeline;

/// <summary>
/// Which conversation a request belongs to (design: header, else the input's key property, else <c>default</c>).
/// The one reading of a key from input, for every path, so a request maps to the same conversation whichever silo or
/// way it comes in: a string key is its text; a number or boolean key is its JSON text as sent (<c>42</c>, <c>4.20</c>, <c>true</c>).
/// </summary>
internal static class ConversationIds
{
    public const string Default = "default";

    /// <summary>The top-level <paramref name="property"/> of a JSON object body, or null when absent, null or not a scalar.</summary>
    /// <exception cref="FormatException">The key is a string that is not valid Unicode (a lone surrogate escape).</exception>
    public static string? FromInput(ReadOnlySpan<byte> body, string property)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 1024 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals(property);
                reader.Read();
                if (!match)
                {
                    reader.Skip();
                    continue;
                }

                return reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
            }
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"The conversation key '{property}' is not a valid Unicode string: {e.Message}", e);
        }
        catch (JsonException)
        {
            // Malformed JSON is reported by validation or by deserialization; it has no key.
        }

        return null;
    }
}
