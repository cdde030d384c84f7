// Discovery as a foreign client does it: the catalog (KV mesh-catalog, key catalog), contracts
// (KV mesh-registry, key = agent name) and instance records (KV mesh-instances), per reference §4.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HEX32, call, connectMesh, decodeText, kvJson } from './lib/mesh.mjs';

const SAMPLES = {
  'demo.echo': { input: true, output: true },
  'demo.greet': { input: true, output: true },
  'demo.counter': { input: true, output: true },
  'demo.fail': { input: true, output: true },
  'demo.shout': { input: true, output: true },
  'demo.clock': { input: false, output: true },
};

let mesh;
let catalog;

before(async () => {
  mesh = await connectMesh();
  catalog = await kvJson(mesh, 'mesh-catalog', 'catalog');
});

after(async () => {
  await mesh?.nc.close();
});

describe('catalog', () => {
  test('is a JSON array listing every sample agent exactly once', () => {
    assert.ok(Array.isArray(catalog), 'the catalog value is a JSON array');
    for (const name of Object.keys(SAMPLES)) {
      assert.equal(catalog.filter((e) => e.name === name).length, 1, `${name} is listed once`);
    }
  });

  test('entries have exactly the reference fields with the right types', () => {
    for (const entry of catalog.filter((e) => e.name in SAMPLES)) {
      assert.deepEqual(Object.keys(entry).sort(), ['description', 'invocable', 'name', 'streaming', 'tags', 'version'], entry.name);
      assert.equal(typeof entry.name, 'string');
      assert.equal(typeof entry.description, 'string');
      assert.ok(entry.description.length > 0, `${entry.name} has a description`);
      assert.match(entry.version, /^\d+\.\d+\.\d+/, `${entry.name} version`);
      assert.ok(Array.isArray(entry.tags) && entry.tags.every((t) => typeof t === 'string'), `${entry.name} tags`);
      assert.equal(entry.invocable, true, `${entry.name} is invocable`);
      assert.equal(entry.streaming, false, `${entry.name} is not streaming`);
    }
  });

  test('demo.echo entry carries its declared metadata', () => {
    const echo = catalog.find((e) => e.name === 'demo.echo');
    assert.deepEqual(echo, {
      name: 'demo.echo',
      description: 'Echoes a message.',
      version: '1.0.0',
      tags: ['demo', 'text'],
      invocable: true,
      streaming: false,
    });
  });

  test('channel filter works client-side on dotted names (channel "demo")', () => {
    const demo = catalog.filter((e) => e.name.startsWith('demo.')).map((e) => e.name).sort();
    assert.deepEqual(demo.filter((n) => n in SAMPLES), Object.keys(SAMPLES).sort());
  });

  test('every listed sample agent has responders (a no-responders error would mean a stale entry)', async () => {
    for (const name of Object.keys(SAMPLES)) {
      // Any reply (ok or error envelope) proves a responder; no responders would reject with 503.
      const reply = await call(mesh, name, { body: {} });
      assert.ok(['ok', 'error'].includes(reply.headers['X-Mesh-Status']), `${name} answered`);
    }
  });

  test('a KV watch on the bucket delivers the current catalog first (reader seeding)', async () => {
    const kv = await mesh.nc.jetstream().views.kv('mesh-catalog', { bindOnly: true });
    const iter = await kv.watch({ key: 'catalog' });
    try {
      for await (const e of iter) {
        assert.equal(e.key, 'catalog');
        const watched = JSON.parse(decodeText(e.value));
        assert.deepEqual(watched.map((x) => x.name).filter((n) => n in SAMPLES).sort(), Object.keys(SAMPLES).sort());
        break;
      }
    } finally {
      iter.stop();
    }
  });
});

