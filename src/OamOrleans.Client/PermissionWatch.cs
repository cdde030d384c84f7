using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using NATS.Client.Core;

namespace OamOrleans.Client;

/// <summary>
/// Correlates the server's asynchronous permission errors (<c>-ERR 'Permissions Violation for Publish to "subject"'</c>,
/// surfaced by NATS.Net as <see cref="INatsConnection.ServerError"/>) with the operations waiting on that subject, so a
/// denied call ends at once with <c>connection_denied</c> instead of waiting out its timeout.
/// </summary>
internal sealed partial class PermissionWatch : IDisposable
{
    private readonly INatsConnection _connection;
    private readonly ConcurrentDictionary<Registration, string> _waiting = new();

    public PermissionWatch(INatsConnection connection)
    {
        _connection = connection;
        _connection.ServerError += OnServerErrorAsync;
    }

    /// <summary>
    /// Watches <paramref name="subject"/> (a publish, or with <paramref name="subscription"/> a subscribe) until disposed;
    /// the registration's token is cancelled when the server denies it, and also follows <paramref name="ct"/>.
    /// </summary>
    public Registration Watch(string subject, bool subscription, CancellationToken ct)
    {
        var registration = new Registration(this, subject, subscription, ct);
        _waiting[registration] = subject;
        return registration;
    }

    public void Dispose() => _connection.ServerError -= OnServerErrorAsync;

    /// <summary>The operation and subject of a permission violation; null for any other server error.</summary>
    internal static (bool Subscription, string Subject)? ParseViolation(string error)
    {
        var match = Violation().Match(error);
        return match.Success ? (match.Groups["op"].Value == "Subscription", match.Groups["subject"].Value) : null;
    }

    private ValueTask OnServerErrorAsync(object? sender, NatsServerErrorEventArgs args)
    {
        if (ParseViolation(args.Error) is { } violation)
        {
            foreach (var registration in _waiting.Keys)
            {
                if (registration.Subscription == violation.Subscription && registration.Subject == violation.Subject)
                {
                    registration.Deny(args.Error);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    [GeneratedRegex("""Permissions Violation for (?<op>Publish|Subscription) to "?(?<subject>[^"\s]+)"?""")]
    private static partial Regex Violation();

    /// <summary>One watched operation: <see cref="Token"/> is cancelled on a denial (<see cref="Error"/> says which) or by the caller.</summary>
    internal sealed class Registration : IDisposable
    {
        private readonly PermissionWatch _owner;
        private readonly CancellationTokenSource _cts;
        private string? _error;

        public Registration(PermissionWatch owner, string subject, bool subscription, CancellationToken ct)
        {
            _owner = owner;
            Subject = subject;
            Subscription = subscription;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        }

        public string Subject { get; }

        public bool Subscription { get; }

        public CancellationToken Token => _cts.Token;

        /// <summary>The server's error text once denied; null otherwise.</summary>
        public string? Error => Volatile.Read(ref _error);

        public bool IsDenied => Error is not null;

        public void Deny(string error)
        {
            if (Interlocked.CompareExchange(ref _error, error, null) is null)
            {
                try
                {
                    _cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        /// <summary>The <c>connection_denied</c> error of this denial.</summary>
        public ConnectionDeniedException Denied(string agent, string requestId) =>
            new($"Permission denied by the NATS server: {Error}", agent, requestId);

        public void Dispose()
        {
            _owner._waiting.TryRemove(this, out _);
            _cts.Dispose();
        }
    }
}
