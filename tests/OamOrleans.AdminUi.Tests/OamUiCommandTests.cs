using System.Net;
using System.Net.Sockets;

namespace OamOrleans.AdminUi.Tests;

/// <summary>The <c>oam ui</c> command's options and its guards, on the real tool.</summary>
[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class OamUiCommandTests(UiMesh mesh)
{
    [Fact]
    public async Task Check_prints_the_address_on_loopback_and_the_mesh_without_its_password_then_exits()
    {
        var port = NatsServer.FreePort();
        var (exit, output) = await OamProcess.RunAsync(["ui", "--check", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--url", "nats://ann:s3cret@mesh.example:4222"]);
        Assert.True(exit == 0, output);
        Assert.Contains($"Admin UI would serve http://127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.Contains("nats://***@mesh.example:4222", output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", output, StringComparison.Ordinal);
        Assert.Contains("bound to loopback only", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_port_falls_back_to_a_free_one()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (exit, output) = await OamProcess.RunAsync(["ui", "--check", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(exit == 0, output);
        Assert.Contains($"(port {port} is taken)", output, StringComparison.Ordinal);
        Assert.DoesNotContain($"http://127.0.0.1:{port} ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_out_of_range_is_a_usage_error()
    {
        var (exit, output) = await OamProcess.RunAsync(["ui", "--check", "--port", "70000"]);
        Assert.Equal(2, exit);
        Assert.Contains("--port must be between 1 and 65535", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serving_beyond_loopback_says_so_loudly_in_the_log()
    {
        var port = NatsServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exit, check) = await OamProcess.RunAsync(["ui", "--check", "--port", port], env: new Dictionary<string, string> { ["OAM_UI_HOST"] = "0.0.0.0" });
        Assert.True(exit == 0, check);
        Assert.Contains("WARNING: bound to 0.0.0.0, beyond loopback", check, StringComparison.Ordinal);

        await using var ui = ChildProcess.Start(OamProcess.Options("oam ui --host 0.0.0.0", ["ui", "--host", "0.0.0.0", "--port", port, "--url", mesh.Nats.Url]));
        var warning = await ui.WaitForLineAsync(l => l.Contains("EXPOSED", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the exposure warning");
        Assert.Contains("anyone who can reach this port can call every agent", warning, StringComparison.Ordinal);
        await ui.WaitForLineAsync(l => l.StartsWith("Admin UI running at http://0.0.0.0:" + port, StringComparison.Ordinal), TimeSpan.FromSeconds(30), "its address");
    }

    [Fact]
    public async Task Beyond_loopback_with_a_token_the_ui_asks_browsers_to_sign_in_and_takes_the_bearer_token()
    {
        var port = NatsServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dir = Directory.CreateTempSubdirectory("oam-ui-token-").FullName;
        var tokenFile = Path.Combine(dir, "web.token");
        await File.WriteAllTextAsync(tokenFile, mesh.SiloToken);
        var env = new Dictionary<string, string> { ["OAM_HTTP_AUTH"] = "token", ["OAM_HTTP_TOKEN_FILE"] = tokenFile };
        var (exit, check) = await OamProcess.RunAsync(["ui", "--check", "--host", "0.0.0.0", "--port", port], env: env);
        Assert.True(exit == 0, check);
        Assert.Contains("auth: token", check, StringComparison.Ordinal);

        await using (var ui = ChildProcess.Start(OamProcess.Options("oam ui --host 0.0.0.0 (token)", ["ui", "--host", "0.0.0.0", "--port", port, "--url", mesh.Nats.Url], env: env)))
        {
            await ui.WaitForLineAsync(l => l.StartsWith("Admin UI running at http://0.0.0.0:" + port, StringComparison.Ordinal), TimeSpan.FromSeconds(30), "its address");
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri("http://127.0.0.1:" + port) };
            using var browser = new HttpRequestMessage(HttpMethod.Get, "/");
            browser.Headers.Accept.ParseAdd("text/html");
            using var redirected = await http.SendAsync(browser);
            Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
            Assert.StartsWith("/_oam/login", redirected.Headers.Location!.OriginalString, StringComparison.Ordinal);

            using var signedIn = new HttpRequestMessage(HttpMethod.Get, "/");
            signedIn.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", mesh.SiloToken);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(signedIn)).StatusCode);
            Assert.DoesNotContain("EXPOSED", ui.RecentOutput, StringComparison.Ordinal);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task A_bad_token_file_is_a_usage_error_naming_the_variable()
    {
        var (exit, output) = await OamProcess.RunAsync(["ui", "--check"], env: new Dictionary<string, string> { ["OAM_HTTP_AUTH"] = "token" });
        Assert.Equal(2, exit);
        Assert.Contains("OAM_HTTP_AUTH=token needs OAM_HTTP_TOKEN_FILE", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_of_another_origin_cannot_open_the_uis_circuit()
    {
        using var http = new HttpClient { BaseAddress = new Uri(mesh.UiUrl) };
        async Task<HttpStatusCode> NegotiateAsync(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
            request.Headers.Add("Origin", origin);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync("http://evil.example"));
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(mesh.UiUrl.TrimEnd('/')));
    }
}
