using Microsoft.Extensions.Options;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// Checks <see cref="MeshClientOptions"/> before a client connects (DI start-up or <see cref="MeshClient.ConnectAsync"/>),
/// so that a wrong setting fails with a message that names it instead of a NATS error later.
/// </summary>
internal sealed class MeshClientOptionsValidator : IValidateOptions<MeshClientOptions>
{
    public ValidateOptionsResult Validate(string? name, MeshClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>What is wrong with <paramref name="retry"/> (client-wide or per call), each naming the setting.</summary>
    internal static IEnumerable<string> RetryProblems(MeshRetryOptions? retry)
    {
        if (retry is null)
        {
            yield return "Retry must not be null (MeshRetryOptions.None turns retries off).";
            yield break;
        }

        if (retry.AttemptTimeout <= TimeSpan.Zero || retry.Delay < TimeSpan.Zero || retry.MaxDelay < retry.Delay)
        {
            yield return $"Retry: AttemptTimeout must be positive and 0 <= Delay <= MaxDelay (got {retry.AttemptTimeout}, {retry.Delay}, {retry.MaxDelay}).";
        }

        if (retry.MaxRetries < 1)
        {
            yield return $"Retry.MaxRetries must be at least 1 (got {retry.MaxRetries}); MeshRetryOptions.None turns retries off.";
        }
    }

    /// <exception cref="ArgumentException">A per-call <see cref="CallOptions.Retry"/> is invalid (the message names the setting).</exception>
    public static void ThrowIfInvalidRetry(MeshRetryOptions retry)
    {
        var problems = RetryProblems(retry).ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid CallOptions.Retry: " + string.Join(" ", problems), nameof(retry));
        }
    }

    /// <exception cref="ArgumentException">Every problem, one per line.</exception>
    public static void ThrowIfInvalid(MeshClientOptions options)
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid MeshClientOptions: " + string.Join(" ", problems), nameof(options));
        }
    }

    internal static IEnumerable<string> Problems(MeshClientOptions o)
    {
        foreach (var problem in o.Endpoint?.Problems() ?? [])
        {
            yield return "Endpoint: " + problem;
        }

        if (o.Replicas is < 1 or > 5)
        {
            yield return $"Replicas must be between 1 and 5 (JetStream's limit), was {o.Replicas}.";
        }

        foreach (var problem in RetryProblems(o.Retry))
        {
            yield return problem;
        }

        foreach (var (setting, value) in new[] { ("CallTimeout", o.CallTimeout), ("StreamTimeout", o.StreamTimeout), ("SendTimeout", o.SendTimeout), ("ConnectTimeout", o.ConnectTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{setting} must be positive (got {value}).";
            }
        }

        if (o.InstanceId is { } id && (id.Length == 0 || !AgentName.IsValid(id) || id.Contains('.', StringComparison.Ordinal)))
        {
            yield return $"InstanceId '{id}' must be one token of [a-zA-Z0-9_-] (a uuid hex, as MeshIds.New() makes), or null for a new one.";
        }

        if (o.ConnectionName is { } connectionName && string.IsNullOrWhiteSpace(connectionName))
        {
            yield return "ConnectionName must not be blank (null names the connection oam-host-{InstanceId}).";
        }
    }
}
