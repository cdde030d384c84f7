using System.Reflection;
using NJsonSchema;
using Orleans.Runtime;
using OamOrleans.Expiry;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>The shape of an agent (§7.2).</summary>
internal enum AgentKind
{
    Responder,
    Trigger,
    Streamer,
    Publisher,

    /// <summary>Source-only ("watcher"): not invocable, not streaming; handles what its sources deliver.</summary>
    Source,
}

/// <summary>Everything the runtime knows about one hosted agent type, computed once at start-up.</summary>
internal sealed partial class AgentDescriptor
{
    private AgentDescriptor(Type grainClass, AgentAttribute attribute, AgentKind kind, Type? inputType, Type? outputType, bool conversational, DateTimeOffset registeredAt)
    {
        SubjectSources = [.. grainClass.GetCustomAttributes<SubjectSourceAttribute>(inherit: false)];
        KvSources = [.. grainClass.GetCustomAttributes<KvSourceAttribute>(inherit: false)];
        Gate = grainClass.GetCustomAttribute<ActiveWhenAttribute>(inherit: false);
        Gate?.CreateCondition(grainClass); // fail at start-up, not when the first value arrives
        if (HasSources && kind is not (AgentKind.Responder or AgentKind.Source))
        {
            throw new ArgumentException(
                $"Agent class {grainClass.FullName} has sources but is a {kind.ToString().ToLowerInvariant()}; sources need a handler with an input: SourceAgent<TIn>, Agent<TIn,TOut> or ConversationalAgent<TIn,TOut,TState>.",
                nameof(grainClass));
        }

        GrainClass = grainClass;
        Name = attribute.Name;
        GrainType = AgentAttribute.GrainTypeOf(Name);
        Kind = kind;
        InputType = inputType;
        Conversational = conversational;
        ConversationKeyProperty = inputType is null ? null : FindConversationKey(inputType);
        StateTtl = ConversationExpiry.ParseTtl(attribute, grainClass, conversational);
        var inputSchema = inputType is null ? null : AgentSchemas.Generate(inputType);
        Validator = inputSchema is null ? null : new InputValidator(inputSchema);
        var outputSchema = outputType is null ? null : AgentSchemas.ToContractJson(AgentSchemas.Generate(outputType));
        var streaming = kind is AgentKind.Streamer or AgentKind.Publisher;
        Contract = new AgentContract
        {
            Name = Name,
            Description = attribute.Description,
            Version = attribute.Version,
            Tags = attribute.Tags,
            Invocable = kind is not (AgentKind.Publisher or AgentKind.Source),
            Streaming = streaming,
            InputSchema = inputSchema is null ? null : AgentSchemas.ToContractJson(inputSchema),
            // Streamers and publishers describe their chunks or events in x-agentmesh.chunk_schema instead (§4.1).
            OutputSchema = streaming ? null : outputSchema,
            ChunkSchema = streaming ? outputSchema : null,
            RegisteredAt = MeshIds.Timestamp(registeredAt),
            Mcp = attribute.McpFlag,
        };
    }

    public string Name { get; }

    public Type GrainClass { get; }

    public GrainType GrainType { get; }

    public AgentKind Kind { get; }

    public bool Invocable => Kind is not (AgentKind.Publisher or AgentKind.Source);

    /// <summary>Subject sources declared on the class (<see cref="SubjectSourceAttribute"/>).</summary>
    public IReadOnlyList<SubjectSourceAttribute> SubjectSources { get; }

    /// <summary>KV sources declared on the class (<see cref="KvSourceAttribute"/>).</summary>
    public IReadOnlyList<KvSourceAttribute> KvSources { get; }

    public bool HasSources => SubjectSources.Count > 0 || KvSources.Count > 0;

    /// <summary>The lifecycle gate (<see cref="ActiveWhenAttribute"/>), if any.</summary>
    public ActiveWhenAttribute? Gate { get; }

    public bool Streaming => Kind is AgentKind.Streamer or AgentKind.Publisher;

    /// <summary>The input type, or null for triggers and publishers.</summary>
    public Type? InputType { get; }

    /// <summary>True when each conversation is its own activation with persisted state.</summary>
    public bool Conversational { get; }

    /// <summary>Wire name of the input property declared with <see cref="ConversationKeyAttribute"/>, if any.</summary>
    public string? ConversationKeyProperty { get; }

