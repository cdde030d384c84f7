using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using OamOrleans.Silo;

using OamOrleans.Packaging.Tests;

namespace OamOrleans.Hosting.Web.Tests;

/// <summary>
/// The silo's options bind from section <c>Oam</c> and the <c>OAM_*</c> variables through the Options pattern
/// (<see cref="SiloOptions.Load"/>), in-process; the process-level tests check the exit code and the printed error.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class SiloOptionsTests
{
    private static SiloOptions Load(Dictionary<string, string?> values)
    {
        var builder = new ConfigurationBuilder().AddInMemoryCollection(values);
        SiloSetting.AddVariables(builder, builder.Build());
        return SiloOptions.Load(builder.Build());
    }

    [Fact]
    public void Every_Oam_setting_of_the_hosting_page_binds_from_its_documented_variable()
    {
        var rows = TableRow().Matches(File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "docs", "hosting.md")))
            .SelectMany(m => Keys(m.Groups[1].Value).Zip(Keys(m.Groups[2].Value)))
            .ToList();
        Assert.True(rows.Count >= 30, $"only {rows.Count} rows found in the configuration table");
        foreach (var (key, variable) in rows)
        {
            var setting = SiloSetting.All.SingleOrDefault(s => $"Oam:{s.Key}" == key);
            Assert.True(setting is not null, $"{key} is documented but not bound");
            Assert.Equal(variable, setting.Variable);
        }
    }

    [Fact]
    public void Variables_win_over_the_section_and_documented_shorthands_bind()
    {
        var options = Load(new()
        {
            ["Oam:Clustering"] = "localhost",
            ["OAM_CLUSTERING"] = "NATS",
            ["OAM_STORAGE"] = "nats",
            ["OAM_CONNECT_TIMEOUT"] = "2.5s",
            ["Oam:HeartbeatInterval"] = "0",
            ["OAM_PROBE_TIMEOUT"] = "1.5",
            ["OAM_REMINDER_PERIOD"] = "5",
            ["OAM_RECONCILE_BUCKETS"] = "1",
            ["OAM_REPLICAS"] = "3",
            ["Oam:Url"] = "",
            ["Oam:HttpPort"] = "",
            ["OAM_SILO_PORT"] = " ",
        });

        Assert.Equal(SiloClustering.Nats, options.Clustering);
        Assert.Equal(SiloStorage.Nats, options.Storage);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.ConnectTimeout);
        Assert.Equal(TimeSpan.Zero, options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(1.5), options.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ReminderPeriod);
        Assert.True(options.ReconcileBuckets);
        Assert.Equal(3, options.Replicas);
        Assert.Null(options.Url);
        Assert.Null(options.HttpPort);
        Assert.Equal(11111, options.SiloPort);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestTimeout);
    }

    [Fact]
    public void Every_bad_setting_is_named_with_its_value_in_one_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Load(new() { ["OAM_REPLICAS"] = "9", ["OAM_TURN_LOG_SIZE"] = "-1", ["Oam:MissedProbesLimit"] = "0" }));
        Assert.Contains("Setting Oam:Replicas / OAM_REPLICAS must be a whole number from 1 to 5 (JetStream's limit), was '9'.", e.Message, StringComparison.Ordinal);
        Assert.Contains("Setting Oam:TurnLogSize / OAM_TURN_LOG_SIZE must be a whole number from 0 to 10000, was '-1'.", e.Message, StringComparison.Ordinal);
        Assert.Contains("Setting Oam:MissedProbesLimit / OAM_MISSED_PROBES must be a positive number of probes (at most 3600), was '0'.", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAM_CLUSTERING", "mesh", "Setting Oam:Clustering / OAM_CLUSTERING must be 'localhost' or 'nats', was 'mesh'.")]
    [InlineData("OAM_CLUSTERING", "1", "Setting Oam:Clustering / OAM_CLUSTERING must be 'localhost' or 'nats', was '1'.")]
    [InlineData("OAM_STORAGE", "redis", "Setting Oam:Storage / OAM_STORAGE must be 'memory' or 'nats', was 'redis'.")]
    [InlineData("OAM_CONNECT_TIMEOUT", "soon", "Setting Oam:ConnectTimeout / OAM_CONNECT_TIMEOUT must be a number of seconds (0-86400, e.g. 60 or 2.5s), was 'soon'.")]
    [InlineData("OAM_HEARTBEAT_INTERVAL", "-1", "Setting Oam:HeartbeatInterval / OAM_HEARTBEAT_INTERVAL must be a number of seconds (0-86400, e.g. 60 or 2.5s), was '-1'.")]
    [InlineData("OAM_REMINDER_PERIOD", "0.5", "Setting Oam:ReminderPeriodSeconds / OAM_REMINDER_PERIOD must be a number of seconds from 1 to 86400, was '0.5'.")]
    [InlineData("OAM_SILO_PORT", "70000", "Setting Oam:SiloPort / OAM_SILO_PORT must be a port number (1-65535), was '70000'.")]
    [InlineData("OAM_HTTP_AUTH_METRICS", "true", "Setting Oam:HttpAuthMetrics / OAM_HTTP_AUTH_METRICS=true protects /metrics with the token: set OAM_HTTP_AUTH=token too.")]
    public void A_bad_value_is_refused_naming_the_setting_and_the_value(string variable, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Load(new() { [variable] = value }));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Keys(string cell) => KeyInCell().Matches(cell).Select(m => m.Groups[1].Value);

    /// <summary>A row of the hosting page's configuration table whose first cell names <c>Oam:</c> keys.</summary>
    [GeneratedRegex(@"^\| (`Oam:[^|]+) \| ([^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"`([A-Za-z_:]+)`")]
    private static partial Regex KeyInCell();
}
