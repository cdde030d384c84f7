using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace OamOrleans.AdminUi.Tests;

/// <summary>
/// One page of the admin UI in its own browser context, holding the quality bars every test checks at its end: no
/// page errors, no console errors, no serious or critical accessibility violations (axe-core).
/// </summary>
internal sealed class UiPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];

    private UiPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_problems)
                {
                    _problems.Add($"console error: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_problems)
            {
                _problems.Add($"page error: {error}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Where screenshots go: <c>OAM_UI_SCREENSHOTS</c> (e.g. docs/admin-ui to refresh the README's), else the test output.</summary>
    public static string ScreenshotDir { get; } =
        Environment.GetEnvironmentVariable("OAM_UI_SCREENSHOTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <param name="baseUrl">Which UI: <c>oam ui</c>'s (<see cref="UiMesh.UiUrl"/>) unless given, e.g. the silo's.</param>
    /// <param name="permissions">Browser permissions granted to the UI's origin, e.g. <c>clipboard-read</c>.</param>
    /// <param name="signIn">
    /// The silo's UI (<see cref="UiMesh.SiloUiUrl"/>) is behind a token: sign in on its login page first (default), or stop
    /// on the login page (false).
    /// </param>
    public static async Task<UiPage> OpenAsync(UiMesh mesh, string path, string? baseUrl = null, IEnumerable<string>? permissions = null, bool signIn = true)
    {
        var context = await mesh.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl ?? mesh.UiUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
        });
        if (permissions is not null)
        {
            await context.GrantPermissionsAsync(permissions, new BrowserContextGrantPermissionsOptions { Origin = baseUrl ?? mesh.UiUrl });
        }

        context.SetDefaultTimeout(30_000);
        var ui = new UiPage(context, await context.NewPageAsync());
        if (baseUrl == mesh.SiloUiUrl)
        {
            await ui.Page.GotoAsync(path);
            if (!signIn)
            {
                return ui;
            }

            await ui.SignInAsync(mesh.SiloToken);
            await Assertions.Expect(ui.Page.GetByTestId("connection")).ToHaveTextAsync("connected");
            return ui;
        }

        await ui.GoAsync(path);
        return ui;
    }

    /// <summary>Navigates and waits until the interactive page is up (the connection badge says connected).</summary>
    public async Task GoAsync(string path)
    {
        await Page.GotoAsync(path);
        await Assertions.Expect(Page.GetByTestId("connection")).ToHaveTextAsync("connected");
    }

    /// <summary>Types <paramref name="token"/> into the login page the browser was sent to, and submits it.</summary>
    public async Task SignInAsync(string token)
    {
        await Assertions.Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/_oam/login\\?returnUrl="));
        await Page.GetByLabel("Access token").FillAsync(token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        return Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });
    }

    /// <summary>The quality bars: no page or console errors so far, and no serious or critical axe violations now.</summary>
    public async Task AssertCleanAsync()
    {
        var axe = await Page.RunAxe();
        var serious = axe.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"axe {v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")
            .ToList();
        lock (_problems)
        {
            Assert.True(_problems.Count == 0 && serious.Count == 0, string.Join("\n", _problems.Concat(serious)));
        }
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
