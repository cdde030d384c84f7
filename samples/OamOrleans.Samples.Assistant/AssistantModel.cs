using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using OpenAI;

namespace OamOrleans.Samples.Assistant;

/// <summary>
/// The model of <c>demo.assistant</c>, from <c>OAM_LLM_ENDPOINT</c>, <c>OAM_LLM_MODEL</c> and <c>OAM_LLM_API_KEY</c>: any
/// OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI's v1 endpoint, Ollama's <c>http://localhost:11434/v1</c>,
/// vLLM, LM Studio). Configured when a model and an endpoint or a key are set (a key alone means OpenAI's endpoint).
/// </summary>
public sealed record AssistantModel(Uri? Endpoint, string? Model, string? ApiKey)
{
    public const string EndpointVariable = "OAM_LLM_ENDPOINT";
    public const string ModelVariable = "OAM_LLM_MODEL";
    public const string ApiKeyVariable = "OAM_LLM_API_KEY";

    public bool IsConfigured => NotConfiguredReason is null;

    /// <summary>Why the assistant is not registered; null when it is configured.</summary>
    public string? NotConfiguredReason => (Endpoint, Model, ApiKey) switch
    {
        (null, null, null) => $"no model: set {ModelVariable} and {EndpointVariable} (any OpenAI-compatible endpoint, e.g. http://localhost:11434/v1), plus {ApiKeyVariable} if it needs one",
        (_, null, _) => $"{ModelVariable} is not set",
        (null, _, null) => $"{ModelVariable} is set but neither {EndpointVariable} nor {ApiKeyVariable}",
        _ => null,
    };

    /// <summary>One line for the silo's start-up summary.</summary>
    public string Describe() => IsConfigured
        ? $"{AssistantAgent.Name} on model {Model} at {Endpoint?.ToString() ?? "OpenAI"}"
        : $"off ({AssistantAgent.Name} not registered: {NotConfiguredReason})";

    /// <summary>Reads the three settings (environment variables, or the same keys in any configuration source).</summary>
    /// <exception cref="ArgumentException"><c>OAM_LLM_ENDPOINT</c> is not an absolute http(s) URL.</exception>
    public static AssistantModel Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? Get(string key) => string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();
        var endpoint = Get(EndpointVariable);
        Uri? uri = null;
        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"Setting {EndpointVariable} must be an http(s) URL such as http://localhost:11434/v1, was '{endpoint}'.");
        }

        return new AssistantModel(uri, Get(ModelVariable), Get(ApiKeyVariable));
    }

    /// <summary>The chat client for the model (no request is made until the assistant is called).</summary>
    /// <exception cref="InvalidOperationException">The model is not configured.</exception>
    public IChatClient CreateChatClient()
    {
        if (!IsConfigured)
        {
            throw new InvalidOperationException($"The assistant's model is not configured: {NotConfiguredReason}");
        }

        // Local servers need no key, but the OpenAI client requires one: any text does for them.
        var options = new OpenAIClientOptions();
        if (Endpoint is not null)
        {
            options.Endpoint = Endpoint;
        }

        return new OpenAIClient(new ApiKeyCredential(ApiKey ?? "unused"), options).GetChatClient(Model).AsIChatClient();
    }

    /// <summary>Leaves the key out of logs and exceptions.</summary>
    public override string ToString() => $"AssistantModel {{ Endpoint = {Endpoint}, Model = {Model}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";
}
