using System.Text.Json;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Interop.Tests;

/// <summary>The real silo without a model: demo.assistant is not registered, and the start-up summary says why.</summary>
[Collection(SiloCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AssistantSummaryTests(SiloFixture fixture)
{
    [Fact]
    public async Task Without_a_model_the_summary_says_why_demo_assistant_is_not_registered()
    {
        var line = await fixture.Silo.WaitForLineAsync(l => l.Contains("assistant:", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the assistant line of the start-up summary");

        Assert.Contains(
            "assistant:  off (demo.assistant not registered: no model: set OAM_LLM_MODEL and OAM_LLM_ENDPOINT (any OpenAI-compatible endpoint, e.g. http://localhost:11434/v1), plus OAM_LLM_API_KEY if it needs one)",
            line,
            StringComparison.Ordinal);
        await using var nats = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = fixture.Url });
        var catalog = await (await nats.CreateKeyValueStoreContext().GetStoreAsync("mesh-catalog")).GetEntryAsync<string>("catalog");
        using var doc = JsonDocument.Parse(catalog.Value!);
        var names = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Contains("demo.echo", names);
        Assert.DoesNotContain("demo.assistant", names);
    }
}
