using System.Diagnostics;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    /// <summary>
    /// Publishes <paramref name="payload"/> on any concrete subject with OAM headers (protocol §5.4) and returns the request id.
    /// A <see cref="string"/> is sent as UTF-8 (<c>text/plain</c>), <c>byte[]</c>/<c>ReadOnlyMemory&lt;byte&gt;</c> unchanged
    /// (<c>application/octet-stream</c>), anything else as JSON (<c>application/json</c>). Headers: <c>X-Mesh-Request-Id</c>
    /// (fresh), <c>X-Mesh-Content-Type</c>, <c>X-Mesh-Instance-Id</c>, then <paramref name="headers"/>, which win over all of them.
    /// </summary>
    /// <exception cref="ArgumentException">The subject is empty, contains a wildcard (<c>*</c>, <c>&gt;</c>) or breaks
    /// <c>^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$</c>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="payload"/> is null.</exception>
    public async ValueTask<string> PublishAsync(string subject, object payload, IReadOnlyDictionary<string, string>? headers = null,
        JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        MeshSubjectRules.Validate(subject, nameof(subject), allowWildcards: false);
        ArgumentNullException.ThrowIfNull(payload);
        ThrowIfDisposed();
        await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        var (body, contentType) = payload switch
        {
            string text => ((ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(text), "text/plain"),
            byte[] bytes => (bytes, "application/octet-stream"),
            ReadOnlyMemory<byte> memory => (memory, "application/octet-stream"),
            _ => (SerializePayload(payload, JsonOptionsFor(jsonOptions)), "application/json"),
        };
        var requestId = MeshIds.New();
        var natsHeaders = new NatsHeaders
        {
            [MeshHeaders.RequestId] = requestId,
            [MeshHeaders.ContentType] = contentType,
            [MeshHeaders.InstanceId] = InstanceId,
        };
        using var activity = MeshDiagnostics.StartRequest("publish", ActivityKind.Producer, agent: null, subject, requestId, conversation: null);
        MeshDiagnostics.Inject(natsHeaders);
        foreach (var (key, value) in headers ?? new Dictionary<string, string>())
        {
            natsHeaders[key] = value;
        }

        ThrowIfReconnecting("", requestId);
        await Guard("", requestId, () => Connection.PublishAsync(subject, body, natsHeaders, serializer: RequestSerializer, cancellationToken: cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return natsHeaders.TryGetValue(MeshHeaders.RequestId, out var sent) ? sent.ToString() : requestId;
    }
}
