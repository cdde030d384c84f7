using System.Text.Json.Serialization;

namespace OamOrleans.Samples.Cookbook.LoadBalancing;

public sealed record TranslateIn(string Text, [property: JsonPropertyName("target_language")] string TargetLanguage = "es");

/// <param name="HandledBy">The instance id of the silo that served the request (its bridge and its stateless worker).</param>
public sealed record TranslateOut(string Translated, [property: JsonPropertyName("handled_by")] string HandledBy);

#region TranslatorAgent
/// <summary>
/// <c>nlp.translator</c>: 50 ms of work per request. Every silo that hosts it joins the queue group
/// <c>q.nlp.translator</c>, so starting another silo is the whole of scaling out; a stateless worker also runs one
/// activation per core inside each silo.
/// </summary>
[Agent(Name, Description = "Translates text (a stand-in); says which silo served the request.", Tags = ["cookbook"])]
public sealed class TranslatorAgent(IMeshHost host) : Agent<TranslateIn, TranslateOut>
{
    public const string Name = "nlp.translator";

    protected override async Task<TranslateOut> HandleAsync(TranslateIn input, AgentContext context)
    {
        await Task.Delay(50);
        return new TranslateOut($"[{input.TargetLanguage}] {input.Text}", host.InstanceId);
    }
}
#endregion
