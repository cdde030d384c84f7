using Microsoft.Extensions.Configuration;
using OamOrleans.Hosting;

namespace OamOrleans.Silo;

/// <summary>
/// <c>oam-silo --health-check [URL]</c>: asks a silo's <c>/health/ready</c> (by default this container's own, on
/// <c>OAM_HTTP_PORT</c>) and exits 0 when it answers 200, else 1. The container image's health check uses it: the
/// .NET runtime images have neither curl nor wget.
/// </summary>
internal static class SiloHealthProbe
{
    public const string Flag = "--health-check";

    public static async Task<int> RunAsync(string[] args)
    {
        string url;
        try
        {
            url = args.Length > 1 ? args[1] : DefaultUrl();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 2;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            var body = await response.Content.ReadAsStringAsync();
            Console.Out.WriteLine($"{(int)response.StatusCode} {body}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            Console.Error.WriteLine($"Error: {url} did not answer: {e.Message}");
            return 1;
        }
    }

    private static string DefaultUrl()
    {
        var builder = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables();
        SiloSetting.AddVariables(builder, builder.Build());
        var configuration = builder.Build();
        var port = SiloOptions.Load(configuration).HttpPort
            ?? throw new ArgumentException("the silo's web port is off: set Oam:HttpPort / OAM_HTTP_PORT, or give the URL (oam-silo --health-check http://host:port/health/ready).");
        return $"http://127.0.0.1:{port}{MeshHealthPaths.Ready}";
    }
}
