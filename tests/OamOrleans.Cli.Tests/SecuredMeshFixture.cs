using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// A secured mesh made only with our CLI: <c>oam auth init</c>, users of every role minted by <c>oam auth user add</c>, a
/// real nats-server in operator mode on the generated <c>server.conf</c>, and a silo that hosts the sample agents and three
/// publishers (one-, two- and three-segment names) with the worker's creds.
/// </summary>
public sealed class SecuredMeshFixture : IAsyncLifetime
{
    public static readonly string[] Roles = ["worker", "invoker", "observer", "admin"];

    /// <summary>Two invokers minted with <c>--private-inbox</c>.</summary>
    public static readonly string[] PrivateInvokers = ["alice", "bob"];

    public string WorkDir { get; } = Directory.CreateTempSubdirectory("oam-auth-").FullName;

    public string AuthDir => Path.Combine(WorkDir, ".oam");

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public string Url => Nats.Url;

    /// <summary>
    /// The creds file of a user minted at start: one per role, <c>revokee</c> (an invoker the revoke test revokes), and the
    /// <see cref="PrivateInvokers"/>.
    /// </summary>
    public string Creds(string user) => Path.Combine(WorkDir, user + ".creds");

    public async Task InitializeAsync()
    {
        await OamOk("auth", "init", "--dir", AuthDir);
        foreach (var role in Roles)
        {
            await OamOk("auth", "user", "add", role, "--role", role, "--dir", AuthDir, "--out", Creds(role));
        }

        await OamOk("auth", "user", "add", "revokee", "--role", "invoker", "--dir", AuthDir, "--out", Creds("revokee"));
        foreach (var user in PrivateInvokers)
        {
            await OamOk("auth", "user", "add", user, "--role", "invoker", "--private-inbox", "--dir", AuthDir, "--out", Creds(user));
        }

        Nats = await NatsServer.StartAsync(
            includeConfig: Path.Combine(AuthDir, "server.conf"),
            clientOpts: o => o with { AuthOpts = NatsAuthOpts.Default with { CredsFile = Creds("admin") } });
        Silo = await TestSilo.StartAsync(
            Nats.Url,
            configure: o =>
            {
                o.Endpoint = o.Endpoint! with { CredsFile = Creds("worker") };
                o.DrainTimeout = TimeSpan.FromSeconds(5);
            },
            agents: silo => silo
                .AddAgentsFromAssembly(typeof(EchoAgent).Assembly)
                .AddAgent<RootPulseAgent>()
                .AddAgent<ChannelPulseAgent>()
                .AddAgent<DeepPulseAgent>()).WaitAsync(TimeSpan.FromMinutes(1));

        await using var admin = await ConnectAsync("admin");
        string[] agents = ["demo.echo", "demo.words", "pulse", "auth.pulse", "auth.deep.pulse"];
        await Poll.UntilAsync(
            async () => (await admin.CatalogAsync()).Count(e => agents.Contains(e.Name)) == agents.Length,
            "the catalog lists the agents of the secured silo", TimeSpan.FromSeconds(30), interval: TimeSpan.FromMilliseconds(100));
    }

    /// <summary>A mesh client of <paramref name="user"/> (its creds file).</summary>
    public async Task<MeshClient> ConnectAsync(string user, TimeSpan? callTimeout = null) =>
        await MeshClient.ConnectAsync(options: new MeshClientOptions
        {
            Endpoint = new MeshEndpoint(Url, Creds(user)),
            CallTimeout = callTimeout ?? TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });

    /// <summary>A plain NATS connection of <paramref name="user"/> (with its private inbox prefix if it has one), connected.</summary>
    public async Task<NatsConnection> RawAsync(string user, TimeSpan? requestTimeout = null)
    {
        var nats = new NatsConnection(NatsOpts.Default with
        {
            Url = Url,
            Name = "raw-" + user,
            AuthOpts = NatsAuthOpts.Default with { CredsFile = Creds(user) },
            // A private-inbox user may subscribe to its own inbox prefix only (recorded next to its creds).
            InboxPrefix = MeshInboxFile.Read(Creds(user)) ?? NatsOpts.Default.InboxPrefix,
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(5),
        });
        await nats.ConnectAsync();
        return nats;
    }

    /// <summary>Runs <c>oam args</c> in-process against this mesh.</summary>
    public Task<OamResult> Oam(params string[] args) => OamInProcess.RunAsync(args, Url);

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        if (Nats is not null)
        {
            await Nats.DisposeAsync();
        }

        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task OamOk(params string[] args)
    {
        var result = await OamInProcess.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"oam {string.Join(' ', args)} failed: {result}");
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredMeshCollection : ICollectionFixture<SecuredMeshFixture>
{
    public const string Name = "secured mesh";
}
