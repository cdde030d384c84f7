using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OamOrleans.AdminUi.Tests;

[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ToolExportTests(UiMesh mesh)
{
    [Fact]
    public async Task Echo_shows_the_OpenAI_strict_tool_the_CLI_prints_and_Copy_puts_it_on_the_clipboard()
    {
        var (exit, printed) = await OamProcess.RunAsync(["agent", "tool", "demo.echo", "--format", "openai", "--strict", "--url", mesh.Nats.Url]);
        Assert.True(exit == 0, printed);
        Assert.Contains("\"strict\": true", printed, StringComparison.Ordinal);

        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.echo", permissions: ["clipboard-read", "clipboard-write"]);
        await ui.Page.GetByLabel("Format").SelectOptionAsync("openai");
        await ui.Page.GetByLabel("Strict (OpenAI only)").CheckAsync();
        var tool = ui.Page.GetByTestId("tool-json");
        await Expect(tool).ToContainTextAsync("\"strict\": true");
        Assert.Equal(printed.Trim(), (await tool.TextContentAsync())!.Trim());

        await ui.Page.GetByTestId("copy-tool").ClickAsync();
        await Expect(ui.Page.GetByTestId("tool-copied")).ToHaveTextAsync("Copied");
        var clipboard = await ui.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.Equal(printed.Trim(), clipboard.Trim());

        // The A2A card copies too, and is the card the CLI prints.
        var (cardExit, card) = await OamProcess.RunAsync(["agent", "card", "demo.echo", "--url", mesh.Nats.Url]);
        Assert.True(cardExit == 0, card);
        await ui.Page.GetByTestId("copy-card").ClickAsync();
        await Expect(ui.Page.GetByTestId("card-copied")).ToHaveTextAsync("Copied");
        Assert.Equal(card.Trim(), (await ui.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).Trim());
        await ui.ScreenshotAsync("agent-tool");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task A_publisher_shows_the_invocation_mismatch_instead_of_a_tool_but_still_its_card()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.ticker");
        await Expect(ui.Page.GetByTestId("tool-mismatch")).ToHaveTextAsync("invocation_mismatch: Agent 'demo.ticker' is not invocable (publisher)");
        await Expect(ui.Page.GetByTestId("tool-json")).ToHaveCountAsync(0);
        await Expect(ui.Page.GetByTestId("card-json")).ToContainTextAsync("\"invocable\": false");
        await ui.AssertCleanAsync();
    }
}