describe('contracts (mesh-registry)', () => {
  for (const [name, shape] of Object.entries(SAMPLES)) {
    test(`${name}: contract shape`, async () => {
      const c = await kvJson(mesh, 'mesh-registry', name);
      assert.ok(c, `mesh-registry/${name} exists`);
      const entry = catalog.find((e) => e.name === name);
      assert.deepEqual(Object.keys(c).sort(), ['capabilities', 'description', 'name', 'skills', 'version', 'x-agentmesh']);
      assert.equal(c.name, name);
      assert.equal(c.description, entry.description, 'same description as the catalog');
      assert.equal(c.version, entry.version, 'same version as the catalog');
      assert.deepEqual(c.capabilities, { streaming: false, invocable: true });

      assert.equal(c.skills.length, 1, 'exactly one skill');
      const skill = c.skills[0];
      assert.equal(skill.id, name);
      assert.equal(skill.name, name);
      assert.equal(skill.description, c.description);
      assert.deepEqual(skill.tags, entry.tags);
      if (shape.input) {
        assert.equal(typeof skill.inputSchema, 'object', 'inputSchema present for an agent that takes input');
      } else {
        assert.equal(skill.inputSchema, undefined, 'no inputSchema for a trigger');
      }
      assert.equal(typeof skill.outputSchema, 'object', 'outputSchema present for a non-streaming agent');

      const x = c['x-agentmesh'];
      assert.equal(x.subject, `mesh.agent.${name}`);
      assert.deepEqual(x.tags, entry.tags);
      assert.match(x.registered_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/, 'ISO-8601 UTC, microseconds, +00:00');
      assert.ok(Math.abs(Date.parse(x.registered_at) - Date.now()) < 24 * 3600 * 1000, 'registered_at is recent');
      assert.equal(x.chunk_schema, undefined, 'no chunk_schema for a responder');
    });
  }

  test('demo.echo schemas describe {"message": string} -> {"reply": string} with wire property names', async () => {
    const c = await kvJson(mesh, 'mesh-registry', 'demo.echo');
    const { inputSchema, outputSchema } = c.skills[0];
    assert.equal(inputSchema.type, 'object');
    assert.deepEqual(inputSchema.required, ['message']);
    assert.equal(inputSchema.properties.message.type, 'string');
    assert.equal(outputSchema.type, 'object');
    assert.deepEqual(outputSchema.required, ['reply']);
    assert.equal(outputSchema.properties.reply.type, 'string');
  });

  test('demo.greet schemas are scalar strings', async () => {
    const c = await kvJson(mesh, 'mesh-registry', 'demo.greet');
    assert.equal(c.skills[0].inputSchema.type, 'string');
    assert.equal(c.skills[0].outputSchema.type, 'string');
  });

  test('demo.counter output schema names count and conversationId; conversation is optional', async () => {
    const c = await kvJson(mesh, 'mesh-registry', 'demo.counter');
    const { inputSchema, outputSchema } = c.skills[0];
    assert.ok('conversation' in inputSchema.properties);
    assert.ok(!(inputSchema.required ?? []).includes('conversation'));
    assert.ok('count' in outputSchema.properties);
    assert.ok('conversationId' in outputSchema.properties);
    assert.equal(outputSchema.properties.count.type, 'integer');
  });

  test('a missing registry key reads as absent (what a client maps to not_found)', async () => {
    assert.equal(await kvJson(mesh, 'mesh-registry', 'demo.no-such-agent'), undefined);
  });
});

describe('instances and buckets', () => {
  test('mesh-instances has a record {"agents": [sorted names]} for the host that answers', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 'who' } });
    const hostId = reply.headers['X-Mesh-Instance-Id'];
    assert.match(hostId, HEX32);
    const record = await kvJson(mesh, 'mesh-instances', hostId);
    assert.ok(record, `mesh-instances/${hostId} exists`);
    assert.deepEqual(Object.keys(record), ['agents']);
    assert.deepEqual(record.agents, [...record.agents].sort(), 'agents are sorted');
    for (const name of Object.keys(SAMPLES)) {
      assert.ok(record.agents.includes(name), `${name} is in the instance record`);
    }
  });

  test('the host names its NATS connection oam-host-{instance_id} (what the health monitor keys on)', { skip: !process.env.OAM_NATS_MONITOR && 'OAM_NATS_MONITOR (nats-server monitoring URL) not set' }, async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 'name?' } });
    const hostId = reply.headers['X-Mesh-Instance-Id'];
    const res = await fetch(`${process.env.OAM_NATS_MONITOR}/connz?limit=1024`);
    assert.equal(res.status, 200);
    const names = (await res.json()).connections.map((c) => c.name);
    assert.ok(names.includes(`oam-host-${hostId}`), `a connection named oam-host-${hostId} among ${JSON.stringify(names)}`);
    assert.ok(names.includes(`oam-host-${mesh.instanceId}`), 'this client follows the same rule');
  });

  test('the KV buckets exist with history 1, no TTL, file storage', async () => {
    const js = mesh.nc.jetstream();
    for (const bucket of ['mesh-catalog', 'mesh-registry', 'mesh-instances', 'mesh-observability', 'mesh-context']) {
      const kv = await js.views.kv(bucket, { bindOnly: true });
      const status = await kv.status();
      assert.equal(status.history, 1, `${bucket} history`);
      assert.equal(status.ttl, 0, `${bucket} ttl`);
      assert.equal(status.streamInfo.config.storage, 'file', `${bucket} storage`);
      assert.equal(status.streamInfo.config.discard, 'new', `${bucket} discard`);
      assert.equal(status.streamInfo.config.deny_delete, true, `${bucket} deny_delete`);
      assert.equal(status.streamInfo.config.allow_rollup_hdrs, true, `${bucket} allow_rollup_hdrs`);
    }
  });

  test('the object store mesh-artifacts exists', async () => {
    const jsm = await mesh.nc.jetstreamManager();
    const info = await jsm.streams.info('OBJ_mesh-artifacts');
    assert.equal(info.config.name, 'OBJ_mesh-artifacts');
  });
});
