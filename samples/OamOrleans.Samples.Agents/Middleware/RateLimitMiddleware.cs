using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using OamOrleans.Client;

namespace OamOrleans.Samples.Agents.Middleware;

/// <summary>How <see cref="RateLimitMiddleware"/> counts: a fixed window of <see cref="PermitLimit"/> requests per
/// <see cref="Window"/>, per agent or per conversation of an agent.</summary>
public sealed class RateLimitOptions
{
    public int PermitLimit { get; set; } = 100;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>True: every conversation of an agent has its own window; false: one window per agent.</summary>
    public bool PerConversation { get; set; }
}

/// <summary>
/// Refuses requests over a rate with the code <c>rate_limited</c> and <c>details.retry_after_seconds</c>, before the agent
/// runs. Built on <see cref="PartitionedRateLimiter"/>; the limit is per silo (each silo counts what it serves).
/// </summary>
/// <remarks>
/// <c>rate_limited</c> is not one of the protocol's codes: callers keep it as it is (the .NET client raises a
/// <see cref="MeshException"/> with <c>Code == "rate_limited"</c>; the Python and TypeScript SDKs their base mesh error with
/// that code), and the envelope's <c>details</c> carry the retry-after.
/// </remarks>
public sealed class RateLimitMiddleware : IAgentMiddleware, IDisposable
{
    public const string Code = "rate_limited";

    private readonly PartitionedRateLimiter<AgentInvocation> _limiter;

    public RateLimitMiddleware(RateLimitOptions options)
    {
        var perConversation = options.PerConversation;
        var window = new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = options.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<AgentInvocation, string>(invocation => RateLimitPartition.GetFixedWindowLimiter(
            perConversation ? $"{invocation.AgentName}/{invocation.ConversationId}" : invocation.AgentName,
            _ => window));
    }

    public async Task InvokeAsync(AgentInvocation invocation, Func<Task> nextStep)
    {
        using var lease = _limiter.AttemptAcquire(invocation);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            var seconds = Math.Max(0.001, Math.Round(retryAfter.TotalSeconds, 3));
            var details = JsonSerializer.SerializeToElement(new Dictionary<string, double> { ["retry_after_seconds"] = seconds });
            throw new MeshException(Code, $"Agent '{invocation.AgentName}' is rate limited; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s", invocation.AgentName, invocation.RequestId, details);
        }

        await nextStep();
    }

    public void Dispose() => _limiter.Dispose();
}
