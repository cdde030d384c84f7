using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.WebAuth;

namespace OamOrleans.Cli;

/// <summary>
/// The admin UI as <c>oam ui</c> and <c>oam demo</c> serve it: Kestrel on one address (loopback unless told
/// otherwise), the UI's pages and its server-side mesh session with the CLI's URL and creds resolution.
/// </summary>
internal sealed partial class AdminUiServer : IAsyncDisposable
{
    public const int DefaultPort = 4224;
    public const string DefaultHost = "127.0.0.1";
    public const string HostVariable = "OAM_UI_HOST";

    private readonly WebApplication _app;

    private AdminUiServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address it serves, e.g. <c>http://127.0.0.1:4224</c>.</summary>
    public string Address { get; }

    /// <summary><c>--host</c>, else <c>OAM_UI_HOST</c>, else loopback.</summary>
    public static string ResolveHost(string? host) =>
        host ?? (Environment.GetEnvironmentVariable(HostVariable) is { Length: > 0 } env ? env : DefaultHost);

    /// <summary>True when <paramref name="host"/> is reachable from this machine only.</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary><paramref name="port"/> when it is free on <paramref name="host"/>, else a free one (the reference's fallback).</summary>
    public static int ChoosePort(string host, int port) => IsFree(host, port) ? port : FreePort(host);

    public static string Url(string host, int port) =>
        $"http://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host)}:{port}";

    /// <param name="log">Where the web host's warnings and errors go (the run's stderr).</param>
    /// <param name="auth">With a token (<c>OAM_HTTP_AUTH=token</c>), the UI asks for it on a login page; null or none serves it open.</param>
    public static async Task<AdminUiServer> StartAsync(string host, int port, OamOrleans.Client.MeshEndpoint mesh, TextWriter log, CancellationToken ct, HttpAuthSettings? auth = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new StderrLoggerProvider(log, LogLevel.Warning));
        // NATS.Net logs each failed connect with a stack trace; the UI's mesh session reports it in one line instead.
        builder.Logging.AddFilter("NATS", LogLevel.None);
        builder.WebHost.UseUrls(Url(host, port));
        builder.Services.AddOamAdminUi(o => o.Endpoint = mesh);
        // Circuit ids are protected with keys that live as long as this process: nothing to persist for a local tool.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        if (auth is { IsToken: true, Token: { } token })
        {
            HttpTokenAuth.AddServices(builder.Services, token);
        }

        var app = builder.Build();
        if (auth is { IsToken: true, Token: { } appToken })
        {
            HttpTokenAuth.Use(app, appToken);
            app.MapOamAdminUi().RequireAuthorization(HttpTokenAuth.Policy);
        }
        else
        {
            app.MapOamAdminUi();
            if (!IsLoopback(host))
            {
                LogExposed(app.Logger, host);
            }
        }

        await app.StartAsync(ct);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? Url(host, port);
        return new AdminUiServer(app, bound);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }

    [LoggerMessage(1, LogLevel.Warning, "EXPOSED: the admin UI listens on {Host}, beyond loopback, without authentication: anyone who can reach this port can call every agent with this tool's mesh credentials. Set OAM_HTTP_AUTH=token with OAM_HTTP_TOKEN_FILE for a login page, or bind to 127.0.0.1 unless a trusted proxy guards it.")]
    private static partial void LogExposed(ILogger logger, string host);

    private static bool IsFree(string host, int port)
    {
        try
        {
            var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
                : IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : IPAddress.Any;
            var listener = new TcpListener(address, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort(string host)
    {
        var address = IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : IPAddress.Loopback;
        var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Hands the web host's logs to <see cref="StderrLogger"/> from <paramref name="minimum"/> up.</summary>
internal sealed class StderrLoggerProvider(TextWriter stderr, LogLevel minimum) : ILoggerProvider
{
    private readonly StderrLogger _logger = new(stderr);

    public ILogger CreateLogger(string categoryName) => new Filtered(_logger, minimum);

    public void Dispose()
    {
    }

    private sealed class Filtered(StderrLogger inner, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
