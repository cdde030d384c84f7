using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace OamOrleans.Silo;

/// <summary>
/// One documented setting of the silo: its key in section <c>Oam</c>, the <c>OAM_*</c> environment variable that
/// overrides it, and what it accepts (the words of every error about it).
/// </summary>
internal sealed partial record SiloSetting(string Key, string Variable, SiloSettingKind Kind = SiloSettingKind.Text, string Expected = "")
{
    private const string Port = "a port number (1-65535)";
    private const string Flag = "true or false";
    private const string Count = "a positive whole number";
    private const string Wait = "a number of seconds (0-86400, e.g. 60 or 2.5s)";

    /// <summary>Every setting bound into <see cref="SiloOptions"/>, with its documented environment variable.</summary>
    public static IReadOnlyList<SiloSetting> All { get; } =
    [
        new("Url", "OAM_URL"),
        new("Creds", "OAM_CREDS"),
        new("NKeySeedFile", "OAM_NKEY_SEED_FILE"),
        new("Token", "OAM_TOKEN"),
        new("MonitorSysUrl", "OAM_MONITOR_SYS_URL"),
        new("MonitorSysCreds", "OAM_MONITOR_SYS_CREDS"),
        new("Clustering", "OAM_CLUSTERING", SiloSettingKind.Choice, "'localhost' or 'nats'"),
        new("Storage", "OAM_STORAGE", SiloSettingKind.Choice, "'memory' or 'nats'"),
        new("ClusterId", "OAM_CLUSTER_ID"),
        new("ServiceId", "OAM_SERVICE_ID"),
        new("AdvertisedHost", "OAM_ADVERTISED_HOST"),
        new("SiloPort", "OAM_SILO_PORT", SiloSettingKind.Text, Port),
        new("GatewayPort", "OAM_GATEWAY_PORT", SiloSettingKind.Text, Port),
        new("NatsPort", "OAM_NATS_PORT", SiloSettingKind.Text, Port),
        new("DataDir", "OAM_DATA_DIR"),
        new("ProbeTimeoutSeconds", "OAM_PROBE_TIMEOUT", SiloSettingKind.Seconds, "a positive number of seconds (at most 3600)"),
        new("MissedProbesLimit", "OAM_MISSED_PROBES", SiloSettingKind.Text, "a positive number of probes (at most 3600)"),
        new("MaxConcurrentRequests", "OAM_MAX_CONCURRENT_REQUESTS", SiloSettingKind.Text, Count),
        new("MaxQueuedRequests", "OAM_MAX_QUEUED_REQUESTS", SiloSettingKind.Text, Count),
        new("ConnectTimeout", "OAM_CONNECT_TIMEOUT", SiloSettingKind.Seconds, Wait),
        new("RequestTimeoutSeconds", "OAM_REQUEST_TIMEOUT", SiloSettingKind.Seconds, "a positive number of seconds (at most 3600)"),
        new("HeartbeatInterval", "OAM_HEARTBEAT_INTERVAL", SiloSettingKind.Seconds, Wait),
        new("ReminderPeriodSeconds", "OAM_REMINDER_PERIOD", SiloSettingKind.Seconds, "a number of seconds from 1 to 86400"),
        new("StateSweepIntervalSeconds", "OAM_STATE_SWEEP_INTERVAL", SiloSettingKind.Seconds, "a number of seconds from 0.1 to 86400"),
        new("HttpPort", "OAM_HTTP_PORT", SiloSettingKind.Text, Port),
        new("Dashboard", "OAM_DASHBOARD", SiloSettingKind.Flag, Flag),
        new("Mcp", "OAM_MCP", SiloSettingKind.Flag, Flag),
        new("Ui", "OAM_UI", SiloSettingKind.Flag, Flag),
        new("HttpAuth", "OAM_HTTP_AUTH", SiloSettingKind.Choice, "'token' or 'none'"),
        new("HttpTokenFile", "OAM_HTTP_TOKEN_FILE"),
        new("HttpAuthMetrics", "OAM_HTTP_AUTH_METRICS", SiloSettingKind.Flag, Flag),
        new("Replicas", "OAM_REPLICAS", SiloSettingKind.Text, "a whole number from 1 to 5 (JetStream's limit)"),
        new("ReconcileBuckets", "OAM_RECONCILE_BUCKETS", SiloSettingKind.Flag, Flag),
        new("TurnLogSize", "OAM_TURN_LOG_SIZE", SiloSettingKind.Text, "a whole number from 0 to 10000"),
        new("OtlpEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    ];

    /// <summary>How errors name the setting: <c>Oam:Key / OAM_KEY</c>.</summary>
    public string Name => $"{SiloOptions.Section}:{Key} / {Variable}";

    /// <summary>The error for a bad value: the setting, what it accepts, and the value given.</summary>
    public string Invalid(string? value) => $"Setting {Name} must be {Expected}, was '{value}'.";

    /// <summary>The setting whose key (or options property) is <paramref name="key"/>.</summary>
    public static SiloSetting Of(string key) =>
        All.FirstOrDefault(s => s.Key == key) ?? All.First(s => s.Key == key + "Seconds");

    /// <summary>The setting a configuration-binder conversion error is about (its message quotes the key's path).</summary>
    public static SiloSetting? FromBinderError(string message) =>
        BinderPath().Match(message) is { Success: true } m ? All.FirstOrDefault(s => string.Equals(s.Key, m.Groups[1].Value, StringComparison.OrdinalIgnoreCase)) : null;

    /// <summary>
    /// Lays the <c>OAM_*</c> variables over section <c>Oam</c> (a non-blank variable wins, as documented) and turns the documented shorthands into what the binder reads: seconds as plain
    /// numbers or with an <c>s</c> (<c>2.5s</c>) for durations, <c>1</c>/<c>0</c> for flags.
    /// </summary>
    /// <exception cref="ArgumentException">A choice (e.g. <c>OAM_CLUSTERING</c>) given as a number.</exception>
    public static void AddVariables(IConfigurationBuilder builder, IConfiguration current)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in All)
        {
            var key = $"{SiloOptions.Section}:{setting.Key}";
            if ((NonBlank(current[setting.Variable]) ?? NonBlank(current[key])) is { } raw)
            {
                values[key] = setting.Normalize(raw.Trim());
            }
        }

        builder.AddInMemoryCollection(values);
    }

    private string Normalize(string raw) => Kind switch
    {
        SiloSettingKind.Flag when raw == "1" => "true",
        SiloSettingKind.Flag when raw == "0" => "false",
        SiloSettingKind.Seconds when double.TryParse(raw.EndsWith('s') ? raw[..^1] : raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && double.IsFinite(seconds) && Math.Abs(seconds) <= 1e9 => TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture),
        // Enum binding would take a number as a member's index: the documented values are names only.
        SiloSettingKind.Choice when raw.All(c => char.IsAsciiDigit(c) || c is '-' or '+') => throw new ArgumentException(Invalid(raw)),
        _ => raw,
    };

    private static string? NonBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    [GeneratedRegex(@"'Oam:([A-Za-z]+)'")]
    private static partial Regex BinderPath();
}

/// <summary>How <see cref="SiloSetting.AddVariables"/> reads a setting's text.</summary>
internal enum SiloSettingKind
{
    /// <summary>As given (strings, whole numbers, enum names).</summary>
    Text,

    /// <summary>One of a few names (an enum), never a number.</summary>
    Choice,

    /// <summary><c>true</c>/<c>false</c>, also <c>1</c>/<c>0</c>.</summary>
    Flag,

    /// <summary>A number of seconds, optionally with an <c>s</c>.</summary>
    Seconds,
}
