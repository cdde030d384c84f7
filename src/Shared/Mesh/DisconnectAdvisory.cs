using System.Text.Json;
using System.Text.RegularExpressions;

namespace OamOrleans.Client;

/// <summary>Reads a <c>$SYS.ACCOUNT.*.DISCONNECT</c> advisory: which OAM host (if any) the closed connection belonged to.</summary>
internal static partial class DisconnectAdvisory
{
    /// <summary>
    /// Takes <c>client.name</c> from a disconnect advisory and returns the instance id when the connection was an OAM host
    /// (<c>oam-host-{instance_id}</c>); null otherwise. Never throws: malformed advisories give null and a reason.
    /// </summary>
    public static string? InstanceId(ReadOnlySpan<byte> advisory, out string? problem)
    {
        problem = null;
        if (advisory.IsEmpty)
        {
            problem = "empty advisory";
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(advisory);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "advisory is not a JSON object";
                return null;
            }

            if (!doc.RootElement.TryGetProperty("client", out var client) || client.ValueKind != JsonValueKind.Object)
            {
                problem = "advisory has no 'client' object";
                return null;
            }

            if (!client.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                // Unnamed connections are ordinary (CLI tools, foreign clients): not a problem, just not a host.
                return null;
            }

            var value = name.GetString()!;
            if (!value.StartsWith(HealthMonitorOptions.MeshConnectionNamePrefix, StringComparison.Ordinal))
            {
                return null;
            }

            var instanceId = value[HealthMonitorOptions.MeshConnectionNamePrefix.Length..];
            if (!KeyPattern().IsMatch(instanceId))
            {
                problem = $"connection name '{value}' does not end in a valid instance id";
                return null;
            }

            return instanceId;
        }
        catch (JsonException e)
        {
            problem = "advisory is not valid JSON: " + e.Message;
            return null;
        }
    }

    // NATS KV key characters; an instance id is a KV key of mesh-instances.
    [GeneratedRegex(@"^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
