using static Microsoft.Playwright.Assertions;

namespace OamOrleans.AdminUi.Tests;

/// <summary>The silo's admin UI behind <c>OAM_HTTP_AUTH=token</c>, in Chromium: the login page, a wrong and the right token.</summary>
[Collection(UiMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SiloLoginTests(UiMesh mesh)
{
    [Fact]
    public async Task A_wrong_token_keeps_the_browser_on_the_login_page_with_an_error()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.echo", baseUrl: mesh.SiloUiUrl, signIn: false);
        await ui.SignInAsync("not-the-token-of-this-silo");
        await Expect(ui.Page.GetByRole(Microsoft.Playwright.AriaRole.Alert)).ToHaveTextAsync("Wrong token.");
        await Expect(ui.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/_oam/login$"));
        Assert.DoesNotContain(await ui.Page.Context.CookiesAsync(), c => c.Name == "oam_session");
    }

    [Fact]
    public async Task The_right_token_signs_in_returns_to_the_page_asked_for_and_the_ui_calls_an_agent()
    {
        await using var ui = await UiPage.OpenAsync(mesh, "/agents/demo.echo", baseUrl: mesh.SiloUiUrl, signIn: false);
        await ui.ScreenshotAsync("silo-login");
        await ui.SignInAsync(mesh.SiloToken);
        await Expect(ui.Page).ToHaveURLAsync(mesh.SiloUiUrl + "/agents/demo.echo");
        await Expect(ui.Page.GetByTestId("connection")).ToHaveTextAsync("connected");

        var session = Assert.Single(await ui.Page.Context.CookiesAsync(), c => c.Name == "oam_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(Microsoft.Playwright.SameSiteAttribute.Strict, session.SameSite);
        Assert.DoesNotContain(mesh.SiloToken, session.Value, StringComparison.Ordinal);

        await ui.Page.GetByLabel("message (required)").FillAsync("signed in");
        await ui.Page.GetByTestId("run").ClickAsync();
        await Expect(ui.Page.GetByTestId("reply")).ToContainTextAsync("\"reply\": \"Echo: signed in\"");
        await ui.AssertCleanAsync();
    }
}
