using System.Reflection;
using System.Text;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>
/// The compiled fast check and NJsonSchema must say the same thing about every body: seeded random bodies (valid ones,
/// mutations of them, hostile ones) over the input schemas of every sample and test agent.
/// </summary>
/// <remarks>
/// Known gap, reported rather than asserted: both accept bodies the agent's System.Text.Json deserializer then refuses
/// (an int32 property given 2147483648, a duplicated property whose first value has the wrong type); the grain answers
/// those with <c>invalid_input</c> and its own <c>details.errors</c>.
/// </remarks>
public sealed class InputValidatorDifferentialTests
{
    private const int BodiesPerAgent = 1500;

    public static TheoryData<string> Agents()
    {
        var data = new TheoryData<string>();
        foreach (var type in AgentTypes())
        {
            data.Add(type.GetCustomAttribute<AgentAttribute>()!.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Agents))]
    public void The_fast_check_and_NJsonSchema_agree_on_valid_versus_invalid(string agentName)
    {
        var type = AgentTypes().Single(t => t.GetCustomAttribute<AgentAttribute>()!.Name == agentName);
        var agent = AgentDescriptor.Create(type, DateTimeOffset.UtcNow);
        if (agent.Validator is not { } validator)
        {
            return; // no input: nothing to validate
        }

        var rng = new Random(FuzzSettings.Seed + agentName.Length);
        var valid = ValidBody(agent.InputType!);
        var disagreements = new List<string>();
        for (var i = 0; i < BodiesPerAgent; i++)
        {
            var body = i % 5 == 0 ? Encoding.UTF8.GetBytes(valid) : HostileBodies.Next(rng, valid, agent.ConversationKeyProperty, 4096).Body;
            var bySchema = validator.TryValidate(body, useFast: false, out _, out _);
            var combined = validator.TryValidate(body, useFast: true, out _, out _);
            if (bySchema != combined)
            {
                disagreements.Add($"fast path {(combined ? "accepts" : "refuses")}, NJsonSchema {(bySchema ? "accepts" : "refuses")}: {Preview(body)}");
            }
        }

        Assert.True(disagreements.Count == 0, $"{disagreements.Count} disagreements for {agentName} (OAM_FUZZ_SEED={FuzzSettings.Seed}): " + string.Join("; ", disagreements.Distinct().Take(8)));
    }

    private static IEnumerable<Type> AgentTypes() =>
        new[] { typeof(EchoAgent).Assembly, typeof(TestSilo).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && t.GetCustomAttribute<AgentAttribute>() is not null && AgentDescriptor.InputTypeOf(t) is not null);

    /// <summary>A body the agent accepts: the generator's own example for known inputs, else the default of each property.</summary>
    private static string ValidBody(Type input) => input.Name switch
    {
        "EchoIn" => """{"message":"hi"}""",
        "CounterIn" => """{"conversation":"c1"}""",
        "TypedIn" => """{"name":"n","count":2,"mood":"Calm","tags":["t"],"home":{"city":"c","zip":null},"score":1.5}""",
        "NoteIn" => """{"note":"n","conversation":"k1"}""",
        "RelayIn" => """{"target":"demo.echo","payload":{"message":"r"}}""",
        "StreamOrder" => """{"chunks":2}""",
        "Reading" => """{"sensor":"s","value":1.5}""",
        "String" => "\"text\"",
        "Int32" => "5",
        _ => "{}",
    };

    private static string Preview(byte[] body) => body.Length <= 160 ? Encoding.UTF8.GetString(body) : Encoding.UTF8.GetString(body, 0, 160) + "...";
}
