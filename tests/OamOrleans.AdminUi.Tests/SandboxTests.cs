using Microsoft.Playwright;
using OamOrleans.Client;
using static Microsoft.Playwright.Assertions;

namespace OamOrleans.AdminUi.Tests;

[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SandboxTests(UiMesh mesh)
{
    [Fact]
    public async Task Echo_called_from_its_generated_form_shows_the_reply()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.echo");
        await ui.Page.GetByLabel("message (required)").FillAsync("hello from the browser");
        await ui.Page.GetByTestId("run").ClickAsync();
        await Expect(ui.Page.GetByTestId("reply")).ToContainTextAsync("\"reply\": \"Echo: hello from the browser\"");
        await ui.ScreenshotAsync("agent-call");

        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "JSON" }).ClickAsync();
        await Expect(ui.Page.GetByTestId("contract-json")).ToContainTextAsync("\"x-agentmesh\"");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task Words_streams_live_chunks_and_Stop_ends_the_stream()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.words");
        await ui.Page.GetByLabel("message (required)").FillAsync("one two three");
        await ui.Page.GetByTestId("run").ClickAsync();
        await Expect(ui.Page.GetByTestId("stream-state")).ToHaveAttributeAsync("data-state", "ended");
        await Expect(ui.Page.GetByTestId("chunks").Locator("li")).ToHaveCountAsync(3);

        // A slow stream (40 words, 250 ms apart): Stop after the first chunks ends it long before its last word.
        var words = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"w{i}"));
        await ui.Page.GetByLabel("message (required)").FillAsync(words);
        await ui.Page.GetByLabel("pauseMs").FillAsync("250");
        await ui.Page.GetByTestId("run").ClickAsync();
        await Expect(ui.Page.GetByTestId("chunks").Locator("li").Nth(1)).ToContainTextAsync("w2");
        await Expect(ui.Page.GetByTestId("stream-state")).ToHaveAttributeAsync("data-state", "streaming");
        await ui.ScreenshotAsync("agent-stream");
        await ui.Page.GetByTestId("stop").ClickAsync();
        await Expect(ui.Page.GetByTestId("stream-state")).ToHaveAttributeAsync("data-state", "stopped");
        var shown = await ui.Page.GetByTestId("chunks").Locator("li").CountAsync();
        Assert.InRange(shown, 2, 39);
        await Expect(ui.Page.GetByTestId("run")).ToBeEnabledAsync();
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task Fail_shows_handler_error_with_its_message_and_request_id()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.fail");
        await ui.Page.GetByLabel("message (required)").FillAsync("boom");
        await ui.Page.GetByTestId("run").ClickAsync();
        var error = ui.Page.GetByTestId("error");
        await Expect(error).ToHaveAttributeAsync("data-code", "handler_error");
        await Expect(error).ToContainTextAsync("demo.fail refused 'boom'");
        await Expect(error).ToContainTextAsync("Request id:");
        await ui.ScreenshotAsync("agent-error");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task A_trigger_without_input_gets_a_bare_Call_button()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.clock");
        await Expect(ui.Page.GetByTestId("invoke-form").Locator("input, textarea, select")).ToHaveCountAsync(0);
        await ui.Page.GetByTestId("run").ClickAsync();
        await Expect(ui.Page.GetByTestId("reply")).ToContainTextAsync("\"utc\"");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task A_closed_gate_shows_not_available_with_its_hint()
    {
        await mesh.Client.Kv.DeleteAsync("flags.demo.upper");
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.upper");
        await ui.Page.GetByLabel("input (required)").FillAsync("hi");
        await ui.Page.GetByTestId("run").ClickAsync();
        var error = ui.Page.GetByTestId("error");
        await Expect(error).ToHaveAttributeAsync("data-code", "not_available");
        await Expect(error).ToContainTextAsync("Hint:");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task A_conversations_stored_state_is_shown_read_only()
    {
        var conversation = "ui-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 2; i++)
        {
            await mesh.Client.CallAsync<System.Text.Json.JsonElement>("demo.counter", new { }, new CallOptions { ConversationId = conversation });
        }

        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.counter");
        await ui.Page.GetByTestId("conversation-pick").SelectOptionAsync(new SelectOptionValue { Label = conversation });
        await Expect(ui.Page.GetByTestId("conversation-state")).ToContainTextAsync("\"turns\": 2");
        await ui.ScreenshotAsync("conversation-state");
        await ui.AssertCleanAsync();
    }

    [Fact]
    public async Task A_conversations_pending_reminders_are_listed_with_its_state()
    {
        var conversation = "ui-remind-" + Guid.NewGuid().ToString("N")[..8];
        await mesh.Client.CallAsync<System.Text.Json.JsonElement>("demo.reminder", new { message = "call back", seconds = 3600 }, new CallOptions { ConversationId = conversation });

        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.reminder");
        await ui.Page.GetByTestId("conversation-pick").SelectOptionAsync(new SelectOptionValue { Label = conversation });
        var reminders = ui.Page.GetByTestId("conversation-reminders");
        await Expect(reminders).ToContainTextAsync("remind-1");
        await Expect(reminders).ToContainTextAsync("call back");
        await ui.AssertCleanAsync();
    }
}
