using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OamOrleans.AdminUi.Tests;

[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TapTests(UiMesh mesh)
{
    private const string TickerEvents = "mesh.agent.demo.ticker.events";

    [Fact]
    public async Task The_event_tap_shows_ticker_events_marks_errors_and_pause_and_clear_work()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/events");
        await Expect(ui.Page.GetByLabel("Subject pattern")).ToHaveValueAsync("mesh.>");
        var rows = ui.Page.GetByTestId("events").Locator("tbody tr");
        await Expect(rows.Locator($"[data-subject='{TickerEvents}']").Or(ui.Page.Locator($"tr[data-subject='{TickerEvents}']")).First).ToBeVisibleAsync();

        // An error on the mesh (demo.fail's dead letter on mesh.errors.demo.fail) is a marked row.
        await Assert.ThrowsAsync<OamOrleans.Client.HandlerErrorException>(() => mesh.Client.CallAsync<object>("demo.fail", new { message = "tap" }).AsTask());
        await Expect(ui.Page.Locator("tr.row-error[data-subject='mesh.errors.demo.fail']").First).ToBeVisibleAsync();
        await ui.ScreenshotAsync("events");

        // Paused: new messages are buffered, not shown; Clear empties the table; Resume shows the buffered ones.
        await ui.Page.GetByTestId("pause").ClickAsync();
        await Expect(ui.Page.GetByTestId("tap-state")).ToHaveAttributeAsync("data-state", "paused");
        var shown = await rows.CountAsync();
        await Expect(ui.Page.GetByTestId("pause")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"Resume \([1-9]\d* buffered\)"));
        Assert.Equal(shown, await rows.CountAsync());
        await ui.Page.GetByTestId("clear").ClickAsync();
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(ui.Page.GetByTestId("pause")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"Resume \([1-9]\d* buffered\)"));
        await ui.Page.GetByTestId("pause").ClickAsync();
        await Expect(ui.Page.GetByTestId("tap-state")).ToHaveAttributeAsync("data-state", "live");
        await Expect(rows.First).ToBeVisibleAsync();
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task The_kv_browser_shows_a_key_put_by_the_cli_live()
    {
        var key = "ui.test." + Guid.NewGuid().ToString("N")[..8];
        await using var ui = await UiPage.OpenAsync(mesh, "/kv");
        var (exit, output) = await OamProcess.RunAsync(["kv", "put", key, "put-by-the-cli", "--url", mesh.Nats.Url]);
        Assert.True(exit == 0, output);
        await Expect(ui.Page.Locator($"tr[data-key='{key}']")).ToContainTextAsync("put-by-the-cli");
        await ui.ScreenshotAsync("kv");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task Logs_tail_shows_usage_events_usage_totals_add_them_up_and_a_level_set_in_the_ui_applies()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/logs");
        await foreach (var _ in mesh.Client.StreamAsync<System.Text.Json.JsonElement>("demo.words", new { message = "a b c" }))
        {
        }

        await Expect(ui.Page.GetByTestId("logs").Locator("tr[data-event='usage_reported']").First).ToContainTextAsync("demo.words");
        await ui.Page.GetByLabel("Log level of demo.echo").SelectOptionAsync("debug");
        await Poll.UntilAsync(async () => (await mesh.Client.Observe.GetAsync("demo.echo")).LogLevel == "debug", "demo.echo's level is debug in mesh-observability");
        await mesh.Client.Observe.SetAsync("demo.echo", "info");
        await ui.ScreenshotAsync("logs");
        await ui.AssertCleanAsync();

        await ui.GoAsync("/usage");
        await Expect(ui.Page.Locator("tr[data-agent='demo.words']")).ToContainTextAsync("words-1");
        await ui.ScreenshotAsync("usage");
        await ui.AssertCleanAsync();
    }
}
