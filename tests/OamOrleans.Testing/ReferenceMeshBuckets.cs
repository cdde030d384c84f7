using System.Text;
using System.Text.Json;
using NATS.Client.Core;

namespace OamOrleans.Testing;

/// <summary>
/// Creates the mesh's five KV buckets exactly as the reference Python SDK leaves them (protocol §4.4): the <c>KV_*</c>
/// streams made through the JetStream API, with <c>allow_direct: false</c>, before any code of ours connects. Reading a
/// missing key from such a bucket answers a JetStream API error (err_code 10037) instead of the direct-get 404 status.
/// </summary>
public static class ReferenceMeshBuckets
{
    /// <summary>The five KV buckets of the mesh (mesh-catalog ... mesh-context).</summary>
    public static readonly IReadOnlyList<string> Names = ["mesh-catalog", "mesh-registry", "mesh-instances", "mesh-observability", "mesh-context"];

    /// <summary>The stream configuration nats-py gives a KV bucket, as read back from nats-server 2.9.10 (§4.4).</summary>
    public static string StreamConfig(string bucket) => $$"""
        {"name": "KV_{{bucket}}", "subjects": ["$KV.{{bucket}}.>"], "max_msgs_per_subject": 1, "max_age": 0,
         "storage": "file", "num_replicas": 1, "discard": "new", "deny_delete": true, "allow_rollup_hdrs": true,
         "allow_direct": false, "mirror_direct": false, "max_bytes": -1, "max_msg_size": -1, "duplicate_window": 120000000000}
        """;

    /// <summary>Creates all five buckets on the server at <paramref name="url"/>.</summary>
    public static async Task CreateAsync(string url)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = url, Name = "reference-sdk-buckets" });
        await CreateAsync(connection);
    }

    public static async Task CreateAsync(INatsConnection connection)
    {
        foreach (var bucket in Names)
        {
            await CreateStreamAsync(connection, bucket, StreamConfig(bucket));
        }
    }

    /// <summary>Creates one KV stream from a raw JetStream stream configuration; fails with the server's error.</summary>
    public static async Task CreateStreamAsync(INatsConnection connection, string bucket, string config)
    {
        var reply = await connection.RequestAsync<byte[], byte[]>($"$JS.API.STREAM.CREATE.KV_{bucket}", Encoding.UTF8.GetBytes(config));
        using var doc = JsonDocument.Parse(reply.Data ?? []);
        if (doc.RootElement.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"Creating stream KV_{bucket} failed: {error}");
        }
    }
}
