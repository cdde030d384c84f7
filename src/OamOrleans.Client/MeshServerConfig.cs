using System.Security.Cryptography;

namespace OamOrleans.Client;

/// <summary>
/// The account block of a local mesh's nats-server config, as the reference's <c>oam mesh up</c> writes it: account
/// <c>APP</c> (JetStream, the default no-auth user <c>oam-app</c>) and the system account <c>SYS</c> (user
/// <c>oam-sys</c>), whose user a health monitor needs for <c>$SYS.ACCOUNT.*.DISCONNECT</c> advisories.
/// Used by <c>oam mesh up</c>, the silo's embedded server and the tests, so all three run the same mesh.
/// </summary>
internal static class MeshServerConfig
{
    public const string AppUser = "oam-app";
    public const string SysUser = "oam-sys";

    /// <summary>A fresh random password (32 hex characters).</summary>
    public static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string Accounts(string appPassword, string sysPassword) => $$"""
        accounts {
          APP {
            jetstream: enabled
            users: [ { user: "{{AppUser}}", password: "{{appPassword}}" } ]
          }
          SYS {
            users: [ { user: "{{SysUser}}", password: "{{sysPassword}}" } ]
          }
        }
        system_account: SYS
        no_auth_user: "{{AppUser}}"
        """;

    /// <summary>The system-account user's URL on a local server.</summary>
    public static string SysUrl(string sysPassword, int port, string host = "127.0.0.1") => $"nats://{SysUser}:{sysPassword}@{host}:{port}";
}
