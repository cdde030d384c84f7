using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Bridge;
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
    protected abstract IAsyncEnumerable<TChunk> StreamAsync(TIn input, AgentContext context, CancellationToken cancellationToken);

    async Task<AgentResponse> IStreamingAgentGrain.StreamAsync(AgentRequest request, TimeSpan deadline)
    {
        var frames = ServiceProvider.GetRequiredService<MeshPublisher>();
        var subject = MeshSubjects.Stream(request.RequestId);
        var context = CreateContext(request.RequestId, request.ConversationId);
        using var expiry = new CancellationTokenSource(deadline);
        long count = 0;
        AgentResponse outcome;
        try
        {
            var input = AgentJson.Deserialize<TIn>(request.Body);
            await foreach (var chunk in StreamAsync(input, context, expiry.Token).WithCancellation(expiry.Token))
            {
                var body = AgentJson.SerializeOutput(chunk);
                if (body.Length > frames.MaxBody)
                {
                    throw new InvalidOperationException($"Agent '{AgentName}' produced a chunk of {body.Length} bytes, over the server's max_payload");
                }

                await frames.FrameAsync(subject, count++, body, request.RequestId);
            }

            await frames.EndAsync(subject, count, request.RequestId, context.UsageJson);
            return new AgentResponse([], Usage: context.UsageJson, Count: count);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested)
        {
            outcome = AgentResponse.Error(MeshErrorCodes.Timeout, $"Stream of agent '{AgentName}' passed its deadline of {deadline.TotalSeconds:0.###}s after {count} chunk(s)");
        }
        catch (Exception e)
        {
            outcome = ErrorFor(e);
        }

        var details = System.Text.Json.JsonDocument.Parse(outcome.Body).RootElement.Clone();
        await frames.ErrorAsync(
            new ErrorEnvelope(outcome.ErrorCode!, outcome.ErrorMessage ?? "", AgentName, request.RequestId, details),
            request.RequestId, replyTo: null, subject, conversation: null);
        Debug.Assert(outcome.IsError);
        return outcome with { Usage = context.UsageJson, Count = count };
    }
}
