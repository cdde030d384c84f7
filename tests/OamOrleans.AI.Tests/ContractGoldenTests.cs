using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using OamOrleans.Protocol;

namespace OamOrleans.AI.Tests;

/// <summary>
/// Every conversion of every sample agent's contract, as the silo publishes it in the registry, against golden files
/// (<c>Goldens/{agent}.json</c>). A conversion the agent refuses is golden too, as <c>{"error": message}</c>.
/// After an intended change: <c>OAM_UPDATE_GOLDENS=1 dotnet test tests/OamOrleans.AI.Tests --filter ContractGolden</c>, then review the diff.
/// </summary>
[Collection(AIMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ContractGoldenTests(AIMeshFixture mesh)
{
    private static readonly string[] Agents =
    [
        "demo.audit", "demo.clock", "demo.counter", "demo.echo", "demo.fail", "demo.greet", "demo.reminder",
        "demo.settings", "demo.shout", "demo.sleep", "demo.ticker", "demo.upper", "demo.words",
    ];

    public static TheoryData<string> SampleAgents() => [.. Agents];

    [Theory]
    [MemberData(nameof(SampleAgents))]
    public async Task Published_contract_converts_as_the_golden_file_says(string agent)
    {
        var contract = await mesh.Client.ContractAsync(agent);

        var actual = Conversions(contract);

        var file = $"{agent}.json";
        if (Environment.GetEnvironmentVariable("OAM_UPDATE_GOLDENS") == "1")
        {
            await File.WriteAllTextAsync(Path.Combine(SourceGoldens(), file), actual.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = MeshJsonText.Encoder }) + "\n");
            return;
        }

        var golden = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Goldens", file)));
        foreach (var (form, expected) in golden!.AsObject())
        {
            Assert.True(JsonNode.DeepEquals(expected, actual[form]), $"{agent} {form}: expected {expected?.ToJsonString()}, got {actual[form]?.ToJsonString()}");
        }

        Assert.Equal(golden.AsObject().Select(p => p.Key), actual.Select(p => p.Key));
    }

    [Fact]
    public void Every_sample_agent_has_a_golden_file()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Goldens"), "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);

        Assert.Equal(Agents, files);
    }

    private static JsonObject Conversions(AgentContract contract) => new()
    {
        ["tool"] = Try(contract.ToToolSchema),
        ["anthropic"] = Try(contract.ToAnthropicTool),
        ["openai"] = Try(() => contract.ToOpenAITool()),
        ["openai_strict"] = Try(() => contract.ToOpenAITool(strict: true)),
        ["openai_responses"] = Try(() => contract.ToOpenAITool(OpenAIToolApi.Responses)),
        ["openai_responses_strict"] = Try(() => contract.ToOpenAITool(OpenAIToolApi.Responses, strict: true)),
        ["card"] = contract.ToAgentCard($"https://agents.example.com/{contract.Name}"),
    };

    private static JsonObject Try(Func<JsonObject> convert)
    {
        try
        {
            return convert();
        }
        catch (InvalidOperationException e)
        {
            return new JsonObject { ["error"] = e.Message };
        }
    }

    private static string SourceGoldens([CallerFilePath] string path = "") => Path.Combine(Path.GetDirectoryName(path)!, "Goldens");
}
