using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using OamOrleans.Samples.Assistant;

namespace OamOrleans.AI.Tests;

/// <summary>How <c>OAM_LLM_ENDPOINT</c> / <c>OAM_LLM_MODEL</c> / <c>OAM_LLM_API_KEY</c> decide whether demo.assistant is registered.</summary>
public sealed class AssistantModelTests
{
    private static AssistantModel Read(string? endpoint = null, string? model = null, string? key = null) =>
        AssistantModel.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OAM_LLM_ENDPOINT"] = endpoint,
            ["OAM_LLM_MODEL"] = model,
            ["OAM_LLM_API_KEY"] = key,
        }).Build());

    [Fact]
    public void Nothing_set_is_not_configured_and_says_what_to_set()
    {
        var model = Read(endpoint: " ", model: "");

        Assert.False(model.IsConfigured);
        Assert.Equal(
            "off (demo.assistant not registered: no model: set OAM_LLM_MODEL and OAM_LLM_ENDPOINT (any OpenAI-compatible endpoint, e.g. http://localhost:11434/v1), plus OAM_LLM_API_KEY if it needs one)",
            model.Describe());
    }

    [Fact]
    public void An_endpoint_without_a_model_is_not_configured()
    {
        Assert.Equal("OAM_LLM_MODEL is not set", Read(endpoint: "http://localhost:11434/v1").NotConfiguredReason);
    }

    [Fact]
    public void A_model_without_endpoint_or_key_is_not_configured()
    {
        Assert.Equal("OAM_LLM_MODEL is set but neither OAM_LLM_ENDPOINT nor OAM_LLM_API_KEY", Read(model: "llama3.2").NotConfiguredReason);
    }

    [Fact]
    public void A_model_with_an_endpoint_is_configured_and_its_client_names_the_model()
    {
        var model = Read(endpoint: "http://localhost:11434/v1", model: "llama3.2");

        Assert.True(model.IsConfigured);
        Assert.Equal("demo.assistant on model llama3.2 at http://localhost:11434/v1", model.Describe());
        using var client = model.CreateChatClient();
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal("llama3.2", metadata?.DefaultModelId);
        Assert.Equal(new Uri("http://localhost:11434/v1"), metadata?.ProviderUri);
    }

    [Fact]
    public void A_model_with_a_key_only_is_openai()
    {
        var model = Read(model: "gpt-4o-mini", key: "sk-secret");

        Assert.Equal("demo.assistant on model gpt-4o-mini at OpenAI", model.Describe());
        Assert.DoesNotContain("sk-secret", model.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:11434")]
    [InlineData("ftp://host/v1")]
    [InlineData("not a url")]
    public void An_endpoint_that_is_not_an_http_url_is_refused_naming_the_setting(string endpoint)
    {
        var e = Assert.Throws<ArgumentException>(() => Read(endpoint: endpoint, model: "m"));

        Assert.StartsWith("Setting OAM_LLM_ENDPOINT must be an http(s) URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_cannot_be_made_without_a_model()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Read().CreateChatClient());

        Assert.Contains("not configured", e.Message, StringComparison.Ordinal);
    }
}
