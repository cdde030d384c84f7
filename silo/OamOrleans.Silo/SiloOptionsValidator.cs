using System.Globalization;
using Microsoft.Extensions.Options;

namespace OamOrleans.Silo;

/// <summary>Checks <see cref="SiloOptions"/>: every failure names the setting (<c>Oam:Key / OAM_KEY</c>) and the value given.</summary>
internal sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var failures = new List<string>();
        void Check(bool ok, string key, object? value)
        {
            if (!ok)
            {
                failures.Add(SiloSetting.Of(key).Invalid(Format(value)));
            }
        }

        Check(Enum.IsDefined(options.Clustering), nameof(options.Clustering), options.Clustering);
        Check(Enum.IsDefined(options.Storage), nameof(options.Storage), options.Storage);
        Check(options.HttpAuth is null || Enum.IsDefined(options.HttpAuth.Value), nameof(options.HttpAuth), options.HttpAuth);
        Check(IsPort(options.SiloPort), nameof(options.SiloPort), options.SiloPort);
        Check(IsPort(options.GatewayPort), nameof(options.GatewayPort), options.GatewayPort);
        Check(IsPort(options.NatsPort), nameof(options.NatsPort), options.NatsPort);
        Check(options.HttpPort is null || IsPort(options.HttpPort.Value), nameof(options.HttpPort), options.HttpPort);
        Check(options.ProbeTimeout > TimeSpan.Zero && options.ProbeTimeout <= TimeSpan.FromHours(1), nameof(options.ProbeTimeout), options.ProbeTimeout);
        Check(options.MissedProbesLimit is > 0 and <= 3600, nameof(options.MissedProbesLimit), options.MissedProbesLimit);
        Check(options.MaxConcurrentRequests is null or > 0, nameof(options.MaxConcurrentRequests), options.MaxConcurrentRequests);
        Check(options.MaxQueuedRequests is null or > 0, nameof(options.MaxQueuedRequests), options.MaxQueuedRequests);
        Check(IsWait(options.ConnectTimeout), nameof(options.ConnectTimeout), options.ConnectTimeout);
        Check(options.RequestTimeout > TimeSpan.Zero && options.RequestTimeout <= TimeSpan.FromHours(1), nameof(options.RequestTimeout), options.RequestTimeout);
        Check(IsWait(options.HeartbeatInterval), nameof(options.HeartbeatInterval), options.HeartbeatInterval);
        Check(options.ReminderPeriod is null || (options.ReminderPeriod >= TimeSpan.FromSeconds(1) && options.ReminderPeriod <= TimeSpan.FromDays(1)), nameof(options.ReminderPeriod), options.ReminderPeriod);
        Check(options.StateSweepInterval is null || (options.StateSweepInterval >= TimeSpan.FromSeconds(0.1) && options.StateSweepInterval <= TimeSpan.FromDays(1)), nameof(options.StateSweepInterval), options.StateSweepInterval);
        Check(options.Replicas is >= 1 and <= 5, nameof(options.Replicas), options.Replicas);
        Check(options.TurnLogSize is null or (>= 0 and <= 10_000), nameof(options.TurnLogSize), options.TurnLogSize);
        if (failures.Count == 0)
        {
            CheckWeb(options, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What the web port serves needs the port, and anything privileged needs an explicit authentication choice.</summary>
    private static void CheckWeb(SiloOptions options, List<string> failures)
    {
        foreach (var (on, key) in new[] { (options.Dashboard, nameof(options.Dashboard)), (options.Mcp, nameof(options.Mcp)), (options.Ui, nameof(options.Ui)) })
        {
            if (on && options.HttpPort is null)
            {
                failures.Add($"Setting {SiloSetting.Of(key).Name}=true needs the web port: set {SiloSetting.Of(nameof(options.HttpPort)).Name} too (e.g. 8080).");
            }
        }

        try
        {
            options.ReadHttpAuth();
        }
        catch (ArgumentException e)
        {
            failures.Add(e.Message);
            return;
        }

        if (options.ServesPrivilegedWeb && options.HttpAuth is null)
        {
            failures.Add(
                "The web port would serve the admin UI, MCP or the dashboard (OAM_UI / OAM_MCP / OAM_DASHBOARD), which can call every agent, "
                + "and no authentication is set. Either set OAM_HTTP_AUTH=token and OAM_HTTP_TOKEN_FILE=<file holding a token> "
                + "(MCP clients send Authorization: Bearer <token>; the UI and dashboard show a login page), "
                + "or set OAM_HTTP_AUTH=none to serve them open on purpose (a private network or an authenticating proxy in front).");
        }

        if (options.HttpAuthMetrics && options.HttpAuth != SiloHttpAuth.Token)
        {
            failures.Add($"Setting {SiloSetting.Of(nameof(options.HttpAuthMetrics)).Name}=true protects /metrics with the token: set OAM_HTTP_AUTH=token too.");
        }
    }

    private static bool IsPort(int port) => port is > 0 and < 65536;

    private static bool IsWait(TimeSpan wait) => wait >= TimeSpan.Zero && wait <= TimeSpan.FromDays(1);

    /// <summary>A value as the user wrote it: durations in seconds, enum names in lower case.</summary>
    private static string? Format(object? value) => value switch
    {
        TimeSpan t => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
        Enum e => e.ToString().ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString(),
    };
}
