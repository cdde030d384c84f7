using System.Text.Json.Nodes;

namespace OamOrleans.Cli.Auth;

/// <summary>The claims of NATS JWT v2 (nats-io/jwt v2: OperatorClaims, AccountClaims, UserClaims) that a mesh needs.</summary>
internal static class NatsClaims
{
    public const string RoleTagPrefix = "oam-role:";

    public static JsonObject Operator(string publicKey, string name, string systemAccount) => new()
    {
        ["name"] = name,
        ["sub"] = publicKey,
        ["nats"] = new JsonObject
        {
            ["system_account"] = systemAccount,
            ["type"] = "operator",
            ["version"] = 2,
        },
    };

    /// <summary>An account; with <paramref name="jetStream"/>, unlimited JetStream (memory and file). <paramref name="revocations"/>: user key → unix time.</summary>
    public static JsonObject Account(string publicKey, string name, bool jetStream, IReadOnlyDictionary<string, long> revocations)
    {
        var limits = new JsonObject
        {
            ["subs"] = -1, ["data"] = -1, ["payload"] = -1, ["imports"] = -1, ["exports"] = -1,
            ["wildcards"] = true, ["conn"] = -1, ["leaf"] = -1,
        };
        if (jetStream)
        {
            limits["mem_storage"] = -1;
            limits["disk_storage"] = -1;
            limits["streams"] = -1;
            limits["consumer"] = -1;
        }

        var nats = new JsonObject
        {
            ["limits"] = limits,
            ["default_permissions"] = new JsonObject { ["pub"] = new JsonObject(), ["sub"] = new JsonObject() },
            ["type"] = "account",
            ["version"] = 2,
        };
        if (revocations.Count > 0)
        {
            var map = new JsonObject();
            foreach (var (user, at) in revocations.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                map[user] = at;
            }

            nats["revocations"] = map;
        }

        return new JsonObject { ["name"] = name, ["sub"] = publicKey, ["nats"] = nats };
    }

    /// <summary>A user of an account (signed by the account key itself, so no <c>issuer_account</c>), allowed <paramref name="permissions"/>.</summary>
    public static JsonObject User(string publicKey, string name, string role, RolePermissions permissions)
    {
        var nats = new JsonObject();
        if (!IsEverything(permissions.Publish))
        {
            nats["pub"] = new JsonObject { ["allow"] = Array(permissions.Publish) };
        }

        if (!IsEverything(permissions.Subscribe))
        {
            nats["sub"] = new JsonObject { ["allow"] = Array(permissions.Subscribe) };
        }

        nats["subs"] = -1;
        nats["data"] = -1;
        nats["payload"] = -1;
        nats["tags"] = new JsonArray(RoleTagPrefix + role);
        nats["type"] = "user";
        nats["version"] = 2;
        return new JsonObject { ["name"] = name, ["sub"] = publicKey, ["nats"] = nats };
    }

    private static bool IsEverything(IReadOnlyList<string> subjects) => subjects is [">"];

    private static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);
}
