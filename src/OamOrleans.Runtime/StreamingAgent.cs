using OamOrleans.Internal;
using OamOrleans.Protocol;
using Orleans.Concurrency;

namespace OamOrleans;

/// <summary>
/// A streaming agent: input <typeparamref name="TIn"/> → a stream of <typeparamref name="TChunk"/>. Each chunk goes out
/// on <c>mesh.stream.{request_id}</c> as soon as it is yielded (never buffered into one answer), then an end frame
/// with the count and any reported usage. An exception ends the stream with an error frame; chunks already sent stay
/// valid partial output. The token passed to <see cref="StreamAsync"/> is the context's
/// <see cref="AgentContext.CancellationToken"/>: it fires when the stream's deadline passes or the silo stops.
/// Stateless and reentrant: many streams run at once on every silo.
/// </summary>
[StatelessWorker]
[Reentrant]
public abstract class StreamingAgent<TIn, TChunk> : AgentGrain, IStreamingAgentGrain
{
    /// <summary>Produces the stream: each yielded chunk is sent as one frame at once.</summary>
    /// <param name="input">The request body, validated and deserialized.</param>
    /// <param name="context">The request's id, mesh client, logger and usage reporting (usage goes on the end frame).</param>
    /// <param name="cancellationToken">Cancelled when the stream's deadline passes or the silo stops.</param>
    protected abstract IAsyncEnumerable<TChunk> StreamAsync(TIn input, AgentContext context, CancellationToken cancellationToken);

    async Task<AgentOutcome> IStreamingAgentGrain.StreamAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var frames = Services.Publisher;
        var subject = MeshSubjects.Stream(request.RequestId);
        var context = CreateContext(request.RequestId, request.ConversationId, request.Timeout, request.ReplyTo, cancellationToken);
        var giveUp = context.CancellationToken;
        long count = 0;
        AgentError error;
        try
        {
            var input = AgentJson.Deserialize<TIn>(request.Body);
            await foreach (var chunk in StreamAsync(input, context, giveUp).WithCancellation(giveUp))
            {
                var body = AgentJson.SerializeOutput(chunk);
                if (body.Length > frames.MaxBody)
                {
                    throw new InvalidOperationException($"Agent '{AgentName}' produced a chunk of {body.Length} bytes, over the server's max_payload");
                }

                await frames.FrameAsync(subject, count++, body, request.RequestId);
            }

            await frames.EndAsync(subject, count, request.RequestId, context.UsageJson);
            return AgentOutcome.StreamEnded(count, context.UsageJson);
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            error = new AgentError(MeshErrorCodes.Timeout, cancellationToken.IsCancellationRequested || Services.Shutdown.Stopping.IsCancellationRequested
                ? $"Stream of agent '{AgentName}' was cancelled after {count} chunk(s)"
                : $"Stream of agent '{AgentName}' passed its deadline of {request.Timeout.TotalSeconds:0.###}s after {count} chunk(s)");
        }
        catch (Exception e)
        {
            error = ErrorFor(e, context);
        }
        finally
        {
            context.End();
        }

        // The error frame leaves from here, after the chunks, over the same connection.
        await frames.ErrorAsync(error.ToEnvelope(AgentName, request.RequestId), request.RequestId, replyTo: null, subject, conversation: null);
        return AgentOutcome.Failure(error, context.UsageJson) with { Count = count, Delivered = true };
    }
}
