using System.Text.Json;
using OamOrleans.Client;
using static Microsoft.Playwright.Assertions;

namespace OamOrleans.AdminUi.Tests;

[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ActivationsTests(UiMesh mesh)
{
    [Fact]
    public async Task The_silo_mounted_Orleans_view_lists_activations_of_the_agents_just_called()
    {
        await mesh.Client.CallAsync<JsonElement>("demo.echo", new { message = "activate" });
        var conversation = "act-" + Guid.NewGuid().ToString("N")[..8];
        await mesh.Client.CallAsync<JsonElement>("demo.counter", new { }, new CallOptions { ConversationId = conversation });

        await using var ui = await UiPage.OpenAsync(mesh, "/orleans", baseUrl: mesh.SiloUiUrl);
        var table = ui.Page.GetByTestId("activations");
        foreach (var agent in new[] { "demo.echo", "demo.counter" })
        {
            var row = table.Locator($"tr[data-agent='{agent}']");
            await Expect(row).ToHaveCountAsync(1);
            var count = int.Parse((await row.Locator("td").Nth(2).TextContentAsync())!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(count >= 1, $"{agent}: {count} activations");
        }

        // Only agent grains are listed, by agent name: Orleans' own grains (the management grain asked just now) are not.
        var listed = await table.Locator("tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.agent)");
        Assert.All(listed, agent => Assert.Contains(agent, UiMesh.SampleAgents));
        await ui.ScreenshotAsync("orleans-activations");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task Oam_ui_outside_the_cluster_explains_why_it_shows_no_activations()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/orleans");
        await Expect(ui.Page.GetByTestId("activations-absent")).ToContainTextAsync("no honest source");
        await Expect(ui.Page.GetByTestId("activations")).ToHaveCountAsync(0);
        await ui.AssertCleanAsync();
    }
}
