using Microsoft.Playwright;
using OamOrleans.Client;

namespace OamOrleans.AdminUi.Tests;

/// <summary>
/// What the browser tests share: a real nats-server, the real sample silo (<c>oam-silo</c>, NATS clustering and NATS
/// state, so the Orleans view and conversation state have data; it also mounts the admin UI on its web port, behind a
/// token), the real
/// <c>oam ui</c> serving the admin UI for that mesh, and one headless Chromium (Debian's, never a downloaded one).
/// </summary>
public sealed class UiMesh : IAsyncLifetime
{
    /// <summary>Every agent the sample silo hosts.</summary>
    public static readonly string[] SampleAgents =
    [
        "demo.audit", "demo.clock", "demo.counter", "demo.echo", "demo.fail", "demo.greet", "demo.reminder",
        "demo.settings", "demo.shout", "demo.sleep", "demo.ticker", "demo.upper", "demo.words",
    ];

    private IPlaywright? _playwright;

    public NatsServer Nats { get; private set; } = null!;

    public ChildProcess Silo { get; private set; } = null!;

    public ChildProcess Ui { get; private set; } = null!;

    /// <summary>Where <c>oam ui</c> serves, e.g. <c>http://127.0.0.1:4224</c>.</summary>
    public string UiUrl { get; private set; } = "";

    /// <summary>Where the silo itself serves the admin UI (<c>OAM_HTTP_PORT</c> with <c>OAM_UI=true</c>).</summary>
    public string SiloUiUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The token of the silo's web port (<c>OAM_HTTP_AUTH=token</c>): its UI asks for it on a login page.</summary>
    public string SiloToken { get; } = "ui-tests-" + Guid.NewGuid().ToString("N");

    private string TokenDir { get; } = Directory.CreateTempSubdirectory("oam-ui-token-").FullName;

    public MeshClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync();
        var siloHttpPort = NatsServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        SiloUiUrl = "http://127.0.0.1:" + siloHttpPort;
        var tokenFile = Path.Combine(TokenDir, "web.token");
        await File.WriteAllTextAsync(tokenFile, SiloToken + "\n");
        var silo = OamSiloProcess.StartAsync(Nats, SampleAgents, new Dictionary<string, string>
        {
            ["OAM_CLUSTERING"] = "nats",
            ["OAM_STORAGE"] = "nats",
            ["OAM_HTTP_PORT"] = siloHttpPort,
            ["OAM_UI"] = "true",
            ["OAM_HTTP_AUTH"] = "token",
            ["OAM_HTTP_TOKEN_FILE"] = tokenFile,
            ["OAM_HEARTBEAT_INTERVAL"] = "0.5", // the agent page's health panel fills within a second
        });
        var browser = LaunchBrowserAsync();
        Ui = ChildProcess.Start(OamProcess.Options("oam ui", ["ui", "--url", Nats.Url, "--port", NatsServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        var line = await Ui.WaitForLineAsync(l => l.StartsWith("Admin UI running at ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "its address");
        UiUrl = line["Admin UI running at ".Length..].Split(' ')[0];
        Silo = await silo;
        Browser = await browser;
        Client = await MeshClient.ConnectAsync(Nats.Url);
    }

    private async Task<IBrowser> LaunchBrowserAsync()
    {
        // Debian's Chromium only: `apt-get install chromium` (test.sh does it); Playwright must not download a browser.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"{chromium} is missing: install it with 'apt-get install -y chromium' (./test.sh does this).");
        }

        _playwright = await Playwright.CreateAsync();
        // Waits on conditions, never sleeps: a loaded CI machine gets 30 s per expectation (Playwright's default is 5 s).
        Assertions.SetDefaultExpectTimeout(30_000);
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Ui is not null)
        {
            await Ui.DisposeAsync();
        }

        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        await Nats.DisposeAsync();
        Directory.Delete(TokenDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class UiMeshCollection : ICollectionFixture<UiMesh>
{
    public const string Name = "admin ui on a real mesh";
}
