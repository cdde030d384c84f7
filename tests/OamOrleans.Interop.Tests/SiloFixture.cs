using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Interop.Tests;

/// <summary>
/// One real nats-server and one real silo process (the <c>oam-silo</c> executable with the sample agents) shared
/// by the tests of the <see cref="SiloCollection"/>; the npm packages of the Node.js suite and sample installed.
/// The silo is stopped with SIGTERM at the end.
/// </summary>
public class SiloFixture : IAsyncLifetime
{
    /// <summary>The sample agents the silo hosts.</summary>
    public static readonly IReadOnlyList<string> SampleAgents =
        ["demo.clock", "demo.counter", "demo.echo", "demo.fail", "demo.greet", "demo.shout"];

    /// <summary>No model for demo.assistant, whatever the test environment holds (empty counts as unset).</summary>
    public static readonly IReadOnlyDictionary<string, string> WithoutModel = new Dictionary<string, string>
    {
        ["OAM_LLM_ENDPOINT"] = "",
        ["OAM_LLM_MODEL"] = "",
        ["OAM_LLM_API_KEY"] = "",
    };

    private NatsServer? _nats;
    private ChildProcess? _silo;

    public string Url => _nats?.Url ?? throw new InvalidOperationException("fixture not started");

    /// <summary>The nats-server monitoring endpoint (<c>/connz</c>), for checks of connection names.</summary>
    public string MonitorUrl { get; private set; } = "";

    internal ChildProcess Silo => _silo ?? throw new InvalidOperationException("fixture not started");

    /// <summary>Whether the five KV buckets are made as the reference SDK makes them (allow_direct false) before the silo starts.</summary>
    protected virtual bool ReferenceBuckets => false;

    public async Task InitializeAsync()
    {
        // npm ci (only when node_modules is missing) runs while the silo starts.
        var packages = Task.WhenAll(
            NodeTooling.EnsurePackagesAsync(InteropPaths.NodeSuiteDir),
            NodeTooling.EnsurePackagesAsync(InteropPaths.NodeSampleDir));
        try
        {
            var monitorPort = NatsServer.FreePort();
            _nats = await NatsServer.StartAsync(extraConfig: $"http: 127.0.0.1:{monitorPort}");
            MonitorUrl = $"http://127.0.0.1:{monitorPort}";
            if (ReferenceBuckets)
            {
                await ReferenceMeshBuckets.CreateAsync(_nats.Url);
            }

            _silo = await OamSiloProcess.StartAsync(_nats, SampleAgents, WithoutModel, readyTimeout: TimeSpan.FromSeconds(120));
            await packages;
        }
        catch
        {
            // A failed start must not leave a nats-server or silo process behind.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "real silo process";
}

/// <summary>The same silo process on buckets made by the reference Python SDK (allow_direct false, protocol §4.4).</summary>
public sealed class ReferenceBucketsSiloFixture : SiloFixture
{
    protected override bool ReferenceBuckets => true;
}

[CollectionDefinition(Name)]
public sealed class ReferenceBucketsSiloCollection : ICollectionFixture<ReferenceBucketsSiloFixture>
{
    public const string Name = "silo process on reference-made buckets";
}
