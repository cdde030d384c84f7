using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam mesh health</c>: asks a silo's readiness probe (<c>/health/ready</c> on its web port, <c>OAM_HTTP_PORT</c>)
/// and prints each check. Exit 0 when the silo is ready, 1 (<c>Error: ...</c>) when it is not or does not answer.
/// </summary>
internal static class MeshHealthCommand
{
    private const string ReadyPath = "/health/ready";
    private const string DefaultUrl = "http://localhost:8080";

    public static Command Build()
    {
        var webUrl = new Option<string?>("--web-url")
        {
            Description = "The silo's web port, e.g. http://silo1:8080 (path /health/ready is added when none is given; default http://localhost:8080). "
                + "An http(s) URL given as --url, the spelling before --web-url, is read the same.",
        };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the answer.", DefaultValueFactory = _ => 5 };
        var json = OamCli.JsonOption("Print the silo's JSON answer (sorted, indented).");
        var command = new Command("health", "Ask a silo (its web port, OAM_HTTP_PORT) whether it is ready: NATS up, bridge subscribed, agents registered, silo Active.")
        {
            webUrl, timeout, json,
        };
        OamCli.SetAction(command, (parse, ct) => RunAsync(parse, ProbeUri(parse, webUrl), OamCli.Seconds(parse.GetValue(timeout)), parse.GetValue(json), ct));
        return command;
    }

    /// <summary>
    /// <c>--web-url</c>; else the inherited <c>--url</c>, which this command used to declare for the web port (it never
    /// connects to the mesh, so an http(s) URL there has one meaning); else <c>http://localhost:8080</c>.
    /// </summary>
    private static Uri ProbeUri(ParseResult parse, Option<string?> webUrl)
    {
        var (option, url) = parse.GetValue(webUrl) is { } given ? ("--web-url", given)
            : parse.GetValue(OamCli.Url) is { } legacy ? ("--url", legacy)
            : ("--web-url", DefaultUrl);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"Error: {option} must be an http:// or https:// URL such as {DefaultUrl}, was '{url}' (a silo's web port: `oam mesh health` does not connect to the mesh).");
        }

        return uri.AbsolutePath is "" or "/" ? new Uri(uri, ReadyPath) : uri;
    }

    private static async Task<int> RunAsync(ParseResult parse, Uri uri, TimeSpan timeout, bool asJson, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = timeout };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        string body;
        try
        {
            response = await http.GetAsync(uri, ct);
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new CliFailure($"Error: no answer from {uri}: {(e is TaskCanceledException ? $"timed out after {timeout.TotalSeconds:0.#} s" : e.Message)}");
        }

        using (response)
        {
            JsonObject? report;
            try
            {
                report = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException)
            {
                report = null;
            }

            if (report is null)
            {
                throw new CliFailure($"Error: {uri} answered {(int)response.StatusCode} without a health report (is it a silo's web port?)");
            }

            if (asJson)
            {
                OamCli.PrintJson(parse, report, json: true);
            }
            else
            {
                foreach (var (name, check) in report["checks"] as JsonObject ?? [])
                {
                    parse.Stdout().WriteLine($"{name,-8}{check?["status"]?.GetValue<string>(),-11}{check?["description"]?.GetValue<string>()}");
                }
            }

            if (response.IsSuccessStatusCode)
            {
                if (!asJson)
                {
                    parse.Stdout().WriteLine($"ready ({uri})");
                }

                return OamCli.Ok;
            }

            var reason = report["reason"]?.GetValue<string>() is { Length: > 0 } r ? r : $"HTTP {(int)response.StatusCode}";
            throw new CliFailure($"Error: the silo at {uri} is not ready: {reason}");
        }
    }
}
