using OamOrleans.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Clustering.Nats;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>
/// The cases of Orleans' ReminderTableTestsBase (dotnet/orleans test/Orleans.Runtime.Internal.Tests/RemindersTest, not
/// shipped in a package, so ported here) against a real nats-server, plus NATS-specific checks.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReminderTableTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>, IAsyncLifetime
{
    // Orleans' test uses a service id with a slash: keys must escape it.
    private readonly string _serviceId = Guid.NewGuid().ToString("N")[..12] + "/foo";
    private NatsReminderTable _table = null!;

    public async Task InitializeAsync()
    {
        _table = CreateTable();
        await _table.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _table.TestOnlyClearTable();
        await _table.DisposeAsync();
    }

    private NatsReminderTable CreateTable() => new(
        Options.Create(new NatsReminderTableOptions { Endpoint = new MeshEndpoint(nats.Url) }),
        Options.Create(new ClusterOptions { ClusterId = "c", ServiceId = _serviceId }),
        NullLogger<NatsReminderTable>.Instance);

    [Fact]
    public async Task Upsert_read_and_remove_follow_the_etag()
    {
        var reminder = CreateReminder(NewGrainId(), "foo/bar\\#b_a_z?");
        await _table.UpsertRow(reminder);

        var read = await _table.ReadRow(reminder.GrainId, reminder.ReminderName);
        Assert.NotNull(read);
        var firstEtag = read.ETag;
        Assert.NotNull(firstEtag);
        Assert.Equal(reminder.GrainId, read.GrainId);
        Assert.Equal(reminder.Period, read.Period);
        Assert.Equal(reminder.ReminderName, read.ReminderName);
        Assert.Equal(reminder.StartAt, read.StartAt);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);

        reminder.StartAt = DateTime.UtcNow;
        reminder.ETag = await _table.UpsertRow(reminder);
        Assert.NotNull(reminder.ETag);
        Assert.NotEqual(firstEtag, reminder.ETag);

        Assert.False(await _table.RemoveRow(reminder.GrainId, reminder.ReminderName, firstEtag), "a stale etag must not remove a newer registration");
        Assert.False(await _table.RemoveRow(reminder.GrainId, "bla", reminder.ETag), "wrong reminder name");
        Assert.False(await _table.RemoveRow(reminder.GrainId, reminder.ReminderName, "not-an-etag"), "an etag this table never made");
        Assert.True(await _table.RemoveRow(reminder.GrainId, reminder.ReminderName, reminder.ETag), "the current etag removes it");
        Assert.False(await _table.RemoveRow(reminder.GrainId, reminder.ReminderName, reminder.ETag), "already removed");
        Assert.Null(await _table.ReadRow(reminder.GrainId, reminder.ReminderName));
    }

    [Fact]
    public async Task Parallel_upserts_of_one_reminder_all_succeed_with_distinct_etags()
    {
        var upserts = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
        {
            var grainId = NewGrainId();
            var startAt = DateTime.UtcNow;
            return Task.WhenAll(Enumerable.Range(1, 5).Select(j =>
            {
                var reminder = CreateReminder(grainId, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                reminder.StartAt = startAt.AddMilliseconds(j);
                return _table.UpsertRow(reminder);
            }));
        }));

        Assert.All(upserts, etags => Assert.Equal(5, etags.Distinct().Count()));
    }

    [Fact]
    public async Task Concurrent_writers_on_two_tables_leave_one_reminder_and_only_the_winning_etag_removes_it()
    {
        await using var other = CreateTable();
        await other.StartAsync();
        var grainId = NewGrainId();

        var etags = await Task.WhenAll(
            Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? _table : other).UpsertRow(CreateReminder(grainId, "shared"))));

        var current = (await _table.ReadRows(grainId)).Reminders;
        var row = Assert.Single(current);
        Assert.Contains(row.ETag, etags);
        foreach (var stale in etags.Where(e => e != row.ETag))
        {
            Assert.False(await other.RemoveRow(grainId, "shared", stale!));
        }

        Assert.True(await other.RemoveRow(grainId, "shared", row.ETag!));
        Assert.Empty((await _table.ReadRows(grainId)).Reminders);
    }

    [Fact]
    public async Task ReadRows_of_a_grain_returns_only_that_grains_reminders()
    {
        var grain = NewGrainId();
        var neighbour = NewGrainId();
        await _table.UpsertRow(CreateReminder(grain, "a"));
        await _table.UpsertRow(CreateReminder(grain, "b"));
        await _table.UpsertRow(CreateReminder(neighbour, "a"));

        var rows = (await _table.ReadRows(grain)).Reminders;

        Assert.Equal(["a", "b"], rows.Select(r => r.ReminderName).Order());
        Assert.All(rows, r => Assert.Equal(grain, r.GrainId));
    }

    [Fact]
    public async Task ReadRows_by_hash_range_matches_orleans_ring_semantics_including_wrap_around()
    {
        const int count = 200;
        await Task.WhenAll(Enumerable.Range(1, count).Select(i =>
            _table.UpsertRow(CreateReminder(NewGrainId(), i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));

        Assert.Equal(count, (await _table.ReadRows(0, uint.MaxValue)).Reminders.Count);
        var all = (await _table.ReadRows(0, 0)).Reminders;
        Assert.Equal(count, all.Count); // begin == end is the whole ring
        var hashes = all.Select(r => r.GrainId.GetUniformHashCode()).ToArray();

        var random = new Random(23);
        for (var i = 0; i < 50; i++)
        {
            var begin = (uint)random.Next(int.MinValue, int.MaxValue);
            var end = (uint)random.Next(int.MinValue, int.MaxValue);
            var expected = begin < end
                ? hashes.Where(h => h > begin && h <= end)
                : hashes.Where(h => h > begin || h <= end);

            var returned = (await _table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.GetUniformHashCode());

            Assert.True(expected.ToHashSet().SetEquals(returned), $"range ({begin}, {end}]");
        }
    }

    [Fact]
    public async Task Reminders_survive_the_table_that_wrote_them_and_other_services_are_not_read()
    {
        var grain = NewGrainId();
        var written = CreateReminder(grain, "outlives");
        written.ETag = await _table.UpsertRow(written);

        await using var restarted = CreateTable();
        await restarted.StartAsync();
        await using var otherService = new NatsReminderTable(
            Options.Create(new NatsReminderTableOptions { Endpoint = new MeshEndpoint(nats.Url) }),
            Options.Create(new ClusterOptions { ClusterId = "c", ServiceId = _serviceId + "-other" }),
            NullLogger<NatsReminderTable>.Instance);
        await otherService.StartAsync();

        var read = await restarted.ReadRow(grain, "outlives");
        Assert.NotNull(read);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Empty((await otherService.ReadRows(0, 0)).Reminders);
    }

    [Fact]
    public async Task A_foreign_value_in_the_bucket_is_skipped_not_fatal()
    {
        var grain = NewGrainId();
        await _table.UpsertRow(CreateReminder(grain, "real"));
        await using var connection = new NatsConnection(new NatsOpts { Url = nats.Url });
        var store = await connection.CreateKeyValueStoreContext().GetStoreAsync(NatsReminderTableOptions.DefaultBucketName);
        var prefix = ReminderDocument.GrainPrefix(_serviceId, grain);
        await store.PutAsync(prefix + "junk", "not json"u8.ToArray());

        var rows = (await _table.ReadRows(grain)).Reminders;

        Assert.Equal("real", Assert.Single(rows).ReminderName);
        Assert.Null(await _table.ReadRow(grain, "junk"));
    }

    private static ReminderEntry CreateReminder(GrainId grainId, string reminderName)
    {
        var now = DateTime.UtcNow;
        return new ReminderEntry
        {
            GrainId = grainId,
            Period = TimeSpan.FromMinutes(1),
            StartAt = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc),
            ReminderName = reminderName,
        };
    }

    private static GrainId NewGrainId() =>
        GrainId.Create(GrainType.Create("my-remindable-grain"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid(), "foo/bar\\#baz?"));
}