    public InputValidator? Validator { get; }

    /// <summary>
    /// The agent's heartbeat counts on this silo (<see cref="Bridge.AgentHeartbeat"/>): every request whose pipeline runs
    /// here ends in them, over NATS, by name inside the cluster, by typed reference, and the grain's own reminder turns.
    /// </summary>
    public Pipeline.AgentHealthCounters Health { get; } = new();

    /// <summary>How long an idle conversation's state is kept (<see cref="AgentAttribute.StateTtl"/>); null: until it ends.</summary>
    public TimeSpan? StateTtl { get; }

    public AgentContract Contract { get; }

    public static AgentDescriptor Create(Type agentClass, DateTimeOffset registeredAt)
    {
        var attribute = agentClass.GetCustomAttribute<AgentAttribute>(inherit: false)
            ?? throw new ArgumentException($"{agentClass.FullName} is not an agent: it lacks [Agent(\"name\")].", nameof(agentClass));
        if (agentClass.IsAbstract || agentClass.IsGenericTypeDefinition)
        {
            throw new ArgumentException($"Agent class {agentClass.FullName} must be concrete and non-generic.", nameof(agentClass));
        }

        for (var t = agentClass.BaseType; t is not null; t = t.BaseType)
        {
            if (!t.IsGenericType)
            {
                continue;
            }

            var definition = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            if (definition == typeof(Agent<,>))
            {
                return new AgentDescriptor(agentClass, attribute, AgentKind.Responder, args[0], args[1], conversational: false, registeredAt);
            }

            if (definition == typeof(TriggerAgent<>))
            {
                return new AgentDescriptor(agentClass, attribute, AgentKind.Trigger, null, args[0], conversational: false, registeredAt);
            }

            if (definition == typeof(StreamingAgent<,>))
            {
                return new AgentDescriptor(agentClass, attribute, AgentKind.Streamer, args[0], args[1], conversational: false, registeredAt);
            }

            if (definition == typeof(PublisherAgent<>))
            {
                return new AgentDescriptor(agentClass, attribute, AgentKind.Publisher, null, args[0], conversational: false, registeredAt);
            }

            if (definition == typeof(SourceAgent<>))
            {
                // The handler's input comes from sources, never from callers: no input schema, no validator (§4.1).
                return new AgentDescriptor(agentClass, attribute, AgentKind.Source, null, null, conversational: false, registeredAt);
            }

            if (definition == typeof(ConversationalAgent<,,>))
            {
                return new AgentDescriptor(agentClass, attribute, AgentKind.Responder, args[0], args[1], conversational: true, registeredAt);
            }
        }

        throw new ArgumentException(
            $"Agent class {agentClass.FullName} must derive from Agent<TIn,TOut>, TriggerAgent<TOut>, ConversationalAgent<TIn,TOut,TState>, StreamingAgent<TIn,TChunk>, PublisherAgent<TEvent> or SourceAgent<TIn>.",
            nameof(agentClass));
    }

    /// <summary>True when <paramref name="agentClass"/> derives from <see cref="ConversationalAgent{TIn,TOut,TState}"/>.</summary>
    public static bool IsConversational(Type agentClass)
    {
        for (var t = agentClass.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ConversationalAgent<,,>))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The input type of an agent class (<c>TIn</c> of its base class), or null for triggers and publishers.</summary>
    public static Type? InputTypeOf(Type agentClass)
    {
        for (var t = agentClass.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType)
            {
                var definition = t.GetGenericTypeDefinition();
                if (definition == typeof(Agent<,>) || definition == typeof(ConversationalAgent<,,>) || definition == typeof(StreamingAgent<,>))
                {
                    return t.GetGenericArguments()[0];
                }
            }
        }

        return null;
    }

    public static string? FindConversationKey(Type inputType)
    {
        var ctorParams = inputType.GetConstructors().SelectMany(c => c.GetParameters()).ToArray();
        foreach (var property in inputType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var marked = property.GetCustomAttribute<ConversationKeyAttribute>() is not null ||
                Array.Exists(ctorParams, p => p.Name == property.Name && p.GetCustomAttribute<ConversationKeyAttribute>() is not null);
            if (marked)
            {
                return AgentSchemas.WireName(property);
            }
        }

        return null;
    }
}
