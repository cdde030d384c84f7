namespace OamOrleans.Protocol;

/// <summary>Which OpenAI API a tool definition is shaped for (<see cref="AgentContract.ToOpenAITool"/>).</summary>
public enum OpenAIToolApi
{
    /// <summary>Chat Completions: <c>{"type": "function", "function": {name, description, parameters}}</c>.</summary>
    Chat,

    /// <summary>Responses: <c>{"type": "function", name, description, parameters}</c>.</summary>
    Responses,
}
