using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;
using OamOrleans.Internal;
using Orleans.Concurrency;

namespace OamOrleans;

/// <summary>
/// A source-only agent (the reference's "watcher", §7.2): it has no callers — it is in the catalog with
/// <c>invocable: false, streaming: false</c> and no schemas — and handles what its sources deliver:
/// <see cref="SubjectSourceAttribute"/> and <see cref="KvSourceAttribute"/> on the class.
/// </summary>
/// <typeparam name="TIn">
/// What the handler receives: <c>byte[]</c> or <c>ReadOnlyMemory&lt;byte&gt;</c> (the raw payload or value),
/// <see cref="MeshMessage{T}"/> (subject, headers, payload), <see cref="KvEntry{T}"/> or <see cref="KvEntry"/> (key,
/// value, revision, operation — deletes included), <c>string</c> (text; a JSON string is unquoted), or any type
/// deserialized from JSON like an agent input. Non-envelope handlers of a KV source get puts only.
/// </typeparam>
/// <remarks>
/// Runs as a stateless worker: each silo's sources hand their deliveries to a local activation. A handler exception
/// (or a payload that does not deserialize) is only logged, as in the reference. To also answer calls with the same
/// input, put the source attributes on an <see cref="Agent{TIn,TOut}"/> instead: it is then both invocable and
/// source-bound, and its outputs for source deliveries are dropped.
/// </remarks>
[StatelessWorker]
[Reentrant]
public abstract class SourceAgent<TIn> : AgentGrain, ISourceAgentGrain
{
    /// <summary>Handles one delivery from a source; there is no reply, and an exception is only logged.</summary>
    /// <param name="input">The payload, value or envelope, in the shape <typeparamref name="TIn"/> asks for.</param>
    /// <param name="context">The delivery's id, mesh client and logger.</param>
    protected abstract Task HandleAsync(TIn input, AgentContext context);

    private protected override ValueTask<byte[]> InvokeCoreAsync(AgentRequest request, AgentContext context) =>
        throw new MeshException(Protocol.MeshErrorCodes.InvocationMismatch, $"Agent '{AgentName}' is a background task and cannot be called");

    async Task ISourceAgentGrain.DeliverAsync(SourceDelivery delivery)
    {
        try
        {
            if (!SourceInput.TryCreate<TIn>(delivery, out var input))
            {
                return;
            }

            await HandleAsync(input, CreateContext(delivery.Id, "default"));
        }
        catch (Exception e)
        {
            AgentLog.SourceHandlerFailed(ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<AgentGrain>(), e, AgentName, delivery.Origin);
        }
    }
}

/// <summary>Builds a source handler's input from a delivery.</summary>
internal static class SourceInput
{
    /// <summary>False when the delivery is not for this input (a KV delete for a plain handler).</summary>
    public static bool TryCreate<TIn>(SourceDelivery delivery, out TIn input)
    {
        var type = typeof(TIn);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(MeshMessage<>))
        {
            input = (TIn)Activator.CreateInstance(type, delivery.Origin, (IReadOnlyDictionary<string, string>)(delivery.Headers ?? []), Payload(type.GetGenericArguments()[0], delivery.Data))!;
            return true;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KvEntry<>))
        {
            var valueType = type.GetGenericArguments()[0];
            var value = delivery.IsDelete ? null : Payload(valueType, delivery.Data);
            input = (TIn)Activator.CreateInstance(type, delivery.Origin, value, delivery.Revision, delivery.Operation)!;
            return true;
        }

        if (type == typeof(KvEntry))
        {
            input = (TIn)(object)new KvEntry(delivery.Origin, delivery.Data, delivery.Revision, delivery.Operation);
            return true;
        }

        if (delivery.IsDelete)
        {
            input = default!;
            return false;
        }

        input = (TIn)Payload(type, delivery.Data)!;
        return true;
    }

    /// <summary>Raw bytes for byte types, text for strings, else JSON.</summary>
    public static object? Payload(Type type, byte[] data)
    {
        if (type == typeof(byte[]))
        {
            return data;
        }

        if (type == typeof(ReadOnlyMemory<byte>))
        {
            return new ReadOnlyMemory<byte>(data);
        }

        if (type == typeof(string))
        {
            if (data.Length > 0 && data[0] == (byte)'"')
            {
                try
                {
                    return JsonSerializer.Deserialize<string>(data, MeshJson.AgentOptions);
                }
                catch (JsonException)
                {
                    // Not a JSON string after all (a lone quote, say): the raw text below is the value, not an error.
                }
            }

            return Encoding.UTF8.GetString(data);
        }

        return JsonSerializer.Deserialize(data, type, MeshJson.AgentOptions);
    }
}
