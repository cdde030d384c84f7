using OamOrleans.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OamOrleans.AdminUi.Tests;

[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RegistryTests(UiMesh mesh)
{
    [Fact]
    public async Task Every_sample_agent_is_listed_with_a_live_dot_its_badges_version_and_first_sentence()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/");
        foreach (var agent in UiMesh.SampleAgents)
        {
            await Expect(ui.Page.Locator($"tr[data-agent='{agent}']")).ToHaveAttributeAsync("data-live", "true");
        }

        var words = ui.Page.Locator("tr[data-agent='demo.words']");
        await Expect(words.Locator(".badge.cap")).ToHaveTextAsync("stream");
        await Expect(ui.Page.Locator("tr[data-agent='demo.ticker'] .badge.cap")).ToHaveTextAsync("events");
        await Expect(ui.Page.Locator("tr[data-agent='demo.echo'] .badge.cap")).ToHaveTextAsync("call");
        await Expect(ui.Page.Locator("tr[data-agent='demo.echo']")).ToContainTextAsync("Echoes a message.");
        await Expect(ui.Page.Locator("tr[data-agent='demo.echo']")).ToContainTextAsync("1.0.0");
        await ui.ScreenshotAsync("registry");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task An_agents_dot_goes_out_when_its_silo_stops()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/");
        var silo = await TestSilo.StartAsync(mesh.Nats.Url, configure: o => o.DrainTimeout = TimeSpan.FromSeconds(1), agents: s => s.AddAgent<EphemeralAgent>());
        try
        {
            var row = ui.Page.Locator("tr[data-agent='uitest.ephemeral']");
            await Expect(row).ToHaveAttributeAsync("data-live", "true");
            await silo.StopAsync();
            await Expect(row.Locator("[role=img]")).ToHaveAttributeAsync("aria-label", "not live");
            await Expect(row).ToHaveAttributeAsync("data-live", "false");
        }
        finally
        {
            await silo.DisposeAsync();
        }

        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task The_Orleans_view_lists_the_silo_from_the_membership_table()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/orleans");
        await Expect(ui.Page.GetByTestId("silos").Locator("tr[data-status='Active']")).ToHaveCountAsync(1);
        await ui.ScreenshotAsync("orleans");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task An_unknown_agent_shows_a_not_found_message()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/no.such.agent");
        await Expect(ui.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No agent named");
        await ui.AssertCleanAsync();
    }
}
