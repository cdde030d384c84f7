using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Bridge;
using OamOrleans.Internal;
using OamOrleans.Protocol;
using Orleans.Concurrency;

namespace OamOrleans;

/// <summary>
/// A streaming agent: input <typeparamref name="TIn"/> → a stream of <typeparamref name="TChunk"/>. Each chunk goes out
/// on <c>mesh.stream.{request_id}</c> as soon as it is yielded (never buffered into one answer), then an end frame
/// with the count and any reported usage. An exception ends the stream with an error frame; chunks already sent stay
/// valid partial output. The token passed to <see cref="StreamAsync"/> is cancelled when the stream's deadline passes.
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

    async Task<AgentOutcome> IStreamingAgentGrain.StreamAsync(AgentRequest request, TimeSpan deadline)
    {
        using var expiry = new CancellationTokenSource(deadline);
        var cancellationToken = expiry.Token;
        var frames = ServiceProvider.GetRequiredService<MeshPublisher>();
        var subject = MeshSubjects.Stream(request.RequestId);
        var context = CreateContext(request.RequestId, request.ConversationId);
        long count = 0;
        var error = request.Prepared ? null : Prepare(request, stream: true);
        if (error is null)
        {
            try
            {
                var input = AgentJson.Deserialize<TIn>(request.Body);
                await foreach (var chunk in StreamAsync(input, context, cancellationToken).WithCancellation(cancellationToken))
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
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error = new AgentError(MeshErrorCodes.Timeout, $"Stream of agent '{AgentName}' passed its deadline of {deadline.TotalSeconds:0.###}s after {count} chunk(s)");
            }
            catch (Exception e)
            {
                error = ErrorFor(e);
            }
        }

        // The error frame leaves from here, after the chunks, over the same connection.
        await frames.ErrorAsync(error.ToEnvelope(AgentName, request.RequestId), request.RequestId, replyTo: null, subject, conversation: null);
        return AgentOutcome.Failure(error, context.UsageJson) with { Count = count, Delivered = true };
    }
}
