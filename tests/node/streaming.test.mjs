// The streamer, publisher, gated and source-only sample agents, seen by a foreign client that knows only the protocol
// (reference §5.1 streaming, §5.3 publisher events, §7.3 lifecycle gates, §7.2 source-only agents).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { headers as natsHeaders } from 'nats';
import { call, connectMesh, decodeJson, eventually, headerObject, kvJson, newId } from './lib/mesh.mjs';

let mesh;

before(async () => {
  mesh = await connectMesh();
});

after(async () => {
  await mesh?.nc.close();
});

test('demo.words streams one numbered frame per word, then an empty end frame with the count and usage', async () => {
  const rid = newId();
  const sub = mesh.nc.subscribe(`mesh.stream.${rid}`, { timeout: 10000 });
  await mesh.nc.flush();
  const h = natsHeaders();
  h.set('X-Mesh-Request-Id', rid);
  h.set('X-Mesh-Stream', 'true');
  h.set('X-Mesh-Instance-Id', mesh.instanceId);
  mesh.nc.publish('mesh.agent.demo.words', new TextEncoder().encode(JSON.stringify({ message: 'one two three' })), { headers: h });

  const frames = [];
  for await (const m of sub) {
    frames.push({ headers: headerObject(m), body: m.data.length ? decodeJson(m) : null });
    if (headerObject(m)['X-Mesh-Stream-End'] === 'true') {
      break;
    }
  }

  assert.deepEqual(frames.slice(0, 3).map((f) => f.body.text), ['one', 'two', 'three']);
  assert.deepEqual(frames.slice(0, 3).map((f) => f.headers['X-Mesh-Stream-Seq']), ['0', '1', '2']);
  const end = frames[3];
  assert.equal(end.body, null);
  assert.equal(end.headers['X-Mesh-Stream-Seq'], '3');
  assert.equal(JSON.parse(end.headers['X-Mesh-Usage']).output_tokens, 3);
});

test('demo.ticker publishes numbered events without a request id; calling it gets no responders', async () => {
  const sub = mesh.nc.subscribe('mesh.agent.demo.ticker.events', { max: 2, timeout: 10000 });
  const events = [];
  for await (const m of sub) {
    events.push({ headers: headerObject(m), body: decodeJson(m) });
  }
  assert.equal(Number(events[1].headers['X-Mesh-Stream-Seq']), Number(events[0].headers['X-Mesh-Stream-Seq']) + 1);
  assert.equal(events[0].headers['X-Mesh-Request-Id'], undefined);
  assert.equal(events[1].body.n, events[0].body.n + 1);
  await assert.rejects(call(mesh, 'demo.ticker', { body: {} }), (err) => err.code === '503');
});

test('demo.upper answers only while its flag is on, and stays in the catalog while closed', async () => {
  const catalog = await kvJson(mesh, 'mesh-catalog', 'catalog');
  assert.ok(catalog.some((e) => e.name === 'demo.upper' && e.invocable === true));
  await assert.rejects(call(mesh, 'demo.upper', { rawBody: '"hi"' }), (err) => err.code === '503');

  const kv = await mesh.nc.jetstream().views.kv('mesh-context', { bindOnly: true });
  await kv.put('flags.demo.upper', new TextEncoder().encode('true'));
  const reply = await eventually(async () => {
    try {
      return await call(mesh, 'demo.upper', { rawBody: '"hi"', timeout: 2000 });
    } catch {
      return undefined;
    }
  }, { what: 'demo.upper to open' });
  assert.equal(reply.body, 'HI');

  await kv.put('flags.demo.upper', new TextEncoder().encode('false'));
  await eventually(async () => {
    try {
      await call(mesh, 'demo.upper', { rawBody: '"hi"', timeout: 2000 });
      return false;
    } catch (err) {
      return err.code === '503';
    }
  }, { what: 'demo.upper to close' });
});

test('source-only agents are listed as neither invocable nor streaming', async () => {
  const catalog = await kvJson(mesh, 'mesh-catalog', 'catalog');
  for (const name of ['demo.audit', 'demo.settings']) {
    const entry = catalog.find((e) => e.name === name);
    assert.ok(entry, `${name} is in the catalog`);
    assert.equal(entry.invocable, false);
    assert.equal(entry.streaming, false);
  }
});
