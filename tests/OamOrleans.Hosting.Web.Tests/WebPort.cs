using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;

namespace OamOrleans.Hosting.Web.Tests;

/// <summary>One answer of a silo's web port: the status and, for the probes, the JSON report.</summary>
public sealed record WebAnswer(HttpStatusCode Status, string Body)
{
    public JsonElement Report => JsonDocument.Parse(Body).RootElement;

    /// <summary>The status of one readiness check in the report (<c>checks.{name}.status</c>).</summary>
    public string Check(string name) => Report.GetProperty("checks").GetProperty(name).GetProperty("status").GetString()!;

    public override string ToString() => $"{(int)Status} {Body}";
}

/// <summary>Talks to a silo's web port; the real <c>oam</c> and <c>oam-silo</c> processes for the command-line probes.</summary>
public static class WebPort
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>GETs <paramref name="path"/>; null while nothing listens on the port yet (or any more).</summary>
    public static async Task<WebAnswer?> GetAsync(int port, string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"));
            return new WebAnswer(response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException)
        {
            return null;
        }
    }

    /// <summary>Polls <paramref name="path"/> until an answer satisfies <paramref name="match"/>; returns that answer.</summary>
    public static async Task<WebAnswer> WaitForAsync(int port, string path, Func<WebAnswer, bool> match, string what, ChildProcess silo, TimeSpan? timeout = null)
    {
        WebAnswer? last = null;
        await Poll.UntilAsync(async () =>
        {
            last = await GetAsync(port, path) ?? last;
            return last is not null && match(last);
        }, $"{what} (last answer: {last?.ToString() ?? "none"})", timeout ?? TimeSpan.FromSeconds(60), silo, TimeSpan.FromMilliseconds(100));
        return last!;
    }

    public static string CliDll => Stamped("OamCliDll");

    /// <summary>Runs <c>dotnet {dll} {args}</c> to completion: exit code, stdout, stderr.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(ChildProcess.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Stamped(string key) =>
        typeof(WebPort).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;
}
