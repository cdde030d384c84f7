using System.Text;
using Microsoft.Playwright;
using OamOrleans.Client;
using static Microsoft.Playwright.Assertions;

namespace OamOrleans.AdminUi.Tests;

/// <summary>The agent page shows each instance's latest heartbeat from <c>mesh.health.{name}</c>.</summary>
[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HealthPanelTests(UiMesh mesh)
{
    [Fact]
    public async Task The_agent_page_shows_the_silos_latest_beat_with_its_last_error_code()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.fail");
        await Assert.ThrowsAsync<HandlerErrorException>(async () => await mesh.Client.CallRawAsync("demo.fail", Encoding.UTF8.GetBytes("""{"message":"x"}""")));

        var beating = ui.Page.GetByTestId("health").Locator("tr[data-state='beating']");
        await Expect(beating).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(beating).ToContainTextAsync("handler_error", new() { Timeout = 15_000 });
        await ui.AssertCleanAsync();
    }
}
